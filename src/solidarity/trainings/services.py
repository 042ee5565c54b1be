"""Trainings' state changes: sessions, sign-ups and the waiting list, confirming, attendance. Each is one
transaction with its audit entry.

Invariants:
- Seats are never oversold: every change that takes, gives back or counts seats locks the
  session's row first (select_for_update), so sign-ups to one session are serialised.
- A seat given back goes at once to the first in line (`waiting_since`, then id), who is told
  through the outbox in their language, on their primary phone (SMS) or else their email.
  Lowering the capacity never takes a seat from anyone: it only stops promoting.
- A public sign-up is `pending` until its contact confirms (CONFIRM and its code, or the link's
  button): only then does it take a seat or a place in line.
- Reminders are core timers per session (DAY_BEFORE_TIMER at 18:00 local the day before,
  SOON_TIMER two hours before); OVER_TIMER at the end erases the health answers and marks the
  session done. Moving the session moves them.
- Audit entries and idempotency keys carry uuids, states and counts: never a name, a phone, an
  email or an answer.
"""

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from solidarity.accounts.models import User, WorkingGroup
from solidarity.core import audit
from solidarity.core.bilingual import text_of
from solidarity.core.codes import unique_code
from solidarity.core.models import AuditAction, Zone
from solidarity.core.services import get_network_settings, network_timezone
from solidarity.core.timers import FiredTimer, cancel_timer, set_timer
from solidarity.messaging import mail
from solidarity.messaging import services as messaging
from solidarity.messaging.models import Channel
from solidarity.people.contacts import reachable_at
from solidarity.people.keywords import moment_text
from solidarity.people.models import Certification, ContactKind, Person, Skill
from solidarity.people.services import (
    PersonValues,
    check_still_here,
    do_create_person,
    do_grant_certification,
    do_remove_certification,
    find_people_by_contact,
)
from solidarity.trainings.models import (
    ANSWER_LENGTH,
    MAX_CAPACITY,
    OPEN_STATES,
    Session,
    SessionKind,
    SessionLanguage,
    SessionState,
    SignUp,
    SignUpState,
)

log = logging.getLogger("solidarity.trainings")

DAY_BEFORE_TIMER = "trainings.day-before"
SOON_TIMER = "trainings.soon"
OVER_TIMER = "trainings.over"
DAY_BEFORE_AT = time(18, 0)  # local time, the day before
SOON_BEFORE = timedelta(hours=2)


def door_is_open(session: Session, now: datetime | None = None) -> bool:
    """Attendance can be marked from SOON_BEFORE the start (people arrive early), and any time after."""
    return session.starts_at - SOON_BEFORE <= (now or timezone.now())


LINK_SALT = "solidarity.trainings.seat"
MAX_CODE_TRIES = 5
PLACE_LENGTH = 200


def actor_of(by: User | None, actor: str = "") -> str:
    return actor or (str(by.uuid) if by is not None else audit.SYSTEM)


def record(actor: str, role: str, action: AuditAction, object_type: str, ids: list[Any], detail: audit.Detail) -> None:
    audit.record(actor=actor, role=role, action=action, object_type=object_type, object_ids=ids, detail=detail)


# Sessions.


@dataclass(frozen=True)
class SessionValues:
    """What a coordinator (or the API) writes about a session."""

    title_en: str
    title_es: str
    starts_at: datetime
    ends_at: datetime
    place: str
    capacity: int
    kind: str = SessionKind.WORKSHOP
    language: str = SessionLanguage.BOTH
    description_en: str = ""
    description_es: str = ""
    skill: Skill | None = None
    zone: Zone | None = None
    facilitator: str = ""
    is_public: bool = False
    asks_access_needs: bool = False
    asks_food: bool = False
    asks_childcare: bool = False
    asks_health: bool = False


