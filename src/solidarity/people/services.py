"""People's state changes: persons and their contacts, zones, pauses and leaving; vouches and vetting;
skills and certifications. Each is one transaction with its audit entry.

Invariants:
- Audit entries name uuids, codes (state, reason, skill and zone slugs) and counts: never a name,
  a phone or an email. Log lines too.
- `Person.vouch_count` equals the live vouches for the person by people who have not left: every
  service that changes a vouch or a voucher's state recounts the people it touches (`recount`),
  under their row locks, in the same transaction. A vetted person who falls below the network's
  threshold leaves the alert pool in that transaction (the on-call query reads the count), and the
  fall is recorded on the row (`lost_vetting_*`) and audited with its reason.
- A person links to at most one account, and an account to at most one person (a unique key).
- Leaving is for good: the display name and every contact are erased at once; a stub stays for the
  history of vouches and certifications until the retention rule `people.left` removes it.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import phonenumbers
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from solidarity.accounts.models import User
from solidarity.core import audit
from solidarity.core.fields import find_by_index
from solidarity.core.models import AuditAction, NetworkSettings
from solidarity.core.services import SETTINGS_CACHE_KEY, get_network_settings, network_timezone
from solidarity.core.timers import FiredTimer, cancel_timer, set_timer
from solidarity.core.zones import zones_by_slug
from solidarity.messaging import services as messaging
from solidarity.messaging.models import Channel
from solidarity.people.models import (
    CONSENTS,
    DISPLAY_NAME_LENGTH,
    MAX_REFRESHER_DAYS,
    Certification,
    Contact,
    ContactKind,
    Coverage,
    Language,
    OneOffShift,
    Person,
    PersonState,
    Shift,
    Skill,
    VettingLoss,
    Vouch,
)

BACK_TIMER = "people.back"
SOURCE = re.compile(r"[a-z][a-z0-9_.:-]{0,79}")  # a code, never free text: "coordinator", "training:<uuid>"
MAX_CONTACTS = 10
MAX_ONE_OFF = timedelta(days=92)
BATCH = 500


def actor_of(by: User | None, actor: str = "") -> str:
    return actor or (str(by.uuid) if by is not None else audit.SYSTEM)


def local_midnight(day: date) -> datetime:
    """The first moment of `day` on the network's clocks."""
    return datetime.combine(day, time(0), tzinfo=network_timezone())


def local_today(now: datetime | None = None) -> date:
    return (now or timezone.now()).astimezone(network_timezone()).date()


# Persons and contacts.


@dataclass(frozen=True)
class PersonValues:
    """What a coordinator (or an import, or the API) writes about a new person."""

    display_name: str
    language: str = Language.EN
    phones: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    zones: tuple[str, ...] = ()  # slugs
    skills: tuple[str, ...] = ()  # slugs: certified from now, granted by the creator
    user: User | None = None
    # What they agreed to be contacted about (Person's doc): nothing unless said.
    consent_alerts: bool = False
    consent_trainings: bool = False
    consent_announcements: bool = False


def clean_display_name(value: str) -> str:
    name = " ".join(value.split())
    if not name:
        raise ValidationError({"display_name": _("Give a display name or a pseudonym.")})
    if len(name) > DISPLAY_NAME_LENGTH:
        raise ValidationError({"display_name": _("At most %(count)d characters.") % {"count": DISPLAY_NAME_LENGTH}})
    return name


def clean_contact(kind: str, value: str) -> str:
    """The contact as stored: a phone in E.164, an email lower-cased; ValidationError when it is neither."""
    if kind == ContactKind.PHONE:
        try:
            number = phonenumbers.parse(value, get_network_settings().phone_region)
        except phonenumbers.NumberParseException:
            number = None
        if number is None or not phonenumbers.is_possible_number(number):
            raise ValidationError({"phones": _("This is not a phone number.")})
        return messaging.normalise(Channel.SMS, value)
    if kind == ContactKind.EMAIL:
        normalised = messaging.normalise(Channel.EMAIL, value)
        try:
            validate_email(normalised)
        except ValidationError:
            raise ValidationError({"emails": _("This is not an email address.")}) from None
        return normalised
    raise ValueError(f"unknown contact kind {kind!r}")


