"""Meetings in the JSON API: what the pages do, for scripts (meetings.access says who sees and runs what).

A meeting is addressed by its code (`/meetings/{meeting}`: the one on the projector), an agenda item
and a turn by their uuids under it. Meetings are created for a working group
(`/groups/{slug}/meetings`) by its coordinators and facilitators, who run them: the meeting, its
agenda and roles, the live agenda (start, next item, a break, set the next meeting, close). Stack
keepers keep the speaking queue; timekeepers give more time. Whoever may see a meeting reads it,
its agenda and its queue with the names the room sees (names are never in live events, only here
and on the pages), gets on stack as themself and says whether they are coming.

A service's refusal about the input is a 422 naming the field; one about the meeting's state (not
in progress, over, an item already begun, the stack closed) a 409 with a stable code. Messages are
in the caller's language (Accept-Language).
"""

from datetime import datetime, timedelta
from typing import Annotated, Any, Literal
from uuid import UUID

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import AwareDatetime, StrictBool, StrictInt

from solidarity.accounts.access import signed_in
from solidarity.accounts.api_auth import BearerToken
from solidarity.accounts.models import User, WorkingGroup
from solidarity.core.api import ApiError, ErrorOut, api_permission
from solidarity.core.codes import is_uuid
from solidarity.core.permissions import AnyUser, owner_role, role
from solidarity.meetings import live, services, stack
from solidarity.meetings.access import (
    HOLDERS,
    MANAGERS,
    Power,
    access_item,
    access_meeting,
    access_meeting_scoped,
    access_own_turn,
    access_participant,
    access_turn,
    meeting_group,
    members_for_roles,
    powers_of,
    visible,
)
from solidarity.meetings.models import (
    MAX_ITEM_MINUTES,
    MAX_TURN_SECONDS,
    NAME_LENGTH,
    TITLE_LENGTH,
    AgendaItem,
    ItemKind,
    Meeting,
    MeetingRole,
    State,
    Turn,
)
from solidarity.meetings.names import display_name
from solidarity.meetings.queue import queue_of
from solidarity.meetings.services import FIELDS, ITEM_FIELDS, ItemValues, MeetingValues

router = Router(tags=["meetings"])

GROUP_MANAGER = role(*sorted(MANAGERS), kwarg="slug")
MANAGES = owner_role(*sorted(HOLDERS[Power.MANAGE]), access=access_meeting_scoped, kwarg="meeting")
KEEPS_STACK = owner_role(*sorted(HOLDERS[Power.STACK]), access=access_meeting_scoped, kwarg="meeting")
KEEPS_TIME = owner_role(*sorted(HOLDERS[Power.EXTEND]), access=access_meeting_scoped, kwarg="meeting")
NO_TOKEN: dict[str, Any] = {"security": []}  # OpenAPI: readable without a token

MeetingKind = Literal["assembly", "group"]
MeetingLanguage = Literal["en", "es", "both"]
MeetingVisibility = Literal["public", "members", "group"]
DecisionRule = Literal["consensus", "consensus_minus", "majority"]
MeetingState = Literal["scheduled", "live", "closed", "cancelled"]
AgendaItemKind = Literal["item", "break", "report", "consent"]
AgendaItemState = Literal["waiting", "current", "done"]
LaneName = Literal["main", "process", "information", "clarifying"]
TurnStateName = Literal["waiting", "speaking", "spoke", "withdrawn"]
ViaName = Literal["web", "sms", "keeper"]
DutyName = Literal["facilitator", "stack_keeper", "minute_taker", "timekeeper"]
GroupSlug = Annotated[str, Field(min_length=1, max_length=60)]
Minutes = Annotated[StrictInt, Field(ge=1, le=60, description="1 to 60 minutes.")]
MAX_YEARS_AHEAD = 10

NOT_NOW = {
    409: {
        "description": "The meeting's state does not allow it: not in progress (`not_live`), over (`meeting_over`), "
        "or another state conflict (`conflict`); the message says which."
    }
}


# What goes out.


class MeetingSummaryOut(Schema):
    id: UUID = Field(alias="uuid")
    code: str = Field(description="What people in the room type or text to join (STACK / TURNO and the code).")
    group: str = Field(description="The slug of the working group that holds it.")
    kind: MeetingKind
    title: str = Field(description="In the caller's language, else the other.")
    title_en: str
    title_es: str
    starts_at: datetime
    place: str
    call_link: str
    language: MeetingLanguage
    visibility: MeetingVisibility
    is_open: bool = Field(description="Anyone with the code may join the speaking queue, with a name they choose.")
    rule: DecisionRule = Field(description="The decision rule.")
    fallback_percent: int = Field(description="Consensus: the share of votes that passes a proposal when it fails.")
    minus_blocks: int = Field(description="Consensus minus some blocks: more blocks than this stop a proposal.")
    quorum: int = Field(description="People present to decide; 0: none.")
    turn_seconds: int
    state: MeetingState
    next_meeting: str | None = Field(description="The code of the next meeting, once it is set.")

    @staticmethod
    def resolve_group(obj: Meeting) -> str:
        return obj.group.slug

    @staticmethod
    def resolve_title(obj: Meeting) -> str:
        return obj.title()

    @staticmethod
    def resolve_next_meeting(obj: Meeting) -> str | None:
        return obj.next_meeting.code if obj.next_meeting_id and obj.next_meeting else None