def clean_session(values: SessionValues) -> None:
    errors: dict[str, str] = {}
    if not values.title_en.strip() and not values.title_es.strip():
        errors["title_en"] = _("Give the training a title, in English or in Spanish.")
    if values.ends_at <= values.starts_at:
        errors["ends_at"] = _("A training ends after it starts.")
    if not 1 <= values.capacity <= MAX_CAPACITY:
        errors["capacity"] = _("Between 1 and %(max)d seats.") % {"max": MAX_CAPACITY}
    if not values.place.strip():
        errors["place"] = _("Say where it is: a public place.")
    if values.kind not in SessionKind.values:
        errors["kind"] = _("Choose a workshop, a class or a refresher.")
    if values.language not in SessionLanguage.values:
        errors["language"] = _("Choose English, Spanish or both.")
    if len(values.place) > PLACE_LENGTH:
        errors["place"] = _("At most %(count)d characters.") % {"count": PLACE_LENGTH}
    if errors:
        raise ValidationError(errors)


FIELDS = (
    "title_en",
    "title_es",
    "description_en",
    "description_es",
    "starts_at",
    "ends_at",
    "place",
    "capacity",
    "kind",
    "language",
    "skill",
    "zone",
    "facilitator",
    "is_public",
    "asks_access_needs",
    "asks_food",
    "asks_childcare",
    "asks_health",
)


def do_create_session(
    group: WorkingGroup, values: SessionValues, *, by: User | None, role: str = "", actor: str = ""
) -> Session:
    """A new session of `group`; its reminders are set. ValidationError (by field) for what does not fit."""
    clean_session(values)
    if values.starts_at <= timezone.now():
        raise ValidationError({"starts_at": _("Choose a time in the future.")})
    with transaction.atomic():
        session = Session(group=group, created_by=by, **{name: getattr(values, name) for name in FIELDS})
        session.save()
        set_reminders(session)
        record(
            actor_of(by, actor),
            role,
            AuditAction.CREATED,
            "trainings.session",
            [session.uuid],
            {"group": group.slug, "skill": values.skill.slug if values.skill else "", "capacity": values.capacity},
        )
    return session


def do_edit_session(
    session: Session, values: SessionValues, *, by: User | None, role: str = "", actor: str = ""
) -> int:
    """Change a scheduled session. A raised capacity promotes the first in line at once; a lowered one
    takes no seat from anyone. A new time moves the reminders. Returns how many were promoted.
    Lock: the session's row."""
    clean_session(values)
    with transaction.atomic():
        locked = Session.objects.select_for_update().get(pk=session.pk)
        if locked.state != SessionState.SCHEDULED:
            raise ValidationError(_("This training is cancelled or over: it cannot be changed."))
        changed = [name for name in FIELDS if getattr(locked, name) != getattr(values, name)]
        for name in FIELDS:
            setattr(locked, name, getattr(values, name))
        locked.save()
        if "starts_at" in changed or "ends_at" in changed:
            set_reminders(locked)
        promoted = promote(locked)
        record(
            actor_of(by, actor),
            role,
            AuditAction.CHANGED,
            "trainings.session",
            [locked.uuid],
            {"changed": changed, "promoted": promoted},
        )
    session.refresh_from_db()
    return promoted


def do_cancel_session(session: Session, *, by: User | None, role: str = "", actor: str = "") -> int:
    """Cancel a session: everyone with a seat or in line is told; their sign-ups end. Returns how many were told.

    False-safe: a session already cancelled or over changes nothing (0)."""
    with transaction.atomic():
        locked = Session.objects.select_for_update().get(pk=session.pk)
        if locked.state != SessionState.SCHEDULED:
            return 0
        now = timezone.now()
        locked.state, locked.cancelled_at = SessionState.CANCELLED, now
        locked.save(update_fields=["state", "cancelled_at", "updated_at"])
        for kind in (DAY_BEFORE_TIMER, SOON_TIMER):
            cancel_timer(kind, str(locked.uuid))
        set_timer(OVER_TIMER, str(locked.uuid), max(locked.ends_at, now))
        told = 0
        for sign_up in locked.sign_ups.filter(state__in=OPEN_STATES).select_related("person"):
            was = sign_up.state
            sign_up.state, sign_up.cancelled_at = SignUpState.CANCELLED, now
            sign_up.save(update_fields=["state", "cancelled_at", "updated_at"])
            if was in (SignUpState.SEAT, SignUpState.WAITING):
                tell(sign_up, "cancelled", cancelled_text, "trainings/email/cancelled")
                told += 1
        record(
            actor_of(by, actor),
            role,
            AuditAction.CHANGED,
            "trainings.session",
            [locked.uuid],
            {"state": "cancelled", "told": told},
        )
    session.refresh_from_db()
    return told