def find_people_by_contact(kind: str, value: str) -> list[Person]:
    """The people (not left) with this phone or email, through the blind index: the import's de-duplication."""
    channel = Channel.SMS if kind == ContactKind.PHONE else Channel.EMAIL
    found: list[Contact] = find_by_index(
        Contact.objects.filter(kind=kind).select_related("person"), "value_index", messaging.normalise(channel, value)
    )
    return list(dict.fromkeys(contact.person for contact in found if contact.person.state != PersonState.LEFT))


def check_still_here(person: Person) -> None:
    """ValidationError when the person has left: nothing is done to what remains of their record."""
    if person.has_left:
        raise ValidationError(_("This person has left the network."))


def check_account_free(user: User, person: Person | None = None) -> None:
    others = Person.objects.filter(user=user)
    if person is not None:
        others = others.exclude(pk=person.pk)
    if others.exists():
        raise ValidationError({"user": _("This account already belongs to another person.")})


def do_create_person(
    values: PersonValues, *, by: User | None, role: str = "", actor: str = "", source: str = "coordinator"
) -> Person:
    """A new person with their contacts (the first phone and the first email primary), zones and skills.

    ValidationError (by field) for a missing name, a contact that is no phone or email, a zone or a
    skill no one has, or an account that already has a person. New people are not vetted: they wait
    for vouches (or a coordinator's import mark).
    """
    name = clean_display_name(values.display_name)
    if values.language not in Language.values:
        raise ValidationError({"language": _("Choose English or Spanish.")})
    contacts = [(ContactKind.PHONE, clean_contact(ContactKind.PHONE, phone)) for phone in values.phones]
    contacts += [(ContactKind.EMAIL, clean_contact(ContactKind.EMAIL, email)) for email in values.emails]
    contacts = list(dict.fromkeys(contacts))
    if len(contacts) > MAX_CONTACTS:
        raise ValidationError(_("At most %(count)d phones and emails.") % {"count": MAX_CONTACTS})
    zones = zones_by_slug(values.zones)
    if missing := sorted(set(values.zones) - {zone.slug for zone in zones}):
        raise ValidationError({"zones": _("No zone has the short name %(slug)s.") % {"slug": missing[0]}})
    skills = skills_by_slug(values.skills)
    if values.user is not None:
        check_account_free(values.user)
    with transaction.atomic():
        person = Person(
            display_name=name,
            language=values.language,
            user=values.user,
            consent_alerts=values.consent_alerts,
            consent_trainings=values.consent_trainings,
            consent_announcements=values.consent_announcements,
            consent_updated_at=timezone.now(),
        )
        try:
            with transaction.atomic():  # a savepoint: the account may have been linked meanwhile
                person.save()
        except IntegrityError:
            raise ValidationError({"user": _("This account already belongs to another person.")}) from None
        primary: set[str] = set()
        rows = []
        for kind, value in contacts:
            rows.append(Contact(person=person, kind=kind, value=value, is_primary=kind not in primary))
            primary.add(kind)
        for row in rows:
            row.save()  # one by one: each value is encrypted and indexed on save
        Coverage.objects.bulk_create([Coverage(person=person, zone=zone) for zone in zones])
        now = timezone.now()
        for skill in skills:
            grant(person, skill, now=now, by=by, source=source)
        audit.record(
            actor=actor_of(by, actor),
            role=role,
            action=AuditAction.CREATED,
            object_type="people.person",
            object_ids=[person.uuid],
            detail={
                "contacts": len(rows),
                "zones": [zone.slug for zone in zones],
                "skills": [skill.slug for skill in skills],
                "account": values.user is not None,
                "consent": [what for what in CONSENTS if getattr(values, f"consent_{what}")],
            },
        )
    return person