class AgendaItemOut(Schema):
    id: UUID = Field(alias="uuid")
    position: int
    kind: AgendaItemKind
    title: str = Field(description="In the caller's language, else the other.")
    title_en: str
    title_es: str
    minutes: int = Field(description="The time box.")
    extended_minutes: int = Field(description="Added while it ran.")
    presenter: str
    group: str | None = Field(description="A report-back's working group (its slug).")
    state: AgendaItemState
    started_at: datetime | None
    ended_at: datetime | None

    @staticmethod
    def resolve_title(obj: AgendaItem) -> str:
        return obj.title()

    @staticmethod
    def resolve_group(obj: AgendaItem) -> str | None:
        return obj.group.slug if obj.group_id and obj.group else None


class MeetingRoleOut(Schema):
    duty: DutyName
    name: str = Field(description="The name the room sees of whoever holds it.")
    account: UUID | None = Field(description="The account's uuid: for those who run the meeting; null for others.")


class MeetingLiveItemOut(Schema):
    id: UUID
    kind: AgendaItemKind
    title_en: str
    title_es: str
    started_at: datetime | None
    box_seconds: int


class MeetingLiveTurnOut(Schema):
    turn: UUID
    who: UUID = Field(description="The participant's id (names: GET .../stack).")
    lane: LaneName
    started_at: datetime | None
    first: bool | None = Field(None, description="In the queue: whether it would be their first turn on the item.")


class MeetingSideStackOut(Schema):
    id: UUID
    title: str


class MeetingLiveOut(Schema):
    """What every screen shows (meetings.live.picture): ids, lanes and times, no names."""

    version: int
    state: MeetingState
    stack_open: bool
    turn_seconds: int
    now: datetime
    item: MeetingLiveItemOut | None
    side: MeetingSideStackOut | None
    speaking: MeetingLiveTurnOut | None
    queue: list[MeetingLiveTurnOut]
    next_meeting: bool


class MeetingOut(MeetingSummaryOut):
    stack_open: bool
    started_at: datetime | None
    closed_at: datetime | None
    present: int = Field(description="How many have joined it.")
    planned_minutes: int = Field(description="The agenda's time boxes, added up.")
    powers: list[str] = Field(description="What the caller may do here: see, manage, extend, stack, minutes.")
    items: list[AgendaItemOut] = Field(description="The agenda, in order.")
    roles: list[MeetingRoleOut]
    live: MeetingLiveOut


class MeetingTurnOut(Schema):
    id: UUID = Field(alias="uuid")
    participant: UUID
    name: str = Field(description="The name the room sees.")
    lane: LaneName
    state: TurnStateName
    via: ViaName
    first: bool | None = Field(None, description="Waiting: whether it would be their first turn on this item.")
    pin: int | None = Field(description="The keeper placed it by hand: its place among the pinned of its lane.")
    requested_at: datetime
    started_at: datetime | None
    mine: bool = Field(False, description="The caller's own turn.")

    @staticmethod
    def resolve_participant(obj: Turn) -> UUID:
        return obj.participant.uuid

    @staticmethod
    def resolve_name(obj: Turn) -> str:
        return str(obj.participant.name)

    @staticmethod
    def resolve_first(obj: Turn) -> bool | None:
        return getattr(obj, "first", None)

    @staticmethod
    def resolve_mine(obj: Turn) -> bool:
        return bool(getattr(obj, "mine", False))


class MeetingStackOut(Schema):
    item: UUID | None = Field(description="The item whose queue it is; null: none under way.")
    is_break: bool
    stack_open: bool
    side: MeetingSideStackOut | None = Field(description="The side stack open now: while open, it is the queue.")
    speaking: MeetingTurnOut | None
    queue: list[MeetingTurnOut] = Field(description="In speaking order.")


class MeetingTallyOut(Schema):
    participant: UUID
    name: str
    turns: int = Field(description="Turns spoken at this meeting.")
    on_item: int = Field(description="Turns spoken on the current item.")
    seconds: int = Field(description="Speaking time at this meeting.")


class MeetingComingOut(Schema):
    coming: bool


# What comes in.


class MeetingPatch(Schema):
    """Only the fields sent change."""

    title_en: str | None = Field(None, max_length=TITLE_LENGTH, description="At least one of the two titles.")
    title_es: str | None = Field(None, max_length=TITLE_LENGTH)
    starts_at: AwareDatetime | None = Field(None, description="ISO 8601 with its offset.")
    kind: MeetingKind | None = None
    place: str | None = Field(None, max_length=200, description="A public place; never a home. Or a call link.")
    call_link: str | None = Field(None, max_length=200)
    language: MeetingLanguage | None = None
    visibility: MeetingVisibility | None = None
    is_open: StrictBool | None = None
    rule: DecisionRule | None = None
    fallback_percent: StrictInt | None = Field(None, ge=51, le=100)
    minus_blocks: StrictInt | None = Field(None, ge=0, le=20)
    quorum: StrictInt | None = Field(None, ge=0, le=10_000)
    turn_seconds: StrictInt | None = Field(None, ge=15, le=MAX_TURN_SECONDS)


class MeetingIn(Schema):
    title_en: str = Field("", max_length=TITLE_LENGTH, description="At least one of `title_en` and `title_es`.")
    title_es: str = Field("", max_length=TITLE_LENGTH)
    starts_at: AwareDatetime = Field(description="ISO 8601 with its offset.")
    kind: MeetingKind = "group"
    place: str = Field("", max_length=200, description="A public place; never a home. A place, a call link or both.")
    call_link: str = Field("", max_length=200)
    language: MeetingLanguage = "both"
    visibility: MeetingVisibility = "members"
    is_open: StrictBool = True
    rule: DecisionRule = "consensus"
    fallback_percent: StrictInt = Field(75, ge=51, le=100)
    minus_blocks: StrictInt = Field(1, ge=0, le=20)
    quorum: StrictInt = Field(0, ge=0, le=10_000)
    turn_seconds: StrictInt = Field(120, ge=15, le=MAX_TURN_SECONDS)


