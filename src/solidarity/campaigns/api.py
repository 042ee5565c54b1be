"""Call-in campaigns in the JSON API: campaigns, their offices (targets) with numbers, hours and scripts, and the
second organiser's check, through the same services as the pages (campaigns.call_api has the callers' side: the
next office, outcomes, tallies; campaigns.subject_api the person a campaign is for, and consent).

A campaign is addressed by its code (`/campaigns/{campaign}`: what a caller texts), an office and a number by their
uuids under it. Members of the campaign's working group read it and its offices; its coordinators (the organisers)
change them. To anyone else the campaign does not exist (404). The name and identifiers of the person a campaign is
for appear only under `/campaigns/{campaign}/subject`, for its organisers; every other answer says at most whether
the scripts give them (`is_named`).

A service's refusal about the input is a 422 naming the field; one about the campaign's state a 409 with a stable
code (STATE_CODES). Messages are in the caller's language (Accept-Language).
"""

from datetime import datetime, time, timedelta
from typing import Annotated, Any, Literal
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import AwareDatetime, StrictBool, StrictInt

from solidarity.accounts.access import access_group, signed_in
from solidarity.accounts.models import User
from solidarity.campaigns.access import (
    CAMPAIGN_MEMBER,
    CAMPAIGN_ORGANISER,
    ORGANISERS,
    access_campaign,
    access_campaign_scoped,
    counted,
    group_campaigns,
    line_of,
    target_of,
    targets_of,
)
from solidarity.campaigns.calling import is_calling_now, is_given, is_resting, line_status
from solidarity.campaigns.hours import is_open
from solidarity.campaigns.models import (
    SCRIPT_LENGTH,
    TEXT_LENGTH,
    TITLE_LENGTH,
    Campaign,
    Line,
    State,
    Target,
)
from solidarity.campaigns.services import (
    MAX_LINES,
    CampaignValues,
    LineValues,
    TargetValues,
    do_add_target,
    do_check_target,
    do_close_campaign,
    do_confirm_line,
    do_create_campaign,
    do_go_live,
    do_pause,
    do_remove_target,
    do_update_campaign,
    do_update_target,
)
from solidarity.core.api import ApiError, ErrorOut, api_permission
from solidarity.core.permissions import AnyUser, Role, role
from solidarity.core.services import get_network_settings

router = Router(tags=["campaigns"])

GROUP_MEMBER = role(Role.MEMBER, kwarg="slug")
GROUP_ORGANISER = role(*ORGANISERS, kwarg="slug")
MAX_YEARS_AHEAD = 10

# A service's refusal about the campaign's state, by its code, as the API names it ("state": see state_code).
STATE_CODES = {
    "window": "window_ended",
    "unchecked": "unchecked",
    "own_change": "own_change",
    "unnamed": "unnamed",
    "too_many": "too_many_targets",
}
# The services' names of the subject's fields, as the API names them.
FIELD_NAMES = {"subject_name": "name", "subject_identifiers": "identifiers", "consent_from": "from"}
CLOSED = {409: {"description": "The campaign is closed (`campaign_closed`): nothing about it changes any more."}}

CampaignState = Literal["draft", "live", "closed"]
CampaignVisibility = Literal["public", "members"]
CampaignResult = Literal["won", "partly", "not_yet", "ended"]
OfficeKind = Literal["legislator", "agency", "field_office", "detention", "sheriff", "local", "other"]
Weekday = Annotated[StrictInt, Field(ge=1, le=7, description="ISO: Monday 1 to Sunday 7.")]
ClockTime = Annotated[
    str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", description="HH:MM, 24-hour, in the office's own time zone.")
]
PLACEHOLDERS = "Placeholders: {person}, {ids}, {place} (or {persona}, {identificadores}, {lugar})."


# What goes out.