def set_reminders(session: Session) -> None:
    """The session's timers, (re)set from its times: those already past are not set."""
    key = str(session.uuid)
    now = timezone.now()
    tz = network_timezone()
    day_before = datetime.combine(session.starts_at.astimezone(tz).date() - timedelta(days=1), DAY_BEFORE_AT, tzinfo=tz)
    soon = session.starts_at - SOON_BEFORE
    for kind, due in ((DAY_BEFORE_TIMER, day_before), (SOON_TIMER, soon)):
        if due > now:
            set_timer(kind, key, due)
        else:
            cancel_timer(kind, key)
    set_timer(OVER_TIMER, key, session.ends_at)


# Seats and the waiting list.


def seats_taken(session: Session) -> int:
    return session.sign_ups.filter(state__in=[SignUpState.SEAT, SignUpState.ATTENDED, SignUpState.NO_SHOW]).count()


def waiting_line(session: Session) -> QuerySet[SignUp]:
    return session.sign_ups.filter(state=SignUpState.WAITING).order_by("waiting_since", "pk")


def seats_left(session: Session) -> int:
    return max(session.capacity - seats_taken(session), 0)


def promote(session: Session) -> int:
    """Give the free seats to the first in line, each told at once. The caller holds the session's row lock."""
    if session.state != SessionState.SCHEDULED or session.starts_at <= timezone.now():
        return 0
    free = session.capacity - seats_taken(session)
    promoted = 0
    for sign_up in list(waiting_line(session).select_related("person")[: max(free, 0)]):
        sign_up.state, sign_up.waiting_since = SignUpState.SEAT, None
        sign_up.save(update_fields=["state", "waiting_since", "updated_at"])
        tell(sign_up, "promoted", promoted_text, "trainings/email/promoted")
        record(
            audit.SYSTEM,
            "",
            AuditAction.CHANGED,
            "trainings.signup",
            [sign_up.uuid, session.uuid],
            {"state": "seat", "promoted": True},
        )
        promoted += 1
    return promoted


@dataclass(frozen=True)
class Answers:
    access_needs: str = ""
    food: str = ""
    childcare: str = ""
    health: str = ""

    def cleaned(self, session: Session) -> "Answers":
        """Only what the session asks, trimmed; ValidationError for an answer too long."""
        values = {}
        for name, asked in (
            ("access_needs", session.asks_access_needs),
            ("food", session.asks_food),
            ("childcare", session.asks_childcare),
            ("health", session.asks_health),
        ):
            value = " ".join(str(getattr(self, name)).split()) if asked else ""
            if len(value) > ANSWER_LENGTH:
                raise ValidationError({name: _("At most %(count)d characters.") % {"count": ANSWER_LENGTH}})
            values[name] = value
        return Answers(**values)


def check_open(session: Session) -> None:
    if session.state != SessionState.SCHEDULED:
        raise ValidationError(_("This training is cancelled or over."))
    if session.starts_at <= timezone.now():
        raise ValidationError(_("This training has already started."))


