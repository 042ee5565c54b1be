"""Who sees which training and which sign-up: every page and API operation fetches through here.

1. Managers: the coordinators and roster keepers of the working group that runs a session
   (MANAGERS) edit and cancel it, see its sign-ups (display names only) and mark attendance.
   A coordinator of the group creates sessions for it.
2. A signed-in account sees the public sessions, its own groups' sessions and those it signed up
   for (title, time, place, seats left, how many wait): no names. One signs oneself up, and sees
   and cancels one's own sign-ups, through one's person record.
3. The public sees public sessions only, and nobody's name: title, time, place, language and
   seats left. A sign-up is reached from outside only through the signed token its email's link
   carries.
"""

from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from django.db.models import Case, Count, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from solidarity.accounts.access import access_group
from solidarity.accounts.models import User, WorkingGroup
from solidarity.core import audit
from solidarity.core.codes import as_uuid
from solidarity.core.models import AuditAction
from solidarity.core.permissions import AnyUser, Role, Scoped, access_scoped, roles_by_group
from solidarity.people.access import ROSTER_KEEPER, record_of
from solidarity.people.models import Person, Skill
from solidarity.trainings.models import Session, SessionState, SignUp, SignUpState
from solidarity.trainings.services import sign_up_from_token

MANAGERS = frozenset({Role.COORDINATOR, ROSTER_KEEPER})
SEATED = (SignUpState.SEAT, SignUpState.ATTENDED, SignUpState.NO_SHOW)
RECENT = timedelta(days=1)  # a session stays on the lists this long after it started (for the door)


def with_counts(sessions: QuerySet[Session]) -> QuerySet[Session]:
    """Each session with `taken` (seats held) and `waiting` (in line), in the same query."""
    return sessions.annotate(
        taken=Count("sign_ups", filter=Q(sign_ups__state__in=SEATED)),
        waiting=Count("sign_ups", filter=Q(sign_ups__state=SignUpState.WAITING)),
    ).select_related("skill", "zone", "group")


def visible(user: AnyUser) -> QuerySet[Session]:
    """The sessions the caller may see: public ones, those of the live groups they are in, and those
    their own person record signed up for. Http404 for anyone not signed in."""
    if not user.is_authenticated:
        raise Http404
    seen = Q(is_public=True) | Q(group__slug__in=list(roles_by_group(user)))
    mine = record_of(user)
    if mine is not None:
        seen |= Q(pk__in=SignUp.objects.filter(person=mine).values("session_id"))
    return Session.objects.filter(seen)


def upcoming(user: AnyUser) -> QuerySet[Session]:
    """The sessions the caller sees (`visible`) to come, and those begun within a day; soonest first."""
    return with_counts(
        visible(user)
        .filter(state=SessionState.SCHEDULED, ends_at__gt=timezone.now() - RECENT)
        .order_by("starts_at", "pk")
    )


def public_sessions() -> QuerySet[Session]:
    """Public sessions to come, soonest first: what anyone may see."""
    return with_counts(
        Session.objects.filter(is_public=True, state=SessionState.SCHEDULED, starts_at__gt=timezone.now()).order_by(
            "starts_at", "pk"
        )
    )


def public_session(session: str | UUID) -> Session:
    """A public session to come; Http404 otherwise."""
    found = public_sessions().filter(uuid=as_uuid(session)).first()
    if found is None:
        raise Http404
    return found


def access_session_scoped(user: AnyUser, session: str | UUID) -> Scoped[Session]:
    """The session with the caller's roles in the group that runs it; Http404 for anyone not in that group."""
    wanted = as_uuid(session)
    return access_scoped(
        user,
        ("trainings.session", wanted),
        lambda: with_counts(Session.objects.filter(uuid=wanted)).first(),
        lambda found: found.group.slug,
    )


def access_session(user: AnyUser, session: str | UUID) -> Session:
    """A session the caller may see (`visible`; no names come with it); Http404 otherwise."""
    found = with_counts(visible(user).filter(uuid=as_uuid(session))).first()
    if found is None:
        raise Http404
    return found


def may_manage(user: AnyUser, session: Session) -> bool:
    held = roles_by_group(user).get(session.group.slug, frozenset())
    return bool(held & MANAGERS)


