"""The inbox of texts no keyword took: the network's dispatchers read them, whichever group they dispatch for.

Only the dispatcher role opens it: a coordinator of the medics' committee has no business reading
the hotline's texts. A coordinator who also takes calls is given the dispatcher role as well.
"""

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from solidarity.core.permissions import anywhere, permission
from solidarity.messaging.access import HOTLINE, access_inbound, actor, inbox_seen_by
from solidarity.messaging.forms import MoveForm, ReplyForm
from solidarity.messaging.inbox import (
    InboxError,
    do_mark_reviewed,
    do_move_to_flow,
    do_opt_out_sender,
    do_reply,
    movable_commands,
)
from solidarity.messaging.keywords import Command
from solidarity.messaging.models import Inbound

DISPATCHERS = anywhere(HOTLINE)


def move_form(data: Any = None, **kwargs: Any) -> MoveForm:
    return MoveForm(data, choices=[(str(command), label) for command, label in movable_commands()], **kwargs)


@dataclass
class Card:
    """One text in the inbox with its forms, each with ids of its own (labels must name one field)."""

    inbound: Inbound
    reply_form: ReplyForm
    move_form: MoveForm


def inbox_page(
    request: HttpRequest, *, failed: ReplyForm | MoveForm | None = None, at: UUID | None = None
) -> HttpResponse:
    """The inbox; `failed`: the form that did not go through for the text `at`, shown again with its errors."""
    cards = []
    for inbound in inbox_seen_by(request.user):
        ids = f"id_%s_{inbound.uuid.hex[:8]}"
        card = Card(inbound, ReplyForm(auto_id=ids), move_form(auto_id=ids))
        if inbound.uuid == at and isinstance(failed, ReplyForm):
            card.reply_form = failed
        elif inbound.uuid == at and isinstance(failed, MoveForm):
            card.move_form = failed
        cards.append(card)
    context = {"cards": cards, "can_move": bool(movable_commands())}
    return render(request, "messaging/inbox.html", context, status=400 if failed else 200)


def back(request: HttpRequest) -> HttpResponse:
    return HttpResponseRedirect(reverse("inbox:list"))


@require_GET
@permission(DISPATCHERS)
def inbox(request: HttpRequest) -> HttpResponse:
    return inbox_page(request)


@require_POST
@permission(DISPATCHERS)
def mark_reviewed(request: HttpRequest, message: UUID) -> HttpResponse:
    inbound = access_inbound(request.user, message)
    do_mark_reviewed(inbound, actor=actor(request.user), role=HOTLINE)
    return back(request)


@require_POST
@permission(DISPATCHERS)
def reply(request: HttpRequest, message: UUID) -> HttpResponse:
    inbound = access_inbound(request.user, message)
    form = ReplyForm(request.POST, auto_id=f"id_%s_{message.hex[:8]}")
    if not form.is_valid():
        return inbox_page(request, failed=form, at=message)
    try:
        do_reply(inbound, form.cleaned_data["text"], actor=actor(request.user), role=HOTLINE)
    except InboxError as error:
        messages.error(request, error.message)
        return back(request)
    messages.success(request, _("Your reply is on its way."))
    return back(request)


@require_POST
@permission(DISPATCHERS)
def opt_out(request: HttpRequest, message: UUID) -> HttpResponse:
    inbound = access_inbound(request.user, message)
    try:
        confirmed = do_opt_out_sender(inbound, actor=actor(request.user), role=HOTLINE)
    except InboxError as error:
        messages.error(request, error.message)
        return back(request)
    if confirmed:
        messages.success(request, _("The number is opted out of everything, and will be told so once."))
    else:
        messages.info(request, _("The number had already opted out: nothing more is sent to it."))
    return back(request)


@require_POST
@permission(DISPATCHERS)
def move(request: HttpRequest, message: UUID) -> HttpResponse:
    inbound = access_inbound(request.user, message)
    form = move_form(request.POST, auto_id=f"id_%s_{message.hex[:8]}")
    if not form.is_valid():
        return inbox_page(request, failed=form, at=message)
    command, argument = Command(form.cleaned_data["command"]), form.cleaned_data["argument"]
    try:
        done = do_move_to_flow(inbound, command, argument, actor=actor(request.user), role=HOTLINE)
    except InboxError as error:
        form.add_error("argument" if error.code == "invalid_input" else None, error.message)
        return inbox_page(request, failed=form, at=message)
    messages.success(request, done)
    return back(request)