def do_link_account(person: Person, user: User | None, *, by: User | None, role: str = "", actor: str = "") -> None:
    """Link a person to an account (None: unlink). ValidationError when the account has another person."""
    check_still_here(person)
    if user is not None:
        check_account_free(user, person)
    with transaction.atomic():
        try:
            with transaction.atomic():
                Person.objects.filter(pk=person.pk).update(user=user, updated_at=timezone.now())
        except IntegrityError:
            raise ValidationError({"user": _("This account already belongs to another person.")}) from None
        audit.record(
            actor=actor_of(by, actor),
            role=role,
            action=AuditAction.CHANGED,
            object_type="people.person",
            object_ids=[person.uuid],
            detail={"fields": ["user"], "account": user is not None},
        )
    person.user = user


def do_set_zones(person: Person, slugs: Iterable[str], *, by: User | None, role: str = "", actor: str = "") -> None:
    """The zones a person covers, replaced by these."""
    wanted = list(dict.fromkeys(slugs))
    zones = zones_by_slug(wanted)
    if missing := sorted(set(wanted) - {zone.slug for zone in zones}):
        raise ValidationError({"zones": _("No zone has the short name %(slug)s.") % {"slug": missing[0]}})
    with transaction.atomic():
        Coverage.objects.filter(person=person).exclude(zone__in=zones).delete()
        Coverage.objects.bulk_create([Coverage(person=person, zone=zone) for zone in zones], ignore_conflicts=True)
        audit.record(
            actor=actor_of(by, actor),
            role=role,
            action=AuditAction.CHANGED,
            object_type="people.person",
            object_ids=[person.uuid],
            detail={"fields": ["zones"], "zones": [zone.slug for zone in zones]},
        )


def do_update_person(
    person: Person,
    *,
    display_name: str | None = None,
    language: str | None = None,
    consent: dict[str, bool] | None = None,
    by: User | None,
    role: str = "",
    actor: str = "",
) -> list[str]:
    """Rename a person, change their language or what they agreed to be contacted about (None: unchanged);
    returns the fields that changed.

    `consent`: {"alerts" | "trainings" | "announcements": agreed}; a change moves `consent_updated_at`.
    Withdrawing `alerts` takes them out of the alert pool at once (people.oncall reads it).
    ValidationError (by field) for an empty name or a language the network does not speak.
    """
    changes: dict[str, str | bool] = {}
    for what, agreed in (consent or {}).items():
        if what not in CONSENTS:
            raise ValueError(f"unknown consent {what!r}")
        changes[f"consent_{what}"] = bool(agreed)
    if display_name is not None:
        changes["display_name"] = clean_display_name(display_name)
    if language is not None:
        if language not in Language.values:
            raise ValidationError({"language": _("Choose English or Spanish.")})
        changes["language"] = language
    with transaction.atomic():
        locked = Person.objects.select_for_update().get(pk=person.pk)
        check_still_here(locked)
        changed = sorted(name for name, value in changes.items() if getattr(locked, name) != value)
        if not changed:
            return []
        for name in changed:
            setattr(locked, name, changes[name])
            setattr(person, name, changes[name])
        stamped = []
        if any(name.startswith("consent_") for name in changed):
            locked.consent_updated_at = person.consent_updated_at = timezone.now()
            stamped = ["consent_updated_at"]
        locked.save(update_fields=[*changed, *stamped, "updated_at"])
        detail: dict[str, audit.DetailValue] = {"fields": changed}
        if "language" in changed:
            detail["language"] = changes["language"]
        detail |= {name: changes[name] for name in changed if name.startswith("consent_")}
        audit.record(
            actor=actor_of(by, actor),
            role=role,
            action=AuditAction.CHANGED,
            object_type="people.person",
            object_ids=[person.uuid],
            detail=detail,
        )
    return changed


# Availability.


@dataclass(frozen=True)
class Window:
    """A weekly on-call window, as a person gives it: every `weekday` (0 Monday) from `starts`, local time."""

    weekday: int
    starts: time
    duration_minutes: int


