"""Trainings for scripts: what the pages do (trainings.access says who sees what).

A session is addressed by its uuid (`/trainings/sessions/{session}`), a sign-up by its own under it.
Sessions are created for a working group (`/groups/{slug}/trainings`) by its coordinators; its
coordinators and roster keepers edit and cancel them, list the sign-ups (display names only) and
mark attendance. Anyone signed in signs themself up (their own person record); a manager may sign
up anyone by the person's uuid. The public list shows public sessions only, and nobody's name.
A service's refusal is a 422 naming the field; a state that forbids the change a 409.
"""

from datetime import datetime
from typing import Literal
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from solidarity.accounts.access import signed_in
from solidarity.core.api import ApiError, ErrorOut, api_permission
from solidarity.core.bilingual import text_of
from solidarity.core.permissions import Role, owner_role, role
from solidarity.core.zones import zone_by_slug
from solidarity.people.models import Skill
from solidarity.trainings.access import (
    MANAGERS,
    access_session,
    access_session_scoped,
    access_sign_up,
    managed_session,
    may_manage,
    person_for_sign_up,
    public_sessions,
    sign_ups_of,
    training_group,
    upcoming,
    with_counts,
)
from solidarity.trainings.models import ANSWER_LENGTH, MAX_CAPACITY, Session, SignUp
from solidarity.trainings.services import (
    FIELDS,
    PLACE_LENGTH,
    Answers,
    SessionValues,
    do_cancel_session,
    do_cancel_sign_up,
    do_create_session,
    do_edit_session,
    do_mark_attendance,
    do_sign_up,
)

router = Router(tags=["trainings"])

GROUP_COORDINATOR = role(Role.COORDINATOR, kwarg="slug")
MANAGES = owner_role(*MANAGERS, access=access_session_scoped, kwarg="session")

Kind = Literal["workshop", "class", "refresher"]
Language = Literal["en", "es", "both"]
State = Literal["scheduled", "cancelled", "done"]
SignUpStateOut = Literal["pending", "seat", "waiting", "cancelled", "attended", "no_show"]
Attendance = Literal["attended", "no_show", "seat"]

NOT_OPEN = {"responses": {409: {"description": "The session is cancelled, over or already started (`not_open`)."}}}
NOT_MARKABLE = {
    "responses": {409: {"description": "No seat to mark, or not yet the day of the session (`not_markable`)."}}
}


# What goes out.


class PublicSessionOut(Schema):
    """What anyone may see of a public session: no names."""

    id: UUID = Field(alias="uuid")
    title: str = Field(description="In the caller's language, else the other.")
    description: str
    kind: Kind
    starts_at: datetime
    ends_at: datetime
    place: str
    zone: str | None = Field(description="The zone's slug; null: none.")
    language: Language
    seats_left: int
    page_url: str = Field(description="Its public page, where people sign up.")

    @staticmethod
    def resolve_title(obj: Session) -> str:
        return text_of(obj, "title")

    @staticmethod
    def resolve_description(obj: Session) -> str:
        return text_of(obj, "description")

    @staticmethod
    def resolve_zone(obj: Session) -> str | None:
        return obj.zone.slug if obj.zone else None

    @staticmethod
    def resolve_seats_left(obj: Session) -> int:
        return max(obj.capacity - getattr(obj, "taken", 0), 0)

    @staticmethod
    def resolve_page_url(obj: Session) -> str:
        return str(settings.BASE_URL).rstrip("/") + reverse("trainings:public-session", kwargs={"session": obj.uuid})


class SessionOut(Schema):
    id: UUID = Field(alias="uuid")
    group: str = Field(description="The slug of the working group that runs it.")
    title_en: str
    title_es: str
    description_en: str
    description_es: str
    kind: Kind
    skill: str | None = Field(description="The slug of the skill attendance grants; null: none.")
    starts_at: datetime
    ends_at: datetime
    place: str
    zone: str | None
    capacity: int
    language: Language
    facilitator: str
    is_public: bool
    asks_access_needs: bool
    asks_food: bool
    asks_childcare: bool
    asks_health: bool
    state: State
    seats_taken: int = Field(description="Seats held (attended and no-show included).")
    waiting: int = Field(description="How many are on the waiting list.")

    @staticmethod
    def resolve_group(obj: Session) -> str:
        return obj.group.slug

    @staticmethod
    def resolve_skill(obj: Session) -> str | None:
        return obj.skill.slug if obj.skill else None

    @staticmethod
    def resolve_zone(obj: Session) -> str | None:
        return obj.zone.slug if obj.zone else None

    @staticmethod
    def resolve_seats_taken(obj: Session) -> int:
        return int(getattr(obj, "taken", 0))

    @staticmethod
    def resolve_waiting(obj: Session) -> int:
        return int(getattr(obj, "waiting", 0))


