"""Readiness: per skill, how many in the network hold it current, expiring, awaiting sign-off or lapsed; how many
contacts were not confirmed lately; who should take a refresher; and inviting them to the next session.

Counted as dispatch counts (people.oncall, Certification.is_current): a certification is current while
`lapses_at > now` and, when its skill needs one, once it is signed off. Categories, at `now`:
- current: counts for dispatch now; `expiring` is the part of it that lapses within EXPIRING (30 days);
- awaiting sign-off: not lapsed, but its skill's practical sign-off is missing: it does not count yet;
- lapsed: `lapses_at <= now` (a certification lapsing at local midnight is lapsed from that minute).
Only people in the network count (active or paused, never those who left); a zone narrows it to those
who cover that zone (people.Coverage).

Who should refresh a skill: holders (active or paused: paused ones are listed, marked, not invited) whose
certification lapsed within LAPSED_WITHIN (a year: longer ago is a new course, not a refresher) or
lapses within EXPIRING, and who have no open sign-up (pending, seat, waiting) for a session of that
skill to come. Everything here is a fixed number of queries, whatever the number of people.

An invitation (do_invite_to_refresher) is a pending sign-up for the session, the trainings' own double
opt-in: the person answers CONFIRM and its code by text, or presses the button behind the link, and
takes a seat or a place in line (trainings.services.do_confirm_sign_up). The message goes through the
outbox under the key `trainings.refresher-invite:<session uuid>:<person uuid>`, so nobody is invited
to the same session twice, even after giving the sign-up back. Audited with the count, never a name.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from solidarity.accounts.models import User
from solidarity.core import audit
from solidarity.core.bilingual import text_of
from solidarity.core.codes import as_uuid
from solidarity.core.models import AuditAction, Zone
from solidarity.core.permissions import AnyUser, Role, holds_anywhere
from solidarity.core.services import get_network_settings
from solidarity.core.zones import network_zones, zone_by_slug
from solidarity.messaging import mail
from solidarity.messaging import services as messaging
from solidarity.messaging.models import Channel, Message
from solidarity.people.access import ROSTER_KEEPER, ROSTER_READERS, keeps_roster, reads_roster
from solidarity.people.contacts import reachable_at
from solidarity.people.keywords import moment_text
from solidarity.people.models import Certification, Contact, Coverage, Person, PersonState, Skill
from solidarity.trainings.access import may_manage, visible, with_counts
from solidarity.trainings.models import OPEN_STATES, Session, SessionState, SignUp, SignUpState
from solidarity.trainings.services import absolute, check_open, do_sign_up, link_token

EXPIRING = timedelta(days=30)
STALE_CONTACT = timedelta(days=90)
LAPSED_WITHIN = timedelta(days=365)
IN_NETWORK = (PersonState.ACTIVE, PersonState.PAUSED)
VIEWERS = frozenset({Role.COORDINATOR, *ROSTER_READERS})  # the counts; names for roster readers only
INVITE_KEY = "trainings.refresher-invite"


@dataclass(frozen=True)
class SkillReadiness:
    """One skill's counts (module doc): `current` includes `expiring`."""

    skill: Skill
    current: int
    expiring: int
    awaiting: int
    lapsed: int

    @property
    def steady(self) -> int:
        """Current with more than EXPIRING left."""
        return self.current - self.expiring

    @property
    def total(self) -> int:
        return self.current + self.awaiting + self.lapsed

    @property
    def name(self) -> str:
        return text_of(self.skill, "name")


@dataclass(frozen=True)
class ContactCounts:
    """Contacts of people in the network (in a zone, or all), and how many were not confirmed in STALE_CONTACT."""

    total: int
    stale: int
    zone: Zone | None = None


def may_invite(person: Person) -> bool:
    """Active, and agreed to hear about trainings (Person.consent_trainings): only they get an invitation."""
    return person.state == PersonState.ACTIVE and person.consent_trainings