def do_sign_up(
    session: Session,
    person: Person,
    answers: Answers | None = None,
    *,
    by: User | None,
    pending: bool = False,
    quiet: bool = False,
    role: str = "",
    actor: str = "",
) -> SignUp:
    """Sign a person up: a seat if one is free, else the waiting list (`pending`: wait for the contact's
    confirmation first; `quiet`: the person is not told, as when the demo is loaded). A person already
    signed up keeps their sign-up, unchanged. ValidationError
    for a session that is not open or a person who left. Lock: the session's row."""
    check_still_here(person)
    cleaned = (answers or Answers()).cleaned(session)
    for attempt in range(MAX_CODE_TRIES):
        try:
            with transaction.atomic():
                locked = Session.objects.select_for_update().get(pk=session.pk)
                check_open(locked)
                found = locked.sign_ups.filter(person=person).exclude(state=SignUpState.CANCELLED).first()
                if found is not None:
                    return found
                now = timezone.now()
                if pending:
                    state = SignUpState.PENDING
                elif seats_taken(locked) < locked.capacity and not waiting_line(locked).exists():
                    state = SignUpState.SEAT
                else:
                    state = SignUpState.WAITING
                sign_up = SignUp(
                    session=locked,
                    person=person,
                    state=state,
                    code=unique_code(SignUp.objects.filter(state__in=OPEN_STATES), "code"),
                    waiting_since=now if state == SignUpState.WAITING else None,
                    signed_up_by=by,
                    **{name: getattr(cleaned, name) for name in ("access_needs", "food", "childcare", "health")},
                )
                sign_up.save()
                if state != SignUpState.PENDING and not quiet:
                    tell_signed_up(sign_up)
                record(
                    actor_of(by, actor),
                    role,
                    AuditAction.CREATED,
                    "trainings.signup",
                    [sign_up.uuid, locked.uuid, person.uuid],
                    {"state": state},
                )
                return sign_up
        except IntegrityError:
            if attempt == MAX_CODE_TRIES - 1:
                raise
    raise AssertionError("unreachable")


def do_cancel_sign_up(sign_up: SignUp, *, by: User | None, role: str = "", actor: str = "") -> bool:
    """A sign-up ends (the person gives their seat back, or leaves the line); a seat given back goes at
    once to the first in line. False when it was not open. Lock: the session's row."""
    with transaction.atomic():
        session = Session.objects.select_for_update().get(pk=sign_up.session_id)
        locked = SignUp.objects.select_for_update().get(pk=sign_up.pk)
        if locked.state not in OPEN_STATES:
            return False
        was = locked.state
        locked.state, locked.cancelled_at, locked.waiting_since = SignUpState.CANCELLED, timezone.now(), None
        locked.save(update_fields=["state", "cancelled_at", "waiting_since", "updated_at"])
        promoted = promote(session) if was == SignUpState.SEAT else 0
        record(
            actor_of(by, actor),
            role,
            AuditAction.CHANGED,
            "trainings.signup",
            [locked.uuid, session.uuid],
            {"state": "cancelled", "was": was, "promoted": promoted},
        )
    sign_up.refresh_from_db()
    return True


def do_confirm_sign_up(sign_up: SignUp, *, by: User | None = None, role: str = "", actor: str = audit.PUBLIC) -> bool:
    """The person confirms: a pending sign-up takes a seat (or a place in line); a seat is marked confirmed.
    False when there was nothing to confirm. Lock: the session's row."""
    with transaction.atomic():
        session = Session.objects.select_for_update().get(pk=sign_up.session_id)
        locked = SignUp.objects.select_for_update().get(pk=sign_up.pk)
        now = timezone.now()
        if locked.state == SignUpState.PENDING:
            if session.state != SessionState.SCHEDULED or session.starts_at <= now:
                return False
            has_seat = seats_taken(session) < session.capacity and not waiting_line(session).exists()
            locked.state = SignUpState.SEAT if has_seat else SignUpState.WAITING
            locked.waiting_since = None if has_seat else now
            locked.confirmed_at = now
            locked.save(update_fields=["state", "waiting_since", "confirmed_at", "updated_at"])
            tell_signed_up(locked)
        elif locked.state in (SignUpState.SEAT, SignUpState.WAITING) and locked.confirmed_at is None:
            locked.confirmed_at = now
            locked.save(update_fields=["confirmed_at", "updated_at"])
        else:
            return False
        record(
            actor_of(by, actor),
            role,
            AuditAction.CHANGED,
            "trainings.signup",
            [locked.uuid, session.uuid],
            {"state": locked.state, "confirmed": True},
        )
    sign_up.refresh_from_db()
    return True


