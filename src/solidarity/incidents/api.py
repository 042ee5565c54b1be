"""Rapid response for scripts: what the board and the incident page do (incidents.access says who sees what).

An incident is addressed by its code (`/incidents/{incident}`), an alert by its code (`/alerts/{alert}`),
a report by its reference (`/reports/{report}`). The network's dispatchers read and act on every
incident; a responder reads and answers their own alert; requirements and the hotline's settings are
for their keepers (timeline.REQUIREMENT_KEEPERS). Every verb calls the service the page's button calls.
Who was asked is told by display name and the ranking's reasons: never a phone or an email.

A state that forbids the change (services.IncidentError) is a 409 with its code; a value a service
refuses, a 422 naming the field. Reading an incident's reports is audited (access.reports_of).
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated, Any, Literal, overload
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import StrictBool, StrictInt

from solidarity.accounts.access import signed_in
from solidarity.accounts.models import User
from solidarity.core.api import ApiError, ErrorOut, api_permission
from solidarity.core.models import Zone
from solidarity.core.zones import zone_by_slug
from solidarity.incidents import dispatch, intake, requirements, services
from solidarity.incidents.access import (
    access_alert,
    access_incident,
    access_report,
    incidents_for,
    reports_of,
)
from solidarity.incidents.models import (
    COUNTED,
    LONG_TEXT,
    MAX_NEEDED,
    Alert,
    AlertState,
    Entry,
    HotlineSettings,
    Incident,
    Need,
    NeedState,
    Report,
)
from solidarity.incidents.timeline import DISPATCH, REQUIREMENT_KEEPERS, hotline_settings, is_dispatcher, user_actor
from solidarity.lists.models import AnnouncementList
from solidarity.people.access import roster
from solidarity.people.models import Skill

router = Router(tags=["incidents"])

IncidentTypeName = Literal["checkpoint", "home_raid", "workplace_raid", "arrest", "traffic_stop", "other"]
IncidentStateName = Literal["reported", "verifying", "confirmed", "false_alarm", "unverified", "resolved", "merged"]
ReportStateName = Literal["grouped", "for_review", "needs_zone", "dismissed"]
NeedStateName = Literal["open", "filled", "cancelled"]
AlertStateName = Literal["asked", "going", "declined", "undelivered", "covered", "on_scene", "left", "stood_down"]
# A code or a reference as said and typed ("KT47", "kt47"); a zone's slug.
Code = Annotated[str, Path(pattern=r"^[A-Za-z0-9-]{1,16}$", description="A code, as said and typed: `KT47`.")]
SLUG = r"^[-a-z0-9_]*$"
AnswerName = Literal["going", "declined", "covered", "already", "arrived", "left"]

NOT_NOW = {
    "responses": {
        409: {"description": "The incident's state forbids this now (`not_allowed_now`, or the service's own code)."}
    }
}
NOT_WAITING = {
    "responses": {409: {"description": "The report is in an incident already, or dismissed (`not_waiting`)."}}
}
ALERT_OVER = {
    "responses": {
        409: {"description": "The alert cannot take this answer: its incident or role is over (`alert_over`)."}
    }
}


# What goes out.


class IncidentSummaryOut(Schema):
    code: str
    type: IncidentTypeName
    state: IncidentStateName
    zone: str = Field(description="The zone's slug.")
    language: str = Field(description="The language most of its reports came in: `en` or `es`.")
    report_count: int
    first_reported_at: datetime
    last_reported_at: datetime
    state_changed_at: datetime
    confirmed_at: datetime | None
    closed_at: datetime | None
    stood_down_at: datetime | None
    merged_into: str | None = Field(description="The code of the incident it was merged into; null: none.")
    drill: bool = Field(description="A drill (`/drills`): every message it sends starts DRILL / SIMULACRO.")

    @staticmethod
    def resolve_zone(obj: Incident) -> str:
        return obj.zone.slug

    @staticmethod
    def resolve_merged_into(obj: Incident) -> str | None:
        return obj.merged_into.code if obj.merged_into else None


class ReasonsOut(Schema):
    """Why someone was asked, as the ranking put it: never a contact."""

    ring: int = Field(description="0: on call in the incident's zone; 1: a neighbouring zone; and so on.")
    zone: str | None = Field(description="The slug of the nearest zone they cover.")
    last_asked_days: int | None = Field(description="Days since they were last asked; null: never.")
    language_fit: bool = Field(description="They speak the language the reports came in.")


class NeedOut(Schema):
    id: UUID
    purpose: Literal["verify", "respond"]
    skill: str | None = Field(description="The skill's slug; null for verifying (any of the verifier skills).")
    count: int
    places: int = Field(description="How many people it takes: the count, made even when they go in pairs.")
    going: int = Field(description="Said they go (on scene and gone included).")
    asked: int = Field(description="Asked and not yet answered.")
    state: NeedStateName
    ring: int = Field(description="How far out it has asked.")
    within_minutes: int | None
    in_pairs: bool
    opened_at: datetime
    filled_at: datetime | None


class AlertOut(Schema):
    code: str
    need: UUID
    person: str = Field(description="The person's display name (empty once they left the network).")
    state: AlertStateName
    ring: int
    reasons: ReasonsOut
    reasons_text: str = Field(description="The reasons in words, in the caller's language.")
    asked_at: datetime
    answered_at: datetime | None
    arrived_at: datetime | None
    left_at: datetime | None


class IncidentOut(IncidentSummaryOut):
    where: str = Field(description="What responders are told: a cross street or a landmark.")
    needs: list[NeedOut]
    alerts: list[AlertOut]

    @staticmethod
    def resolve_where(obj: Incident) -> str:
        return str(obj.where)

    @staticmethod
    def resolve_needs(obj: Incident) -> list[NeedOut]:
        return list(getattr(obj, "api_needs", []))

    @staticmethod
    def resolve_alerts(obj: Incident) -> list[AlertOut]:
        return list(getattr(obj, "api_alerts", []))


class EntryOut(Schema):
    at: datetime
    kind: str
    actor: str = Field(description="`user:<uuid>`, `person:<uuid>`, `system`, or a report's source.")
    text: str = Field(description="What a person wrote (a note, a verifier's account); may be empty.")
    data: dict[str, Any] = Field(description="Codes, states and counts.")


class IncidentReportOut(Schema):
    """What someone said they saw. The contact a reporter gave and the number a text came from never go out."""

    code: str = Field(description="The reference the reporter was given.")
    state: ReportStateName
    source: Literal["web", "sms", "hotline", "api"]
    type: IncidentTypeName
    zone: str | None
    incident: str | None = Field(description="The code of the incident it is in; null: none.")
    language: str
    occurred_at: datetime
    place: str
    description: str
    size: str
    activity: str
    uniform: str
    equipment: str
    seen_directly: bool | None
    has_photo: bool
    follow_up: bool = Field(description="The reporter asked to hear the outcome.")
    created_at: datetime

    @staticmethod
    def resolve_zone(obj: Report) -> str | None:
        return obj.zone.slug if obj.zone else None

    @staticmethod
    def resolve_incident(obj: Report) -> str | None:
        return obj.incident.code if obj.incident else None

    @staticmethod
    def resolve_has_photo(obj: Report) -> bool:
        return bool(obj.photo)


class CandidateOut(Schema):
    person: UUID = Field(description="The person's uuid.")
    display_name: str
    ring: int
    zone: str | None = Field(description="The slug of the nearest zone they cover.")
    last_asked_days: int | None
    language_fit: bool
    reasons_text: str


class OwnAlertOut(Schema):
    """An alert as its person sees it: where to go and for what; nobody else's name."""

    code: str
    incident: str = Field(description="The incident's code.")
    type: IncidentTypeName
    zone: str
    where: str
    purpose: Literal["verify", "respond"]
    skill: str | None
    within_minutes: int | None
    state: AlertStateName
    asked_at: datetime
    answered_at: datetime | None
    arrived_at: datetime | None
    left_at: datetime | None


