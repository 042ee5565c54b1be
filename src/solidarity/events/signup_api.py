"""An action's slots and sign-ups in the JSON API, through the same services as the pages (events.signups,
events.updates): slots, sign-ups (one's own, or anyone's for the organisers), confirming, giving a seat back,
check-in and check-out, attendance, the update list and its updates.

Paths sit under the action (`/actions/{action}/...`, its code); a slot and a sign-up are named by their uuids.
Members of the action's group read its slots and sign themselves up; its coordinators manage everything. To
anyone else the action does not exist (404). A refusal about a field is a 422 naming it; one about a state a
409 with a stable code (events.signups.Refused: `slot_full`, `skill_lapsed`, `action_over`...).
"""

from datetime import datetime
from typing import Literal
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import AwareDatetime, StrictBool, StrictInt

from solidarity.accounts.access import signed_in
from solidarity.core.api import ApiError, ErrorOut, api_permission
from solidarity.events.access import ORGANISERS, access_action
from solidarity.events.models import MAX_NEEDED, TAKEN_STATES, TITLE_LENGTH, SignUp, Slot
from solidarity.events.signup_access import (
    ACTION_MEMBER,
    ACTION_ORGANISER,
    access_managed_seat,
    access_seat,
    access_slot,
    access_slots,
    person_to_sign_up,
    visible_sign_ups,
)
from solidarity.events.signups import (
    SlotValues,
    do_add_slot,
    do_cancel_sign_up,
    do_check_in,
    do_check_out,
    do_confirm_sign_up,
    do_mark_attendance,
    do_remove_slot,
    do_settle_attendance,
    do_sign_up,
    do_update_slot,
    is_waiting_for_partner,
    slots_of,
)
from solidarity.events.updates import UPDATE_LENGTH, do_open_update_list, do_post_update

router = Router(tags=["events"])

SlotRole = Literal[
    "marshal", "medic", "legal_liaison", "jail_support", "driver", "interpreter", "deescalation", "other"
]
SignUpStateName = Literal["signed_up", "cancelled", "attended", "no_show"]
STATE_REFUSALS = {
    409: {
        "description": "The state refuses it: `slot_full`, `skill_lapsed`, `skill_missing`, `action_over`, "
        "`shift_started`, `overlapping_shift`, `person_left`, `not_open`, `too_early`, `not_checked_in`, "
        "`no_update_list`."
    }
}


# What goes out.


class EventSlotOut(Schema):
    id: UUID
    role: SlotRole
    name: str = Field(description="Its own name in the caller's language, else the role's.")
    name_en: str
    name_es: str
    skill: str | None = Field(description="The slug of the skill a current certification of is required.")
    starts_at: datetime
    ends_at: datetime
    needed: int
    in_pairs: bool
    taken: int = Field(description="Places taken.")
    left: int = Field(description="Places left.")
    pairs: int = Field(description="Pairs formed (a slot that fills in pairs).")
    has_lone_medic: bool = Field(description="An odd count in a slot that fills in pairs: one waits for a partner.")


class EventSignUpOut(Schema):
    id: UUID
    slot: UUID
    person: UUID
    code: str = Field(description="What the person texts: CONFIRM, DROP, ARRIVED, LEFT and the code.")
    state: SignUpStateName
    is_waiting_for_partner: bool
    confirmed_at: datetime | None
    checked_in_at: datetime | None
    checked_out_at: datetime | None
    created_at: datetime


class EventAttendanceOut(Schema):
    attended: int
    no_show: int


class EventUpdateListOut(Schema):
    id: UUID
    slug: str
    name_en: str
    name_es: str


class EventUpdateOut(Schema):
    id: UUID
    messages: int = Field(description="How many messages went to the outbox.")


# What comes in.


class EventSlotIn(Schema):
    role: SlotRole
    name_en: str = Field("", max_length=TITLE_LENGTH)
    name_es: str = Field("", max_length=TITLE_LENGTH)
    skill: str = Field("", max_length=100, description="A skill's slug; empty for none.")
    starts_at: AwareDatetime
    ends_at: AwareDatetime = Field(description="After `starts_at`; a jail-support shift lasts 4 hours at most.")
    needed: StrictInt = Field(ge=1, le=MAX_NEEDED)
    in_pairs: StrictBool | None = Field(None, description="Empty: street medics in pairs, other roles alone.")