class SignUpOut(Schema):
    id: UUID = Field(alias="uuid")
    person: UUID = Field(description="The person's uuid.")
    display_name: str = Field(description="Empty once they left the network.")
    state: SignUpStateOut
    waiting_since: datetime | None = Field(description="Their place in line: first in, first promoted.")
    confirmed_at: datetime | None
    marked_at: datetime | None = Field(description="When attendance was marked.")
    created_at: datetime

    @staticmethod
    def resolve_person(obj: SignUp) -> UUID:
        return obj.person.uuid

    @staticmethod
    def resolve_display_name(obj: SignUp) -> str:
        return str(obj.person.display_name)


# What comes in.


class SessionIn(Schema):
    title_en: str = Field("", max_length=120, description="At least one of `title_en` and `title_es`.")
    title_es: str = Field("", max_length=120)
    description_en: str = Field("", max_length=2000)
    description_es: str = Field("", max_length=2000)
    kind: Kind = "workshop"
    skill: str | None = Field(None, max_length=60, description="The slug of the skill attendance grants.")
    starts_at: datetime = Field(description="In the future.")
    ends_at: datetime = Field(description="After `starts_at`.")
    place: str = Field(min_length=1, max_length=PLACE_LENGTH, description="A public place; never a home.")
    zone: str | None = Field(None, max_length=60, description="A zone's slug.")
    capacity: int = Field(ge=1, le=MAX_CAPACITY, description="Seats; past them, people wait in line.")
    language: Language = "both"
    facilitator: str = Field("", max_length=120, description="Never shown on public pages.")
    is_public: bool = False
    asks_access_needs: bool = False
    asks_food: bool = False
    asks_childcare: bool = False
    asks_health: bool = Field(False, description="Allergies; the answers are erased once the session is over.")


class SignUpIn(Schema):
    person: UUID | None = Field(None, description="Someone else, by uuid (the session's managers); none: oneself.")
    access_needs: str = Field("", max_length=ANSWER_LENGTH)
    food: str = Field("", max_length=ANSWER_LENGTH)
    childcare: str = Field("", max_length=ANSWER_LENGTH)
    health: str = Field("", max_length=ANSWER_LENGTH, description="Erased once the session is over.")


class AttendanceIn(Schema):
    state: Attendance = Field(description="`attended` grants or renews the skill; `seat` undoes a mark.")


def refused_by_service(error: ValidationError, code: str = "invalid_input", status: int = 422) -> ApiError:
    fields = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
    message = next(iter(fields.values()))[0]
    return ApiError(status, code, message, fields if status == 422 else None)


def values_of(payload: SessionIn) -> SessionValues:
    skill = None
    if payload.skill:
        skill = Skill.objects.filter(slug=payload.skill).first()
        if skill is None:
            message = _("No skill has this short name.")
            raise ApiError(422, "invalid_input", message, {"skill": [message]})
    zone = None
    if payload.zone:
        zone = zone_by_slug(payload.zone)
        if zone is None:
            message = _("Choose one of the network's zones.")
            raise ApiError(422, "invalid_input", message, {"zone": [message]})
    data = payload.model_dump()
    data["skill"], data["zone"] = skill, zone
    return SessionValues(**{name: data[name] for name in FIELDS})


def fresh(session: Session) -> Session:
    return with_counts(Session.objects.filter(pk=session.pk)).get()


# Operations.


@router.get(
    "/trainings/public",
    response=list[PublicSessionOut],
    summary="Public trainings to come",
    auth=None,
    openapi_extra={"security": []},  # OpenAPI: no authentication
)
@paginate
@api_permission("public")
def list_public_sessions(request: HttpRequest) -> QuerySet[Session]:
    """No names: title, time, place, language and seats left."""
    return public_sessions()


@router.get("/trainings/sessions", response=list[SessionOut], summary="Trainings to come the caller may see")
@paginate
@api_permission("authenticated")
def list_sessions(request: HttpRequest) -> QuerySet[Session]:
    """Public ones, those of the caller's groups, and those the caller signed up for; soonest first."""
    return upcoming(signed_in(request))


