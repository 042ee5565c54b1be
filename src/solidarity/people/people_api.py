"""The network's roster, for scripts: what the people pages do (people.access says who sees whom).

A person is addressed by their uuid (`/people/{person_id}`). Roster keepers and dispatchers list
everyone; whoever may see a person reads their record; phones and emails (E.164 for phones) only
for the roles allowed, and every such reading is audited, as the page's is. State changes call the
services the pages' buttons call; a service's refusal is a 422 naming the field, a state that
forbids the change a 409.
"""

from datetime import date, datetime, timedelta
from typing import Annotated, Literal
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import BooleanField, ExpressionWrapper, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import BeforeValidator

from solidarity.accounts.access import signed_in
from solidarity.core.api import ApiError, ErrorOut, api_permission
from solidarity.core.permissions import Role, Scoped, anywhere, owner_role
from solidarity.core.services import get_network_settings
from solidarity.people.access import (
    ROSTER_KEEPER,
    ROSTER_READERS,
    SELF,
    access_person_scoped,
    access_vouch,
    audit_role,
    certifications_of,
    contacts_seen_by,
    record_of,
    roster,
    shifts_of,
    upcoming_one_offs,
    voucher_for,
    vouches_for,
    with_details,
)
from solidarity.people.forms import filter_roster, is_vetted
from solidarity.people.models import DISPLAY_NAME_LENGTH, ContactKind, Person, Skill
from solidarity.people.services import (
    PersonValues,
    do_come_back,
    do_create_person,
    do_grant_certification,
    do_leave,
    do_pause,
    do_set_zones,
    do_update_person,
    do_vouch,
    do_withdraw_vouch,
    local_today,
    skills_by_slug,
    vetted,
)

router = Router(tags=["people"])

READERS = anywhere(*ROSTER_READERS)
KEEPER = anywhere(ROSTER_KEEPER)
SEES_PERSON = owner_role(Role.MEMBER, access=access_person_scoped, kwarg="person_id")
EDITS_PERSON = owner_role(ROSTER_KEEPER, access=access_person_scoped, kwarg="person_id")

MAX_PAUSE_DAYS = 3650
MAX_SLUGS = 200
Language = Literal["en", "es"]
State = Literal["active", "paused", "left"]

LEFT_ANSWER = {"responses": {409: {"description": "The person has left the network (`left`)."}}}
VOUCH_ANSWER = {
    "responses": {
        409: {
            "description": "The caller cannot vouch: no person record of their own (`no_person_record`), not vetted "
            "themselves (`not_vetted`), or the vouch is refused (`refused`: already vouched, oneself, "
            "someone who left)."
        }
    }
}


# What goes out.


class CertificationOut(Schema):
    skill: str = Field(description="The skill's slug.")
    first_granted_at: datetime = Field(description="Holds it since.")
    granted_at: datetime = Field(description="Last granted or renewed.")
    lapses_at: datetime = Field(description="It no longer counts from this moment (local midnight).")
    signed_off_at: datetime | None = Field(description="The practical sign-off, for skills that need one.")
    is_current: bool = Field(description="It counts for dispatch now.")


class VouchOut(Schema):
    id: UUID
    voucher: UUID | None = Field(description="The person who vouched; null when not shown to the caller's role.")
    created_at: datetime


class ShiftOut(Schema):
    weekday: int = Field(description="0 is Monday.")
    starts: str = Field(pattern=r"^[0-2][0-9]:[0-5][0-9]$", description="HH:MM, on the network's clocks.")
    duration_minutes: int


class OneOffOut(Schema):
    starts_at: datetime
    ends_at: datetime
    is_on_call: bool = Field(description="True: an extra shift; false: away.")


class PersonSummaryOut(Schema):
    id: UUID
    display_name: str = Field(description="Empty once they left.")
    language: Language
    state: State
    paused_until: date | None
    vetted: bool
    zones: list[str] = Field(description="The slugs of the zones they cover.")
    skills: list[str] = Field(description="The slugs of the skills they hold, current or not.")
    created_at: datetime