class AgendaItemPatch(Schema):
    """Only the fields sent change."""

    kind: AgendaItemKind | None = None
    title_en: str | None = Field(None, max_length=TITLE_LENGTH)
    title_es: str | None = Field(None, max_length=TITLE_LENGTH)
    minutes: StrictInt | None = Field(None, ge=1, le=MAX_ITEM_MINUTES, description="The time box.")
    presenter: str | None = Field(None, max_length=NAME_LENGTH)
    group: GroupSlug | None = Field(None, description="A report-back's working group, by slug.")


class AgendaItemIn(Schema):
    kind: AgendaItemKind = "item"
    title_en: str = Field("", max_length=TITLE_LENGTH, description="A break or a report-back may have none.")
    title_es: str = Field("", max_length=TITLE_LENGTH)
    minutes: StrictInt = Field(10, ge=1, le=MAX_ITEM_MINUTES, description="The time box.")
    presenter: str = Field("", max_length=NAME_LENGTH)
    group: GroupSlug | None = Field(None, description="A report-back's working group, by slug (needed for one).")
    after: UUID | None = Field(None, description="Put it just after this item; none: at the end.")


class AgendaItemMoveIn(Schema):
    direction: Literal["up", "down"] = Field(description="Past one item still to come.")


class MeetingRoleIn(Schema):
    duty: DutyName
    account: str | None = Field(
        None, max_length=150, description="A username or an account's uuid; null: nobody holds it."
    )


class MeetingMinutesIn(Schema):
    minutes: Minutes = 5


class NextMeetingIn(Schema):
    starts_at: AwareDatetime = Field(description="In the future; ISO 8601 with its offset.")
    place: str = Field("", max_length=200, description="Empty: the same place.")


class MeetingTurnIn(Schema):
    lane: LaneName = Field("main", description="An interrupt (process, information, clarifying) or the main queue.")


class MeetingTurnMoveIn(Schema):
    index: StrictInt = Field(ge=0, le=1000, description="Its place among the waiting turns of its lane (0: first).")


class MeetingSideStackIn(Schema):
    title: str = Field(min_length=1, max_length=stack.SIDE_TITLE_LENGTH, description="What it is about.")


class MeetingSpeakerIn(Schema):
    name: str = Field("", max_length=NAME_LENGTH, description="Someone new: the name the room is to see.")
    participant: UUID | None = Field(None, description="Someone already here, by their participant id.")
    lane: LaneName = "main"


class MeetingComingIn(Schema):
    coming: StrictBool


class MeetingFilters(Schema):
    state: MeetingState | None = None
    group: str | None = Field(None, max_length=60, description="A working group's slug; empty: any.")


# Helpers.


def reader(request: HttpRequest) -> AnyUser:
    """Who makes a public read: the account of a bearer token when one is given, else the browser's session."""
    if not request.user.is_authenticated and "authorization" in request.headers:
        BearerToken()(request)  # sets request.user for a token it knows
    return request.user


def refused(error: ValidationError, code: str = "conflict") -> ApiError:
    """A service's refusal: about a field, 422 naming it; about the meeting's state, 409 with `code`."""
    if hasattr(error, "error_dict"):
        fields = error.message_dict
        return ApiError(422, "invalid_input", next(iter(fields.values()))[0], fields)
    return ApiError(409, code, " ".join(error.messages))


def invalid(field: str, message: str) -> ApiError:
    return ApiError(422, "invalid_input", message, {field: [message]})


def state_code(meeting: Meeting) -> str:
    """The 409's code for a refusal of a live step at `meeting`, from its state as read."""
    if meeting.state in (State.CLOSED, State.CANCELLED):
        return "meeting_over"
    return "not_live" if meeting.state != State.LIVE else "conflict"


def fresh(meeting: Meeting) -> Meeting:
    return Meeting.objects.select_related("group", "current_item", "next_meeting").get(pk=meeting.pk)


class Shown:
    """A model object with what its schema shows beside its own fields (counts, the caller's powers, ...).

    An operation returns it for ninja to read through the schema's resolvers, as it reads a model."""

    def __init__(self, obj: object, **extra: Any) -> None:
        self._obj = obj
        self.__dict__.update(extra)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._obj, name)


def meeting_out(user: AnyUser, meeting: Meeting) -> Shown:
    """The whole meeting as the caller may see it: agenda, roles (accounts for its managers), live picture."""
    meeting = fresh(meeting)
    powers = powers_of(user, meeting)
    roles = MeetingRole.objects.filter(meeting=meeting).select_related("user", "user__person").order_by("duty")
    return Shown(
        meeting,
        present=services.present_count(meeting),
        planned_minutes=services.planned_minutes(meeting),
        powers=sorted(powers),
        items=list(meeting.items.select_related("group").order_by("position", "pk")),
        roles=[role_out(each, Power.MANAGE in powers) for each in roles],
        live=live.picture(meeting),
    )


def role_out(held: MeetingRole, show_account: bool) -> MeetingRoleOut:
    return MeetingRoleOut(
        duty=held.duty,  # type: ignore[arg-type]  # a Duty's value, as stored
        name=display_name(held.user),
        account=held.user.uuid if show_account else None,
    )