@dataclass(frozen=True)
class Refresher:
    """Someone who should take a refresher of `certification.skill`."""

    certification: Certification
    is_lapsed: bool
    invited: bool  # already invited to the skill's next session

    @property
    def person(self) -> Person:
        return self.certification.person

    @property
    def is_paused(self) -> bool:
        return self.person.state == PersonState.PAUSED

    @property
    def may_invite(self) -> bool:
        return may_invite(self.person)


@dataclass
class SkillSection:
    """What the page shows under the chart for one skill."""

    counts: SkillReadiness
    refreshers: list[Refresher] = field(default_factory=list)
    next_session: Session | None = None

    @property
    def to_invite(self) -> int:
        return sum(1 for refresher in self.refreshers if not refresher.invited and refresher.may_invite)


@dataclass
class Readiness:
    zone: Zone | None
    skills: list[SkillReadiness]
    contacts: ContactCounts
    contacts_by_zone: list[ContactCounts]
    sections: list[SkillSection]
    shows_names: bool


def in_network(zone: Zone | None) -> Q:
    """People in the network (not left), covering `zone` when one is given; as a condition on `person`."""
    found = Q(person__state__in=IN_NETWORK)
    if zone is not None:
        found &= Q(person_id__in=Coverage.objects.filter(zone=zone).values("person_id"))
    return found


def current_q(now: datetime) -> Q:
    return Q(lapses_at__gt=now) & (Q(signed_off_at__isnull=False) | Q(skill__needs_sign_off=False))


def skill_counts(zone: Zone | None, now: datetime) -> list[SkillReadiness]:
    """Per skill anyone in the network holds, the four counts: two queries (the counts, the skills)."""
    current = current_q(now)
    rows = (
        Certification.objects.filter(in_network(zone))
        .values("skill_id")
        .annotate(
            current=Count("pk", filter=current),
            expiring=Count("pk", filter=current & Q(lapses_at__lte=now + EXPIRING)),
            awaiting=Count("pk", filter=Q(lapses_at__gt=now, signed_off_at__isnull=True, skill__needs_sign_off=True)),
            lapsed=Count("pk", filter=Q(lapses_at__lte=now)),
        )
        .order_by()
    )
    by_skill = {row["skill_id"]: row for row in rows}
    skills = Skill.objects.filter(pk__in=list(by_skill)).order_by("slug")
    return [
        SkillReadiness(
            skill=skill,
            current=by_skill[skill.pk]["current"],
            expiring=by_skill[skill.pk]["expiring"],
            awaiting=by_skill[skill.pk]["awaiting"],
            lapsed=by_skill[skill.pk]["lapsed"],
        )
        for skill in skills
    ]


def stale_q(now: datetime) -> Q:
    return Q(confirmed_at__isnull=True) | Q(confirmed_at__lt=now - STALE_CONTACT)


def contact_counts(zone: Zone | None, now: datetime) -> ContactCounts:
    """Contacts of people in the network (in `zone`), and those not confirmed in STALE_CONTACT: one query."""
    found = Contact.objects.filter(in_network(zone)).aggregate(
        total=Count("pk"), stale=Count("pk", filter=stale_q(now))
    )
    return ContactCounts(total=found["total"], stale=found["stale"], zone=zone)


def contacts_by_zone(now: datetime) -> list[ContactCounts]:
    """Per zone, contacts of people in the network who cover it, and the stale ones: two queries."""
    stale = Q(person__contacts__confirmed_at__isnull=True) | Q(person__contacts__confirmed_at__lt=now - STALE_CONTACT)
    rows = (
        Coverage.objects.filter(person__state__in=IN_NETWORK)
        .values("zone_id")
        .annotate(total=Count("person__contacts"), stale=Count("person__contacts", filter=stale))
        .order_by()
    )
    counts = {row["zone_id"]: row for row in rows}
    return [
        ContactCounts(total=counts[zone.pk]["total"], stale=counts[zone.pk]["stale"], zone=zone)
        for zone in network_zones()
        if zone.pk in counts
    ]