def managed_session(user: AnyUser, session: str | UUID) -> Session:
    """The session, for its group's coordinators and roster keepers; Http404 for anyone else."""
    scoped = access_session_scoped(user, session)
    if not scoped.roles & MANAGERS:
        raise Http404
    return scoped.obj


ROW_ORDER = Case(
    When(state__in=SEATED, then=Value(0)),
    When(state=SignUpState.WAITING, then=Value(1)),
    When(state=SignUpState.PENDING, then=Value(2)),
    default=Value(3),
)


def sign_ups_of(session: Session) -> QuerySet[SignUp]:
    """A managed session's sign-ups, with their people: seats first, then the line in order, then the rest."""
    return (
        SignUp.objects.filter(session=session)
        .select_related("person")
        .order_by(ROW_ORDER, "waiting_since", "created_at", "pk")
    )


@dataclass(frozen=True)
class AnswersSeen:
    access_needs: str
    food: str
    childcare: str
    health: str

    def __bool__(self) -> bool:
        return any((self.access_needs, self.food, self.childcare, self.health))


def answers_seen_by(user: AnyUser, session: Session, rows: list[SignUp]) -> dict[int, AnswersSeen]:
    """The answers of a managed session's open sign-ups (what the managers plan food, childcare, access and
    safety with), by sign-up id; reading them is audited (VIEWED, uuids only)."""
    shown = {
        row.pk: AnswersSeen(str(row.access_needs), str(row.food), str(row.childcare), str(row.health))
        for row in rows
        if row.state != SignUpState.CANCELLED
    }
    shown = {pk: answers for pk, answers in shown.items() if answers}
    if shown:
        audit.record(
            actor=str(getattr(user, "uuid", "")),
            role=str(Role.COORDINATOR),
            action=AuditAction.VIEWED,
            object_type="trainings.signup",
            object_ids=[session.uuid, *(row.uuid for row in rows if row.pk in shown)],
            detail={"answers": len(shown)},
        )
    return shown


def access_sign_up(user: AnyUser, session: str | UUID, sign_up: str | UUID) -> SignUp:
    """One sign-up of a session the caller manages, or the caller's own; Http404 otherwise."""
    found_session = access_session(user, session)
    found = (
        SignUp.objects.filter(session=found_session, uuid=as_uuid(sign_up)).select_related("person", "session").first()
    )
    if found is None:
        raise Http404
    mine = record_of(user)
    if not (mine is not None and found.person_id == mine.pk) and not may_manage(user, found_session):
        raise Http404
    return found


def own_sign_up(user: AnyUser, session: Session) -> SignUp | None:
    """The caller's own live sign-up for the session, if any."""
    mine = record_of(user)
    if mine is None:
        return None
    return SignUp.objects.filter(session=session, person=mine).exclude(state=SignUpState.CANCELLED).first()


def own_sign_ups(user: AnyUser) -> QuerySet[SignUp]:
    """The caller's own open sign-ups for sessions to come."""
    mine = record_of(user)
    if mine is None:
        return SignUp.objects.none()
    return SignUp.objects.filter(
        person=mine,
        state__in=[SignUpState.PENDING, SignUpState.SEAT, SignUpState.WAITING],
        session__state=SessionState.SCHEDULED,
        session__ends_at__gt=timezone.now(),
    ).select_related("session")


def person_for_sign_up(user: AnyUser, session: Session, person: UUID | None) -> Person:
    """Whom a sign-up is for: the caller's own record (no `person`), or anyone by uuid for the session's
    managers. Http404 when the caller has no record, or names someone while not a manager."""
    if person is None:
        mine = record_of(user)
        if mine is None:
            raise Http404
        return mine
    if not may_manage(user, session):
        raise Http404
    found = Person.objects.filter(uuid=person).first()
    if found is None:
        raise Http404
    return found


def sign_up_by_token(token: str) -> SignUp | None:
    """The sign-up an email's link names (a signed token), or None."""
    return sign_up_from_token(token)


def training_group(user: User, group: str) -> WorkingGroup:
    """A group whose trainings the caller coordinates."""
    return access_group(user, group, Role.COORDINATOR)


def skills() -> QuerySet[Skill]:
    return Skill.objects.order_by("slug")