def checked_time(value: datetime, field: str) -> datetime:
    """A time within the years a meeting may be set in (an absurd year would overflow the reminders' dates)."""
    now = timezone.now()
    if not now - timedelta(days=366) <= value <= now + timedelta(days=366 * MAX_YEARS_AHEAD):
        raise invalid(field, _("Choose a time within the next %(years)d years.") % {"years": MAX_YEARS_AHEAD})
    return value


def meeting_values(current: dict[str, Any], changes: dict[str, Any]) -> MeetingValues:
    values = current | {name: value for name, value in changes.items() if value is not None}
    if "starts_at" in changes and changes["starts_at"] is not None:
        checked_time(values["starts_at"], "starts_at")
    link = values.get("call_link") or ""
    if link:
        try:
            URLValidator(schemes=["https", "http"])(link)
        except ValidationError:
            raise invalid("call_link", _("Enter a link that starts with https://.")) from None
    return MeetingValues(**{name: values[name] for name in FIELDS})


def working_group(slug: str | None) -> WorkingGroup | None:
    if not slug:
        return None
    found = WorkingGroup.objects.filter(slug=slug, archived_at=None).first()
    if found is None:
        raise invalid("group", _("No working group has this short name."))
    return found


def item_values(current: dict[str, Any], changes: dict[str, Any]) -> ItemValues:
    values = current | {name: value for name, value in changes.items() if value is not None and name != "group"}
    if "group" in changes and changes["group"] is not None:
        values["group"] = working_group(changes["group"])
    kind, group = values["kind"], values["group"]
    if kind == ItemKind.REPORT and group is not None and not (values["title_en"] or values["title_es"]):
        template = services.report_values(group, values["minutes"])
        values |= {"title_en": template.title_en, "title_es": template.title_es}
    return ItemValues(**{name: values[name] for name in ITEM_FIELDS})


def stack_out(user: AnyUser, meeting: Meeting) -> dict[str, Any]:
    """The queue now (MeetingStackOut), with the names the room sees; the caller's own turns marked."""
    meeting = fresh(meeting)
    item = meeting.current_item
    side = stack.open_side(item) if item is not None else None
    waiting = queue_of(item, side) if item is not None and not item.is_break else []
    speaking = (
        Turn.objects.filter(meeting=meeting, state="speaking").select_related("participant").first()
        if meeting.state == State.LIVE
        else None
    )
    return {
        "item": item.uuid if item is not None else None,
        "is_break": bool(item is not None and item.is_break),
        "stack_open": meeting.stack_open,
        "side": {"id": side.uuid, "title": side.title} if side is not None else None,
        "speaking": turn_out(speaking, user) if speaking is not None else None,
        "queue": [turn_out(turn, user) for turn in waiting],
    }


def turn_out(turn: Turn, user: AnyUser) -> Shown:
    """A turn as MeetingTurnOut reads it: with whether it is the caller's own."""
    return Shown(turn, mine=user.is_authenticated and turn.participant.user_id == user.pk)


def keeper_step(request: HttpRequest, code: str, need: Power = Power.STACK) -> tuple[User, Meeting]:
    """The caller and the meeting they hold the power `need` at (declared on the operation, checked again here)."""
    user = signed_in(request)
    return user, access_meeting(user, code, need)


# Meetings.


@router.get(
    "/meetings",
    response=list[MeetingSummaryOut],
    summary="Meetings the caller may see",
    auth=None,
    openapi_extra=NO_TOKEN,
)
@paginate
@api_permission("public")
def list_meetings(request: HttpRequest, filters: Query[MeetingFilters]) -> QuerySet[Meeting]:
    """Public meetings for anyone; a signed-in account (a token or the browser's session) also sees the network's
    members' meetings, its groups' and those it holds a duty at or said it would come to. Soonest first;
    filtered by state and by the holding group's slug."""
    found = visible(reader(request)).select_related("group", "next_meeting").order_by("starts_at", "pk")
    if filters.state:
        found = found.filter(state=filters.state)
    if filters.group:
        found = found.filter(group__slug=filters.group)
    return found


@router.post("/groups/{slug}/meetings", response={201: MeetingOut}, summary="Schedule a meeting of a working group")
@api_permission(GROUP_MANAGER)
def create_meeting(request: HttpRequest, slug: str, payload: MeetingIn) -> Status[Shown]:
    """For the group's coordinators and facilitators. The answer carries its `code`."""
    user = signed_in(request)
    group = meeting_group(user, slug)
    values = meeting_values({}, payload.model_dump())
    try:
        made = services.do_create_meeting(group, values, by=user)
    except ValidationError as error:
        raise refused(error) from None
    return Status(201, meeting_out(user, made))


@router.get("/meetings/{meeting}", response=MeetingOut, summary="A meeting", auth=None, openapi_extra=NO_TOKEN)
@api_permission("public")
def read_meeting(request: HttpRequest, meeting: str) -> Shown:
    """Its agenda, its roles (the accounts only for those who run it), its decision rule and its live picture."""
    user = reader(request)
    return meeting_out(user, access_meeting(user, meeting))


@router.patch(
    "/meetings/{meeting}",
    response={200: MeetingOut, 409: ErrorOut},
    summary="Change a meeting (the fields sent)",
    openapi_extra={"responses": NOT_NOW},
)
@api_permission(MANAGES)
def update_meeting(request: HttpRequest, meeting: str, payload: MeetingPatch) -> Shown:
    """A new time moves the reminders. Not once it is over (409 `meeting_over`)."""
    user = signed_in(request)
    found = access_meeting(user, meeting, Power.MANAGE)
    values = meeting_values({name: getattr(found, name) for name in FIELDS}, payload.model_dump(exclude_unset=True))
    try:
        services.do_edit_meeting(found, values, by=user)
    except ValidationError as error:
        raise refused(error, "meeting_over") from None
    return meeting_out(user, found)