class AnswerOut(Schema):
    answer: AnswerName = Field(
        description="`going`; `declined`; `covered`: filled already, no need to go; `already`: nothing changed; "
        "`arrived`; `left`."
    )
    alert: OwnAlertOut


class RequirementOut(Schema):
    type: IncidentTypeName
    skill: str
    count: int
    within_minutes: int | None
    in_pairs: bool


class RequirementsOut(Schema):
    items: list[RequirementOut]
    count: int


class HotlineSettingsOut(Schema):
    group_window_minutes: int
    stale_after_minutes: int
    ring_minutes: int
    page_minutes: int
    over_ask_percent: int
    max_rings: int
    sender_hours: int
    verifier_skills: list[str] = Field(description="The slugs of the skills whose holders are asked to verify.")
    alert_lists: list[str] = Field(description="The short names of the lists wide alerts go to (in the zones named).")
    updated_at: datetime


# What comes in.


class IncidentQuery(Schema):
    state: IncidentStateName | None = None
    type: IncidentTypeName | None = None
    zone: str | None = Field(None, max_length=60, pattern=SLUG, description="A zone's slug.")


class ConfirmIn(Schema):
    where: str = Field("", max_length=services.WHERE_LENGTH, description="What responders are told.")
    note: str = Field("", max_length=LONG_TEXT)