def do_set_shifts(
    person: Person, windows: Iterable[Window], *, by: User | None, role: str = "", actor: str = ""
) -> list[Shift]:
    """A person's weekly windows, replaced by these (people.oncall says how they meet daylight saving)."""
    check_still_here(person)
    shifts = [
        Shift(
            person=person,
            weekday=w.weekday,
            starts=w.starts.replace(second=0, microsecond=0),
            duration_minutes=w.duration_minutes,
        )
        for w in windows
    ]
    for shift in shifts:
        shift.place()
        shift.full_clean(exclude=["person"])
    with transaction.atomic():
        Shift.objects.filter(person=person).delete()
        Shift.objects.bulk_create(shifts)
        audit.record(
            actor=actor_of(by, actor),
            role=role,
            action=AuditAction.CHANGED,
            object_type="people.person",
            object_ids=[person.uuid],
            detail={"fields": ["shifts"], "shifts": len(shifts)},
        )
    return shifts


def do_add_one_off_shift(
    person: Person,
    starts_at: datetime,
    ends_at: datetime,
    *,
    is_on_call: bool,
    by: User | None,
    role: str = "",
    actor: str = "",
) -> OneOffShift:
    """An exception to the weekly windows: on call (an extra shift) or off call (away) from `starts_at` to `ends_at`.

    ValidationError (by field) for an end before the start, an end already past, or a change longer
    than MAX_ONE_OFF (a longer absence is a pause).
    """
    check_still_here(person)
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": _("The end must come after the start.")})
    if ends_at <= timezone.now():
        raise ValidationError({"ends_at": _("This end has already passed.")})
    if ends_at - starts_at > MAX_ONE_OFF:
        message = _("At most %(days)d days: for longer, pause them until a date.") % {"days": MAX_ONE_OFF.days}
        raise ValidationError({"ends_at": message})
    with transaction.atomic():
        change = OneOffShift.objects.create(person=person, starts_at=starts_at, ends_at=ends_at, is_on_call=is_on_call)
        audit.record(
            actor=actor_of(by, actor),
            role=role,
            action=AuditAction.CREATED,
            object_type="people.oneoffshift",
            object_ids=[change.uuid, person.uuid],
            detail={"on_call": is_on_call},
        )
    return change


def do_remove_one_off_shift(change: OneOffShift, *, by: User | None, role: str = "", actor: str = "") -> bool:
    """Remove a one-off change to the shifts; the weekly windows apply again. False when it was gone already."""
    with transaction.atomic():
        removed, _rows = OneOffShift.objects.filter(pk=change.pk).delete()
        if not removed:
            return False
        audit.record(
            actor=actor_of(by, actor),
            role=role,
            action=AuditAction.DELETED,
            object_type="people.oneoffshift",
            object_ids=[change.uuid, change.person.uuid],
            detail={"on_call": change.is_on_call},
        )
    return True


# State: pause, back, leave.


def do_pause(person: Person, until: date, *, by: User | None, role: str = "", actor: str = "") -> None:
    """Pause a person until `until` (a local date, after today): from its first minute they are back.

    A timer (BACK_TIMER) tidies the row then; the on-call query does not wait for it.
    Lock: the person's row.
    """
    if until <= local_today():
        raise ValidationError({"paused_until": _("Choose a date after today.")})
    with transaction.atomic():
        locked = Person.objects.select_for_update().get(pk=person.pk)
        check_still_here(locked)
        locked.state, locked.paused_until = PersonState.PAUSED, until
        locked.save(update_fields=["state", "paused_until", "updated_at"])
        set_timer(BACK_TIMER, str(person.uuid), local_midnight(until))
        audit.record(
            actor=actor_of(by, actor),
            role=role,
            action=AuditAction.CHANGED,
            object_type="people.person",
            object_ids=[person.uuid],
            detail={"state": PersonState.PAUSED, "days": (until - local_today()).days},
        )
    person.state, person.paused_until = PersonState.PAUSED, until


def do_come_back(person: Person, *, by: User | None, role: str = "", actor: str = "") -> bool:
    """A paused person is active again (early, or at their date). False when they were not paused."""
    with transaction.atomic():
        changed = Person.objects.filter(pk=person.pk, state=PersonState.PAUSED).update(
            state=PersonState.ACTIVE, paused_until=None, updated_at=timezone.now()
        )
        if not changed:
            return False
        cancel_timer(BACK_TIMER, str(person.uuid))
        audit.record(
            actor=actor_of(by, actor),
            role=role,
            action=AuditAction.CHANGED,
            object_type="people.person",
            object_ids=[person.uuid],
            detail={"state": PersonState.ACTIVE},
        )
    person.state, person.paused_until = PersonState.ACTIVE, None
    return True


