"""A meeting's record in the JSON API: proposals and their decisions, the consent calendar, the minutes (notes,
amendments, publication) and action items, calling the same services as the pages.

The minutes and action items are read by the minutes' readers (meetings.minutes.may_read); proposals, notes,
decisions and publication are for the record's keepers (the meeting's minute taker and facilitator, the group's
coordinators, facilitators and minute takers); amendments are proposed by those who were at the meeting; an
action item is marked done by its owner too. To anyone else the meeting's record does not exist (404).
"""

from datetime import date, datetime
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from solidarity.accounts.access import signed_in
from solidarity.core.api import ApiError, ErrorOut, api_permission
from solidarity.core.permissions import Role, owner_role
from solidarity.meetings import actions, decisions, minutes
from solidarity.meetings.access import Power, powers_of
from solidarity.meetings.models import (
    MAX_AMEND_DAYS,
    NAME_LENGTH,
    REASON_LENGTH,
    TEXT_LENGTH,
    ActionItem,
    ActionState,
    AgendaItem,
    Amendment,
    Audience,
    Decision,
    Meeting,
    MinuteEntry,
    Minutes,
    Proposal,
)
from solidarity.meetings.record_access import (
    RECORDS,
    access_action_item,
    access_amendment,
    access_amendment_scoped,
    access_entry,
    access_kept,
    access_proposal,
    access_record,
    group_named,
    owner_for,
)

router = Router(tags=["meetings"])

AMENDMENT_KEEPERS = owner_role(
    Role.COORDINATOR, Role.FACILITATOR, Role.MINUTE_TAKER, access=access_amendment_scoped, kwarg="amendment"
)
# Refusals that are about the record's state, not the input: 409 with their own code.
STATE_CODES = {"no_quorum", "decided", "on_consent_calendar", "not_live", "window_closed", "not_present", "not_ready"}
CONFLICTS = {
    409: {
        "description": "The record's state refuses it: `no_quorum` (it would pass without quorum: nothing is "
        "recorded), `decided` (no longer open), `on_consent_calendar` (pull it out first), `not_live` (the meeting is "
        "not in progress), `window_closed` or `not_present` (amendments), `not_ready` (the minutes cannot be published "
        "yet), `conflict` (the meeting is over, or has not begun)."
    }
}
Count = int | None


def refused(error: ValidationError) -> ApiError:
    """A service's refusal in the one error shape: 409 with its code for the record's state, else 422."""
    if hasattr(error, "error_dict"):
        fields = error.message_dict
        codes = {item.code for items in error.error_dict.values() for item in items}
    else:
        fields = {"__all__": error.messages}
        codes = {item.code for item in error.error_list}
    message = next(iter(fields.values()))[0]
    state = next((code for code in codes if code in STATE_CODES), None)
    if state is None and not hasattr(error, "error_dict"):
        state = "conflict"  # a refusal of the whole request is about the meeting's state (it is over, not begun)
    return ApiError(409 if state else 422, state or "invalid_input", message, fields)


# Schemas (names unique across the project's API).


class ObjectionOut(Schema):
    kind: str = Field(description="stand_aside or block.")
    reason: str


class DecisionOut(Schema):
    id: UUID = Field(alias="uuid")
    proposal: UUID
    passed: bool
    how: str = Field(description="consensus, fallback, consensus_minus, majority or consent.")
    rule: str = Field(description="The meeting's rule when it was decided.")
    fallback_percent: int
    minus_blocks: int
    quorum: int
    present: int
    present_entered: bool = Field(description="The facilitator entered the count; else those who joined.")
    agree: int | None
    stand_asides: int
    blocks: int
    yes: int | None
    no: int | None
    abstain: int | None
    objections: list[ObjectionOut]
    recorded_at: datetime

    @staticmethod
    def resolve_proposal(obj: Decision) -> UUID:
        return obj.proposal.uuid

    @staticmethod
    def resolve_objections(obj: Decision) -> list[ObjectionOut]:
        return [ObjectionOut(kind=each.kind, reason=each.reason) for each in obj.objections.all()]


class ProposalOut(Schema):
    id: UUID = Field(alias="uuid")
    item: UUID = Field(description="The agenda item it is on.")
    text_en: str
    text_es: str
    proposed_by: str
    state: str = Field(description="open, passed, failed or withdrawn.")
    on_consent_calendar: bool = Field(description="On a consent calendar and not pulled out.")
    is_pulled: bool
    decision: DecisionOut | None

    @staticmethod
    def resolve_item(obj: Proposal) -> UUID:
        return obj.item.uuid

    @staticmethod
    def resolve_decision(obj: Proposal) -> Decision | None:
        return getattr(obj, "decision", None)