class NoteIn(Schema):
    note: str = Field("", max_length=LONG_TEXT)


class TextIn(Schema):
    text: str = Field(min_length=1, max_length=LONG_TEXT)


class WhereIn(Schema):
    where: str = Field(max_length=services.WHERE_LENGTH, description="A cross street or a landmark; never a home.")


class IncidentMergeIn(Schema):
    into: str = Field(min_length=1, max_length=12, description="The code of the incident that carries on.")


class SplitIn(Schema):
    reports: list[str] = Field(
        min_length=1, max_length=500, description="The references of the reports to move out into a new incident."
    )


class CandidateQuery(Schema):
    need: UUID = Field(description="An open need of the incident.")


class AnswerIn(Schema):
    going: StrictBool


class WaitingQuery(Schema):
    state: Literal["waiting", "for_review", "needs_zone"] = Field(
        "waiting", description="`waiting`: both: over the public limits, or texted without a zone."
    )


class PlaceIn(Schema):
    zone: str = Field(min_length=1, max_length=60, pattern=SLUG, description="A zone's slug.")
    type: IncidentTypeName


class RequirementIn(Schema):
    skill: str = Field(min_length=1, max_length=60, description="A skill's slug; each once.")
    count: StrictInt = Field(ge=1, le=MAX_NEEDED)
    within_minutes: StrictInt | None = Field(None, ge=1, le=requirements.MAX_WITHIN)
    in_pairs: StrictBool = False


class RequirementsIn(Schema):
    items: list[RequirementIn] = Field(max_length=50, description="The whole list for the type; [] removes them all.")


class HotlineSettingsPatch(Schema):
    """Only the fields sent change."""

    group_window_minutes: StrictInt | None = Field(None, ge=1, le=24 * 60)
    stale_after_minutes: StrictInt | None = Field(None, ge=5, le=7 * 24 * 60)
    ring_minutes: StrictInt | None = Field(None, ge=1, le=120)
    page_minutes: StrictInt | None = Field(None, ge=1, le=240)
    over_ask_percent: StrictInt | None = Field(None, ge=100, le=500)
    max_rings: StrictInt | None = Field(None, ge=0, le=10)
    sender_hours: StrictInt | None = Field(None, ge=1, le=72)
    verifier_skills: list[str] | None = Field(None, max_length=50, description="Skills' slugs; replaces the list.")
    alert_lists: list[str] | None = Field(None, max_length=50, description="Lists' short names; replaces the list.")


# Building answers.


def invalid(error: ValidationError) -> ApiError:
    fields = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
    message = next(iter(fields.values()))[0]
    return ApiError(422, "invalid_input", message, fields)


@contextmanager
def answered() -> Iterator[None]:
    """A service's refusal in the API's shape: its IncidentError a 409 with its code, a ValidationError a 422."""
    try:
        yield
    except services.IncidentError as error:
        raise ApiError(409, error.code, error.message) from None
    except ValidationError as error:
        raise invalid(error) from None


def field_error(field: str, message: str) -> ApiError:
    return ApiError(422, "invalid_input", message, {field: [message]})


def needs_of(incident: Incident) -> QuerySet[Need]:
    return incident.needs.select_related("skill").annotate(
        counted=Count("alerts", filter=Q(alerts__state__in=COUNTED)),
        waiting=Count("alerts", filter=Q(alerts__state=AlertState.ASKED)),
    )