@router.post(
    "/meetings/{meeting}/cancel",
    response={200: MeetingOut, 409: ErrorOut},
    summary="Cancel a meeting that has not begun",
    openapi_extra={"responses": {409: {"description": "It has begun or is over (`already_begun`)."}}},
)
@api_permission(MANAGES)
def cancel_meeting(request: HttpRequest, meeting: str) -> Shown:
    """Those who said they would come are told. Cancelling twice changes nothing."""
    user = signed_in(request)
    found = access_meeting(user, meeting, Power.MANAGE)
    if not services.do_cancel_meeting(found, by=user) and fresh(found).state != State.CANCELLED:
        raise ApiError(409, "already_begun", _("This meeting has already begun, or is over."))
    return meeting_out(user, found)


# The agenda.


@router.get(
    "/meetings/{meeting}/items",
    response=list[AgendaItemOut],
    summary="A meeting's agenda",
    auth=None,
    openapi_extra=NO_TOKEN,
)
@paginate
@api_permission("public")
def list_agenda_items(request: HttpRequest, meeting: str) -> QuerySet[AgendaItem]:
    """In order, with each item's time box and state; for whoever may see the meeting."""
    return access_meeting(reader(request), meeting).items.select_related("group").order_by("position", "pk")


@router.post(
    "/meetings/{meeting}/items",
    response={201: AgendaItemOut, 409: ErrorOut},
    summary="Add an item to the agenda (an item, a break, a report-back, a consent calendar)",
    openapi_extra={"responses": NOT_NOW},
)
@api_permission(MANAGES)
def add_agenda_item(request: HttpRequest, meeting: str, payload: AgendaItemIn) -> Status[AgendaItem]:
    """At the end, or just after `after`. A report-back names its group (`group`, a slug); without titles it is
    titled for it. A break without a title is "Break" / "Descanso"."""
    user = signed_in(request)
    found = access_meeting(user, meeting, Power.MANAGE)
    after = access_item(user, found, str(payload.after)) if payload.after else None
    blank = {"title_en": "", "title_es": "", "minutes": 10, "kind": ItemKind.ITEM, "presenter": "", "group": None}
    values = item_values(blank, payload.model_dump(exclude={"after"}))
    try:
        made = services.do_add_item(found, values, by=user, after=after)
    except ValidationError as error:
        raise refused(error, "meeting_over") from None
    return Status(201, made)


@router.patch(
    "/meetings/{meeting}/items/{agenda_item}",
    response={200: AgendaItemOut, 409: ErrorOut},
    summary="Change an agenda item (the fields sent)",
    openapi_extra={"responses": NOT_NOW},
)
@api_permission(MANAGES)
def update_agenda_item(request: HttpRequest, meeting: str, agenda_item: UUID, payload: AgendaItemPatch) -> AgendaItem:
    user = signed_in(request)
    item = access_item(user, access_meeting(user, meeting, Power.MANAGE), str(agenda_item))
    values = item_values({name: getattr(item, name) for name in ITEM_FIELDS}, payload.model_dump(exclude_unset=True))
    try:
        services.do_edit_item(item, values, by=user)
    except ValidationError as error:
        raise refused(error, "meeting_over") from None
    return item


@router.delete(
    "/meetings/{meeting}/items/{agenda_item}",
    response={204: None, 409: ErrorOut},
    summary="Take an item off the agenda",
    openapi_extra={"responses": {409: {"description": "It has begun (`item_begun`), or the meeting is over."}}},
)
@api_permission(MANAGES)
def remove_agenda_item(request: HttpRequest, meeting: str, agenda_item: UUID) -> Status[None]:
    """Only an item still to come; the others move up."""
    user = signed_in(request)
    item = access_item(user, access_meeting(user, meeting, Power.MANAGE), str(agenda_item))
    try:
        services.do_remove_item(item, by=user)
    except ValidationError as error:
        raise refused(error, "item_begun") from None
    return Status(204, None)


@router.post(
    "/meetings/{meeting}/items/{agenda_item}/move",
    response={200: list[AgendaItemOut], 409: ErrorOut},
    summary="Move an agenda item up or down past one item still to come",
    openapi_extra={"responses": {409: {"description": "One of the two has begun (`item_begun`)."}}},
)
@api_permission(MANAGES)
def move_agenda_item(
    request: HttpRequest, meeting: str, agenda_item: UUID, payload: AgendaItemMoveIn
) -> list[AgendaItem]:
    """The whole agenda, in its new order. At the top or the bottom already, nothing moves."""
    user = signed_in(request)
    found = access_meeting(user, meeting, Power.MANAGE)
    item = access_item(user, found, str(agenda_item))
    try:
        services.do_move_item(item, -1 if payload.direction == "up" else 1, by=user)
    except ValidationError as error:
        raise refused(error, "item_begun") from None
    return list(found.items.select_related("group").order_by("position", "pk"))