def come_back_when_due(fired: FiredTimer) -> None:
    """BACK_TIMER's handler: the person is back if still paused until a date that has come (idempotent)."""
    person = Person.objects.filter(uuid=fired.key, state=PersonState.PAUSED, paused_until__lte=local_today()).first()
    if person is not None:
        do_come_back(person, by=None, actor=audit.WORKER)


def do_leave(person: Person, *, by: User | None, role: str = "", actor: str = "") -> None:
    """A person leaves the network, for good: their display name and contacts are erased, their zones,
    shifts and account link go; vouches and certifications stay as history. Their vouches stop
    counting: the people they vouched for are recounted, and any who fall below the threshold leave
    the alert pool now (audited with the reason). Idempotent. Locks: the person's row, then theirs.
    """
    with transaction.atomic():
        locked = Person.objects.select_for_update().get(pk=person.pk)
        if locked.has_left:
            return
        erased = locked.contacts.count()
        locked.contacts.all().delete()
        locked.coverage.all().delete()
        locked.shifts.all().delete()
        locked.one_off_shifts.all().delete()
        locked.display_name = ""
        locked.state, locked.paused_until, locked.left_at, locked.user = PersonState.LEFT, None, timezone.now(), None
        locked.save()
        cancel_timer(BACK_TIMER, str(person.uuid))
        actor = actor_of(by, actor)
        audit.record(
            actor=actor,
            role=role,
            action=AuditAction.CHANGED,
            object_type="people.person",
            object_ids=[person.uuid],
            detail={"state": PersonState.LEFT, "contacts_erased": erased},
        )
        vouched = Vouch.objects.filter(voucher=locked, withdrawn_at__isnull=True).values_list("vouched_id", flat=True)
        recount(list(vouched), reason=VettingLoss.VOUCHER_LEFT, actor=actor, role=role)
    person.refresh_from_db()


# Vouches and vetting.


def live_vouches_for(person: OuterRef) -> Subquery:
    """How many live vouches a person has from people who have not left (a subquery, 0 when none)."""
    return Subquery(
        Vouch.objects.filter(vouched=person, withdrawn_at__isnull=True)
        .exclude(voucher__state=PersonState.LEFT)
        .order_by()
        .values("vouched")
        .annotate(count=Count("pk"))
        .values("count")
    )


def vetted(person: Person, needed: int) -> bool:
    return person.vetted_by_import_at is not None or person.vouch_count >= needed


def recount(person_ids: list[int], *, reason: str, actor: str, role: str = "") -> None:
    """Bring these people's `vouch_count` up to date, under their row locks, in the caller's transaction.

    A person who was vetted and is no longer gets `lost_vetting_*` and an audit entry with `reason`
    (a VettingLoss); one vetted again has them cleared.
    """
    if not person_ids:
        return
    needed = get_network_settings().vouches_needed
    people = Person.objects.select_for_update().filter(pk__in=person_ids).order_by("pk")
    before = {person.pk: vetted(person, needed) for person in people}
    Person.objects.filter(pk__in=person_ids).update(vouch_count=Coalesce(live_vouches_for(OuterRef("pk")), 0))
    settle_vetting(before, needed, reason=reason, actor=actor, role=role)


def settle_vetting(before: dict[int, bool], needed: int, *, reason: str, actor: str, role: str) -> int:
    """Record who lost (or regained) vetting since `before` ({person id: was vetted}); how many lost it."""
    now, lost = timezone.now(), 0
    for person in Person.objects.filter(pk__in=list(before)).order_by("pk"):
        is_vetted = vetted(person, needed)
        if before[person.pk] and not is_vetted:
            Person.objects.filter(pk=person.pk).update(lost_vetting_at=now, lost_vetting_reason=reason)
            audit.record(
                actor=actor,
                role=role,
                action=AuditAction.CHANGED,
                object_type="people.person",
                object_ids=[person.uuid],
                detail={"vetted": False, "reason": reason, "vouches": person.vouch_count, "needed": needed},
            )
            lost += 1
        elif is_vetted and person.lost_vetting_at is not None:
            Person.objects.filter(pk=person.pk).update(lost_vetting_at=None, lost_vetting_reason="")
    return lost