class ProposalIn(Schema):
    item: UUID | None = Field(None, description="The agenda item; the current one when left out.")
    text_en: str = Field("", max_length=TEXT_LENGTH, description="At least one of `text_en` and `text_es`.")
    text_es: str = Field("", max_length=TEXT_LENGTH)
    proposed_by: str = Field("", max_length=NAME_LENGTH, description="What the minutes say: a first name, a group.")


class DecisionIn(Schema):
    present: Count = Field(None, ge=0, le=decisions.MAX_COUNT, description="The room's count; else who joined.")
    agree: Count = Field(None, ge=0, le=decisions.MAX_COUNT)
    stand_asides: list[str] = Field(
        default_factory=list, max_length=200, description="One reason per stand-aside (empty strings for none)."
    )
    blocks: list[str] = Field(
        default_factory=list, max_length=200, description="One reason per block: required under consensus rules."
    )
    yes: Count = Field(None, ge=0, le=decisions.MAX_COUNT, description="The fallback vote, or the majority vote.")
    no: Count = Field(None, ge=0, le=decisions.MAX_COUNT)
    abstain: Count = Field(None, ge=0, le=decisions.MAX_COUNT)


class ConsentCalendarIn(Schema):
    item: UUID = Field(description="The consent calendar: an agenda item of kind `consent`.")
    present: Count = Field(None, ge=0, le=decisions.MAX_COUNT)


class DecisionsOut(Schema):
    items: list[DecisionOut]
    count: int


class MinuteEntryOut(Schema):
    id: UUID = Field(alias="uuid")
    item: UUID | None = Field(description="The agenda item; null for the meeting in general.")
    kind: str = Field(description="note, decision or action.")
    text: str = Field(description="A note's text; what a decision or an action item records, in the caller's language.")
    is_amended: bool
    created_at: datetime

    @staticmethod
    def resolve_item(obj: MinuteEntry) -> UUID | None:
        return obj.item.uuid if obj.item else None

    @staticmethod
    def resolve_text(obj: MinuteEntry) -> str:
        return minutes.summary_of(obj)


class MinutesOut(Schema):
    meeting: str = Field(description="The meeting's code.")
    phase: str = Field(description="draft, amending, ready (to publish) or published.")
    amend_days: int
    amend_until: datetime | None
    audience: str = Field(description="Who reads them once published: meeting, members or public.")
    published_at: datetime | None
    entries: list[MinuteEntryOut]


class MinuteNoteIn(Schema):
    text: str = Field(min_length=1, max_length=TEXT_LENGTH)
    item: UUID | None = Field(None, description="The agenda item; the meeting in general when left out.")


class AmendmentIn(Schema):
    text: str = Field(min_length=1, max_length=TEXT_LENGTH, description="The note as it should read, or one to add.")
    entry: UUID | None = Field(None, description="The note to change; a note to add when left out.")


class AmendmentOut(Schema):
    id: UUID = Field(alias="uuid")
    meeting: str
    entry: UUID | None
    text: str
    state: str = Field(description="pending, accepted or rejected.")
    created_at: datetime

    @staticmethod
    def resolve_meeting(obj: Amendment) -> str:
        return obj.meeting.code

    @staticmethod
    def resolve_entry(obj: Amendment) -> UUID | None:
        return obj.entry.uuid if obj.entry else None


class MinutesPublishIn(Schema):
    audience: Audience = Field(Audience.MEETING, description="public: a public meeting only, by a facilitator.")
    amend_days: int | None = Field(None, ge=0, le=MAX_AMEND_DAYS, description="Before the meeting closes only.")