class CampaignOut(Schema):
    id: UUID = Field(alias="uuid")
    code: str = Field(description="What callers text (CALL and the code) and what the campaign's pages are named by.")
    group: str = Field(description="The slug of the working group that runs it.")
    title: str = Field(description="In the caller's language, else the other.")
    title_en: str
    title_es: str
    goal_en: str
    goal_es: str
    intro_en: str = Field(description="What callers read first, as written. " + PLACEHOLDERS)
    intro_es: str
    starts_at: datetime
    ends_at: datetime
    visibility: CampaignVisibility = Field(description="public: anyone may call; members: any signed-in account.")
    has_public_counter: bool
    state: CampaignState = Field(description="draft: being prepared (or paused); live; closed.")
    is_calling_now: bool = Field(description="Live, and within its window: callers are given offices.")
    is_named: bool = Field(
        description="The scripts give the person's name and identifiers: both consents are recorded. "
        "The name itself: GET .../subject, for the organisers."
    )
    targets: int = Field(description="How many offices it has.")
    checked_targets: int = Field(description="How many a second organiser checked: only these are called.")
    result: CampaignResult | None = Field(description="Once closed: how it ended.")
    result_en: str
    result_es: str
    went_live_at: datetime | None
    closed_at: datetime | None

    @staticmethod
    def resolve_group(obj: Campaign) -> str:
        return obj.group.slug

    @staticmethod
    def resolve_title(obj: Campaign) -> str:
        return obj.title()

    @staticmethod
    def resolve_is_calling_now(obj: Campaign) -> bool:
        return is_calling_now(obj)

    @staticmethod
    def resolve_targets(obj: Campaign) -> int:
        return int(getattr(obj, "target_count", 0))

    @staticmethod
    def resolve_checked_targets(obj: Campaign) -> int:
        return int(getattr(obj, "checked_count", 0))

    @staticmethod
    def resolve_result(obj: Campaign) -> str | None:
        return obj.result or None


class CampaignLineOut(Schema):
    """One of an office's numbers, with the live status every caller shares."""

    id: UUID
    position: int
    phone: str = Field(description="E.164.")
    label: str
    status: str = Field(
        description='In the caller\'s language: "busy or voicemail full since 14:05", "wrong number reported 3 '
        'times"; empty when there is nothing to say.'
    )
    streak_outcome: int | None = Field(description="The outcome (1-5) the latest reports on it agree on.")
    streak_count: int = Field(description="How many reports in a row.")
    streak_since: datetime | None
    wrong_reports: int = Field(description="Wrong-number reports since an organiser last confirmed it.")
    last_report_at: datetime | None
    is_resting: bool = Field(description="Busy, full or unanswered just now: callers are sent elsewhere for a while.")
    is_given: bool = Field(description="Still given to callers (not reported wrong too often).")


class CampaignTargetOut(Schema):
    """An office to call."""

    id: UUID
    campaign: str = Field(description="The campaign's code.")
    position: int
    name: str = Field(description="In the caller's language, else the other.")
    name_en: str
    name_es: str
    kind: OfficeKind
    script_en: str = Field(description="As written (30 seconds or less, one ask). " + PLACEHOLDERS)
    script_es: str
    time_zone: str = Field(description="The office's own, for its hours.")
    weekdays: list[int] = Field(description="The days it is open (ISO: Monday 1).")
    opens_at: str = Field(description="HH:MM in its time zone.")
    closes_at: str = Field(description="HH:MM in its time zone; before `opens_at`: open past midnight.")
    is_always_open: bool
    is_open_now: bool
    is_checked: bool = Field(description="A second organiser checked its numbers and script since they last changed.")
    checked_at: datetime | None
    checkable_by_caller: bool = Field(
        description="Not checked, and the caller is an organiser who did not change it since its last check."
    )
    lines: list[CampaignLineOut]


# What comes in.


class CampaignFilters(Schema):
    state: CampaignState | None = None


class CampaignIn(Schema):
    title_en: str = Field("", max_length=TITLE_LENGTH, description="At least one of `title_en` and `title_es`.")
    title_es: str = Field("", max_length=TITLE_LENGTH)
    goal_en: str = Field("", max_length=TEXT_LENGTH)
    goal_es: str = Field("", max_length=TEXT_LENGTH)
    intro_en: str = Field(
        "",
        max_length=TEXT_LENGTH,
        description="What is happening, why it matters, why this call helps. "
        + PLACEHOLDERS
        + " Never the person's name: {person} gives it once consent is recorded.",
    )
    intro_es: str = Field("", max_length=TEXT_LENGTH)
    starts_at: AwareDatetime | None = Field(None, description="Required. ISO 8601 with its offset.")
    ends_at: AwareDatetime | None = Field(None, description="Required; after `starts_at`.")
    visibility: CampaignVisibility = "members"
    has_public_counter: StrictBool = False