def do_public_sign_up(
    session: Session, *, display_name: str, kind: str, contact: str, language: str, answers: Answers
) -> SignUp:
    """The public page's sign-up: the person with this contact (blind index), or a new one, UNVETTED (no
    alerts until vouched); a pending sign-up, and the confirmation to that contact (double opt-in).
    The caller answers alike whoever it was. ValidationError for a session not open."""
    check_open(session)
    found = find_people_by_contact(kind, contact)
    if len(found) == 1:
        person = found[0]
    else:
        values = PersonValues(
            display_name=display_name,
            language=language if language in ("en", "es") else settings.LANGUAGE_CODE,
            phones=(contact,) if kind == ContactKind.PHONE else (),
            emails=(contact,) if kind == ContactKind.EMAIL else (),
            consent_trainings=True,  # they asked for this training, and to hear about it; nothing else
        )
        person = do_create_person(values, by=None, actor=audit.PUBLIC, source="public")
    with transaction.atomic():
        sign_up = do_sign_up(session, person, answers, by=None, pending=True, actor=audit.PUBLIC)
        if sign_up.state == SignUpState.PENDING:
            channel = Channel.SMS if kind == ContactKind.PHONE else Channel.EMAIL
            do_ask_to_confirm(sign_up, channel, contact)
    return sign_up


# Attendance.


def do_mark_attendance(sign_up: SignUp, attended: bool | None, *, by: User, role: str = "", actor: str = "") -> SignUp:
    """Mark a seat attended (granting or renewing the session's skill, source "training:<uuid>") or no-show;
    `None` undoes the mark (back to a seat). A certification granted stays: a roster keeper corrects it
    if the mark was wrong, except one this training gave for the first time, which an undo takes back.
    ValidationError for a sign-up with no seat or a session not yet begun."""
    with transaction.atomic():
        session = Session.objects.select_for_update().get(pk=sign_up.session_id)
        locked = SignUp.objects.select_for_update().select_related("person").get(pk=sign_up.pk)
        if session.state == SessionState.CANCELLED:
            raise ValidationError(_("This training was cancelled."))
        if locked.state not in (SignUpState.SEAT, SignUpState.ATTENDED, SignUpState.NO_SHOW):
            raise ValidationError(_("Only someone with a seat can be marked."))
        if attended is not None and not door_is_open(session):
            raise ValidationError(_("Attendance is marked on the day of the training."))
        state = SignUpState.SEAT if attended is None else SignUpState.ATTENDED if attended else SignUpState.NO_SHOW
        if state == locked.state:
            return locked
        was = locked.state
        locked.state = state
        locked.marked_by, locked.marked_at = (None, None) if attended is None else (by, timezone.now())
        locked.save(update_fields=["state", "marked_by", "marked_at", "updated_at"])
        granted = withdrawn = False
        source = f"training:{session.uuid}"
        if state == SignUpState.ATTENDED and session.skill is not None and not locked.person.has_left:
            do_grant_certification(locked.person, session.skill, by=by, source=source, role=role)
            granted = True
        elif was == SignUpState.ATTENDED and session.skill is not None:
            # Marked attended by mistake: a certification this training gave for the first time goes with the
            # mark. A renewal stays (its earlier dates are not kept): a roster keeper corrects it on the person.
            first = Certification.objects.filter(
                person=locked.person, skill=session.skill, source=source, first_granted_at=F("granted_at")
            ).first()
            withdrawn = first is not None and do_remove_certification(first, by=by, role=role, actor=actor)
        record(
            actor_of(by, actor),
            role,
            AuditAction.CHANGED,
            "trainings.signup",
            [locked.uuid, session.uuid],
            {"state": state, "was": was, "granted": granted, "withdrawn": withdrawn},
        )
    return locked