def refreshers(zone: Zone | None, now: datetime, skill: Skill | None = None) -> QuerySet[Certification]:
    """Certifications whose holders should take a refresher (module doc), by skill, soonest lapse first."""
    signed_up = SignUp.objects.filter(
        person_id=OuterRef("person_id"),
        session__skill_id=OuterRef("skill_id"),
        state__in=OPEN_STATES,
        session__state=SessionState.SCHEDULED,
        session__starts_at__gt=now,
    )
    found = Certification.objects.filter(
        in_network(zone), lapses_at__gt=now - LAPSED_WITHIN, lapses_at__lte=now + EXPIRING
    ).exclude(Exists(signed_up))
    if skill is not None:
        found = found.filter(skill=skill)
    return found.select_related("person", "skill").order_by("skill__slug", "lapses_at", "pk")


def next_sessions(user: AnyUser, skills: Iterable[Skill], now: datetime) -> dict[int, Session]:
    """The next session to come of each skill that the caller may see (trainings.access.visible): one query."""
    wanted = [skill.pk for skill in skills]
    sessions = with_counts(
        visible(user).filter(state=SessionState.SCHEDULED, starts_at__gt=now, skill_id__in=wanted)
    ).order_by("starts_at", "pk")
    found: dict[int, Session] = {}
    for session in sessions:
        if session.skill_id is not None:
            found.setdefault(session.skill_id, session)
    return found


def invite_key(session: Session, person: Person) -> str:
    return f"{INVITE_KEY}:{session.uuid}:{person.uuid}"


def already_invited(pairs: Iterable[tuple[Session, Person]]) -> set[str]:
    """Which of these (session, person) invitations were sent already, as their outbox keys: one query."""
    keys = [invite_key(session, person) for session, person in pairs]
    if not keys:
        return set()
    return set(Message.objects.filter(idempotency_key__in=keys).values_list("idempotency_key", flat=True))


def may_view(user: AnyUser) -> bool:
    return holds_anywhere(user, *VIEWERS)


def readiness_for(user: AnyUser, zone: Zone | None, *, now: datetime | None = None) -> Readiness:
    """The readiness page's (and API's) picture for the caller; Http404 for anyone not a coordinator or roster reader.

    Names (who should refresh) only for roster readers (people.access): a coordinator sees the counts.
    Queries: the counts (2), contacts (1, or 3 for the whole network), and for roster readers the
    refreshers (1), the next sessions (1 plus the caller's groups and own record) and invitations (1).
    """
    if not may_view(user):
        raise Http404
    now = now or timezone.now()
    skills = skill_counts(zone, now)
    sections = {counts.skill.pk: SkillSection(counts) for counts in skills}
    names = reads_roster(user)
    if names:
        sessions = next_sessions(user, [counts.skill for counts in skills], now)
        found = list(refreshers(zone, now))
        invited = already_invited((sessions[cert.skill_id], cert.person) for cert in found if cert.skill_id in sessions)
        for skill_id, next_one in sessions.items():
            sections[skill_id].next_session = next_one
        for cert in found:
            session = sessions.get(cert.skill_id)
            is_invited = session is not None and invite_key(session, cert.person) in invited
            if cert.skill_id in sections:
                sections[cert.skill_id].refreshers.append(Refresher(cert, cert.lapses_at <= now, is_invited))
    return Readiness(
        zone=zone,
        skills=skills,
        contacts=contact_counts(zone, now),
        contacts_by_zone=contacts_by_zone(now) if zone is None else [],
        sections=list(sections.values()),
        shows_names=names,
    )


def zone_for(slug: str) -> Zone | None:
    """The zone a filter names; Http404 for a slug the network lacks ("" is the whole network)."""
    if not slug:
        return None
    found = zone_by_slug(slug)
    if found is None:
        raise Http404
    return found