class CampaignPatch(Schema):
    """Only the fields sent change."""

    title_en: str | None = Field(None, max_length=TITLE_LENGTH)
    title_es: str | None = Field(None, max_length=TITLE_LENGTH)
    goal_en: str | None = Field(None, max_length=TEXT_LENGTH)
    goal_es: str | None = Field(None, max_length=TEXT_LENGTH)
    intro_en: str | None = Field(None, max_length=TEXT_LENGTH)
    intro_es: str | None = Field(None, max_length=TEXT_LENGTH)
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    visibility: CampaignVisibility | None = None
    has_public_counter: StrictBool | None = None


class CampaignCloseIn(Schema):
    result: CampaignResult | None = Field(None, description="Required: how it ended.")
    result_en: str = Field("", max_length=TEXT_LENGTH, description="What happened, for the report-back.")
    result_es: str = Field("", max_length=TEXT_LENGTH)


class CampaignLineIn(Schema):
    phone: str = Field(max_length=32, description="As written; kept in E.164 (the network's region by default).")
    label: str = Field("", max_length=60, description="Main line, front desk.")


class CampaignTargetIn(Schema):
    name_en: str = Field("", max_length=TITLE_LENGTH, description="At least one of `name_en` and `name_es`.")
    name_es: str = Field("", max_length=TITLE_LENGTH)
    kind: OfficeKind = "other"
    script_en: str = Field(
        "", max_length=SCRIPT_LENGTH, description="At least one of the two; 30 seconds read aloud. " + PLACEHOLDERS
    )
    script_es: str = Field("", max_length=SCRIPT_LENGTH)
    time_zone: str = Field("", max_length=64, description="Such as America/New_York; empty: the network's.")
    weekdays: list[Weekday] = Field(default_factory=lambda: [1, 2, 3, 4, 5], max_length=7)
    opens_at: ClockTime = "09:00"
    closes_at: ClockTime = "17:00"
    is_always_open: StrictBool = Field(False, description="Answered at any hour: the days and hours are ignored.")
    lines: list[CampaignLineIn] = Field(
        default_factory=list, max_length=MAX_LINES, description="Its phone numbers, in the order to try them."
    )


class CampaignTargetPatch(Schema):
    """Only the fields sent change. A change to its numbers, hours or script unchecks it."""

    name_en: str | None = Field(None, max_length=TITLE_LENGTH)
    name_es: str | None = Field(None, max_length=TITLE_LENGTH)
    kind: OfficeKind | None = None
    script_en: str | None = Field(None, max_length=SCRIPT_LENGTH)
    script_es: str | None = Field(None, max_length=SCRIPT_LENGTH)
    time_zone: str | None = Field(None, max_length=64)
    weekdays: list[Weekday] | None = Field(None, max_length=7)
    opens_at: ClockTime | None = None
    closes_at: ClockTime | None = None
    is_always_open: StrictBool | None = None
    lines: list[CampaignLineIn] | None = Field(
        None, max_length=MAX_LINES, description="Replaces its numbers; a number kept keeps its live status."
    )


# Helpers.


def refused(error: ValidationError, campaign: Campaign | None = None) -> ApiError:
    """A service's refusal: about a field, 422 naming it; about the campaign's state, 409 with a stable code."""
    if hasattr(error, "error_dict"):
        fields = {FIELD_NAMES.get(name, name): messages for name, messages in error.message_dict.items()}
        return ApiError(422, "invalid_input", next(iter(fields.values()))[0], fields)
    codes = [str(item.code) for item in error.error_list]
    known = next((STATE_CODES[each] for each in codes if each in STATE_CODES), None)
    code = known or (state_code(campaign) if campaign is not None else "conflict")
    return ApiError(409, code, " ".join(error.messages))


def state_code(campaign: Campaign) -> str:
    """The 409's code for a step the campaign's state refuses."""
    if campaign.state == State.CLOSED:
        return "campaign_closed"
    return "already_live" if campaign.state == State.LIVE else "not_live"


def open_for_changes(campaign: Campaign) -> Campaign:
    if campaign.state == State.CLOSED:
        raise ApiError(409, "campaign_closed", _("This campaign is closed."))
    return campaign


def invalid(field: str, message: str) -> ApiError:
    return ApiError(422, "invalid_input", message, {field: [message]})