def do_vouch(voucher: Person, vouched: Person, *, by: User | None, role: str = "", actor: str = "") -> Vouch:
    """`voucher` vouches for `vouched`. ValidationError for oneself, someone who left, or a second live vouch."""
    if voucher.pk == vouched.pk:
        raise ValidationError(_("Nobody can vouch for themselves."))
    actor = actor_of(by, actor)
    with transaction.atomic():
        both = {p.pk: p for p in Person.objects.select_for_update().filter(pk__in=[voucher.pk, vouched.pk])}
        for party in both.values():
            check_still_here(party)
        if Vouch.objects.filter(voucher=voucher, vouched=vouched, withdrawn_at__isnull=True).exists():
            raise ValidationError(_("This vouch is already recorded."))
        vouch = Vouch.objects.create(voucher=voucher, vouched=vouched, recorded_by=by)
        recount([vouched.pk], reason="", actor=actor, role=role)
        vouched.refresh_from_db()
        audit.record(
            actor=actor,
            role=role,
            action=AuditAction.CREATED,
            object_type="people.vouch",
            object_ids=[vouch.uuid, voucher.uuid, vouched.uuid],
            detail={"vouches": vouched.vouch_count, "vetted": vetted(vouched, get_network_settings().vouches_needed)},
        )
    return vouch


def do_withdraw_vouch(vouch: Vouch, *, by: User | None, role: str = "", actor: str = "") -> bool:
    """Withdraw a vouch; the person it was for is recounted at once (audited when they fall below).

    False when it was already withdrawn (a double click changes nothing).
    """
    actor = actor_of(by, actor)
    with transaction.atomic():
        changed = Vouch.objects.filter(pk=vouch.pk, withdrawn_at__isnull=True).update(
            withdrawn_at=timezone.now(), withdrawn_by=by
        )
        if not changed:
            return False
        audit.record(
            actor=actor,
            role=role,
            action=AuditAction.CHANGED,
            object_type="people.vouch",
            object_ids=[vouch.uuid, vouch.voucher.uuid, vouch.vouched.uuid],
            detail={"withdrawn": True},
        )
        recount([vouch.vouched_id], reason=VettingLoss.VOUCH_WITHDRAWN, actor=actor, role=role)
    vouch.refresh_from_db()
    return True


def do_mark_vetted_by_import(people: Iterable[Person], *, by: User | None, role: str = "", actor: str = "") -> int:
    """Mark people brought in from a spreadsheet as vetted, in one audited step (how many were marked).

    For a network that vetted its people before Solidarity: it is not empty on day one. People who
    left or were already marked are left alone.
    """
    ids = [person.pk for person in people]
    with transaction.atomic():
        due = Person.objects.select_for_update().filter(pk__in=ids, vetted_by_import_at__isnull=True)
        due = due.exclude(state=PersonState.LEFT)
        marked = list(due.order_by("pk").values_list("pk", "uuid"))
        Person.objects.filter(pk__in=[pk for pk, _uuid in marked]).update(
            vetted_by_import_at=timezone.now(), lost_vetting_at=None, lost_vetting_reason=""
        )
        audit.record(
            actor=actor_of(by, actor),
            role=role,
            action=AuditAction.CHANGED,
            object_type="people.person",
            object_ids=[row_uuid for _pk, row_uuid in marked],
            detail={"vetted_by_import": True, "count": len(marked)},
        )
    return len(marked)