class EventSlotPatch(Schema):
    """Only the fields sent change."""

    role: SlotRole | None = None
    name_en: str | None = Field(None, max_length=TITLE_LENGTH)
    name_es: str | None = Field(None, max_length=TITLE_LENGTH)
    skill: str | None = Field(None, max_length=100)
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    needed: StrictInt | None = Field(None, ge=1, le=MAX_NEEDED)
    in_pairs: StrictBool | None = None


class EventSignUpIn(Schema):
    person: UUID | None = Field(None, description="Organisers: the person to sign up. Empty: the caller's own.")


class EventMarkIn(Schema):
    attended: StrictBool


class EventAttendanceIn(Schema):
    overrides: dict[UUID, StrictBool] = Field(
        default_factory=dict, description="A sign-up's id: came or not, where it differs from its check-in."
    )


class EventUpdateIn(Schema):
    text_en: str = Field("", max_length=UPDATE_LENGTH, description="At least one of `text_en` and `text_es`.")
    text_es: str = Field("", max_length=UPDATE_LENGTH)


# Helpers.


def refused(error: ValidationError) -> ApiError:
    if hasattr(error, "error_dict"):
        fields = error.message_dict
        return ApiError(422, "invalid_input", next(iter(fields.values()))[0], fields)
    code = next((str(item.code) for item in error.error_list if item.code), "conflict")
    return ApiError(409, code, " ".join(error.messages))


def slot_out(slot: Slot) -> EventSlotOut:
    taken = getattr(slot, "taken", None)
    if taken is None:
        taken = slot.sign_ups.filter(state__in=TAKEN_STATES).count()
    return EventSlotOut(
        id=slot.uuid,
        role=slot.role,  # type: ignore[arg-type]  # a Role value, as stored
        name=str(slot),
        name_en=slot.name_en,
        name_es=slot.name_es,
        skill=slot.skill.slug if slot.skill else None,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        needed=slot.needed,
        in_pairs=slot.in_pairs,
        taken=taken,
        left=max(slot.needed - taken, 0),
        pairs=taken // 2 if slot.in_pairs else 0,
        has_lone_medic=slot.in_pairs and taken % 2 == 1,
    )


def sign_up_out(sign_up: SignUp) -> EventSignUpOut:
    return EventSignUpOut(
        id=sign_up.uuid,
        slot=sign_up.slot.uuid,
        person=sign_up.person.uuid,
        code=sign_up.code,
        state=sign_up.state,  # type: ignore[arg-type]  # a SignUpState value, as stored
        is_waiting_for_partner=is_waiting_for_partner(sign_up),
        confirmed_at=sign_up.confirmed_at,
        checked_in_at=sign_up.checked_in_at,
        checked_out_at=sign_up.checked_out_at,
        created_at=sign_up.created_at,
    )


def slot_values(slot: Slot | None, changes: dict[str, object]) -> SlotValues:
    values: dict[str, object] = {}
    if slot is not None:
        values = {name: getattr(slot, name) for name in ("role", "name_en", "name_es", "starts_at", "ends_at")}
        values |= {"needed": slot.needed, "in_pairs": slot.in_pairs, "skill": slot.skill.slug if slot.skill else ""}
    values |= {name: value for name, value in changes.items() if value is not None}
    return SlotValues(**values)  # type: ignore[arg-type]  # the schema's types are SlotValues'


# Slots.


@router.get("/actions/{action}/slots", response=list[EventSlotOut], summary="An action's role slots")
@paginate
@api_permission(ACTION_MEMBER)
def event_list_slots(request: HttpRequest, action: str) -> list[EventSlotOut]:
    """In order of their shifts, with places taken and left, and pairs formed."""
    found = access_slots(signed_in(request), action).obj
    return [slot_out(slot) for slot in slots_of(found)]


@router.post(
    "/actions/{action}/slots",
    response={201: EventSlotOut, 409: ErrorOut},
    summary="Add a role slot",
    openapi_extra={"responses": STATE_REFUSALS},
)
@api_permission(ACTION_ORGANISER)
def event_create_slot(request: HttpRequest, action: str, payload: EventSlotIn) -> Status[EventSlotOut]:
    """For the action's coordinators. Reminders are set from its shift."""
    user = signed_in(request)
    found = access_action(user, action, *ORGANISERS)
    try:
        made = do_add_slot(found, slot_values(None, payload.model_dump()), by=user)
    except ValidationError as error:
        raise refused(error) from None
    return Status(201, slot_out(made))