def within_years(value: datetime | None, field: str) -> datetime | None:
    """A time within the years a campaign may be set in (an absurd year would overflow an office's hours)."""
    now = timezone.now()
    if value is not None and not now - timedelta(days=366) <= value <= now + timedelta(days=366 * MAX_YEARS_AHEAD):
        raise invalid(field, _("Choose a time within the next %(years)d years.") % {"years": MAX_YEARS_AHEAD})
    return value


CAMPAIGN_FIELDS = (
    "title_en",
    "title_es",
    "goal_en",
    "goal_es",
    "intro_en",
    "intro_es",
    "starts_at",
    "ends_at",
    "visibility",
    "has_public_counter",
)


def campaign_values(current: dict[str, Any], changes: dict[str, Any]) -> CampaignValues:
    values = current | {name: value for name, value in changes.items() if value is not None}
    for name in ("starts_at", "ends_at"):
        if name in changes:
            within_years(changes[name], name)
    return CampaignValues(**{name: values[name] for name in CAMPAIGN_FIELDS if name in values})


def line_out(line: Line, at: datetime) -> CampaignLineOut:
    return CampaignLineOut(
        id=line.uuid,
        position=line.position,
        phone=line.phone,
        label=line.label,
        status=line_status(line, at),
        streak_outcome=line.streak_outcome,
        streak_count=line.streak_count,
        streak_since=line.streak_since,
        wrong_reports=line.wrong_reports,
        last_report_at=line.last_report_at,
        is_resting=is_resting(line, at),
        is_given=is_given(line),
    )


def target_out(target: Target, campaign: Campaign, user: AnyUser, *, organiser: bool) -> CampaignTargetOut:
    at = timezone.now()
    return CampaignTargetOut(
        id=target.uuid,
        campaign=campaign.code,
        position=target.position,
        name=target.name(),
        name_en=target.name_en,
        name_es=target.name_es,
        kind=target.kind,  # type: ignore[arg-type]  # a TargetKind value, as stored
        script_en=target.script_en,
        script_es=target.script_es,
        time_zone=target.time_zone,
        weekdays=sorted(int(day) for day in set(target.weekdays)),
        opens_at=target.opens_at.strftime("%H:%M"),
        closes_at=target.closes_at.strftime("%H:%M"),
        is_always_open=target.is_always_open,
        is_open_now=is_open(target, at),
        is_checked=target.is_checked,
        checked_at=target.checked_at,
        checkable_by_caller=organiser and not target.is_checked and user.pk not in target.editors,
        lines=[line_out(line, at) for line in target.lines.all()],
    )


def target_values(target: Target | None, changes: dict[str, Any]) -> TargetValues:
    """The office's values with `changes` (the API's names and types) made; a new office's from TargetValues."""
    values: dict[str, Any] = {}
    if target is not None:
        names = ("name_en", "name_es", "kind", "script_en", "script_es", "time_zone", "weekdays")
        values = {name: getattr(target, name) for name in names}
        values |= {"opens_at": target.opens_at, "closes_at": target.closes_at, "is_always_open": target.is_always_open}
        values["lines"] = [LineValues(line.phone, line.label) for line in target.lines.all()]
    for name, value in changes.items():
        if value is None:
            continue
        if name == "weekdays":
            value = "".join(sorted({str(day) for day in value}))
        elif name in ("opens_at", "closes_at"):
            value = time.fromisoformat(value)
        elif name == "lines":
            value = [LineValues(line["phone"], line.get("label", "")) for line in value]  # nested: unset left out
        elif name == "time_zone":
            value = value.strip() or get_network_settings().time_zone
        values[name] = value
    return TargetValues(**values)


def organiser_step(request: HttpRequest, campaign: str) -> tuple[User, Campaign]:
    """The caller and the campaign they organise (declared on the operation, checked again here)."""
    user = signed_in(request)
    return user, access_campaign(user, campaign, *ORGANISERS)


def one_target(user: User, campaign: Campaign, target: UUID) -> CampaignTargetOut:
    return target_out(target_of(campaign, target), campaign, user, organiser=True)


# Campaigns.


@router.get("/groups/{slug}/campaigns", response=list[CampaignOut], summary="A group's call-in campaigns")
@paginate
@api_permission(GROUP_MEMBER)
def list_campaigns(request: HttpRequest, slug: str, filters: Query[CampaignFilters]) -> QuerySet[Campaign]:
    """Latest first; `state` keeps those in it. Never the name of the person a campaign is for."""
    found = group_campaigns(access_group(signed_in(request), slug, Role.MEMBER))
    return found.filter(state=filters.state) if filters.state else found