@router.post(
    "/meetings/{meeting}/items/{agenda_item}/begin",
    response={200: MeetingOut, 409: ErrorOut},
    summary="Go to this item now, out of order",
    openapi_extra={"responses": NOT_NOW},
)
@api_permission(MANAGES)
def begin_agenda_item(request: HttpRequest, meeting: str, agenda_item: UUID) -> Shown:
    """One still to come, or back to one done. The current item's waiting turns are withdrawn."""
    user = signed_in(request)
    found = access_meeting(user, meeting, Power.MANAGE)
    item = access_item(user, found, str(agenda_item))
    try:
        services.do_begin_item(item, by=user)
    except ValidationError as error:
        raise refused(error, state_code(found)) from None
    return meeting_out(user, found)


# Roles.


@router.get(
    "/meetings/{meeting}/roles",
    response=list[MeetingRoleOut],
    summary="Who facilitates, keeps the stack, takes minutes and keeps time",
    auth=None,
    openapi_extra=NO_TOKEN,
)
@paginate
@api_permission("public")
def list_meeting_roles(request: HttpRequest, meeting: str) -> list[MeetingRoleOut]:
    """The names the room sees; the accounts' uuids only for those who run the meeting."""
    user = reader(request)
    found = access_meeting(user, meeting)
    manages = Power.MANAGE in powers_of(user, found)
    held = MeetingRole.objects.filter(meeting=found).select_related("user", "user__person").order_by("duty")
    return [role_out(each, manages) for each in held]


@router.put(
    "/meetings/{meeting}/roles",
    response={200: MeetingOut, 409: ErrorOut},
    summary="Give a duty at the meeting to an account, or to nobody",
    openapi_extra={"responses": NOT_NOW},
)
@api_permission(MANAGES)
def set_meeting_role(request: HttpRequest, meeting: str, payload: MeetingRoleIn) -> Shown:
    """The account by username or uuid: a member of the group for a group's meeting, any active account otherwise.
    Holding a duty at a meeting is holding that role there (a stack keeper keeps this meeting's stack)."""
    user = signed_in(request)
    found = access_meeting(user, meeting, Power.MANAGE)
    holder = None
    if payload.account:
        candidates = members_for_roles(found)
        wanted = payload.account.strip()
        holder = candidates.filter(username=wanted).first()
        if holder is None and is_uuid(wanted):
            holder = candidates.filter(uuid=wanted).first()
        if holder is None:
            raise invalid("account", _("No account that may hold this role has this name."))
    try:
        services.do_set_role(found, payload.duty, holder, by=user)
    except ValidationError as error:
        raise refused(error, "meeting_over") from None
    return meeting_out(user, found)


# Running it.


@router.post(
    "/meetings/{meeting}/start",
    response={200: MeetingOut, 409: ErrorOut},
    summary="Begin the meeting with the first item of its agenda",
    openapi_extra={
        "responses": {409: {"description": "It has begun or is over, or its agenda is empty (`conflict`)."}}
    },
)
@api_permission(MANAGES)
def start_meeting(request: HttpRequest, meeting: str) -> Shown:
    user, found = keeper_step(request, meeting, Power.MANAGE)
    try:
        services.do_start_meeting(found, by=user)
    except ValidationError as error:
        raise refused(error) from None
    return meeting_out(user, found)


@router.post(
    "/meetings/{meeting}/next-item",
    response={200: MeetingOut, 409: ErrorOut},
    summary="The current item is done: the next one begins",
    openapi_extra={"responses": NOT_NOW},
)
@api_permission(MANAGES)
def next_agenda_item(request: HttpRequest, meeting: str) -> Shown:
    """Past the last item, no item is under way (`live.item` is null) until the meeting closes."""
    user, found = keeper_step(request, meeting, Power.MANAGE)
    try:
        services.do_next_item(found, by=user)
    except ValidationError as error:
        raise refused(error, state_code(found)) from None
    return meeting_out(user, found)


@router.post(
    "/meetings/{meeting}/extend",
    response={200: MeetingOut, 409: ErrorOut},
    summary="More time for the current item",
    openapi_extra={"responses": NOT_NOW},
)
@api_permission(KEEPS_TIME)
def extend_agenda_item(request: HttpRequest, meeting: str, payload: MeetingMinutesIn) -> Shown:
    """ "Five more minutes?": the current item's time box grows. For timekeepers too."""
    user, found = keeper_step(request, meeting, Power.EXTEND)
    try:
        services.do_extend_item(found, payload.minutes, by=user)
    except ValidationError as error:
        raise refused(error, state_code(found)) from None
    return meeting_out(user, found)


@router.post(
    "/meetings/{meeting}/break",
    response={200: MeetingOut, 409: ErrorOut},
    summary="A break now",
    openapi_extra={"responses": NOT_NOW},
)
@api_permission(MANAGES)
def take_break(request: HttpRequest, meeting: str, payload: MeetingMinutesIn) -> Shown:
    """A break item goes in after the current one and begins; the agenda resumes after it."""
    user, found = keeper_step(request, meeting, Power.MANAGE)
    try:
        services.do_take_break(found, payload.minutes, by=user)
    except ValidationError as error:
        raise refused(error, state_code(found)) from None
    return meeting_out(user, found)


@router.post(
    "/meetings/{meeting}/next-meeting",
    response={200: MeetingOut, 409: ErrorOut},
    summary="Set the next meeting (before closing this one)",
    openapi_extra={"responses": NOT_NOW},
)
@api_permission(MANAGES)
def set_next_meeting(request: HttpRequest, meeting: str, payload: NextMeetingIn) -> Shown:
    """A new scheduled meeting like this one (its group, kind, rule, place and language; roles rotate, so none
    are copied): its code is `next_meeting`. Setting it again moves that meeting."""
    user, found = keeper_step(request, meeting, Power.MANAGE)
    starts_at = checked_time(payload.starts_at, "starts_at")
    try:
        services.do_set_next_meeting(found, starts_at, by=user, place=payload.place)
    except ValidationError as error:
        raise refused(error, state_code(found)) from None
    return meeting_out(user, found)