@router.get("/actions/{action}/slots/{slot}", response=EventSlotOut, summary="A role slot")
@api_permission(ACTION_MEMBER)
def event_read_slot(request: HttpRequest, action: str, slot: UUID) -> EventSlotOut:
    return slot_out(access_slot(signed_in(request), action, slot))


@router.patch(
    "/actions/{action}/slots/{slot}",
    response={200: EventSlotOut, 409: ErrorOut},
    summary="Change a role slot",
    openapi_extra={"responses": STATE_REFUSALS},
)
@api_permission(ACTION_ORGANISER)
def event_update_slot(request: HttpRequest, action: str, slot: UUID, payload: EventSlotPatch) -> EventSlotOut:
    """Nobody loses a place when `needed` is lowered; a moved shift moves its reminders."""
    user = signed_in(request)
    found = access_slot(user, action, slot, *ORGANISERS)
    try:
        do_update_slot(found, slot_values(found, payload.model_dump(exclude_unset=True)), by=user)
    except ValidationError as error:
        raise refused(error) from None
    return slot_out(found)


@router.delete("/actions/{action}/slots/{slot}", response={204: None}, summary="Remove a role slot")
@api_permission(ACTION_ORGANISER)
def event_remove_slot(request: HttpRequest, action: str, slot: UUID) -> Status[None]:
    """Those signed up to it are told."""
    user = signed_in(request)
    do_remove_slot(access_slot(user, action, slot, *ORGANISERS), by=user)
    return Status(204, None)


# Sign-ups.


@router.get("/actions/{action}/sign-ups", response=list[EventSignUpOut], summary="An action's sign-ups")
@paginate
@api_permission(ACTION_MEMBER)
def event_list_sign_ups(request: HttpRequest, action: str) -> QuerySet[SignUp] | list[EventSignUpOut]:
    """Every sign-up for the organisers; the caller's own for the other members."""
    user = signed_in(request)
    return [sign_up_out(each) for each in visible_sign_ups(user, access_slots(user, action))]


@router.post(
    "/actions/{action}/slots/{slot}/sign-ups",
    response={201: EventSignUpOut, 409: ErrorOut},
    summary="Sign up for a slot",
    openapi_extra={"responses": STATE_REFUSALS},
)
@api_permission(ACTION_MEMBER)
def event_create_sign_up(
    request: HttpRequest, action: str, slot: UUID, payload: EventSignUpIn
) -> Status[EventSignUpOut]:
    """The caller's own place, or (organisers) a person's by `person`. Confirmed to them at once, and they are
    put on the action's update list. Refused with 409: full, a lapsed or missing skill, an overlapping shift..."""
    user = signed_in(request)
    scoped = access_slots(user, action)
    found = access_slot(user, action, slot)
    person = person_to_sign_up(user, scoped, payload.person)
    try:
        made = do_sign_up(found, person, by=user)
    except ValidationError as error:
        raise refused(error) from None
    return Status(201, sign_up_out(made))


@router.get("/actions/{action}/sign-ups/{seat}", response=EventSignUpOut, summary="A sign-up")
@api_permission(ACTION_MEMBER)
def event_read_sign_up(request: HttpRequest, action: str, seat: UUID) -> EventSignUpOut:
    """The caller's own, or any for the organisers."""
    return sign_up_out(access_seat(signed_in(request), action, seat))


@router.post("/actions/{action}/sign-ups/{seat}/cancel", response=EventSignUpOut, summary="Give a seat back")
@api_permission(ACTION_MEMBER)
def event_cancel_sign_up(request: HttpRequest, action: str, seat: UUID) -> EventSignUpOut:
    """The caller's own seat, or any for the organisers. Nothing changes for one given back already."""
    user = signed_in(request)
    found = access_seat(user, action, seat)
    do_cancel_sign_up(found, by=user)
    return sign_up_out(found)


@router.post("/actions/{action}/sign-ups/{seat}/confirm", response=EventSignUpOut, summary="Confirm a seat")
@api_permission(ACTION_MEMBER)
def event_confirm_sign_up(request: HttpRequest, action: str, seat: UUID) -> EventSignUpOut:
    """The answer to the day-before reminder: coming."""
    user = signed_in(request)
    found = access_seat(user, action, seat)
    do_confirm_sign_up(found, by=user)
    return sign_up_out(found)