def need_out(need: Need) -> NeedOut:
    return NeedOut(
        id=need.uuid,
        purpose=need.purpose,  # type: ignore[arg-type]  # a Purpose value
        skill=need.skill.slug if need.skill else None,
        count=need.count,
        places=dispatch.places(need),
        going=int(getattr(need, "counted", 0)),
        asked=int(getattr(need, "waiting", 0)),
        state=need.state,  # type: ignore[arg-type]  # a NeedState value
        ring=need.ring,
        within_minutes=need.within_minutes,
        in_pairs=need.in_pairs,
        opened_at=need.opened_at,
        filled_at=need.filled_at,
    )


def reasons_out(reasons: dict[str, Any], slugs: dict[int, str]) -> ReasonsOut:
    zone = reasons.get("zone")
    days = reasons.get("last_asked_days")
    return ReasonsOut(
        ring=int(reasons.get("ring") or 0),
        zone=slugs.get(zone) if isinstance(zone, int) else None,
        last_asked_days=int(days) if isinstance(days, int) else None,
        language_fit=bool(reasons.get("language_fit")),
    )


def zone_slugs(ids: set[int]) -> dict[int, str]:
    return dict(Zone.objects.filter(pk__in=ids).values_list("pk", "slug"))


def incident_out(incident: Incident) -> IncidentOut:
    """The incident with its needs and everyone asked (a fixed number of queries)."""
    needs = list(needs_of(incident))
    alerts = list(incident.alerts.select_related("person", "need").order_by("need_id", "rank", "pk"))
    zones = {int(zone) for alert in alerts if isinstance(zone := alert_reasons(alert).get("zone"), int)}
    names, slugs = dispatch.zone_names(zones), zone_slugs(zones)
    incident.api_needs = [need_out(need) for need in needs]  # type: ignore[attr-defined]  # read by IncidentOut
    incident.api_alerts = [  # type: ignore[attr-defined]  # read by IncidentOut
        AlertOut(
            code=alert.code,
            need=alert.need.uuid,
            person=str(alert.person.display_name),
            state=alert.state,  # type: ignore[arg-type]  # an AlertState value
            ring=alert.ring,
            reasons=reasons_out(alert_reasons(alert), slugs),
            reasons_text=dispatch.reason_text(alert_reasons(alert), names),
            asked_at=alert.asked_at,
            answered_at=alert.answered_at,
            arrived_at=alert.arrived_at,
            left_at=alert.left_at,
        )
        for alert in alerts
    ]
    return IncidentOut.model_validate(incident)


def alert_reasons(alert: Alert) -> dict[str, Any]:
    return alert.reasons if isinstance(alert.reasons, dict) else {}


def fresh(user: User, incident: Incident) -> IncidentOut:
    """The incident as it is now (a service changed it), read again through access (which keeps it per request)."""
    found = access_incident(user, incident.code)
    found.refresh_from_db()
    return incident_out(found)


def own_alert_out(alert: Alert) -> OwnAlertOut:
    incident, need = alert.incident, alert.need
    return OwnAlertOut(
        code=alert.code,
        incident=incident.code,
        type=incident.type,  # type: ignore[arg-type]  # an IncidentType value
        zone=incident.zone.slug,
        where=str(incident.where),
        purpose=need.purpose,  # type: ignore[arg-type]  # a Purpose value
        skill=need.skill.slug if need.skill else None,
        within_minutes=need.within_minutes,
        state=alert.state,  # type: ignore[arg-type]  # an AlertState value
        asked_at=alert.asked_at,
        answered_at=alert.answered_at,
        arrived_at=alert.arrived_at,
        left_at=alert.left_at,
    )


def once(request: HttpRequest, schema: type[Schema]) -> None:
    """Each filter once: a repeated one is refused rather than silently read as its last value."""
    if repeated := [name for name in schema.model_fields if len(request.GET.getlist(name)) > 1]:
        message = _("Give each filter once.")
        raise ApiError(422, "invalid_input", message, {name: [message] for name in repeated})


def answer_actor(user: User) -> str:
    """A dispatcher recording an answer given by phone acts as themself; the alert's person, as themself."""
    return user_actor(user) if is_dispatcher(user) else ""


# Incidents.


@router.get("/incidents", response=list[IncidentSummaryOut], summary="Incidents, newest report first, filtered")
@paginate
@api_permission(DISPATCH)
def list_incidents(request: HttpRequest, filters: Query[IncidentQuery]) -> QuerySet[Incident]:
    once(request, IncidentQuery)
    found = incidents_for(request.user).select_related("merged_into")
    if filters.state:
        found = found.filter(state=filters.state)
    if filters.type:
        found = found.filter(type=filters.type)
    if filters.zone:
        found = found.filter(zone__slug=filters.zone)
    return found


