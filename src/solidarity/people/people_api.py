"""The network's roster, for scripts: what the people pages do (people.access says who sees whom).

A person is addressed by their uuid (`/people/{person_id}`). Roster keepers and dispatchers list
everyone; whoever may see a person reads their record; phones and emails (E.164 for phones) only
for the roles allowed, and every such reading is audited, as the page's is. State changes call the
services the pages' buttons call; a service's refusal is a 422 naming the field, a state that
forbids the change a 409.
"""

from datetime import date, datetime, time, timedelta
from typing import Annotated, Literal
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import BooleanField, ExpressionWrapper, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import BeforeValidator, StrictBool, StrictInt

from solidarity.accounts.access import signed_in
from solidarity.accounts.groups import MembershipError, do_add_member, do_remove_member
from solidarity.accounts.services import find_users_by_email
from solidarity.core.api import ApiError, ErrorOut, api_permission
from solidarity.core.permissions import Role, Scoped, anywhere, owner_role
from solidarity.core.services import get_network_settings, network_timezone
from solidarity.people.access import (
    ROSTER_KEEPER,
    ROSTER_READERS,
    SELF,
    SIGNERS,
    ContactSeen,
    access_certification,
    access_contact,
    access_managed_group,
    access_one_off,
    access_person_scoped,
    access_vouch,
    audit_role,
    certifications_of,
    contacts_seen_by,
    edited_person,
    memberships_of,
    record_of,
    roster,
    shifts_of,
    upcoming_one_offs,
    voucher_for,
    vouches_for,
    with_details,
)
from solidarity.people.contacts import do_add_contact, do_remove_contact, do_set_primary_contact
from solidarity.people.forms import filter_roster, is_vetted
from solidarity.people.models import (
    CONSENTS,
    DISPLAY_NAME_LENGTH,
    WEEK_MINUTES,
    Certification,
    ContactKind,
    OneOffShift,
    Person,
    Shift,
    Skill,
)
from solidarity.people.services import (
    PersonValues,
    Window,
    do_add_one_off_shift,
    do_come_back,
    do_create_person,
    do_grant_certification,
    do_leave,
    do_link_account,
    do_pause,
    do_remove_certification,
    do_remove_one_off_shift,
    do_set_shifts,
    do_set_vouches_needed,
    do_set_zones,
    do_sign_off,
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
SIGNS_OFF = owner_role(*SIGNERS, access=access_person_scoped, kwarg="person_id")
MAX_SHIFTS = 28

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
    id: UUID
    skill: str = Field(description="The skill's slug.")
    first_granted_at: datetime = Field(description="Holds it since.")
    granted_at: datetime = Field(description="Last granted or renewed.")
    lapses_at: datetime = Field(description="It no longer counts from this moment (local midnight).")
    signed_off_at: datetime | None = Field(description="The practical sign-off, for skills that need one.")
    signed_off_by: UUID | None = Field(description="The account that recorded the sign-off.")
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
    id: UUID
    starts_at: datetime
    ends_at: datetime
    is_on_call: bool = Field(description="True: an extra shift; false: away.")


class ContactOut(Schema):
    id: UUID
    kind: Literal["phone", "email"]
    value: str = Field(description="A phone in E.164, an email lower-cased.")
    is_primary: bool = Field(description="Messages of its kind go here first.")
    opted_out: bool = Field(description="They asked for no more messages here (STOP).")
    failure: str = Field(description="The plain reason the last deliveries failed, in the caller's language; empty.")
    failures: int = Field(description="Delivery failures in a row.")
    has_key: bool = Field(description="An OpenPGP key is on file: mail to it is encrypted.")
    confirmed_at: datetime | None = Field(description="When it was last confirmed working.")


class MembershipOut(Schema):
    group: str = Field(description="The working group's slug.")
    roles: list[str] = Field(description="The roles held there besides member.")


class ConsentFields(Schema):
    consent_alerts: bool = Field(description="Agreed to get alerts: dispatch alerts nobody else.")
    consent_trainings: bool = Field(description="Agreed to hear about trainings.")
    consent_announcements: bool = Field(description="Agreed to get announcements.")


class PersonSummaryOut(ConsentFields):
    id: UUID
    display_name: str = Field(description="Empty once they left.")
    language: Language
    state: State
    paused_until: date | None
    vetted: bool
    zones: list[str] = Field(description="The slugs of the zones they cover.")
    skills: list[str] = Field(description="The slugs of the skills they hold, current or not.")
    created_at: datetime


class RosterItemOut(ConsentFields):
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


class PersonOut(PersonSummaryOut):
    vouch_count: int = Field(description="Live vouches by people in the network.")
    phones: list[str] | None = Field(description="In E.164; null when not shown to the caller's role.")
    emails: list[str] | None = Field(description="Null when not shown to the caller's role.")
    contacts: list[ContactOut] | None = Field(
        description="Phones and emails with their state; null when not shown to the caller's role."
    )
    consent_updated_at: datetime | None = Field(description="When what they agreed to last changed.")
    account: UUID | None = Field(description="The account they are linked to (its id), or null.")
    groups: list[MembershipOut] = Field(description="The working groups of their account.")
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
        consent_alerts=person.consent_alerts,
        consent_trainings=person.consent_trainings,
        consent_announcements=person.consent_announcements,
    )