@router.post(
    "/actions/{action}/sign-ups/{seat}/check-in",
    response={200: EventSignUpOut, 409: ErrorOut},
    summary="Check a person in on the day",
    openapi_extra={"responses": STATE_REFUSALS},
)
@api_permission(ACTION_ORGANISER)
def event_check_in(request: HttpRequest, action: str, seat: UUID) -> EventSignUpOut:
    """Opens two hours before the shift."""
    user = signed_in(request)
    found = access_managed_seat(user, action, seat)
    try:
        do_check_in(found, by=user)
    except ValidationError as error:
        raise refused(error) from None
    return sign_up_out(found)


@router.post(
    "/actions/{action}/sign-ups/{seat}/check-out",
    response={200: EventSignUpOut, 409: ErrorOut},
    summary="Check a person out",
    openapi_extra={"responses": STATE_REFUSALS},
)
@api_permission(ACTION_ORGANISER)
def event_check_out(request: HttpRequest, action: str, seat: UUID) -> EventSignUpOut:
    user = signed_in(request)
    found = access_managed_seat(user, action, seat)
    try:
        do_check_out(found, by=user)
    except ValidationError as error:
        raise refused(error) from None
    return sign_up_out(found)


@router.post(
    "/actions/{action}/sign-ups/{seat}/attendance",
    response={200: EventSignUpOut, 409: ErrorOut},
    summary="Mark one person attended or no-show",
    openapi_extra={"responses": STATE_REFUSALS},
)
@api_permission(ACTION_ORGANISER)
def event_mark_attendance(request: HttpRequest, action: str, seat: UUID, payload: EventMarkIn) -> EventSignUpOut:
    user = signed_in(request)
    found = access_managed_seat(user, action, seat)
    try:
        do_mark_attendance(found, payload.attended, by=user)
    except ValidationError as error:
        raise refused(error) from None
    return sign_up_out(found)


@router.post(
    "/actions/{action}/attendance",
    response={200: EventAttendanceOut, 409: ErrorOut},
    summary="Settle attendance after the action",
    openapi_extra={"responses": STATE_REFUSALS},
)
@api_permission(ACTION_ORGANISER)
def event_settle_attendance(request: HttpRequest, action: str, payload: EventAttendanceIn) -> EventAttendanceOut:
    """Everyone checked in attended, the rest did not come, unless `overrides` says otherwise."""
    user = signed_in(request)
    found = access_action(user, action, *ORGANISERS)
    try:
        counts = do_settle_attendance(found, payload.overrides, by=user)
    except ValidationError as error:
        raise refused(error) from None
    return EventAttendanceOut(attended=counts["attended"], no_show=counts["no_show"])


# The update list.


@router.post(
    "/actions/{action}/update-list",
    response={200: EventUpdateListOut, 409: ErrorOut},
    summary="Open the action's update list",
    openapi_extra={"responses": STATE_REFUSALS},
)
@api_permission(ACTION_ORGANISER)
def event_open_update_list(request: HttpRequest, action: str) -> EventUpdateListOut:
    """An announcement list of the action's group, by email and SMS, with everyone signed up on it. Idempotent."""
    user = signed_in(request)
    found = access_action(user, action, *ORGANISERS)
    try:
        made = do_open_update_list(found, by=user)
    except ValidationError as error:
        raise refused(error) from None
    return EventUpdateListOut(id=made.uuid, slug=made.slug, name_en=made.name_en, name_es=made.name_es)


@router.post(
    "/actions/{action}/updates",
    response={201: EventUpdateOut, 409: ErrorOut},
    summary="Send an update to everyone signed up",
    openapi_extra={"responses": STATE_REFUSALS},
)
@api_permission(ACTION_ORGANISER)
def event_post_update(request: HttpRequest, action: str, payload: EventUpdateIn) -> Status[EventUpdateOut]:
    """A broadcast to the action's update list, by email and SMS, now."""
    user = signed_in(request)
    found = access_action(user, action, *ORGANISERS)
    try:
        broadcast = do_post_update(found, payload.text_en, payload.text_es, by=user)
    except ValidationError as error:
        raise refused(error) from None
    return Status(201, EventUpdateOut(id=broadcast.uuid, messages=broadcast.recipients))
