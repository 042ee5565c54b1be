"""The hotline's inbox, for the network's dispatchers: what the inbox page does, for scripts.

A text is addressed by its uuid (`/inbox/{message}`); it exists only for dispatchers (404 for anyone
else), whichever group they dispatch for. The number is never shown: its last four digits at
most, as on the page. Every reading is audited, as the page's is.
"""

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from solidarity.core.api import MAX_OFFSET, ApiError, ErrorOut, api_permission, form_errors
from solidarity.messaging.access import HOTLINE, INBOX_PAGE, access_inbound, actor, inbox_seen_by, unmatched
from solidarity.messaging.forms import ReplyForm
from solidarity.messaging.inbox import InboxError, do_mark_reviewed, do_move_to_flow, do_opt_out_sender, do_reply
from solidarity.messaging.inbox_views import DISPATCHERS
from solidarity.messaging.keywords import Command
from solidarity.messaging.models import Inbound

router = Router(tags=["inbox"])

CONFLICTS = {
    "responses": {
        409: {
            "description": "The text came from no phone number (`no_phone_number`), or nothing took it (`not_taken`)."
        }
    }
}


class InboundOut(Schema):
    id: UUID = Field(alias="uuid")
    received_at: datetime
    body: str = Field(description="The text as it came.")
    command: str = Field(description="The keyword it was read as (`unmatched`: none), or the one it was moved into.")
    state: Literal["unmatched", "handled", "reviewed"] = Field(
        description="`unmatched`: waiting in the inbox; `handled`: a flow took it; `reviewed`: a person dealt with it."
    )
    has_usable_sender: bool = Field(description="False: it came from no phone number and cannot be answered.")
    sender_ending: str | None = Field(description="The number's last four digits; null when there is no number.")

    @staticmethod
    def resolve_body(obj: Inbound) -> str:
        return str(obj.body)

    @staticmethod
    def resolve_sender_ending(obj: Inbound) -> str | None:
        return str(obj.sender)[-4:] if obj.has_usable_sender else None


class InboxPage(Schema):
    items: list[InboundOut]
    count: int = Field(description="How many texts wait in the inbox in all.")


class PageIn(Schema):
    limit: int = Field(50, ge=1, le=INBOX_PAGE, description=f"How many texts, 1 to {INBOX_PAGE}.")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="How many texts to skip.")


class ReplyIn(Schema):
    text: str = Field(max_length=480, description="At most three text messages long.")


class MoveIn(Schema):
    command: Literal["report", "join", "confirm", "go", "no", "pause", "back", "status"] = Field(
        description="The flow to move the text into: one a part of the network handles."
    )
    argument: str = Field(
        "",
        max_length=40,
        description="What follows the keyword: a list's keyword, a code or a number of days; empty for a report.",
    )


class MovedOut(Schema):
    text: InboundOut
    result: str = Field(description="What became of it, for a person.")


def refused(error: InboxError) -> ApiError:
    if error.code == "invalid_input":
        return ApiError(422, "invalid_input", error.message, {"argument": [error.message]})
    return ApiError(409, error.code, error.message)


@router.get("", response=InboxPage, summary="The texts waiting in the hotline's inbox, newest first")
@api_permission(DISPATCHERS)
def waiting(request: HttpRequest, page: Query[PageIn]) -> dict[str, Any]:
    items = inbox_seen_by(request.user, offset=page.offset, limit=page.limit)
    return {"items": items, "count": unmatched().count()}


@router.get("/{message}", response=InboundOut, summary="One text of the inbox")
@api_permission(DISPATCHERS)
def read_text(request: HttpRequest, message: UUID) -> Inbound:
    return access_inbound(request.user, message)


@router.post(
    "/{message}/reply",
    response={200: InboundOut, 409: ErrorOut},
    summary="Answer a text by SMS",
    openapi_extra=CONFLICTS,
)
@api_permission(DISPATCHERS)
def reply(request: HttpRequest, message: UUID, payload: ReplyIn) -> Inbound:
    inbound = access_inbound(request.user, message)
    form = ReplyForm({"text": payload.text})
    if not form.is_valid():
        raise ApiError(422, "invalid_input", _("Some values are not valid."), form_errors(form))
    try:
        do_reply(inbound, form.cleaned_data["text"], actor=actor(request.user), role=HOTLINE)
    except InboxError as error:
        raise refused(error) from None
    return inbound


@router.post("/{message}/reviewed", response=InboundOut, summary="Mark a text as reviewed: it leaves the inbox")
@api_permission(DISPATCHERS)
def reviewed(request: HttpRequest, message: UUID) -> Inbound:
    inbound = access_inbound(request.user, message)
    do_mark_reviewed(inbound, actor=actor(request.user), role=HOTLINE)
    return inbound


@router.post(
    "/{message}/opt-out",
    response={200: InboundOut, 409: ErrorOut},
    summary="Opt the text's number out of everything, as its STOP would",
    openapi_extra=CONFLICTS,
)
@api_permission(DISPATCHERS)
def opt_out(request: HttpRequest, message: UUID) -> Inbound:
    """The number gets one confirmation (none if it had opted out already), and the text leaves the inbox."""
    inbound = access_inbound(request.user, message)
    try:
        do_opt_out_sender(inbound, actor=actor(request.user), role=HOTLINE)
    except InboxError as error:
        raise refused(error) from None
    return inbound


@router.post(
    "/{message}/move",
    response={200: MovedOut, 409: ErrorOut},
    summary="Move a text into the flow it asks for (join a list, confirm, a report, an answer to an alert)",
    openapi_extra=CONFLICTS,
)
@api_permission(DISPATCHERS)
def move(request: HttpRequest, message: UUID, payload: MoveIn) -> dict[str, Any]:
    """Read as if the person had texted the keyword and the argument; nothing changes when it does not fit."""
    inbound = access_inbound(request.user, message)
    try:
        result = do_move_to_flow(
            inbound, Command(payload.command), payload.argument, actor=actor(request.user), role=HOTLINE
        )
    except InboxError as error:
        raise refused(error) from None
    return {"text": inbound, "result": result}