def certification_out(certification: Certification, now: datetime) -> CertificationOut:
    return CertificationOut(
        id=certification.uuid,
        skill=certification.skill.slug,
        first_granted_at=certification.first_granted_at,
        granted_at=certification.granted_at,
        lapses_at=certification.lapses_at,
        signed_off_at=certification.signed_off_at,
        signed_off_by=certification.signed_off_by.uuid if certification.signed_off_by else None,
        is_current=certification.is_current(now),
    )


def contact_out(contact: ContactSeen) -> ContactOut:
    return ContactOut(
        id=contact.uuid,
        kind=contact.kind,  # type: ignore[arg-type]  # a ContactKind value: phone or email
        value=contact.value,
        is_primary=contact.is_primary,
        opted_out=contact.opted_out,
        failure=contact.failure,
        failures=contact.failures,
        has_key=contact.has_key,
        confirmed_at=contact.confirmed_at,
    )


def one_off_out(change: OneOffShift) -> OneOffOut:
    return OneOffOut(id=change.uuid, starts_at=change.starts_at, ends_at=change.ends_at, is_on_call=change.is_on_call)


def shift_out(shift: Shift) -> ShiftOut:
    return ShiftOut(
        weekday=shift.weekday, starts=shift.starts.strftime("%H:%M"), duration_minutes=shift.duration_minutes
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
        contacts=None if contacts is None else [contact_out(c) for c in contacts],
        consent_updated_at=person.consent_updated_at,
        account=person.user.uuid if person.user is not None else None,
        groups=[
            MembershipOut(group=m.group.slug, roles=[str(role) for role in m.extra_roles])
            for m in memberships_of(person)
        ],
        certifications=[certification_out(c, now) for c in certifications_of(person).select_related("signed_off_by")],
        vouches=[
            VouchOut(id=v.uuid, voucher=v.voucher.uuid if sees_vouchers else None, created_at=v.created_at)
            for v in vouches_for(person)
        ],
        shifts=[shift_out(s) for s in shifts_of(person)],
        one_off_shifts=[one_off_out(o) for o in upcoming_one_offs(person)],
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
    consent_alerts: StrictBool = Field(
        False, description="They agreed to get alerts. Nothing is assumed: false unless given."
    )
    consent_trainings: StrictBool = Field(False, description="They agreed to hear about trainings.")
    consent_announcements: StrictBool = Field(False, description="They agreed to get announcements.")


class PersonPatch(Schema):
    state: State | None = Field(
        None, description="`paused` needs `paused_until`; `left` erases the name and contacts, for good."
    )
    paused_until: LocalDate | None = Field(None, description="A local date after today: they are back from its start.")
    language: Language | None = None
    zones: list[Slug] | None = Field(None, max_length=MAX_SLUGS, description="Replaces the zones they cover.")
    consent_alerts: StrictBool | None = Field(None, description="Withdrawn: out of the alert pool at once.")
    consent_trainings: StrictBool | None = None
    consent_announcements: StrictBool | None = None


class CertificationIn(Schema):
    skill: Slug = Field(max_length=60, description="The skill's slug.")
    signed_off: StrictBool = Field(False, description="The practical sign-off was done too (skills that need one).")


class RosterQuery(Schema):
    zone: str | None = Field(None, max_length=60, description="Covers this zone (a slug).")
    skill: str | None = Field(
        None, max_length=60, description="Holds this skill now: not lapsed, signed off if needed."
    )
    state: State | None = None
    vetted: bool | None = None
    consent: Literal["alerts", "trainings", "announcements", "no-alerts"] | None = Field(
        None, description="Agreed to be contacted about this; `no-alerts`: did not agree to alerts."
    )


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
        consent=filters.consent or "",
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
        consent_alerts=payload.consent_alerts,
        consent_trainings=payload.consent_trainings,
        consent_announcements=payload.consent_announcements,
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
    summary="Change a person's state, language, zones or consent",
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
        consent = {what: agreed for what in CONSENTS if (agreed := getattr(payload, f"consent_{what}")) is not None}
        if payload.language is not None or consent:
            do_update_person(person, language=payload.language, consent=consent, by=user, role=ROSTER_KEEPER)
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
    return Status(201, certification_out(made, made.granted_at))


# Contacts (people.contacts).

CONTACT_ANSWER = {
    "responses": {
        409: {"description": "The person has left the network (`left`)."},
        422: {"description": "Not a phone or email, one this person or another person already has, or too many."},
    }
}


class ContactIn(Schema):
    kind: Literal["phone", "email"]
    value: str = Field(max_length=254, description="Written as people do: a phone is stored in E.164.")


def seen_contact(request: HttpRequest, person_id: UUID, contact: UUID) -> ContactOut:
    """The contact as the caller reads it now (the reading is audited, as every reading of contacts is)."""
    scoped = access_person_scoped(signed_in(request), person_id)
    seen = [c for c in contacts_seen_by(request.user, scoped) or [] if c.uuid == contact]
    if not seen:
        raise ApiError(404, "not_found", _("Not found."))
    return contact_out(seen[0])


@router.post(
    "/{person_id}/contacts",
    response={201: ContactOut, 409: ErrorOut},
    summary="Add a phone or an email",
    openapi_extra=CONTACT_ANSWER,
)
@api_permission(EDITS_PERSON)
def add_contact(request: HttpRequest, person_id: UUID, payload: ContactIn) -> Status[ContactOut]:
    """Refused (422, on `value`) when another person in the network has it: found through the blind index."""
    user = signed_in(request)
    person = in_network(edited_person(user, person_id))
    try:
        made = do_add_contact(person, payload.kind, payload.value, by=user, role=ROSTER_KEEPER)
    except ValidationError as error:
        raise refused_by_service(error) from None
    return Status(201, seen_contact(request, person_id, made.uuid))


@router.delete("/{person_id}/contacts/{contact}", response={204: None}, summary="Remove a phone or an email")
@api_permission(EDITS_PERSON)
def remove_contact(request: HttpRequest, person_id: UUID, contact: UUID) -> Status[None]:
    """A primary one passes the role to the oldest one left of its kind."""
    user = signed_in(request)
    do_remove_contact(access_contact(user, person_id, contact), by=user, role=ROSTER_KEEPER)
    return Status(204, None)


@router.post(
    "/{person_id}/contacts/{contact}/primary",
    response={200: ContactOut, 409: ErrorOut},
    summary="Make a contact the primary one of its kind",
    openapi_extra=LEFT_ANSWER,
)
@api_permission(EDITS_PERSON)
def primary_contact(request: HttpRequest, person_id: UUID, contact: UUID) -> ContactOut:
    user = signed_in(request)
    found = access_contact(user, person_id, contact)
    in_network(found.person)
    do_set_primary_contact(found, by=user, role=ROSTER_KEEPER)
    return seen_contact(request, person_id, found.uuid)


# Shifts.


class ShiftIn(Schema):
    weekday: StrictInt = Field(ge=0, le=6, description="0 is Monday.")
    starts: str = Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$", description="HH:MM, on the network's clocks.")
    duration_minutes: StrictInt = Field(ge=1, le=WEEK_MINUTES)


class ShiftsIn(Schema):
    shifts: list[ShiftIn] = Field(max_length=MAX_SHIFTS, description="Every weekly window: replaces them all.")


class ShiftsOut(Schema):
    shifts: list[ShiftOut]


class OneOffIn(Schema):
    starts_at: datetime = Field(description="ISO 8601; without an offset, on the network's clocks.")
    ends_at: datetime
    is_on_call: StrictBool = Field(
        description="True: an extra shift; false: away (no alerts, whatever the weekly windows)."
    )


def in_network_time(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=network_timezone())


@router.put(
    "/{person_id}/shifts",
    response={200: ShiftsOut, 409: ErrorOut},
    summary="Replace a person's weekly on-call windows",
    openapi_extra=LEFT_ANSWER,
)
@api_permission(EDITS_PERSON)
def set_shifts(request: HttpRequest, person_id: UUID, payload: ShiftsIn) -> ShiftsOut:
    """On the network's clocks; how a window meets a daylight-saving change: people.oncall."""
    user = signed_in(request)
    person = in_network(edited_person(user, person_id))
    windows = [
        Window(weekday=row.weekday, starts=time.fromisoformat(row.starts), duration_minutes=row.duration_minutes)
        for row in payload.shifts
    ]
    try:
        do_set_shifts(person, windows, by=user, role=ROSTER_KEEPER)
    except ValidationError as error:
        raise refused_by_service(error) from None
    return ShiftsOut(shifts=[shift_out(shift) for shift in shifts_of(person)])


@router.post(
    "/{person_id}/one-off-shifts",
    response={201: OneOffOut, 409: ErrorOut},
    summary="Add a one-off change to the shifts: on call, or away",
    openapi_extra=LEFT_ANSWER,
)
@api_permission(EDITS_PERSON)
def add_one_off(request: HttpRequest, person_id: UUID, payload: OneOffIn) -> Status[OneOffOut]:
    """Refused (422) when it ends before it starts, has already ended, or lasts more than 92 days."""
    user = signed_in(request)
    person = in_network(edited_person(user, person_id))
    try:
        starts, ends = in_network_time(payload.starts_at), in_network_time(payload.ends_at)
        made = do_add_one_off_shift(person, starts, ends, is_on_call=payload.is_on_call, by=user, role=ROSTER_KEEPER)
    except OverflowError:  # a moment at the very edge of the calendar, with an offset that passes it
        message = _("Give a date and time between the years 1 and 9999.")
        raise ApiError(422, "invalid_input", message, {"starts_at": [message]}) from None
    except ValidationError as error:
        raise refused_by_service(error) from None
    return Status(201, one_off_out(made))


@router.delete("/{person_id}/one-off-shifts/{change}", response={204: None}, summary="Remove a one-off change")
@api_permission(EDITS_PERSON)
def remove_one_off(request: HttpRequest, person_id: UUID, change: UUID) -> Status[None]:
    user = signed_in(request)
    do_remove_one_off_shift(access_one_off(user, person_id, change), by=user, role=ROSTER_KEEPER)
    return Status(204, None)


# The account link.


class AccountIn(Schema):
    email: str = Field(max_length=254, description="The email the account signs in with.")


class AccountOut(Schema):
    account: UUID = Field(description="The linked account's id.")


@router.put(
    "/{person_id}/account",
    response={200: AccountOut, 409: ErrorOut},
    summary="Link a person to an account, found by its email",
    openapi_extra=LEFT_ANSWER,
)
@api_permission(EDITS_PERSON)
def link_account(request: HttpRequest, person_id: UUID, payload: AccountIn) -> AccountOut:
    """The account is looked up by its email's blind index; nothing is said about any other account.
    Refused (422, on `email`) when no active account has it or it belongs to another person."""
    user = signed_in(request)
    person = in_network(edited_person(user, person_id))
    found = find_users_by_email(payload.email, is_active=True)
    if len(found) != 1:
        message = _("No active account has this email.")
        raise ApiError(422, "invalid_input", message, {"email": [message]})
    try:
        do_link_account(person, found[0], by=user, role=ROSTER_KEEPER)
    except ValidationError as error:
        raise ApiError(422, "invalid_input", error.messages[0], {"email": error.messages}) from None
    return AccountOut(account=found[0].uuid)


@router.delete(
    "/{person_id}/account",
    response={204: None, 409: ErrorOut},
    summary="Unlink a person from their account",
    openapi_extra=LEFT_ANSWER,
)
@api_permission(EDITS_PERSON)
def unlink_account(request: HttpRequest, person_id: UUID) -> Status[None]:
    user = signed_in(request)
    person = in_network(edited_person(user, person_id))
    if person.user_id is not None:
        do_link_account(person, None, by=user, role=ROSTER_KEEPER)
    return Status(204, None)


# Certifications: the sign-off, and removal.


@router.post(
    "/{person_id}/certifications/{certification}/sign-off",
    response={200: CertificationOut, 409: ErrorOut},
    summary="Record the practical sign-off of a certification",
    openapi_extra={
        "responses": {
            409: {
                "description": "Refused (`refused`): the skill needs no sign-off, the caller holds no current, "
                "signed-off certification of it themselves, or it is their own."
            }
        }
    },
)
@api_permission(SIGNS_OFF)
def sign_off(request: HttpRequest, person_id: UUID, certification: UUID) -> CertificationOut:
    """By a roster keeper or a coordinator (of a group the person is in) who holds the skill and went out
    with them. Signing off twice changes nothing."""
    user = signed_in(request)
    scoped = access_person_scoped(user, person_id)
    found = access_certification(user, person_id, certification, needed=SIGNERS)
    in_network(scoped.obj)
    try:
        do_sign_off(found, by=user, role=audit_role(scoped))
    except ValidationError as error:
        raise ApiError(409, "refused", error.messages[0]) from None
    found.refresh_from_db()
    return certification_out(found, timezone.now())


@router.delete("/{person_id}/certifications/{certification}", response={204: None}, summary="Remove a certification")
@api_permission(EDITS_PERSON)
def remove_certification(request: HttpRequest, person_id: UUID, certification: UUID) -> Status[None]:
    """It stops counting for dispatch at once."""
    user = signed_in(request)
    do_remove_certification(access_certification(user, person_id, certification), by=user, role=ROSTER_KEEPER)
    return Status(204, None)


# Working groups (accounts.groups makes the change and audits it).


class PersonGroupIn(Schema):
    group: Slug = Field(max_length=60, description="The working group's slug.")


@router.post(
    "/{person_id}/groups",
    response={201: MembershipOut, 409: ErrorOut},
    summary="Add a person's account to a working group",
    openapi_extra={
        "responses": {
            409: {
                "description": "The person has no account or left (`no_account`), or is in the group already "
                "(`already_member`)."
            }
        }
    },
)
@api_permission(SEES_PERSON)
def add_to_group(request: HttpRequest, person_id: UUID, payload: PersonGroupIn) -> Status[MembershipOut]:
    """By a network admin or the group's coordinator; any other group does not exist for the caller (404)."""
    user = signed_in(request)
    person = access_person_scoped(user, person_id).obj
    group = access_managed_group(user, payload.group)
    if person.user is None or person.has_left:
        raise ApiError(409, "no_account", _("This person has no account to add to a group."))
    try:
        do_add_member(group, person.user, by=user)
    except MembershipError as error:
        raise ApiError(409, "already_member", error.message) from None
    return Status(201, MembershipOut(group=group.slug, roles=[]))


@router.delete("/{person_id}/groups/{slug}", response={204: None}, summary="Take a person out of a working group")
@api_permission(SEES_PERSON)
def remove_from_group(request: HttpRequest, person_id: UUID, slug: str) -> Status[None]:
    """By a network admin or the group's coordinator; with every role they held there."""
    user = signed_in(request)
    person = access_person_scoped(user, person_id).obj
    group = access_managed_group(user, slug)
    if person.user is not None:
        do_remove_member(group, person.user, by=user)
    return Status(204, None)


# The network's setting: how many vouches vet a person (mounted at /api/v1/network/vouches-needed).

vouches_router = Router(tags=["network"])


class VouchesNeededIn(Schema):
    vouches_needed: StrictInt = Field(ge=1, le=10, description="How many members must vouch for a new responder.")


class VouchesNeededOut(Schema):
    vouches_needed: int
    left_alert_pool: int = Field(
        description="How many people this change took out of the alert pool (no longer vetted); 0 on a read."
    )


@vouches_router.get("", response=VouchesNeededOut, summary="How many vouches vet a person")
@api_permission("authenticated")
def read_vouches_needed(request: HttpRequest) -> VouchesNeededOut:
    return VouchesNeededOut(vouches_needed=needed(), left_alert_pool=0)


@vouches_router.put("", response=VouchesNeededOut, summary="Change how many vouches vet a person")
@api_permission("admin")
def set_vouches_needed(request: HttpRequest, payload: VouchesNeededIn) -> VouchesNeededOut:
    """Raising it takes anyone with fewer live vouches (and not marked vetted on import) out of the
    alert pool at once; each is audited with the reason."""
    user = signed_in(request)
    try:
        fell = do_set_vouches_needed(payload.vouches_needed, by=user, role="admin")
    except ValidationError as error:
        raise refused_by_service(error) from None
    return VouchesNeededOut(vouches_needed=payload.vouches_needed, left_alert_pool=fell)