@router.get("/incidents/{incident}", response=IncidentOut, summary="An incident: its needs and who was asked")
@api_permission(DISPATCH)
def read_incident(request: HttpRequest, incident: Code) -> IncidentOut:
    """Who was asked: display names and the ranking's reasons, never a phone or an email."""
    return incident_out(access_incident(request.user, incident))


@router.get("/incidents/{incident}/timeline", response=list[EntryOut], summary="An incident's timeline, oldest first")
@paginate
@api_permission(DISPATCH)
def list_timeline(request: HttpRequest, incident: Code) -> QuerySet[Entry]:
    return access_incident(request.user, incident).timeline.order_by("at", "pk")


@router.get(
    "/incidents/{incident}/reports", response=list[IncidentReportOut], summary="An incident's reports (audited)"
)
@paginate
@api_permission(DISPATCH)
def list_incident_reports(request: HttpRequest, incident: Code) -> QuerySet[Report]:
    """What each person said they saw. Reading them is written in the audit log."""
    return reports_of(request.user, access_incident(request.user, incident)).select_related("incident")


class Ranked(Sequence[CandidateOut]):
    """The ranking for a need, best first; only the page asked for is read (names are decrypted per person)."""

    def __init__(self, user: User, ranked: list[dispatch.Candidate], now: datetime) -> None:
        self.user, self.ranked, self.now = user, ranked, now

    def __len__(self) -> int:
        return len(self.ranked)

    @overload
    def __getitem__(self, index: int) -> CandidateOut: ...

    @overload
    def __getitem__(self, index: slice) -> list[CandidateOut]: ...

    def __getitem__(self, index: int | slice) -> CandidateOut | list[CandidateOut]:
        if isinstance(index, int):
            return self.out([self.ranked[index]])[0]
        return self.out(self.ranked[index])

    def out(self, page: list[dispatch.Candidate]) -> list[CandidateOut]:
        people = {p.pk: p for p in roster(self.user).filter(pk__in=[c.person_id for c in page])}
        zones = {c.zone_id for c in page}
        names, slugs = dispatch.zone_names(zones), zone_slugs(zones)
        return [
            CandidateOut(
                person=people[c.person_id].uuid,
                display_name=str(people[c.person_id].display_name),
                ring=c.ring,
                zone=slugs.get(c.zone_id),
                last_asked_days=c.reasons(self.now)["last_asked_days"],
                language_fit=c.language_fit,
                reasons_text=dispatch.reason_text(c.reasons(self.now), names),
            )
            for c in page
            if c.person_id in people  # (a person who left the network meanwhile is not shown)
        ]


@router.get(
    "/incidents/{incident}/candidates",
    response={200: list[CandidateOut], 409: ErrorOut},
    summary="Who dispatch would ask next for an open need, best first",
    openapi_extra={"responses": {409: {"description": "The need is filled or stood down (`need_not_open`)."}}},
)
@paginate
@api_permission(DISPATCH)
def list_candidates(request: HttpRequest, incident: Code, query: Query[CandidateQuery]) -> Ranked:
    """The ranking's order and reasons (dispatch.candidates): `limit` gives the top N. Display names only."""
    once(request, CandidateQuery)
    user = signed_in(request)
    found = access_incident(user, incident)
    need = found.needs.select_related("incident", "incident__zone", "skill").filter(uuid=query.need).first()
    if need is None:
        raise Http404
    if need.state != NeedState.OPEN:
        raise ApiError(409, "need_not_open", _("This role is not missing anyone now."))
    now = timezone.now()
    return Ranked(user, dispatch.candidates(need, now=now), now)


# An incident's verbs: each calls the service the page's button calls.

VERB = {200: IncidentOut, 409: ErrorOut}


@router.post(
    "/incidents/{incident}/verify",
    response=VERB,
    summary="Start verifying: ask the nearest verifier",
    openapi_extra=NOT_NOW,
)
@api_permission(DISPATCH)
def verify_incident(request: HttpRequest, incident: Code) -> IncidentOut:
    user = signed_in(request)
    found = access_incident(user, incident)
    with answered():
        services.do_start_verifying(found, by=user)
    return fresh(user, found)