class ActionItemOut(Schema):
    id: UUID = Field(alias="uuid")
    meeting: str = Field(description="The code of the meeting it was taken on at.")
    item: UUID | None
    what: str
    owner: str | None = Field(description="The owner's user name, for the record's keepers and the owner.")
    owner_name: str
    due_on: date | None
    group: str | None = Field(description="The working group's slug.")
    state: str = Field(description="open, done or dropped.")
    done_at: datetime | None
    carried_to: str | None = Field(description="The code of the meeting it was carried to, while open.")

    @staticmethod
    def resolve_meeting(obj: ActionItem) -> str:
        return obj.meeting.code

    @staticmethod
    def resolve_item(obj: ActionItem) -> UUID | None:
        return obj.item.uuid if obj.item else None

    @staticmethod
    def resolve_owner(obj: ActionItem, context: dict[str, Any]) -> str | None:
        user = context["request"].user
        if obj.owner is None or not (obj.owner_id == user.pk or Power.MINUTES in powers_of(user, obj.meeting)):
            return None
        return obj.owner.get_username()

    @staticmethod
    def resolve_group(obj: ActionItem) -> str | None:
        return obj.group.slug if obj.group else None

    @staticmethod
    def resolve_carried_to(obj: ActionItem) -> str | None:
        return obj.carried_to.code if obj.carried_to else None


class ActionItemIn(Schema):
    what: str = Field(min_length=1, max_length=REASON_LENGTH)
    owner: str | None = Field(None, max_length=150, description="An account's user name: reminded by email.")
    owner_name: str = Field("", max_length=NAME_LENGTH, description="Who, for someone without an account.")
    due_on: date | None = None
    group: str | None = Field(None, max_length=60, description="A working group's slug.")
    item: UUID | None = Field(None, description="The agenda item; the current one when left out.")


class ActionItemQuery(Schema):
    state: ActionState | None = None


def agenda_item(meeting: Meeting, value: UUID | None, *, current: bool = True) -> AgendaItem | None:
    if value is None:
        return meeting.current_item if current else None
    found = meeting.items.filter(uuid=value).first()
    if found is None:
        raise ValidationError({"item": _("Not an item of this meeting's agenda.")})
    return found


# Proposals and decisions.


@router.get("/meetings/{meeting}/proposals", response=list[ProposalOut], summary="A meeting's proposals")
@paginate
@api_permission("authenticated")
def list_proposals(request: HttpRequest, meeting: str) -> list[Proposal]:
    """In agenda order, each with its decision; for the minutes' readers."""
    found, _record = access_record(request.user, meeting)
    return list(
        found.proposals.select_related("item", "decision__proposal")
        .prefetch_related("decision__objections")
        .order_by("item__position", "position", "pk")
    )


@router.post(
    "/meetings/{meeting}/proposals",
    response={201: ProposalOut, 409: ErrorOut},
    summary="Put a proposal to the meeting",
    openapi_extra={"responses": CONFLICTS},
)
@api_permission(RECORDS)
def create_proposal(request: HttpRequest, meeting: str, payload: ProposalIn) -> Status[Proposal]:
    user = signed_in(request)
    found = access_kept(user, meeting)
    try:
        item = agenda_item(found, payload.item)
        if item is None:
            raise ValidationError({"item": _("Choose an agenda item.")})
        values = decisions.ProposalValues(payload.text_en, payload.text_es, payload.proposed_by)
        return Status(201, decisions.do_add_proposal(item, values, by=user))
    except ValidationError as error:
        raise refused(error) from None


@router.post(
    "/meetings/{meeting}/proposals/{proposal}/decision",
    response={201: DecisionOut, 409: ErrorOut},
    summary="Record how the meeting decided a proposal",
    openapi_extra={"responses": CONFLICTS},
)
@api_permission(RECORDS)
def decide_proposal(request: HttpRequest, meeting: str, proposal: UUID, payload: DecisionIn) -> Status[Decision]:
    """Under the meeting's rule. Under consensus rules every block states its reason (422 otherwise); a proposal
    that would pass without quorum is refused with 409 `no_quorum` and stays open."""
    user = signed_in(request)
    found = access_kept(user, meeting)
    chosen = access_proposal(found, proposal)
    values = decisions.DecisionValues(**payload.model_dump())
    try:
        return Status(201, decisions.do_record_decision(chosen, values, by=user))
    except ValidationError as error:
        raise refused(error) from None


@router.post(
    "/meetings/{meeting}/proposals/{proposal}/withdraw",
    response={200: ProposalOut, 409: ErrorOut},
    summary="Withdraw an open proposal",
    openapi_extra={"responses": CONFLICTS},
)
@api_permission(RECORDS)
def withdraw_proposal(request: HttpRequest, meeting: str, proposal: UUID) -> Proposal:
    user = signed_in(request)
    chosen = access_proposal(access_kept(user, meeting), proposal)
    try:
        decisions.do_withdraw_proposal(chosen, by=user)
    except ValidationError as error:
        raise refused(error) from None
    return chosen