class RosterItemOut(Schema):
    """One person of the roster, as a list shows them."""

    id: UUID = Field(alias="uuid")
    display_name: str = Field(description="Empty once they left.")
    language: Language
    state: State
    paused_until: date | None
    vetted: bool = Field(alias="is_vetted")
    zones: list[str] = Field(description="The slugs of the zones they cover.")
    skills: list[str] = Field(description="The slugs of the skills they hold, current or not.")
    created_at: datetime

    @staticmethod
    def resolve_display_name(obj: Person) -> str:
        return str(obj.display_name)

    @staticmethod
    def resolve_zones(obj: Person) -> list[str]:
        return sorted(zone.slug for zone in obj.zones.all())

    @staticmethod
    def resolve_skills(obj: Person) -> list[str]:
        return sorted(certification.skill.slug for certification in obj.certifications.all())


class ContactOut(Schema):
    id: UUID
    kind: Literal["phone", "email"]
    value: str = Field(description="A phone in E.164, or an email.")
    is_primary: bool
    confirmed_at: datetime | None = Field(description="When a test message to it last came back confirmed.")


class PersonOut(PersonSummaryOut):
    vouch_count: int = Field(description="Live vouches by people in the network.")
    phones: list[str] | None = Field(description="In E.164; null when not shown to the caller's role.")
    emails: list[str] | None = Field(description="Null when not shown to the caller's role.")
    contacts: list[ContactOut] | None = Field(
        description="The phones and emails with their ids (to test one) and when each was last confirmed working; "
        "null when not shown to the caller's role."
    )
    certifications: list[CertificationOut]
    vouches: list[VouchOut] = Field(description="Live vouches, oldest first.")
    shifts: list[ShiftOut] = Field(description="Weekly on-call windows.")
    one_off_shifts: list[OneOffOut] = Field(description="Changes to the weekly windows that have not ended.")


def needed() -> int:
    return get_network_settings().vouches_needed


def summary(person: Person, vouches_needed: int) -> PersonSummaryOut:
    return PersonSummaryOut(
        id=person.uuid,
        display_name=str(person.display_name),
        language=person.language,  # type: ignore[arg-type]  # a Language value: en or es
        state=person.state,  # type: ignore[arg-type]  # a PersonState value
        paused_until=person.paused_until,
        vetted=vetted(person, vouches_needed),
        zones=sorted(zone.slug for zone in person.zones.all()),
        skills=sorted(certification.skill.slug for certification in person.certifications.all()),
        created_at=person.created_at,
    )


def person_out(request: HttpRequest, scoped: Scoped[Person]) -> PersonOut:
    """The record as the caller may see it; reading the contacts is audited (people.access)."""
    person = scoped.obj
    contacts = contacts_seen_by(request.user, scoped)
    sees_vouchers = scoped.group == SELF or bool(scoped.roles & (ROSTER_READERS | {Role.COORDINATOR}))
    from_summary = summary(person, needed()).model_dump()
    now = timezone.now()
    return PersonOut(
        **from_summary,
        vouch_count=person.vouch_count,
        phones=None if contacts is None else [c.value for c in contacts if c.kind == ContactKind.PHONE],
        emails=None if contacts is None else [c.value for c in contacts if c.kind == ContactKind.EMAIL],
        contacts=None
        if contacts is None
        else [
            ContactOut(id=c.uuid, kind=c.kind, value=c.value, is_primary=c.is_primary, confirmed_at=c.confirmed_at)  # type: ignore[arg-type]  # a ContactKind value
            for c in contacts
        ],
        certifications=[
            CertificationOut(
                skill=c.skill.slug,
                first_granted_at=c.first_granted_at,
                granted_at=c.granted_at,
                lapses_at=c.lapses_at,
                signed_off_at=c.signed_off_at,
                is_current=c.is_current(now),
            )
            for c in certifications_of(person)
        ],
        vouches=[
            VouchOut(id=v.uuid, voucher=v.voucher.uuid if sees_vouchers else None, created_at=v.created_at)
            for v in vouches_for(person)
        ],
        shifts=[
            ShiftOut(weekday=s.weekday, starts=s.starts.strftime("%H:%M"), duration_minutes=s.duration_minutes)
            for s in shifts_of(person)
        ],
        one_off_shifts=[
            OneOffOut(starts_at=o.starts_at, ends_at=o.ends_at, is_on_call=o.is_on_call)
            for o in upcoming_one_offs(person)
        ],
    )