@router.post("/groups/{slug}/trainings", response={201: SessionOut}, summary="Schedule a training for a group")
@api_permission(GROUP_COORDINATOR)
def create_session(request: HttpRequest, slug: str, payload: SessionIn) -> Status[SessionOut]:
    user = signed_in(request)
    group = training_group(user, slug)
    try:
        made = do_create_session(group, values_of(payload), by=user, role=Role.COORDINATOR)
    except ValidationError as error:
        raise refused_by_service(error) from None
    return Status(201, SessionOut.model_validate(fresh(made)))


@router.get("/trainings/sessions/{session}", response=SessionOut, summary="A training")
@api_permission("authenticated")
def read_session(request: HttpRequest, session: UUID) -> Session:
    return access_session(signed_in(request), session)


@router.put(
    "/trainings/sessions/{session}",
    response={200: SessionOut, 409: ErrorOut},
    summary="Change a training (all its fields)",
    openapi_extra=NOT_OPEN,
)
@api_permission(MANAGES)
def update_session(request: HttpRequest, session: UUID, payload: SessionIn) -> Session:
    """A raised capacity promotes the first in line at once; a lowered one takes no seat from anyone."""
    user = signed_in(request)
    found = managed_session(user, session)
    values = values_of(payload)
    try:
        do_edit_session(found, values, by=user, role=Role.COORDINATOR)
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            raise refused_by_service(error, "not_open", 409) from None
        raise refused_by_service(error) from None
    return fresh(found)


@router.post("/trainings/sessions/{session}/cancel", response=SessionOut, summary="Cancel a training")
@api_permission(MANAGES)
def cancel_session(request: HttpRequest, session: UUID) -> Session:
    """Everyone with a seat or in line is told. Cancelling twice changes nothing."""
    user = signed_in(request)
    found = managed_session(user, session)
    do_cancel_session(found, by=user, role=Role.COORDINATOR)
    return fresh(found)


@router.get("/trainings/sessions/{session}/sign-ups", response=list[SignUpOut], summary="A training's sign-ups")
@paginate
@api_permission(MANAGES)
def list_sign_ups(request: HttpRequest, session: UUID) -> QuerySet[SignUp]:
    """Display names only: seats, then the line in order, then the rest."""
    return sign_ups_of(managed_session(signed_in(request), session))


@router.post(
    "/trainings/sessions/{session}/sign-ups",
    response={201: SignUpOut, 409: ErrorOut},
    summary="Sign up for a training: oneself, or someone by uuid (managers)",
    openapi_extra=NOT_OPEN,
)
@api_permission("authenticated")
def create_sign_up(request: HttpRequest, session: UUID, payload: SignUpIn) -> Status[SignUpOut]:
    """A seat if one is free, else the waiting list. Signing up twice returns the one sign-up."""
    user = signed_in(request)
    found = access_session(user, session)
    person = person_for_sign_up(user, found, payload.person)
    answers = Answers(payload.access_needs, payload.food, payload.childcare, payload.health)
    own = payload.person is None
    try:
        made = do_sign_up(found, person, answers, by=user, role="self" if own else Role.COORDINATOR)
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            raise refused_by_service(error) from None
        raise refused_by_service(error, "not_open", 409) from None
    return Status(201, SignUpOut.model_validate(made))


@router.delete(
    "/trainings/sessions/{session}/sign-ups/{sign_up}",
    response={204: None},
    summary="Cancel a sign-up (give the seat back)",
)
@api_permission("authenticated")
def cancel_sign_up(request: HttpRequest, session: UUID, sign_up: UUID) -> Status[None]:
    """One's own, or any for the session's managers; a seat given back goes at once to the first in line."""
    user = signed_in(request)
    found = access_sign_up(user, session, sign_up)
    manages = may_manage(user, found.session)
    do_cancel_sign_up(found, by=user, role=Role.COORDINATOR if manages else "self")
    return Status(204, None)


@router.put(
    "/trainings/sessions/{session}/sign-ups/{sign_up}/attendance",
    response={200: SignUpOut, 409: ErrorOut},
    summary="Mark attendance: attended (grants the skill), no-show, or back to a seat",
    openapi_extra=NOT_MARKABLE,
)
@api_permission(MANAGES)
def mark_attendance(request: HttpRequest, session: UUID, sign_up: UUID, payload: AttendanceIn) -> SignUp:
    user = signed_in(request)
    managed_session(user, session)
    found = access_sign_up(user, session, sign_up)
    wanted = {"attended": True, "no_show": False, "seat": None}[payload.state]
    try:
        return do_mark_attendance(found, wanted, by=user, role=Role.COORDINATOR)
    except ValidationError as error:
        raise refused_by_service(error, "not_markable", 409) from None