@router.post(
    "/meetings/{meeting}/close",
    response={200: MeetingOut, 409: ErrorOut},
    summary="Close the meeting",
    openapi_extra={
        "responses": {
            409: {"description": "Not in progress (`not_live`), or the next meeting is not set (`conflict`)."}
        }
    },
)
@api_permission(MANAGES)
def close_meeting(request: HttpRequest, meeting: str) -> Shown:
    """Not before the next meeting is set: the assembly sets it before anyone leaves."""
    user, found = keeper_step(request, meeting, Power.MANAGE)
    try:
        services.do_close_meeting(found, by=user)
    except ValidationError as error:
        raise refused(error, state_code(found)) from None
    return meeting_out(user, found)


# Who is coming.


@router.post(
    "/meetings/{meeting}/coming",
    response={200: MeetingComingOut, 409: ErrorOut},
    summary="Say whether the caller is coming",
    openapi_extra={"responses": NOT_NOW},
)
@api_permission("authenticated")
def say_coming(request: HttpRequest, meeting: str, payload: MeetingComingIn) -> MeetingComingOut:
    """Those coming get reminders by email, the day before and two hours before. For a meeting the caller sees."""
    user = signed_in(request)
    found = access_meeting(user, meeting)
    try:
        participant = services.do_say_coming(found, user, payload.coming)
    except ValidationError as error:
        raise refused(error, "meeting_over") from None
    return MeetingComingOut(coming=participant.is_coming)


# The speaking queue.


@router.get(
    "/meetings/{meeting}/stack",
    response=MeetingStackOut,
    summary="The speaking queue now, with names",
    auth=None,
    openapi_extra=NO_TOKEN,
)
@api_permission("public")
def read_stack(request: HttpRequest, meeting: str) -> dict[str, Any]:
    """Who speaks and who comes next, in order, with the names the room sees: for whoever may see the meeting.
    (Live events carry ids only; a screen fetches the names here.)"""
    user = reader(request)
    return stack_out(user, access_meeting(user, meeting))


@router.post(
    "/meetings/{meeting}/stack/turns",
    response={201: MeetingTurnOut, 409: ErrorOut},
    summary="Get on stack, as the caller",
    openapi_extra={"responses": NOT_NOW},
)
@api_permission("authenticated")
def request_turn(request: HttpRequest, meeting: str, payload: MeetingTurnIn) -> Status[Shown]:
    """For the current item, in a lane. Asking again in the same lane keeps the place already held."""
    user = signed_in(request)
    found = access_meeting(user, meeting)
    if found.state != State.LIVE:
        raise ApiError(409, state_code(found), _("This meeting is not in progress."))
    try:
        with transaction.atomic():
            participant = services.participant_for(found, user)
            turn = stack.do_request_turn(found, participant, payload.lane)
    except ValidationError as error:
        raise refused(error, state_code(fresh(found))) from None
    return Status(201, turn_out(turn, user))


@router.delete(
    "/meetings/{meeting}/stack/turns/{turn}",
    response={204: None, 409: ErrorOut},
    summary="Take a turn back (one's own; any, for stack keepers)",
    openapi_extra={"responses": {409: {"description": "It is no longer waiting (`not_waiting`), or not live."}}},
)
@api_permission("authenticated")
def withdraw_turn(request: HttpRequest, meeting: str, turn: UUID) -> Status[None]:
    user = signed_in(request)
    found = access_own_turn(user, access_meeting(user, meeting), str(turn))
    try:
        withdrawn = stack.do_withdraw_turn(found)
    except ValidationError as error:
        raise refused(error, state_code(found.meeting)) from None
    if not withdrawn:
        raise ApiError(409, "not_waiting", _("This turn is no longer waiting."))
    return Status(204, None)


@router.post(
    "/meetings/{meeting}/stack/next",
    response={200: MeetingStackOut, 409: ErrorOut},
    summary="Next speaker: the one speaking is done, the first in the queue speaks",
    openapi_extra={"responses": NOT_NOW},
)
@api_permission(KEEPS_STACK)
def call_next_speaker(request: HttpRequest, meeting: str) -> dict[str, Any]:
    user, found = keeper_step(request, meeting)
    try:
        stack.do_next_speaker(found, by=user)
    except ValidationError as error:
        raise refused(error, state_code(found)) from None
    return stack_out(user, found)


@router.post(
    "/meetings/{meeting}/stack/end",
    response={200: MeetingStackOut, 409: ErrorOut},
    summary="End the current turn, calling nobody yet",
    openapi_extra={"responses": NOT_NOW},
)
@api_permission(KEEPS_STACK)
def end_turn(request: HttpRequest, meeting: str) -> dict[str, Any]:
    user, found = keeper_step(request, meeting)
    try:
        stack.do_end_turn(found, by=user)
    except ValidationError as error:
        raise refused(error, state_code(found)) from None
    return stack_out(user, found)