@router.post(
    "/incidents/{incident}/confirm", response=VERB, summary="Confirm it: dispatch responders", openapi_extra=NOT_NOW
)
@api_permission(DISPATCH)
def confirm_incident(request: HttpRequest, incident: Code, payload: ConfirmIn) -> IncidentOut:
    """A person confirms, never the count of reports: one need per requirement of the incident's type."""
    user = signed_in(request)
    found = access_incident(user, incident)
    with answered():
        services.do_confirm(found, by=user, where=payload.where, note=payload.note)
    return fresh(user, found)


@router.post(
    "/incidents/{incident}/false-alarm", response=VERB, summary="Close it as a false alarm", openapi_extra=NOT_NOW
)
@api_permission(DISPATCH)
def false_alarm_incident(request: HttpRequest, incident: Code, payload: NoteIn) -> IncidentOut:
    user = signed_in(request)
    found = access_incident(user, incident)
    with answered():
        services.do_mark_false_alarm(found, by=user, note=payload.note)
    return fresh(user, found)


@router.post(
    "/incidents/{incident}/unverified",
    response=VERB,
    summary="Close it as could not be verified",
    openapi_extra=NOT_NOW,
)
@api_permission(DISPATCH)
def unverified_incident(request: HttpRequest, incident: Code, payload: NoteIn) -> IncidentOut:
    user = signed_in(request)
    found = access_incident(user, incident)
    with answered():
        services.do_mark_unverified(found, by=user, note=payload.note)
    return fresh(user, found)


@router.post("/incidents/{incident}/resolve", response=VERB, summary="Resolve it: it is over", openapi_extra=NOT_NOW)
@api_permission(DISPATCH)
def resolve_incident(request: HttpRequest, incident: Code, payload: NoteIn) -> IncidentOut:
    """Everyone still out is stood down."""
    user = signed_in(request)
    found = access_incident(user, incident)
    with answered():
        services.do_resolve(found, by=user, note=payload.note)
    return fresh(user, found)


@router.post(
    "/incidents/{incident}/stand-down",
    response=VERB,
    summary="Stand everyone down; it stays open",
    openapi_extra=NOT_NOW,
)
@api_permission(DISPATCH)
def stand_down_incident(request: HttpRequest, incident: Code) -> IncidentOut:
    """Everyone asked or on the way is told they are not needed; those on scene, that the dispatchers stand down."""
    user = signed_in(request)
    found = access_incident(user, incident)
    with answered():
        services.do_stand_down(found, by=user)
    return fresh(user, found)


@router.post(
    "/incidents/{incident}/notes",
    response={201: EntryOut, 409: ErrorOut},
    summary="Add a note to the timeline",
    openapi_extra=NOT_NOW,
)
@api_permission(DISPATCH)
def add_note(request: HttpRequest, incident: Code, payload: TextIn) -> Status[Entry]:
    user = signed_in(request)
    found = access_incident(user, incident)
    with answered():
        services.do_add_note(found, payload.text, by=user)
    return Status(201, latest_entry(found))


@router.post(
    "/incidents/{incident}/verifications",
    response={201: EntryOut, 409: ErrorOut},
    summary="Record a verifier's account (taken by phone)",
    openapi_extra=NOT_NOW,
)
@api_permission(DISPATCH)
def add_verification(request: HttpRequest, incident: Code, payload: TextIn) -> Status[Entry]:
    """What the verifier saw (how many agents, what they did, uniforms, vehicles), even if it was nothing."""
    user = signed_in(request)
    found = access_incident(user, incident)
    with answered():
        services.do_record_verification(found, payload.text, actor=user_actor(user), by=user)
    return Status(201, latest_entry(found))


def latest_entry(incident: Incident) -> Entry:
    found = incident.timeline.order_by("-at", "-pk").first()
    if found is None:  # the service just wrote one
        raise Http404
    return found


@router.post("/incidents/{incident}/where", response=VERB, summary="Set where responders go", openapi_extra=NOT_NOW)
@api_permission(DISPATCH)
def set_where(request: HttpRequest, incident: Code, payload: WhereIn) -> IncidentOut:
    """What later alerts say: a cross street or a landmark. The timeline keeps each change."""
    user = signed_in(request)
    found = access_incident(user, incident)
    with answered():
        services.do_set_where(found, payload.where, by=user)
    return fresh(user, found)