@router.post("/groups/{slug}/campaigns", response={201: CampaignOut}, summary="Set up a call-in campaign")
@api_permission(GROUP_ORGANISER)
def create_campaign(request: HttpRequest, slug: str, payload: CampaignIn) -> Status[Campaign]:
    """For the group's coordinators. Being prepared until it goes live; the answer carries its `code`."""
    user = signed_in(request)
    group = access_group(user, slug, GROUP_ORGANISER)
    values = campaign_values({}, payload.model_dump())
    try:
        made = do_create_campaign(group, values, by=user)
    except ValidationError as error:
        raise refused(error) from None
    return Status(201, counted(made))


@router.get("/campaigns/{campaign}", response=CampaignOut, summary="A call-in campaign")
@api_permission(CAMPAIGN_MEMBER)
def read_campaign(request: HttpRequest, campaign: str) -> Campaign:
    """`campaign`: its code (or its id)."""
    return counted(access_campaign(signed_in(request), campaign))


@router.patch(
    "/campaigns/{campaign}",
    response={200: CampaignOut, 409: ErrorOut},
    summary="Change a campaign's texts, window, who may call, or its public counter",
    openapi_extra={"responses": CLOSED},
)
@api_permission(CAMPAIGN_ORGANISER)
def update_campaign(request: HttpRequest, campaign: str, payload: CampaignPatch) -> Campaign:
    user, found = organiser_step(request, campaign)
    open_for_changes(found)
    current = {name: getattr(found, name) for name in CAMPAIGN_FIELDS}
    values = campaign_values(current, payload.model_dump(exclude_unset=True))
    try:
        do_update_campaign(found, values, by=user)
    except ValidationError as error:
        raise refused(error, found) from None
    return counted(found)


@router.post(
    "/campaigns/{campaign}/go-live",
    response={200: CampaignOut, 409: ErrorOut},
    summary="Open the campaign to callers",
    openapi_extra={
        "responses": {
            409: {
                "description": "Live already (`already_live`), closed (`campaign_closed`), its window is over "
                "(`window_ended`), or no office is checked by a second organiser yet (`unchecked`)."
            }
        }
    },
)
@api_permission(CAMPAIGN_ORGANISER)
def campaign_go_live(request: HttpRequest, campaign: str) -> Campaign:
    """Only checked offices are given to callers, within the campaign's window and each office's hours."""
    user, found = organiser_step(request, campaign)
    try:
        do_go_live(found, by=user)
    except ValidationError as error:
        raise refused(error, found) from None
    return counted(found)


@router.post(
    "/campaigns/{campaign}/pause",
    response={200: CampaignOut, 409: ErrorOut},
    summary="Stop giving offices to callers for now",
    openapi_extra={"responses": {409: {"description": "Not live (`not_live`), or closed (`campaign_closed`)."}}},
)
@api_permission(CAMPAIGN_ORGANISER)
def pause_campaign(request: HttpRequest, campaign: str) -> Campaign:
    """Back to being prepared; go-live opens it again."""
    user, found = organiser_step(request, campaign)
    try:
        do_pause(found, by=user)
    except ValidationError as error:
        raise refused(error, found) from None
    return counted(found)


@router.post(
    "/campaigns/{campaign}/close",
    response={200: CampaignOut, 409: ErrorOut},
    summary="Close the campaign for good, with how it ended",
    openapi_extra={"responses": CLOSED},
)
@api_permission(CAMPAIGN_ORGANISER)
def close_campaign(request: HttpRequest, campaign: str, payload: CampaignCloseIn) -> Campaign:
    """The person's name and identifiers are deleted; calls still waiting for an outcome stay uncounted."""
    user, found = organiser_step(request, campaign)
    try:
        do_close_campaign(found, payload.result or "", payload.result_en, payload.result_es, by=user)
    except ValidationError as error:
        raise refused(error, found) from None
    return counted(found)


# Offices.


@router.get("/campaigns/{campaign}/targets", response=list[CampaignTargetOut], summary="A campaign's offices")
@paginate
@api_permission(CAMPAIGN_MEMBER)
def list_campaign_targets(request: HttpRequest, campaign: str) -> list[CampaignTargetOut]:
    """In the campaign's order, each with its numbers and their live status."""
    user = signed_in(request)
    scoped = access_campaign_scoped(user, campaign)
    organiser = scoped.has(*ORGANISERS)
    return [target_out(target, scoped.obj, user, organiser=organiser) for target in targets_of(scoped.obj)]