# Timers: reminders and the end.


def remind_day_before(fired: FiredTimer) -> None:
    """DAY_BEFORE_TIMER: each seat not yet reminded is asked to confirm or give the seat back (idempotent)."""
    session = Session.objects.filter(uuid=fired.key, state=SessionState.SCHEDULED).first()
    if session is None:
        return
    now = timezone.now()
    for sign_up in session.sign_ups.filter(state=SignUpState.SEAT, reminded_day_before_at__isnull=True).select_related(
        "person"
    ):
        tell(sign_up, "day-before", day_before_text, "trainings/email/day_before")
        SignUp.objects.filter(pk=sign_up.pk).update(reminded_day_before_at=now)


def remind_soon(fired: FiredTimer) -> None:
    """SOON_TIMER: each seat is told the place and time once more, shortly before (idempotent)."""
    session = Session.objects.filter(uuid=fired.key, state=SessionState.SCHEDULED).first()
    if session is None:
        return
    now = timezone.now()
    for sign_up in session.sign_ups.filter(state=SignUpState.SEAT, reminded_soon_at__isnull=True).select_related(
        "person"
    ):
        tell(sign_up, "soon", soon_text, "trainings/email/soon")
        SignUp.objects.filter(pk=sign_up.pk).update(reminded_soon_at=now)


def end_session(fired: FiredTimer) -> None:
    """OVER_TIMER: the session is over: health answers are erased, a scheduled session is done (idempotent)."""
    session = Session.objects.filter(uuid=fired.key).first()
    if session is None:
        return
    do_erase_health(Session.objects.filter(pk=session.pk))
    Session.objects.filter(pk=session.pk, state=SessionState.SCHEDULED).update(
        state=SessionState.DONE, updated_at=timezone.now()
    )
    # Those still pending or in line had no seat: their sign-ups end with the session.
    session.sign_ups.filter(state__in=[SignUpState.PENDING, SignUpState.WAITING]).update(
        state=SignUpState.CANCELLED, cancelled_at=timezone.now(), waiting_since=None
    )


def do_erase_health(sessions: QuerySet[Session]) -> int:
    """Erase the health answers (allergies) of these sessions' sign-ups; audited with a count."""
    rows = list(
        SignUp.objects.filter(session__in=sessions, session__asks_health=True, health_erased_at__isnull=True).only(
            "pk", "uuid", "health"
        )
    )
    now = timezone.now()
    for sign_up in rows:
        sign_up.health, sign_up.health_erased_at = "", now
        sign_up.save(update_fields=["health", "health_erased_at"])
    if rows:
        record(audit.WORKER, "", AuditAction.PURGED, "trainings.signup", [], {"field": "health", "count": len(rows)})
    return len(rows)


def erase_past_health() -> int:
    """The safety net behind OVER_TIMER (hourly job): health answers of every session that has ended."""
    return do_erase_health(Session.objects.filter(ends_at__lt=timezone.now()))


# Messages: to the person's primary phone (SMS), else their primary email, in their language.


def link_token(sign_up: SignUp) -> str:
    """A signature of the sign-up's uuid: the email's link to the confirm / give-back page."""
    return signing.Signer(salt=LINK_SALT, sep=".").sign(sign_up.uuid.hex)


def sign_up_from_token(token: str) -> SignUp | None:
    try:
        wanted = uuid.UUID(hex=signing.Signer(salt=LINK_SALT, sep=".").unsign(token))
    except (signing.BadSignature, ValueError):
        return None
    return SignUp.objects.select_related("session", "person").filter(uuid=wanted).first()


def absolute(language: str, name: str, *args: Any) -> str:
    with translation.override(language):
        return str(settings.BASE_URL).rstrip("/") + reverse(name, args=args)