@router.post(
    "/incidents/{incident}/merge", response=VERB, summary="Merge it into another incident", openapi_extra=NOT_NOW
)
@api_permission(DISPATCH)
def merge_incident(request: HttpRequest, incident: Code, payload: IncidentMergeIn) -> IncidentOut:
    """Its reports move to `into`, which carries on (and is answered); it must not have asked anyone yet."""
    user = signed_in(request)
    found = access_incident(user, incident)
    try:
        into = access_incident(user, payload.into)
    except Http404:
        raise field_error("into", _("No open incident has this code.")) from None
    with answered():
        services.do_merge(found, into, by=user)
    return fresh(user, into)


@router.post(
    "/incidents/{incident}/split",
    response={201: IncidentOut, 409: ErrorOut},
    summary="Split reports out into a new incident",
    openapi_extra=NOT_NOW,
)
@api_permission(DISPATCH)
def split_incident(request: HttpRequest, incident: Code, payload: SplitIn) -> Status[IncidentOut]:
    """The new incident starts as reported, in the first moved report's zone; answered with 201."""
    user = signed_in(request)
    found = access_incident(user, incident)
    with answered():
        made = services.do_split(found, payload.reports, by=user)
    return Status(201, fresh(user, made))


# Alerts: a dispatcher's, or the alert's own person's.


@router.get("/alerts/{alert}", response=OwnAlertOut, summary="An alert: where to go, and for what")
@api_permission("authenticated")
def read_alert(request: HttpRequest, alert: Code) -> OwnAlertOut:
    """For the network's dispatchers, and for the person it was sent to; to anyone else, 404."""
    return own_alert_out(access_alert(request.user, alert))


def after_answer(user: User, code: str, result: str) -> AnswerOut:
    if result == dispatch.Answer.OVER:
        raise ApiError(409, "alert_over", _("This alert is over: no need to go. Thank you."))
    return AnswerOut(answer=result, alert=own_alert_out(access_alert(user, code)))  # type: ignore[arg-type]


@router.post(
    "/alerts/{alert}/answer",
    response={200: AnswerOut, 409: ErrorOut},
    summary="Answer an alert: going or not (GO / NO)",
    openapi_extra=ALERT_OVER,
)
@api_permission("authenticated")
def answer_alert(request: HttpRequest, alert: Code, payload: AnswerIn) -> AnswerOut:
    """The person, or a dispatcher for someone who phoned. The same answer twice changes nothing."""
    user = signed_in(request)
    found = access_alert(user, alert)
    result = dispatch.do_answer_alert(found, going=payload.going, actor=answer_actor(user), reply=True)
    return after_answer(user, alert, result)


@router.post(
    "/alerts/{alert}/arrived",
    response={200: AnswerOut, 409: ErrorOut},
    summary="On scene (ARRIVED)",
    openapi_extra=ALERT_OVER,
)
@api_permission("authenticated")
def alert_arrived(request: HttpRequest, alert: Code) -> AnswerOut:
    """Only after saying they go; twice changes nothing."""
    user = signed_in(request)
    found = access_alert(user, alert)
    return after_answer(user, alert, dispatch.do_mark_arrived(found, actor=answer_actor(user)))


@router.post(
    "/alerts/{alert}/left",
    response={200: AnswerOut, 409: ErrorOut},
    summary="Left the scene (LEFT)",
    openapi_extra=ALERT_OVER,
)
@api_permission("authenticated")
def alert_left(request: HttpRequest, alert: Code) -> AnswerOut:
    user = signed_in(request)
    found = access_alert(user, alert)
    return after_answer(user, alert, dispatch.do_mark_arrived(found, left=True, actor=answer_actor(user)))


# Reports waiting for a person.


@router.post(
    "/reports/{report}/place",
    response={200: IncidentReportOut, 409: ErrorOut},
    summary="Give a waiting report its zone and type: it is grouped now",
    openapi_extra=NOT_WAITING,
)
@api_permission(DISPATCH)
def place_report(request: HttpRequest, report: Code, payload: PlaceIn) -> Report:
    user = signed_in(request)
    found = access_report(user, report)
    zone = zone_by_slug(payload.zone)
    if zone is None:
        raise field_error("zone", _("Choose one of the network's zones."))
    with answered():
        intake.do_place_report(found, zone=zone, type=payload.type, by=user)
    return access_report(user, report)