@router.post(
    "/meetings/{meeting}/stack/turns/{turn}/move",
    response={200: MeetingStackOut, 409: ErrorOut},
    summary="Place a turn among the waiting turns of its lane",
    openapi_extra={"responses": NOT_NOW},
)
@api_permission(KEEPS_STACK)
def move_turn(request: HttpRequest, meeting: str, turn: UUID, payload: MeetingTurnMoveIn) -> dict[str, Any]:
    """The keeper's hand: the turns above it, and any placed before, keep their places (pinned)."""
    user, found = keeper_step(request, meeting)
    moved = access_turn(user, found, str(turn))
    try:
        stack.do_move_turn(moved, payload.index, by=user)
    except ValidationError as error:
        raise refused(error, state_code(found)) from None
    return stack_out(user, found)


@router.post(
    "/meetings/{meeting}/stack/turns/{turn}/to-main-lane",
    response={200: MeetingStackOut, 409: ErrorOut},
    summary="Send a mislabelled interrupt back to the main queue",
    openapi_extra={"responses": NOT_NOW},
)
@api_permission(KEEPS_STACK)
def turn_to_main_lane(request: HttpRequest, meeting: str, turn: UUID) -> dict[str, Any]:
    user, found = keeper_step(request, meeting)
    moved = access_turn(user, found, str(turn))
    try:
        stack.do_to_main_lane(moved, by=user)
    except ValidationError as error:
        raise refused(error, state_code(found)) from None
    return stack_out(user, found)


@router.post(
    "/meetings/{meeting}/stack/open",
    response={200: MeetingStackOut, 409: ErrorOut},
    summary="Open the stack: people may get on it",
    openapi_extra={"responses": NOT_NOW},
)
@api_permission(KEEPS_STACK)
def open_stack(request: HttpRequest, meeting: str) -> dict[str, Any]:
    user, found = keeper_step(request, meeting)
    try:
        stack.do_set_stack_open(found, True, by=user)
    except ValidationError as error:
        raise refused(error, state_code(found)) from None
    return stack_out(user, found)


@router.post(
    "/meetings/{meeting}/stack/close",
    response={200: MeetingStackOut, 409: ErrorOut},
    summary="Close the stack: nobody new gets on it; those waiting keep their places",
    openapi_extra={"responses": NOT_NOW},
)
@api_permission(KEEPS_STACK)
def close_stack(request: HttpRequest, meeting: str) -> dict[str, Any]:
    user, found = keeper_step(request, meeting)
    try:
        stack.do_set_stack_open(found, False, by=user)
    except ValidationError as error:
        raise refused(error, state_code(found)) from None
    return stack_out(user, found)


@router.post(
    "/meetings/{meeting}/stack/side",
    response={201: MeetingStackOut, 409: ErrorOut},
    summary="Open a side stack on the current item",
    openapi_extra={"responses": NOT_NOW},
)
@api_permission(KEEPS_STACK)
def open_side_stack(request: HttpRequest, meeting: str, payload: MeetingSideStackIn) -> Status[dict[str, Any]]:
    """While it is open, turns go to it and it is heard first. One at a time."""
    user, found = keeper_step(request, meeting)
    try:
        stack.do_open_side_stack(found, payload.title, by=user)
    except ValidationError as error:
        raise refused(error, state_code(found)) from None
    return Status(201, stack_out(user, found))


@router.delete(
    "/meetings/{meeting}/stack/side",
    response={200: MeetingStackOut, 409: ErrorOut},
    summary="Close the side stack: back to the item's queue",
    openapi_extra={"responses": {409: {"description": "No side stack is open (`no_side_stack`), or not live."}}},
)
@api_permission(KEEPS_STACK)
def close_side_stack(request: HttpRequest, meeting: str) -> dict[str, Any]:
    """Turns still waiting on the side stack are withdrawn."""
    user, found = keeper_step(request, meeting)
    try:
        closed = stack.do_close_side_stack(found, by=user)
    except ValidationError as error:
        raise refused(error, state_code(found)) from None
    if not closed:
        raise ApiError(409, "no_side_stack", _("No side stack is open."))
    return stack_out(user, found)


@router.post(
    "/meetings/{meeting}/stack/speakers",
    response={201: MeetingTurnOut, 409: ErrorOut},
    summary="Put someone on stack who raised a hand",
    openapi_extra={"responses": NOT_NOW},
)
@api_permission(KEEPS_STACK)
def add_speaker(request: HttpRequest, meeting: str, payload: MeetingSpeakerIn) -> Status[Shown]:
    """Someone already here (`participant`), or someone new by the name the keeper writes."""
    user, found = keeper_step(request, meeting)
    who = access_participant(user, found, str(payload.participant)) if payload.participant else None
    if found.state != State.LIVE:
        raise ApiError(409, state_code(found), _("This meeting is not in progress."))
    try:
        with transaction.atomic():
            turn = stack.do_add_speaker(found, payload.name, payload.lane, by=user, participant=who)
    except ValidationError as error:
        raise refused(error, state_code(fresh(found))) from None
    return Status(201, turn_out(turn, user))


@router.get(
    "/meetings/{meeting}/tallies", response=list[MeetingTallyOut], summary="Turns and speaking time, per person"
)
@paginate
@api_permission(KEEPS_STACK)
def list_tallies(request: HttpRequest, meeting: str) -> list[MeetingTallyOut]:
    """For the stack keepers: who spoke how often and how long, at this meeting and on the current item.
    Most speaking time first: what a keeper weighs when someone asks for a third turn."""
    _user, found = keeper_step(request, meeting)
    return [
        MeetingTallyOut(
            participant=tally.participant.uuid,
            name=str(tally.participant.name),
            turns=tally.turns,
            on_item=tally.on_item,
            seconds=tally.seconds,
        )
        for tally in stack.tallies(found)
    ]