def refused_by_service(error: ValidationError) -> ApiError:
    fields = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
    message = next(iter(fields.values()))[0]
    return ApiError(422, "invalid_input", message, fields)


def in_network(person: Person) -> Person:
    if person.has_left:
        raise ApiError(409, "left", _("This person has left the network."))
    return person


# What comes in.

Slug = str


def written_date(value: object) -> object:
    """A date as JSON writes one, "2027-03-01": not a number (pydantic would read one as a timestamp)."""
    if not isinstance(value, str | date):
        raise ValueError("a date is written YYYY-MM-DD")
    return value


LocalDate = Annotated[date, BeforeValidator(written_date)]


class PersonIn(Schema):
    display_name: str = Field(max_length=DISPLAY_NAME_LENGTH, description="A display name or pseudonym; no legal name.")
    phone: str = Field("", max_length=40, description="Written as people do; stored in E.164.")
    email: str = Field("", max_length=254)
    language: Language = "en"
    zones: list[Slug] = Field(default_factory=list, max_length=MAX_SLUGS, description="Zone slugs.")
    skills: list[Slug] = Field(
        default_factory=list, max_length=MAX_SLUGS, description="Skill slugs: certified from now."
    )


class PersonPatch(Schema):
    state: State | None = Field(
        None, description="`paused` needs `paused_until`; `left` erases the name and contacts, for good."
    )
    paused_until: LocalDate | None = Field(None, description="A local date after today: they are back from its start.")
    language: Language | None = None
    zones: list[Slug] | None = Field(None, max_length=MAX_SLUGS, description="Replaces the zones they cover.")


class CertificationIn(Schema):
    skill: Slug = Field(max_length=60, description="The skill's slug.")
    signed_off: bool = Field(False, description="The practical sign-off was done too (skills that need one).")


class RosterQuery(Schema):
    zone: str | None = Field(None, max_length=60, description="Covers this zone (a slug).")
    skill: str | None = Field(
        None, max_length=60, description="Holds this skill now: not lapsed, signed off if needed."
    )
    state: State | None = None
    vetted: bool | None = None


# Operations.


@router.get("", response=list[RosterItemOut], summary="The roster: everyone, newest first, filtered")
@paginate
@api_permission(READERS)
def list_people(request: HttpRequest, filters: Query[RosterQuery]) -> QuerySet[Person]:
    """For roster keepers and dispatchers. Names are encrypted: filter by zone, skill, state and vetting."""
    if repeated := [name for name in RosterQuery.model_fields if len(request.GET.getlist(name)) > 1]:
        message = _("Give each filter once.")
        raise ApiError(422, "invalid_input", message, {name: [message] for name in repeated})
    people = filter_roster(
        roster(request.user),
        zone=filters.zone or "",
        skill=filters.skill or "",
        state=filters.state or "",
        vetted=filters.vetted,
    )
    # Only the page asked for is read and decrypted; whether each is vetted is worked out in SQL.
    return with_details(people).annotate(is_vetted=ExpressionWrapper(is_vetted(needed()), output_field=BooleanField()))


@router.post("", response={201: PersonOut}, summary="Add a person to the roster")
@api_permission(KEEPER)
def create_person(request: HttpRequest, payload: PersonIn) -> Status[PersonOut]:
    """New people are not vetted: they wait for vouches."""
    user = signed_in(request)
    values = PersonValues(
        display_name=payload.display_name,
        language=payload.language,
        phones=(payload.phone,) if payload.phone.strip() else (),
        emails=(payload.email,) if payload.email.strip() else (),
        zones=tuple(payload.zones),
        skills=tuple(payload.skills),
    )
    try:
        person = do_create_person(values, by=user, role=ROSTER_KEEPER)
    except ValidationError as error:
        raise refused_by_service(error) from None
    return Status(201, person_out(request, access_person_scoped(user, person.uuid)))


@router.get("/{person_id}", response=PersonOut, summary="A person's record")
@api_permission(SEES_PERSON)
def read_person(request: HttpRequest, person_id: UUID) -> PersonOut:
    """Phones and emails only for roster keepers, the coordinators of a group the person is in, and
    the person themself (null for anyone else); each reading is audited."""
    return person_out(request, access_person_scoped(signed_in(request), person_id))