def do_set_vouches_needed(needed: int, *, by: User | None, role: str = "", actor: str = "") -> int:
    """Change how many vouches vet a person; returns how many people fell below (each audited, THRESHOLD_RAISED).

    Lock: the settings row, then the people who were vetted by vouches alone.
    """
    field = NetworkSettings._meta.get_field("vouches_needed")
    try:
        field.run_validators(needed)
    except ValidationError as error:
        raise ValidationError({"vouches_needed": error.messages}) from None
    actor = actor_of(by, actor)
    with transaction.atomic():
        row = NetworkSettings.objects.select_for_update().get(pk=get_network_settings().pk)
        before_needed = row.vouches_needed
        row.vouches_needed = needed
        row.save(update_fields=["vouches_needed", "updated_at"])
        cache.delete(SETTINGS_CACHE_KEY)  # now for this transaction's reads, and again once others can see it
        transaction.on_commit(lambda: cache.delete(SETTINGS_CACHE_KEY))
        touched = Person.objects.select_for_update().exclude(state=PersonState.LEFT)
        touched = touched.filter(
            vouch_count__gte=min(before_needed, needed), vouch_count__lt=max(before_needed, needed)
        )
        before = {person.pk: vetted(person, before_needed) for person in touched.order_by("pk")}
        audit.record(
            actor=actor,
            role=role,
            action=AuditAction.CHANGED,
            object_type="core.networksettings",
            object_ids=[],
            detail={"fields": ["vouches_needed"], "before": before_needed, "after": needed},
        )
        return settle_vetting(before, needed, reason=VettingLoss.THRESHOLD_RAISED, actor=actor, role=role)


# Skills and certifications.


def skills_by_slug(slugs: Iterable[str]) -> list[Skill]:
    """The skills with these slugs, in the order given; ValidationError for a slug no skill has."""
    wanted = list(dict.fromkeys(slugs))
    found = {skill.slug: skill for skill in Skill.objects.filter(slug__in=wanted)}
    if missing := [slug for slug in wanted if slug not in found]:
        raise ValidationError({"skills": _("No skill has the short name %(slug)s.") % {"slug": missing[0]}})
    return [found[slug] for slug in wanted]


def lapse_moment(granted_at: datetime, days: int) -> datetime:
    """When a grant made at `granted_at` lapses: the first minute (network time) of the day `days` after it."""
    return local_midnight(granted_at.astimezone(network_timezone()).date() + timedelta(days=days))


def grant(
    person: Person,
    skill: Skill,
    *,
    now: datetime,
    by: User | None,
    source: str,
    signed_off: bool = False,
) -> tuple[Certification, bool]:
    """Create or renew the certification (no audit: the callers record it). Returns it and whether it was new."""
    if not SOURCE.fullmatch(source):
        raise ValueError("a certification's source is a short code, never free text")
    lapses_at = lapse_moment(now, skill.refresher_days)
    signed = {"signed_off_at": now, "signed_off_by": by} if signed_off else {}
    found = Certification.objects.select_for_update().filter(person=person, skill=skill).first()
    if found is None:
        made = Certification.objects.create(
            person=person,
            skill=skill,
            first_granted_at=now,
            granted_at=now,
            granted_by=by,
            source=source,
            lapses_at=lapses_at,
            **signed,
        )
        return made, True
    found.granted_at, found.granted_by, found.source, found.lapses_at = now, by, source, lapses_at
    if signed_off and found.signed_off_at is None:
        found.signed_off_at, found.signed_off_by = now, by
    found.save()
    return found, False


def do_grant_certification(
    person: Person,
    skill: Skill,
    *,
    by: User | None,
    source: str = "coordinator",
    signed_off: bool = False,
    role: str = "",
    actor: str = "",
) -> Certification:
    """Grant a skill, or renew it: it lapses `skill.refresher_days` later, at local midnight.

    A renewal keeps "holds it since" and an earlier sign-off. `signed_off`: the grant also records the
    practical sign-off, by `by` (a coordinator bringing in medics who were signed off before Solidarity).
    `source`: a code ("coordinator", "import", "training:<uuid>"). Lock: the certification's row.
    """
    check_still_here(person)
    with transaction.atomic():
        certification, is_new = grant(person, skill, now=timezone.now(), by=by, source=source, signed_off=signed_off)
        audit.record(
            actor=actor_of(by, actor),
            role=role,
            action=AuditAction.CREATED if is_new else AuditAction.CHANGED,
            object_type="people.certification",
            object_ids=[certification.uuid, person.uuid],
            detail={"skill": skill.slug, "renewed": not is_new, "source": source, "signed_off": signed_off},
        )
    return certification


