"""The inbox of texts no keyword took: hotline takers (dispatchers, in whichever group they dispatch) read them.

Only the dispatcher role opens it: a coordinator of the medics' committee has no business reading
the hotline's texts. A group's coordinator who also takes calls is given the role there.
"""

from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from solidarity.core.permissions import Role, held_role, permission, role
from solidarity.messaging.access import access_inbound, inbox_seen_by
from solidarity.messaging.forms import ReplyForm
from solidarity.messaging.inbound import do_mark_reviewed, do_reply

HOTLINE = role(Role.DISPATCHER)


def actor_of(request: HttpRequest, group: str) -> tuple[str, str]:
    held = held_role(request.user, group)
    return str(getattr(request.user, "uuid", "")), held.value if held else ""


@permission(HOTLINE)
def inbox(request: HttpRequest, group: str) -> HttpResponse:
    actor, held = actor_of(request, group)
    shown = inbox_seen_by(actor, held)
    return render(request, "messaging/inbox.html", {"group": group, "messages_in": shown, "form": ReplyForm()})


@require_POST
@permission(HOTLINE)
def mark_reviewed(request: HttpRequest, group: str, message: UUID) -> HttpResponse:
    actor, held = actor_of(request, group)
    do_mark_reviewed(access_inbound(message), actor=actor, role=held)
    return HttpResponseRedirect(reverse("inbox:list", kwargs={"group": group}))


@require_POST
@permission(HOTLINE)
def reply(request: HttpRequest, group: str, message: UUID) -> HttpResponse:
    inbound = access_inbound(message)
    form = ReplyForm(request.POST)
    if not form.is_valid():
        actor, held = actor_of(request, group)
        shown = inbox_seen_by(actor, held)
        context = {"group": group, "messages_in": shown, "form": ReplyForm(), "failed": (message, form)}
        return render(request, "messaging/inbox.html", context, status=400)
    actor, held = actor_of(request, group)
    do_reply(inbound, form.cleaned_data["text"], actor=actor, role=held)
    messages.success(request, _("Your reply is on its way."))
    return HttpResponseRedirect(reverse("inbox:list", kwargs={"group": group}))