@router.patch(
    "/{person_id}",
    response={200: PersonOut, 409: ErrorOut},
    summary="Change a person's state, language or zones",
    openapi_extra=LEFT_ANSWER,
)
@api_permission(EDITS_PERSON)
def update_person(request: HttpRequest, person_id: UUID, payload: PersonPatch) -> PersonOut:
    user = signed_in(request)
    scoped = access_person_scoped(user, person_id)
    person = in_network(scoped.obj)
    if payload.state == "paused":
        until = payload.paused_until
        if until is None or until > local_today() + timedelta(days=MAX_PAUSE_DAYS):
            message = _("Give a date after today, within ten years.")
            raise ApiError(422, "invalid_input", message, {"paused_until": [message]})
    try:
        if payload.language is not None:
            do_update_person(person, language=payload.language, by=user, role=ROSTER_KEEPER)
        if payload.zones is not None:
            do_set_zones(person, payload.zones, by=user, role=ROSTER_KEEPER)
        if payload.state == "paused" and payload.paused_until is not None:
            do_pause(person, payload.paused_until, by=user, role=ROSTER_KEEPER)
        elif payload.state == "active":
            do_come_back(person, by=user, role=ROSTER_KEEPER)
        elif payload.state == "left":
            do_leave(person, by=user, role=ROSTER_KEEPER)
    except ValidationError as error:
        raise refused_by_service(error) from None
    person.refresh_from_db()
    return person_out(request, Scoped(person, scoped.group, scoped.roles))


@router.post(
    "/{person_id}/vouches",
    response={201: VouchOut, 409: ErrorOut},
    summary="Vouch for a person, as the caller's own person record",
    openapi_extra=VOUCH_ANSWER,
)
@api_permission(SEES_PERSON)
def create_vouch(request: HttpRequest, person_id: UUID) -> Status[VouchOut]:
    """The caller's account must link to a person in the network who is vetted themselves."""
    user = signed_in(request)
    scoped = access_person_scoped(user, person_id)
    voucher = voucher_for(user)
    if voucher is None:
        no_record = record_of(user) is None
        code = "no_person_record" if no_record else "not_vetted"
        message = (
            _("Your account has no person record in the network.") if no_record else _("You are not vetted yourself.")
        )
        raise ApiError(409, code, message)
    try:
        made = do_vouch(voucher, scoped.obj, by=user, role=audit_role(scoped))
    except ValidationError as error:
        raise ApiError(409, "refused", error.messages[0]) from None
    return Status(201, VouchOut(id=made.uuid, voucher=voucher.uuid, created_at=made.created_at))


@router.delete("/{person_id}/vouches/{vouch}", response={204: None}, summary="Withdraw a vouch")
@api_permission(SEES_PERSON)
def withdraw_vouch(request: HttpRequest, person_id: UUID, vouch: UUID) -> Status[None]:
    """The one who vouched withdraws their own; roster keepers any. Withdrawing twice changes nothing."""
    user = signed_in(request)
    scoped = access_person_scoped(user, person_id)
    do_withdraw_vouch(access_vouch(user, person_id, vouch), by=user, role=audit_role(scoped))
    return Status(204, None)


@router.post(
    "/{person_id}/certifications",
    response={201: CertificationOut, 409: ErrorOut},
    summary="Grant or renew a certification",
    openapi_extra=LEFT_ANSWER,
)
@api_permission(EDITS_PERSON)
def grant_certification(request: HttpRequest, person_id: UUID, payload: CertificationIn) -> Status[CertificationOut]:
    """It lapses after the skill's refresher interval, at local midnight."""
    user = signed_in(request)
    person = in_network(access_person_scoped(user, person_id).obj)
    try:
        skill: Skill = skills_by_slug([payload.skill])[0]
        made = do_grant_certification(person, skill, by=user, signed_off=payload.signed_off, role=ROSTER_KEEPER)
    except ValidationError as error:
        raise refused_by_service(error) from None
    return Status(
        201,
        CertificationOut(
            skill=skill.slug,
            first_granted_at=made.first_granted_at,
            granted_at=made.granted_at,
            lapses_at=made.lapses_at,
            signed_off_at=made.signed_off_at,
            is_current=made.is_current(made.granted_at),
        ),
    )