@router.post(
    "/meetings/{meeting}/proposals/{proposal}/pull",
    response={200: ProposalOut, 409: ErrorOut},
    summary="Pull a proposal out of the consent calendar",
    openapi_extra={"responses": CONFLICTS},
)
@api_permission(RECORDS)
def pull_proposal(request: HttpRequest, meeting: str, proposal: UUID) -> Proposal:
    """It is then decided on its own (POST …/decision)."""
    user = signed_in(request)
    chosen = access_proposal(access_kept(user, meeting), proposal)
    try:
        decisions.do_pull_proposal(chosen, by=user)
    except ValidationError as error:
        raise refused(error) from None
    return chosen


@router.post(
    "/meetings/{meeting}/consent-calendar",
    response={201: DecisionsOut, 409: ErrorOut},
    summary="Pass a consent calendar",
    openapi_extra={"responses": CONFLICTS},
)
@api_permission(RECORDS)
def pass_consent_calendar(request: HttpRequest, meeting: str, payload: ConsentCalendarIn) -> Status[dict[str, Any]]:
    """Every open proposal on it not pulled out passes, one decision each."""
    user = signed_in(request)
    found = access_kept(user, meeting)
    try:
        item = agenda_item(found, payload.item)
        assert item is not None  # noqa: S101  (an item was named)
        passed = decisions.do_pass_consent_calendar(item, by=user, present=payload.present)
    except ValidationError as error:
        raise refused(error) from None
    return Status(201, {"items": passed, "count": len(passed)})


# The minutes.


@router.get("/meetings/{meeting}/minutes", response=MinutesOut, summary="A meeting's minutes")
@api_permission("authenticated")
def read_minutes(request: HttpRequest, meeting: str) -> dict[str, Any]:
    """For their readers: once published, their audience; before, the keepers, the group and those who were there."""
    found, record = access_record(request.user, meeting)
    return minutes_out(found, record)


def minutes_out(found: Meeting, record: Minutes) -> dict[str, Any]:
    standing = minutes.standing(found, record)
    return {
        "meeting": found.code,
        "phase": standing.phase,
        "amend_days": record.amend_days,
        "amend_until": standing.amend_until,
        "audience": record.audience,
        "published_at": record.published_at,
        "entries": minutes.entries_of(found),
    }


@router.post(
    "/meetings/{meeting}/minutes",
    response={201: MinuteEntryOut, 409: ErrorOut},
    summary="Write a note in the minutes",
    openapi_extra={"responses": CONFLICTS},
)
@api_permission(RECORDS)
def add_minute_note(request: HttpRequest, meeting: str, payload: MinuteNoteIn) -> Status[MinuteEntry]:
    user = signed_in(request)
    found = access_kept(user, meeting)
    try:
        item = agenda_item(found, payload.item, current=False)
        return Status(201, minutes.do_add_note(found, payload.text, item=item, by=user))
    except ValidationError as error:
        raise refused(error) from None


@router.post(
    "/meetings/{meeting}/minutes/amendments",
    response={201: AmendmentOut, 409: ErrorOut},
    summary="Propose an amendment to the minutes",
    openapi_extra={"responses": CONFLICTS},
)
@api_permission("authenticated")
def propose_amendment(request: HttpRequest, meeting: str, payload: AmendmentIn) -> Status[Amendment]:
    """Only someone who was at the meeting with their account, while amendments are taken (409 otherwise)."""
    user = signed_in(request)
    found, _record = access_record(user, meeting)
    try:
        entry = access_entry(found, payload.entry) if payload.entry else None
        return Status(201, minutes.do_propose_amendment(found, user, payload.text, entry=entry))
    except ValidationError as error:
        raise refused(error) from None


def decided(request: HttpRequest, amendment: UUID, accept: bool) -> Amendment:
    user = signed_in(request)
    found = access_amendment(user, amendment)
    try:
        minutes.do_decide_amendment(found, accept, by=user)
    except ValidationError as error:
        raise refused(error) from None
    return found


@router.post(
    "/minutes/amendments/{amendment}/accept",
    response={200: AmendmentOut, 409: ErrorOut},
    summary="Accept an amendment: the minutes change",
    openapi_extra={"responses": CONFLICTS},
)
@api_permission(AMENDMENT_KEEPERS)
def accept_amendment(request: HttpRequest, amendment: UUID) -> Amendment:
    return decided(request, amendment, True)


