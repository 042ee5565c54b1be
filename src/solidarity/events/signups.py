"""An action's role slots and the sign-ups that fill them: the reminders, giving a seat back, check-in and
check-out on the day, attended or no-show afterwards, and the turnout the debrief reads.

Invariants:
- Places are never oversold: every change that takes or counts places locks the action's row first
  (events.services.locked), so two people never take the last place of a slot.
- A slot that requires a skill takes only a person holding a CURRENT certification of it (not lapsed,
  signed off when the skill needs it: people.Certification.is_current): a lapsed medic is refused, named.
- A person holds at most one open sign-up among the overlapping shifts of one action.
- Medics go in pairs: sign-ups in order pair up (1-2, 3-4...); an odd count leaves one alone, and the
  slot's page says so.
- A jail-support shift lasts at most JAIL_SHIFT_MAX: shifts outside the jail are kept short.
- Reminders are core timers per slot (DAY_BEFORE_TIMER at 18:00 local the day before, SOON_TIMER two hours
  before its shift); moving the shift moves them, removing the slot cancels them. A cancelled sign-up is
  never reminded: the handlers read the open sign-ups when they fire. Each message's idempotency key
  names the sign-up and the shift's start, so a timer fired twice sends nothing twice.
- Audit entries and idempotency keys carry uuids, states and counts: never a name, a phone or an email.
"""

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from solidarity.accounts.models import User
from solidarity.core import audit
from solidarity.core.bilingual import text_of
from solidarity.core.codes import unique_code
from solidarity.core.models import AuditAction
from solidarity.core.permissions import acting_role
from solidarity.core.services import get_network_settings, network_timezone
from solidarity.core.timers import FiredTimer, cancel_timer, set_timer
from solidarity.events import updates
from solidarity.events.models import (
    MAX_NEEDED,
    OPEN_SIGN_UP_STATES,
    TAKEN_STATES,
    TITLE_LENGTH,
    Action,
    ActionState,
    Role,
    SignUp,
    SignUpState,
    Slot,
)
from solidarity.events.services import ORGANISERS, OVER, locked
from solidarity.messaging import mail
from solidarity.messaging import services as messaging
from solidarity.messaging.models import Channel
from solidarity.messaging.sms.text import gsm_friendly
from solidarity.people.contacts import reachable_at
from solidarity.people.models import Certification, Person, PersonState, Skill

log = logging.getLogger("solidarity.events")

DAY_BEFORE_TIMER = "events.day-before"
SOON_TIMER = "events.soon"
DAY_BEFORE_AT = time(18, 0)  # local time, the day before the shift
SOON_BEFORE = timedelta(hours=2)
JAIL_SHIFT_MAX = timedelta(hours=4)
AROUND_ACTION = timedelta(hours=24)  # a shift starts and ends within a day of the action (set-up, jail support)
MAX_CODE_TRIES = 5
LINK_SALT = "solidarity.events.seat"
SLOT_FIELDS = ("role", "name_en", "name_es", "skill", "starts_at", "ends_at", "needed", "in_pairs")


class Refused:
    """The stable codes of a sign-up's refusals (the API's 409 codes)."""

    FULL = "slot_full"
    LAPSED = "skill_lapsed"
    MISSING = "skill_missing"
    OVER = "action_over"
    STARTED = "shift_started"
    OVERLAP = "overlapping_shift"
    LEFT = "person_left"
    NOT_OPEN = "not_open"
    TOO_EARLY = "too_early"
    NOT_CHECKED_IN = "not_checked_in"


def refuse(message: str, code: str) -> ValidationError:
    return ValidationError(message, code=code)


def actor_of(by: User | None, actor: str = "") -> str:
    return actor or (str(by.uuid) if by else audit.SYSTEM)


def recorded(
    by: User | None, action: Action, verb: AuditAction, object_type: str, ids: Iterable[UUID], detail: audit.Detail
) -> None:
    """An audit entry about a slot or sign-up of `action`; `by` None: the person by text, or the worker."""
    audit.record(
        actor=actor_of(by, audit.PUBLIC if by is None else ""),
        role=acting_role(by, action.group.slug, *ORGANISERS),
        action=verb,
        object_type=object_type,
        object_ids=[action.uuid, *ids],
        detail=detail,
    )


# Slots.


@dataclass
class SlotValues:
    """What organisers write about a slot. `skill`: a skill's slug ("" for none). `in_pairs` None: medics pair."""

    role: str = Role.MARSHAL
    name_en: str = ""
    name_es: str = ""
    skill: str = ""
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    needed: int = 1
    in_pairs: bool | None = None