def do_sign_off(certification: Certification, *, by: User, role: str = "", actor: str = "") -> bool:
    """Record the practical sign-off of a certification whose skill needs one. False when already signed off.

    The one who signs off is the experienced person who went out with them: their account must link
    to a person who holds the skill now (signed off), and nobody signs off their own.
    """
    skill = certification.skill
    if not skill.needs_sign_off:
        raise ValidationError(_("This skill needs no sign-off."))
    signer = Person.objects.filter(user=by).first()
    if signer is None or signer.pk == certification.person_id:
        raise ValidationError(_("Only another person who holds this skill can sign it off."))
    now = timezone.now()
    holds = Certification.objects.filter(person=signer, skill=skill, lapses_at__gt=now, signed_off_at__isnull=False)
    if not holds.exists():
        raise ValidationError(_("Only another person who holds this skill can sign it off."))
    with transaction.atomic():
        changed = Certification.objects.filter(pk=certification.pk, signed_off_at__isnull=True).update(
            signed_off_at=now, signed_off_by=by
        )
        if not changed:
            return False
        audit.record(
            actor=actor_of(by, actor),
            role=role,
            action=AuditAction.CHANGED,
            object_type="people.certification",
            object_ids=[certification.uuid, certification.person.uuid],
            detail={"skill": skill.slug, "signed_off": True},
        )
    certification.refresh_from_db()
    return True


def do_remove_certification(certification: Certification, *, by: User | None, role: str = "", actor: str = "") -> bool:
    """Remove a certification recorded by mistake (a lapsed one stays as history: it no longer counts anyway).

    It stops counting for dispatch at once. False when it was gone already.
    """
    with transaction.atomic():
        removed, _rows = Certification.objects.filter(pk=certification.pk).delete()
        if not removed:
            return False
        audit.record(
            actor=actor_of(by, actor),
            role=role,
            action=AuditAction.DELETED,
            object_type="people.certification",
            object_ids=[certification.uuid, certification.person.uuid],
            detail={"skill": certification.skill.slug},
        )
    return True


def do_set_refresher_interval(skill: Skill, days: int, *, by: User | None, role: str = "", actor: str = "") -> int:
    """Change how long a skill counts after each grant; every certification of it is recomputed.

    The interval is the network's judgement of how fast the skill fades: shortening it (tourniquets
    every six months, not every year) applies to everyone who holds it, and lengthening it brings
    back those within the new interval. Each certification then lapses `days` after its own last
    grant, at local midnight. Returns how many certifications lapse now that did not before.
    Locks: the skill's row, then its certifications.
    """
    if not 1 <= days <= MAX_REFRESHER_DAYS:
        raise ValidationError({"refresher_days": _("Between 1 and %(max)d days.") % {"max": MAX_REFRESHER_DAYS}})
    now = timezone.now()
    with transaction.atomic():
        locked = Skill.objects.select_for_update().get(pk=skill.pk)
        before = locked.refresher_days
        locked.refresher_days = days
        locked.save(update_fields=["refresher_days", "updated_at"])
        lapsed_now = came_back = total = 0
        rows = Certification.objects.select_for_update().filter(skill=locked).order_by("pk")
        batch: list[Certification] = []
        for certification in rows.iterator(chunk_size=BATCH):
            was_current = certification.lapses_at > now
            certification.lapses_at = lapse_moment(certification.granted_at, days)
            is_current = certification.lapses_at > now
            lapsed_now += was_current and not is_current
            came_back += is_current and not was_current
            total += 1
            batch.append(certification)
            if len(batch) >= BATCH:
                Certification.objects.bulk_update(batch, ["lapses_at"])
                batch = []
        Certification.objects.bulk_update(batch, ["lapses_at"])
        audit.record(
            actor=actor_of(by, actor),
            role=role,
            action=AuditAction.CHANGED,
            object_type="people.skill",
            object_ids=[],
            detail={
                "skill": locked.slug,
                "before": before,
                "after": days,
                "certifications": total,
                "lapsed_now": lapsed_now,
                "current_again": came_back,
            },
        )
    skill.refresh_from_db()
    return lapsed_now