@router.post(
    "/minutes/amendments/{amendment}/reject",
    response={200: AmendmentOut, 409: ErrorOut},
    summary="Reject an amendment",
    openapi_extra={"responses": CONFLICTS},
)
@api_permission(AMENDMENT_KEEPERS)
def reject_amendment(request: HttpRequest, amendment: UUID) -> Amendment:
    return decided(request, amendment, False)


@router.post(
    "/meetings/{meeting}/minutes/publish",
    response={200: MinutesOut, 409: ErrorOut},
    summary="Publish the minutes, or set their amendment window",
    openapi_extra={"responses": CONFLICTS},
)
@api_permission(RECORDS)
def publish_minutes(request: HttpRequest, meeting: str, payload: MinutesPublishIn) -> dict[str, Any]:
    """With `amend_days` (before the meeting closes): only the window is set. Otherwise the minutes are published
    for `audience`, once the window has passed and every amendment is decided (409 `not_ready` before)."""
    user = signed_in(request)
    found = access_kept(user, meeting)
    try:
        if payload.amend_days is not None:
            minutes.do_set_amend_days(found, payload.amend_days, by=user)
        else:
            may_make_public = Power.MANAGE in powers_of(user, found)
            minutes.do_publish_minutes(found, payload.audience, by=user, may_make_public=may_make_public)
    except ValidationError as error:
        raise refused(error) from None
    return minutes_out(*access_record(user, meeting))


# Action items.


@router.get("/meetings/{meeting}/action-items", response=list[ActionItemOut], summary="A meeting's action items")
@paginate
@api_permission("authenticated")
def list_action_items(request: HttpRequest, meeting: str, query: Query[ActionItemQuery]) -> list[ActionItem]:
    """Made at the meeting and carried to it, open first; for the minutes' readers."""
    found, _record = access_record(request.user, meeting)
    items = actions.actions_of(found)
    return list(items.filter(state=query.state) if query.state else items)


@router.post(
    "/meetings/{meeting}/action-items",
    response={201: ActionItemOut, 409: ErrorOut},
    summary="Add an action item",
    openapi_extra={"responses": CONFLICTS},
)
@api_permission(RECORDS)
def create_action_item(request: HttpRequest, meeting: str, payload: ActionItemIn) -> Status[ActionItem]:
    """An owner with an account (`owner`, a user name among the meeting's members) is reminded by email."""
    user = signed_in(request)
    found = access_kept(user, meeting)
    try:
        values = actions.ActionValues(
            what=payload.what,
            owner=owner_for(found, payload.owner) if payload.owner else None,
            owner_name=payload.owner_name,
            due_on=payload.due_on,
            group=group_named(payload.group) if payload.group else None,
            item=agenda_item(found, payload.item),
        )
        return Status(201, actions.do_add_action_item(found, values, by=user))
    except ValidationError as error:
        raise refused(error) from None


@router.post(
    "/meetings/{meeting}/action-items/{action_item}/done",
    response=ActionItemOut,
    summary="Mark an action item done",
)
@api_permission("authenticated")
def action_item_done(request: HttpRequest, meeting: str, action_item: UUID) -> ActionItem:
    """By its owner, or a keeper of the record; marking one already done (or dropped) changes nothing."""
    user = signed_in(request)
    found = access_action_item(user, meeting, action_item)
    actions.do_finish_action_item(found, ActionState.DONE, by=user)
    return found


@router.post(
    "/meetings/{meeting}/action-items/{action_item}/drop", response=ActionItemOut, summary="Drop an action item"
)
@api_permission(RECORDS)
def drop_action_item(request: HttpRequest, meeting: str, action_item: UUID) -> ActionItem:
    user = signed_in(request)
    found = access_action_item(user, meeting, action_item, keeper=True)
    actions.do_finish_action_item(found, ActionState.DROPPED, by=user)
    return found


@router.get("/action-items", response=list[ActionItemOut], summary="The caller's own action items")
@paginate
@api_permission("authenticated")
def my_action_items(request: HttpRequest, query: Query[ActionItemQuery]) -> list[ActionItem]:
    """From every meeting, open first, soonest due first."""
    items = actions.tasks_of(signed_in(request))
    return list(items.filter(state=query.state) if query.state else items)