def check_slot(action: Action, values: SlotValues) -> dict[str, Any]:
    """The slot's fields, or ValidationError by field."""
    errors: dict[str, list[str]] = {}
    if values.role not in Role.values:
        errors["role"] = [_("Choose a role.")]
    for name in ("name_en", "name_es"):
        if len(getattr(values, name)) > TITLE_LENGTH:
            errors[name] = [_("At most %(limit)d characters.") % {"limit": TITLE_LENGTH}]
    skill = None
    if values.skill.strip():
        skill = Skill.objects.filter(slug=values.skill.strip()).first()
        if skill is None:
            errors["skill"] = [_("No skill has this short name.")]
    if not 1 <= values.needed <= MAX_NEEDED:
        errors["needed"] = [_("Give a number of people between 1 and %(most)d.") % {"most": MAX_NEEDED}]
    starts, ends = values.starts_at, values.ends_at
    if starts is None:
        errors["starts_at"] = [_("Say when the shift starts.")]
    if ends is None:
        errors["ends_at"] = [_("Say when the shift ends.")]
    if starts is not None and ends is not None:
        if ends <= starts:
            errors["ends_at"] = [_("A shift ends after it starts.")]
        elif starts < action.starts_at - AROUND_ACTION or ends > action.ends_at + AROUND_ACTION:
            errors["starts_at"] = [_("A shift falls within a day of the action.")]
        elif values.role == Role.JAIL_SUPPORT and ends - starts > JAIL_SHIFT_MAX:
            errors["ends_at"] = [
                _(
                    "A jail-support shift lasts at most %(hours)d hours: shifts outside the jail are kept short. "
                    "Add another slot for the next shift."
                )
                % {"hours": JAIL_SHIFT_MAX.seconds // 3600}
            ]
    if errors:
        raise ValidationError(errors)
    in_pairs = values.in_pairs if values.in_pairs is not None else values.role == Role.MEDIC
    return {
        "role": values.role,
        "name_en": values.name_en.strip(),
        "name_es": values.name_es.strip(),
        "skill": skill,
        "starts_at": starts,
        "ends_at": ends,
        "needed": values.needed,
        "in_pairs": in_pairs,
    }


def do_add_slot(action: Action, values: SlotValues, *, by: User | None) -> Slot:
    """A new slot of the action, with its reminders. ValidationError once the action is over."""
    fields = check_slot(action, values)
    with transaction.atomic():
        row = locked(action)
        if row.state in OVER:
            raise refuse(_("This action is cancelled or over."), Refused.OVER)
        position = row.slots.count()
        slot = Slot.objects.create(action=row, position=position, **fields)
        set_reminders(slot)
        recorded(by, row, AuditAction.CREATED, "events.slot", [slot.uuid], {"role": slot.role, "needed": slot.needed})
    return slot


def do_update_slot(slot: Slot, values: SlotValues, *, by: User | None) -> list[str]:
    """Change a slot: the names of the fields that changed. Nobody loses a place when `needed` is lowered.
    A moved shift moves its reminders."""
    action = slot.action
    fields = check_slot(action, values)
    with transaction.atomic():
        row = locked(action)
        if row.state in OVER:
            raise refuse(_("This action is cancelled or over."), Refused.OVER)
        current = Slot.objects.get(pk=slot.pk)
        changed = [name for name in SLOT_FIELDS if getattr(current, name) != fields[name]]
        if not changed:
            return []
        for name in changed:
            setattr(current, name, fields[name])
        current.save(update_fields=changed)
        if "starts_at" in changed:
            set_reminders(current)
        recorded(by, row, AuditAction.CHANGED, "events.slot", [current.uuid], {"fields": changed})
    slot.refresh_from_db()
    return changed


def do_remove_slot(slot: Slot, *, by: User | None) -> int:
    """Remove a slot; those signed up to it are told (through the outbox). Returns how many were told."""
    with transaction.atomic():
        row = locked(slot.action)
        current = Slot.objects.filter(pk=slot.pk).first()
        if current is None:
            return 0
        current.action = row
        told = 0
        for sign_up in current.sign_ups.filter(state__in=OPEN_SIGN_UP_STATES).select_related("person"):
            sign_up.slot = current
            tell(sign_up, "slot-removed", removed_text)
            told += 1
        for kind in (DAY_BEFORE_TIMER, SOON_TIMER):
            cancel_timer(kind, str(current.uuid))
        recorded(by, row, AuditAction.DELETED, "events.slot", [current.uuid], {"told": told})
        current.delete()
    return told


def set_reminders(slot: Slot) -> None:
    """The slot's reminder timers, (re)set from its shift: those already past are cancelled."""
    key = str(slot.uuid)
    now = timezone.now()
    tz = network_timezone()
    day = slot.starts_at.astimezone(tz).date() - timedelta(days=1)
    day_before = datetime.combine(day, DAY_BEFORE_AT, tzinfo=tz)
    for kind, due in ((DAY_BEFORE_TIMER, day_before), (SOON_TIMER, slot.starts_at - SOON_BEFORE)):
        if due > now:
            set_timer(kind, key, due)
        else:
            cancel_timer(kind, key)


# Places, pairs and what the pages show.


def open_sign_ups(slot: Slot) -> QuerySet[SignUp]:
    return slot.sign_ups.filter(state__in=TAKEN_STATES).order_by("created_at", "pk")


def places_left(slot: Slot, taken: int | None = None) -> int:
    count = open_sign_ups(slot).count() if taken is None else taken
    return max(slot.needed - count, 0)


def pairs(sign_ups: list[SignUp]) -> list[list[SignUp]]:
    """Sign-ups in order, two by two (1-2, 3-4...); the last is alone when the count is odd."""
    return [sign_ups[at : at + 2] for at in range(0, len(sign_ups), 2)]


def has_lone_medic(slot: Slot, taken: int) -> bool:
    return slot.in_pairs and taken % 2 == 1


def slots_of(action: Action) -> QuerySet[Slot]:
    """The action's slots with their taken places counted (`taken`), in order: one query."""
    return (
        action.slots.select_related("skill")
        .annotate(taken=Count("sign_ups", filter=Q(sign_ups__state__in=TAKEN_STATES)))
        .order_by("starts_at", "position", "pk")
    )


# Signing up.


def current_certification(person: Person, skill: Skill, now: datetime) -> tuple[bool, Certification | None]:
    """(holds a current one, the latest one held) for `skill`."""
    held = list(Certification.objects.filter(person=person, skill=skill).select_related("skill"))
    if any(certification.is_current(now) for certification in held):
        return True, None
    return False, max(held, key=lambda c: c.lapses_at) if held else None


def check_can_take(action: Action, slot: Slot, person: Person, now: datetime) -> None:
    """Why `person` cannot take a place in `slot` now, as a ValidationError with a stable code; the caller
    holds the action's row lock."""
    if person.state == PersonState.LEFT:
        raise refuse(_("This person has left the network."), Refused.LEFT)
    if action.state in OVER or action.ends_at <= now:
        raise refuse(_("This action is cancelled or over."), Refused.OVER)
    if slot.starts_at <= now:
        raise refuse(_("This shift has already started."), Refused.STARTED)
    if slot.skill is not None:
        current, latest = current_certification(person, slot.skill, now)
        if not current:
            skill = text_of(slot.skill, "name")
            if latest is not None and latest.lapses_at <= now:
                day = formats.date_format(latest.lapses_at.astimezone(network_timezone()), "SHORT_DATE_FORMAT")
                message = _(
                    "This slot needs a current %(skill)s certification, and yours lapsed on %(date)s. "
                    "A refresher training renews it."
                ) % {"skill": skill, "date": day}
                raise refuse(message, Refused.LAPSED)
            if latest is not None:
                message = _("This slot needs a %(skill)s certification signed off by a trainer.") % {"skill": skill}
                raise refuse(message, Refused.LAPSED)
            raise refuse(_("This slot needs a current %(skill)s certification.") % {"skill": skill}, Refused.MISSING)
    if open_sign_ups(slot).count() >= slot.needed:
        raise refuse(_("This slot is full."), Refused.FULL)
    overlapping = SignUp.objects.filter(
        person=person,
        state=SignUpState.SIGNED_UP,
        slot__action=action,
        slot__starts_at__lt=slot.ends_at,
        slot__ends_at__gt=slot.starts_at,
    ).exclude(slot=slot)
    if overlapping.exists():
        raise refuse(_("You already hold a place in another slot of this action at that time."), Refused.OVERLAP)


def do_sign_up(slot: Slot, person: Person, *, by: User | None, actor: str = "", quiet: bool = False) -> SignUp:
    """A place in the slot for `person`: confirmed to them at once (unless `quiet`, as when the demo is loaded),
    subscribed to the action's update list.
    A person already signed up to the slot keeps their sign-up, unchanged. ValidationError (with a stable
    code, Refused) for a place that cannot be taken. Lock: the action's row."""
    for attempt in range(MAX_CODE_TRIES):
        try:
            with transaction.atomic():
                action = locked(slot.action)
                row = Slot.objects.select_related("skill").get(pk=slot.pk)
                found = row.sign_ups.filter(person=person, state__in=TAKEN_STATES).first()
                if found is not None:
                    return found
                now = timezone.now()
                check_can_take(action, row, person, now)
                sign_up = SignUp.objects.create(
                    slot=row,
                    person=person,
                    code=unique_code(SignUp.objects.filter(state__in=OPEN_SIGN_UP_STATES), "code"),
                    signed_up_by=by,
                )
                row.action = action
                sign_up.slot = row
                if not quiet:
                    tell_signed_up(sign_up)
                if action.updates_list is not None:
                    updates.subscribe_person(action.updates_list, person)
                audit.record(
                    actor=actor_of(by, actor),
                    role=acting_role(by, action.group.slug, *ORGANISERS),
                    action=AuditAction.CREATED,
                    object_type="events.signup",
                    object_ids=[action.uuid, sign_up.uuid, row.uuid, person.uuid],
                    detail={"state": sign_up.state, "role": row.role},
                )
                return sign_up
        except IntegrityError:
            if attempt == MAX_CODE_TRIES - 1:
                raise
    raise AssertionError("unreachable")


def is_waiting_for_partner(sign_up: SignUp) -> bool:
    """A medic alone in their pair: the last of an odd count in a slot that fills in pairs."""
    slot = sign_up.slot
    if not slot.in_pairs or sign_up.state != SignUpState.SIGNED_UP:
        return False
    taken = list(open_sign_ups(slot).values_list("pk", flat=True))
    return len(taken) % 2 == 1 and taken[-1] == sign_up.pk


def changed(sign_up: SignUp, by: User | None, actor: str, detail: audit.Detail) -> None:
    action = sign_up.slot.action
    audit.record(
        actor=actor_of(by, actor),
        role=acting_role(by, action.group.slug, *ORGANISERS),
        action=AuditAction.CHANGED,
        object_type="events.signup",
        object_ids=[action.uuid, sign_up.uuid, sign_up.slot.uuid],
        detail=detail,
    )


def do_cancel_sign_up(sign_up: SignUp, *, by: User | None, actor: str = "") -> bool:
    """The seat is given back (by the person, on the web or by text, or by a coordinator). False when it
    was not open. Lock: the action's row."""
    with transaction.atomic():
        locked(sign_up.slot.action)
        now = timezone.now()
        if not SignUp.objects.filter(pk=sign_up.pk, state=SignUpState.SIGNED_UP).update(
            state=SignUpState.CANCELLED, cancelled_at=now, updated_at=now
        ):
            return False
        sign_up.refresh_from_db()
        changed(sign_up, by, actor, {"state": SignUpState.CANCELLED})
    return True


def do_confirm_sign_up(sign_up: SignUp, *, by: User | None = None, actor: str = "") -> bool:
    """The person answers the day-before reminder: they are coming. False when it was not open or confirmed."""
    with transaction.atomic():
        now = timezone.now()
        if not SignUp.objects.filter(pk=sign_up.pk, state=SignUpState.SIGNED_UP, confirmed_at__isnull=True).update(
            confirmed_at=now, updated_at=now
        ):
            return False
        sign_up.refresh_from_db()
        changed(sign_up, by, actor, {"confirmed": True})
    return True


def door_is_open(slot: Slot, now: datetime) -> bool:
    """Check-in opens SOON_BEFORE the shift (people arrive early)."""
    return slot.starts_at - SOON_BEFORE <= now


def do_check_in(sign_up: SignUp, *, by: User | None, actor: str = "") -> bool:
    """The person is here (a coordinator's button, or ARRIVED by text). False when checked in already.
    ValidationError before the door opens or for a sign-up given back."""
    now = timezone.now()
    if sign_up.state == SignUpState.CANCELLED:
        raise refuse(_("This seat was given back."), Refused.NOT_OPEN)
    if not door_is_open(sign_up.slot, now):
        raise refuse(_("Check-in opens two hours before the shift."), Refused.TOO_EARLY)
    with transaction.atomic():
        if (
            not SignUp.objects.filter(pk=sign_up.pk, checked_in_at__isnull=True)
            .exclude(state=SignUpState.CANCELLED)
            .update(checked_in_at=now, updated_at=now)
        ):
            return False
        sign_up.refresh_from_db()
        changed(sign_up, by, actor, {"checked_in": True})
    return True


def do_check_out(sign_up: SignUp, *, by: User | None, actor: str = "") -> bool:
    """The person leaves (a coordinator's button, or LEFT by text). False when checked out already.
    ValidationError when they never checked in."""
    if sign_up.checked_in_at is None:
        raise refuse(_("Check in first."), Refused.NOT_CHECKED_IN)
    now = timezone.now()
    with transaction.atomic():
        if not SignUp.objects.filter(pk=sign_up.pk, checked_out_at__isnull=True).update(
            checked_out_at=now, updated_at=now
        ):
            return False
        sign_up.refresh_from_db()
        changed(sign_up, by, actor, {"checked_out": True})
    return True


def check_attendance_open(action: Action, now: datetime) -> None:
    if action.state == ActionState.CANCELLED:
        raise refuse(_("This action was cancelled."), Refused.OVER)
    if action.starts_at > now:
        raise refuse(_("Attendance is marked once the action has started."), Refused.TOO_EARLY)


def do_mark_attendance(sign_up: SignUp, attended: bool, *, by: User | None) -> bool:
    """Attended or no-show, for one sign-up (not one given back). False when it was so already."""
    check_attendance_open(sign_up.slot.action, timezone.now())
    state = SignUpState.ATTENDED if attended else SignUpState.NO_SHOW
    with transaction.atomic():
        if (
            not SignUp.objects.filter(pk=sign_up.pk, state__in=TAKEN_STATES)
            .exclude(state=state)
            .update(state=state, updated_at=timezone.now())
        ):
            return False
        sign_up.refresh_from_db()
        changed(sign_up, by, "", {"state": state})
    return True


def do_settle_attendance(action: Action, overrides: Mapping[UUID, bool], *, by: User | None) -> dict[str, int]:
    """After the action: everyone checked in attended, the rest did not come, unless `overrides` (a sign-up's
    uuid: attended) says otherwise. Returns the counts. Lock: the action's row."""
    check_attendance_open(action, timezone.now())
    counts = {SignUpState.ATTENDED.value: 0, SignUpState.NO_SHOW.value: 0}
    with transaction.atomic():
        row = locked(action)
        for sign_up in SignUp.objects.filter(slot__action=row, state__in=TAKEN_STATES).select_related("slot"):
            attended = overrides.get(sign_up.uuid, sign_up.checked_in_at is not None)
            state = SignUpState.ATTENDED if attended else SignUpState.NO_SHOW
            counts[state] += 1
            if sign_up.state != state:
                SignUp.objects.filter(pk=sign_up.pk).update(state=state, updated_at=timezone.now())
        recorded(by, row, AuditAction.CHANGED, "events.attendance", [], {**counts})
    return counts


def turnout(action: Action) -> dict[str, dict[str, int]]:
    """Per role: signed up (every place taken), attended and no-show. For the debrief; one query."""
    rows = (
        SignUp.objects.filter(slot__action=action, state__in=TAKEN_STATES)
        .values("slot__role", "state")
        .annotate(count=Count("pk"))
    )
    found: dict[str, dict[str, int]] = {}
    for row in rows:
        counts = found.setdefault(row["slot__role"], {"signed_up": 0, "attended": 0, "no_show": 0})
        counts["signed_up"] += row["count"]
        if row["state"] == SignUpState.ATTENDED:
            counts["attended"] += row["count"]
        elif row["state"] == SignUpState.NO_SHOW:
            counts["no_show"] += row["count"]
    return found


# Timers: the reminders.


def due_sign_ups(fired: FiredTimer) -> list[SignUp]:
    slot = Slot.objects.filter(uuid=fired.key).select_related("action", "action__group").first()
    if slot is None or slot.action.state in OVER or slot.starts_at <= timezone.now():
        return []
    return list(
        slot.sign_ups.filter(state=SignUpState.SIGNED_UP)
        .select_related("person", "slot", "slot__action")
        .prefetch_related("person__contacts")
    )


def remind_day_before(fired: FiredTimer) -> None:
    """DAY_BEFORE_TIMER: each open sign-up is asked to confirm or give the seat back (idempotent)."""
    for sign_up in due_sign_ups(fired):
        tell(sign_up, "day-before", day_before_text)


def remind_soon(fired: FiredTimer) -> None:
    """SOON_TIMER: a short text shortly before the shift (idempotent)."""
    for sign_up in due_sign_ups(fired):
        tell(sign_up, "soon", soon_text)


# Messages: to the person's primary phone (SMS), else their primary email, in their language.


def link_token(sign_up: SignUp) -> str:
    """A signature of the sign-up's uuid: the email's link to the confirm / give-back page."""
    return signing.Signer(salt=LINK_SALT, sep=".").sign(sign_up.uuid.hex)


def sign_up_from_token(token: str) -> SignUp | None:
    try:
        wanted = UUID(hex=signing.Signer(salt=LINK_SALT, sep=".").unsign(token))
    except (signing.BadSignature, ValueError):
        return None
    return (
        SignUp.objects.select_related("slot", "slot__action", "slot__action__group", "person")
        .filter(uuid=wanted)
        .first()
    )


def language_of(person: Person) -> str:
    return person.language if person.language in ("en", "es") else settings.LANGUAGE_CODE


def message_values(sign_up: SignUp, language: str) -> dict[str, str]:
    slot, action = sign_up.slot, sign_up.slot.action
    tz = network_timezone()
    with translation.override(language):
        role = text_of(slot, "name", language) or str(Role(slot.role).label)
        when = formats.date_format(slot.starts_at.astimezone(tz), "D j M H:i")
    return {
        "network": get_network_settings().name,
        "title": gsm_friendly(text_of(action, "title", language)),
        "role": gsm_friendly(role),
        "when": when,
        "start": slot.starts_at.astimezone(tz).strftime("%H:%M"),
        "place": gsm_friendly(action.gathering_place),
        "code": sign_up.code,
    }


def tell(sign_up: SignUp, what: str, text: Any) -> None:
    """One message about a sign-up, through the outbox, in the caller's transaction: `text(values, sign_up)`
    gives the words (the SMS, and the email's body with the link to the one-button page)."""
    person = sign_up.person
    target = reachable_at(person)
    if target is None:
        log.info("events: sign-up %s has no contact to tell (%s)", sign_up.uuid, what)
        return
    channel, address = target
    language = language_of(person)
    values = message_values(sign_up, language)
    key = f"events.{what}:{sign_up.uuid}:{sign_up.slot.starts_at.timestamp():.0f}"
    with translation.override(language):
        words = str(text(values, sign_up))
        if channel == Channel.SMS:
            content: dict[str, Any] = {"text": words}
        else:
            link = str(settings.BASE_URL).rstrip("/") + reverse("events:seat", args=[link_token(sign_up)])
            subject = _("%(network)s: %(title)s") % values
            body = words + "\n\n" + _("Confirm or give your seat back: %(link)s") % {"link": link} + "\n"
            content = mail.email_content(to=address, subject=subject, text=body, language=language)
    messaging.enqueue(messaging.Outgoing(channel, address, content, idempotency_key=key, language=language))


def tell_signed_up(sign_up: SignUp) -> None:
    tell(sign_up, "signed-up", signed_up_text)


# The texts. Each fits one SMS where the title allows; the Spanish avoids á, í, ó and ú.


def signed_up_text(values: dict[str, str], sign_up: SignUp) -> str:
    if is_waiting_for_partner(sign_up):
        # Translators: SMS. Keep CEDO and the code together.
        text = _(
            "%(network)s: you are a %(role)s at %(title)s, %(when)s, %(place)s. You are waiting for a partner: "
            "we will pair you. Can't come? Reply DROP %(code)s."
        )
    else:
        # Translators: SMS. Keep CEDO and the code together.
        text = _("%(network)s: you are a %(role)s at %(title)s, %(when)s, %(place)s. Can't come? Reply DROP %(code)s.")
    return text % values


def day_before_text(values: dict[str, str], sign_up: SignUp) -> str:
    # Translators: SMS. Keep CONFIRMAR, CEDO and the code.
    text = _(
        "%(network)s: tomorrow %(when)s, %(role)s at %(title)s, %(place)s. Reply CONFIRM %(code)s if you "
        "are coming, or DROP %(code)s to give your seat back."
    )
    return text % values


def soon_text(values: dict[str, str], sign_up: SignUp) -> str:
    # Translators: SMS, short. Keep LLEGUE and the code.
    return _("%(network)s: your shift starts at %(start)s, %(place)s. On arrival text ARRIVED %(code)s.") % values


def removed_text(values: dict[str, str], sign_up: SignUp) -> str:
    return _("%(network)s: the %(role)s slot at %(title)s (%(when)s) was removed. Thank you for signing up.") % values