@router.post(
    "/campaigns/{campaign}/targets",
    response={201: CampaignTargetOut, 409: ErrorOut},
    summary="Add an office to call",
    openapi_extra={
        "responses": {
            409: {"description": "Closed (`campaign_closed`), or it has the most offices (`too_many_targets`)."}
        }
    },
)
@api_permission(CAMPAIGN_ORGANISER)
def add_campaign_target(request: HttpRequest, campaign: str, payload: CampaignTargetIn) -> Status[CampaignTargetOut]:
    """Unchecked until another organiser checks it: callers are not given it before."""
    user, found = organiser_step(request, campaign)
    open_for_changes(found)
    values = target_values(None, payload.model_dump())
    try:
        made = do_add_target(found, values, by=user)
    except ValidationError as error:
        raise refused(error, found) from None
    return Status(201, one_target(user, found, made.uuid))


@router.get("/campaigns/{campaign}/targets/{target}", response=CampaignTargetOut, summary="One office of a campaign")
@api_permission(CAMPAIGN_MEMBER)
def read_campaign_target(request: HttpRequest, campaign: str, target: UUID) -> CampaignTargetOut:
    user = signed_in(request)
    scoped = access_campaign_scoped(user, campaign)
    return target_out(target_of(scoped.obj, target), scoped.obj, user, organiser=scoped.has(*ORGANISERS))


@router.patch(
    "/campaigns/{campaign}/targets/{target}",
    response={200: CampaignTargetOut, 409: ErrorOut},
    summary="Change an office (the fields sent)",
    openapi_extra={"responses": CLOSED},
)
@api_permission(CAMPAIGN_ORGANISER)
def update_campaign_target(
    request: HttpRequest, campaign: str, target: UUID, payload: CampaignTargetPatch
) -> CampaignTargetOut:
    """What changed unchecks it, and its changer may not check it."""
    user, found = organiser_step(request, campaign)
    office = target_of(open_for_changes(found), target)
    values = target_values(office, payload.model_dump(exclude_unset=True))
    try:
        do_update_target(office, values, by=user)
    except ValidationError as error:
        raise refused(error, found) from None
    return one_target(user, found, target)


@router.delete(
    "/campaigns/{campaign}/targets/{target}",
    response={204: None, 409: ErrorOut},
    summary="Take an office out of a campaign",
    openapi_extra={"responses": CLOSED},
)
@api_permission(CAMPAIGN_ORGANISER)
def remove_campaign_target(request: HttpRequest, campaign: str, target: UUID) -> Status[None]:
    """Its calls go with it: the tallies lose them."""
    user, found = organiser_step(request, campaign)
    do_remove_target(target_of(open_for_changes(found), target), by=user)
    return Status(204, None)


@router.post(
    "/campaigns/{campaign}/targets/{target}/check",
    response={200: CampaignTargetOut, 409: ErrorOut},
    summary="Check an office's numbers and script, as the second organiser",
    openapi_extra={
        "responses": {
            409: {
                "description": "The caller changed its numbers, hours or script since its last check "
                "(`own_change`): another organiser must check it. Or closed (`campaign_closed`)."
            }
        }
    },
)
@api_permission(CAMPAIGN_ORGANISER)
def check_campaign_target(request: HttpRequest, campaign: str, target: UUID) -> CampaignTargetOut:
    """Callers may be given it from now on. Checking a checked office changes nothing."""
    user, found = organiser_step(request, campaign)
    office = target_of(open_for_changes(found), target)
    try:
        do_check_target(office, by=user)
    except ValidationError as error:
        raise refused(error, found) from None
    return one_target(user, found, target)


@router.post(
    "/campaigns/{campaign}/lines/{line}/confirm",
    response=CampaignLineOut,
    summary="Confirm a number callers reported wrong: it is given again",
)
@api_permission(CAMPAIGN_ORGANISER)
def confirm_campaign_line(request: HttpRequest, campaign: str, line: UUID) -> CampaignLineOut:
    """An organiser called it and it is right: its wrong-number reports start again from none."""
    user, found = organiser_step(request, campaign)
    confirmed = do_confirm_line(line_of(found, line), by=user)
    return line_out(confirmed, timezone.now())