def message_values(sign_up: SignUp, language: str) -> dict[str, str]:
    session = sign_up.session
    with translation.override(language):
        when = moment_text(session.starts_at)
    return {
        "network": get_network_settings().name,
        "title": text_of(session, "title", language),
        "when": when,
        "place": session.place,
        "code": sign_up.code,
    }


def tell(sign_up: SignUp, what: str, sms: Any, email_template: str, *, to: tuple[str, str] | None = None) -> None:
    """One message about a sign-up, through the outbox, in the caller's transaction. `sms(values)` gives the
    text; email uses `<email_template>_subject.txt` / `_body.txt`. `to`: (channel, address), else the person's."""
    person = sign_up.person
    target = to or reachable_at(person)
    if target is None:
        log.info("trainings: sign-up %s has no contact to tell (%s)", sign_up.uuid, what)
        return
    channel, address = target
    language = person.language if person.language in ("en", "es") else settings.LANGUAGE_CODE
    values = message_values(sign_up, language)
    key = f"trainings.{what}:{sign_up.uuid}:{timezone.now().timestamp():.0f}"
    if channel == Channel.SMS:
        with translation.override(language):
            content: dict[str, Any] = {"text": sms(values)}
    else:
        context = {**values, "link": absolute(language, "trainings:seat", link_token(sign_up))}
        with translation.override(language):
            subject = render_to_string(f"{email_template}_subject.txt", context).strip()
            body = render_to_string(f"{email_template}_body.txt", context)
        content = mail.email_content(to=address, subject=subject, text=body, language=language)
    messaging.enqueue(messaging.Outgoing(channel, address, content, idempotency_key=key, language=language))


def tell_signed_up(sign_up: SignUp) -> None:
    """A seat, or a place in line: the person is told which."""
    if sign_up.state == SignUpState.WAITING:
        tell(sign_up, "waiting", waiting_text, "trainings/email/waiting")
    else:
        tell(sign_up, "signed-up", signed_up_text, "trainings/email/signed_up")


def do_ask_to_confirm(sign_up: SignUp, channel: str, address: str) -> None:
    """A public sign-up's double opt-in: the code (SMS) or the link (email), to the contact given."""
    tell(sign_up, "confirm", confirm_text, "trainings/email/confirm", to=(channel, address))


# The texts. Each fits one SMS where the title allows; the Spanish avoids á, í, ó and ú.


def confirm_text(values: dict[str, str]) -> str:
    # Translators: SMS. Keep CONFIRMAR and the code together.
    return (
        _("%(network)s: to sign up for %(title)s (%(when)s), reply CONFIRM %(code)s. If it was not you, ignore this.")
        % values
    )


def signed_up_text(values: dict[str, str]) -> str:
    return (
        # Translators: SMS. Keep CEDO and the code together.
        _("%(network)s: you have a seat at %(title)s, %(when)s, %(place)s. Can't come? Reply DROP %(code)s.") % values
    )


def waiting_text(values: dict[str, str]) -> str:
    return (
        _("%(network)s: %(title)s is full; you are on the waiting list. We will text you if a seat frees up.") % values
    )


def promoted_text(values: dict[str, str]) -> str:
    # Translators: SMS. Keep CEDO and the code together.
    return (
        _(
            "%(network)s: a seat freed up: you have a seat at %(title)s, %(when)s, %(place)s. "
            "Can't come? Reply DROP %(code)s."
        )
        % values
    )


def day_before_text(values: dict[str, str]) -> str:
    return (
        # Translators: SMS. Keep CONFIRMAR, CEDO and the code.
        _(
            "%(network)s: %(title)s is %(when)s at %(place)s. Reply CONFIRM %(code)s to keep your seat "
            "or DROP %(code)s to give it to someone on the waiting list."
        )
        % values
    )


def soon_text(values: dict[str, str]) -> str:
    return _("%(network)s: %(title)s starts soon: %(when)s at %(place)s. See you there!") % values


def cancelled_text(values: dict[str, str]) -> str:
    return _("%(network)s: %(title)s (%(when)s) is cancelled. Sorry! We will let you know of the next one.") % values