@router.post(
    "/reports/{report}/dismiss",
    response={200: IncidentReportOut, 409: ErrorOut},
    summary="Dismiss a waiting report (spam, a test)",
    openapi_extra=NOT_WAITING,
)
@api_permission(DISPATCH)
def dismiss_report(request: HttpRequest, report: Code) -> Report:
    user = signed_in(request)
    found = access_report(user, report)
    with answered():
        intake.do_dismiss_report(found, by=user)
    return access_report(user, report)


# What each incident type needs, and the hotline's settings.


def all_requirements(request: HttpRequest) -> RequirementsOut:
    found = requirements.requirements()
    items = [
        RequirementOut(
            type=r.type,  # type: ignore[arg-type]  # an IncidentType value
            skill=r.skill.slug,
            count=r.count,
            within_minutes=r.within_minutes,
            in_pairs=r.in_pairs,
        )
        for r in found
    ]
    return RequirementsOut(items=items, count=len(items))


@router.get("/dispatch-requirements", response=RequirementsOut, summary="What each incident type needs")
@api_permission(REQUIREMENT_KEEPERS)
def list_requirements(request: HttpRequest) -> RequirementsOut:
    """By type; within a type, in the order they were set. Confirming an incident opens one need per row."""
    return all_requirements(request)


@router.put(
    "/dispatch-requirements/{type}",
    response=RequirementsOut,
    summary="Set what one incident type needs (the whole list)",
)
@api_permission(REQUIREMENT_KEEPERS)
def set_requirements(request: HttpRequest, type: IncidentTypeName, payload: RequirementsIn) -> RequirementsOut:
    """Applies to incidents confirmed afterwards; answers every type's requirements."""
    user = signed_in(request)
    slugs = [item.skill for item in payload.items]
    skills = {skill.slug: skill for skill in Skill.objects.filter(slug__in=slugs)}
    if missing := [slug for slug in slugs if slug not in skills]:
        raise field_error("items", _("No skill has this short name: %(slug)s.") % {"slug": missing[0]})
    rows = [
        requirements.RequirementRow(skills[item.skill], item.count, item.within_minutes, item.in_pairs)
        for item in payload.items
    ]
    with answered():
        requirements.do_set_requirements(type, rows, by=user)
    return all_requirements(request)


def settings_out(found: HotlineSettings) -> HotlineSettingsOut:
    values = {name: getattr(found, name) for name in requirements.SETTINGS_FIELDS}
    skills = sorted(found.verifier_skills.values_list("slug", flat=True))
    lists = sorted(found.alert_lists.values_list("slug", flat=True))
    return HotlineSettingsOut(**values, verifier_skills=skills, alert_lists=lists, updated_at=found.updated_at)


@router.get("/hotline-settings", response=HotlineSettingsOut, summary="The hotline's timings and who can verify")
@api_permission(REQUIREMENT_KEEPERS)
def read_hotline_settings(request: HttpRequest) -> HotlineSettingsOut:
    return settings_out(hotline_settings())


@router.patch("/hotline-settings", response=HotlineSettingsOut, summary="Change the hotline's settings")
@api_permission(REQUIREMENT_KEEPERS)
def update_hotline_settings(request: HttpRequest, payload: HotlineSettingsPatch) -> HotlineSettingsOut:
    user = signed_in(request)
    changes = payload.model_dump(exclude_unset=True, exclude_none=True)
    slugs = changes.pop("verifier_skills", None)
    skills = None
    if slugs is not None:
        skills = list(Skill.objects.filter(slug__in=slugs))
        if missing := sorted(set(slugs) - {skill.slug for skill in skills}):
            raise field_error("verifier_skills", _("No skill has this short name: %(slug)s.") % {"slug": missing[0]})
    names = changes.pop("alert_lists", None)
    lists = None
    if names is not None:
        lists = list(AnnouncementList.objects.filter(slug__in=names))
        if missing := sorted(set(names) - {item.slug for item in lists}):
            raise field_error("alert_lists", _("No list has this short name: %(slug)s.") % {"slug": missing[0]})
    with answered():
        found = requirements.do_update_hotline_settings(changes, verifier_skills=skills, alert_lists=lists, by=user)
    return settings_out(found)
