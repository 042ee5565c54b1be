"""The inbox of texts no keyword took: the network's dispatchers read them, whichever group they dispatch for.

Only the dispatcher role opens it: a coordinator of the medics' committee has no business reading
the hotline's texts. A coordinator who also takes calls is given the dispatcher role as well.
"""

from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from solidarity.core.permissions import anywhere, permission
from solidarity.messaging.access import HOTLINE, access_inbound, actor, inbox_seen_by
from solidarity.messaging.forms import ReplyForm
from solidarity.messaging.inbound import do_mark_reviewed, do_reply

DISPATCHERS = anywhere(HOTLINE)


@require_GET
@permission(DISPATCHERS)
def inbox(request: HttpRequest) -> HttpResponse:
    shown = inbox_seen_by(request.user)
    return render(request, "messaging/inbox.html", {"messages_in": shown, "form": ReplyForm()})


@require_POST
@permission(DISPATCHERS)
def mark_reviewed(request: HttpRequest, message: UUID) -> HttpResponse:
    inbound = access_inbound(request.user, message)
    do_mark_reviewed(inbound, actor=actor(request.user), role=HOTLINE)
    return HttpResponseRedirect(reverse("inbox:list"))


@require_POST
@permission(DISPATCHERS)
def reply(request: HttpRequest, message: UUID) -> HttpResponse:
    inbound = access_inbound(request.user, message)
    form = ReplyForm(request.POST)
    if not form.is_valid():
        shown = inbox_seen_by(request.user)
        context = {"messages_in": shown, "form": ReplyForm(), "failed": (message, form)}
        return render(request, "messaging/inbox.html", context, status=400)
    do_reply(inbound, form.cleaned_data["text"], actor=actor(request.user), role=HOTLINE)
    messages.success(request, _("Your reply is on its way."))
    return HttpResponseRedirect(reverse("inbox:list"))