def invitable_session(user: AnyUser, session: Any) -> Session:
    """A session to come, with a skill, that the caller may invite people to: roster keepers, or a roster
    reader who manages the session's group. Http404 otherwise (a session's existence is not told)."""
    if not reads_roster(user):
        raise Http404
    found = visible(user).filter(uuid=as_uuid(session), skill__isnull=False).select_related("skill", "group").first()
    if found is None or not (keeps_roster(user) or may_manage(user, found)):
        raise Http404
    return found


def inviter_role(user: AnyUser) -> str:
    return str(ROSTER_KEEPER) if keeps_roster(user) else str(Role.COORDINATOR)


# The invitation. SMS: the Spanish avoids accents where it can, and keeps CONFIRMAR with the code.


def invite_text(values: dict[str, str]) -> str:
    # Translators: SMS. Keep CONFIRMAR and the code together.
    return (
        _(
            "%(network)s: time to refresh your %(skill)s. Refresher: %(title)s, %(when)s, %(place)s. "
            "To sign up, reply CONFIRM %(code)s. More: %(link)s"
        )
        % values
    )


def invite_message(sign_up: SignUp, skill: Skill, address: tuple[str, str]) -> messaging.Outgoing:
    """The invitation for one pending sign-up, in the person's language, to their primary contact."""
    person, session = sign_up.person, sign_up.session
    language = person.language if person.language in ("en", "es") else settings.LANGUAGE_CODE
    channel, to = address
    with translation.override(language):
        values = {
            "network": get_network_settings().name,
            "skill": text_of(skill, "name", language),
            "title": text_of(session, "title", language),
            "when": moment_text(session.starts_at),
            "place": session.place,
            "code": sign_up.code,
            "link": absolute(language, "trainings:seat", link_token(sign_up)),
        }
        if channel == Channel.SMS:
            content: dict[str, Any] = {"text": invite_text(values)}
        else:
            subject = render_to_string("trainings/readiness_invite_subject.txt", values).strip()
            body = render_to_string("trainings/readiness_invite_body.txt", values)
            content = mail.email_content(to=to, subject=subject, text=body, language=language)
    return messaging.Outgoing(channel, to, content, idempotency_key=invite_key(session, person), language=language)


def do_invite_to_refresher(session: Session, zone: Zone | None, *, by: User, role: str = "") -> int:
    """Invite everyone who should refresh the session's skill (in `zone`, or the whole network) and was not
    invited to this session before: a pending sign-up each (no seat is taken until they confirm) and one
    message each through the outbox. Returns how many were invited. ValidationError for a session without a
    skill, or no longer open. Audited once, with the count (never a name). Locks: each sign-up's session row
    (trainings.services.do_sign_up)."""
    if session.skill is None:
        raise ValidationError(_("This training does not grant a skill."))
    check_open(session)
    now = timezone.now()
    holders = list(
        refreshers(zone, now, session.skill).prefetch_related(
            Prefetch("person__contacts", queryset=Contact.objects.order_by("pk"))
        )
    )
    done = already_invited((session, cert.person) for cert in holders)
    invited = 0
    with transaction.atomic():
        for cert in holders:
            person = cert.person
            address = reachable_at(person)
            if invite_key(session, person) in done or address is None or not may_invite(person):
                continue  # invited before; no way to reach them; paused, or did not agree (listed, marked, not invited)
            sign_up = do_sign_up(session, person, by=by, pending=True, quiet=True, role=role)
            if sign_up.state != SignUpState.PENDING:
                continue  # they signed up meanwhile: nothing to invite to
            invited += messaging.enqueue_many([invite_message(sign_up, session.skill, address)])
        audit.record(
            actor=str(by.uuid),
            role=role,
            action=AuditAction.CREATED,
            object_type="trainings.refresher_invitation",
            object_ids=[session.uuid],
            detail={"skill": session.skill.slug, "zone": zone.slug if zone else "", "invited": invited},
        )
    return invited
