"""Texts about an action's sign-ups (EventsConfig.ready registers them):

- VOLUNTEER <action code> / VOLUNTARIO (messaging.keywords rule 14): the action's open slots the sender's person
  may take, numbered ("1 Marshal 13:00-17:00 (3 open)"); the digit they reply (a reader, "events.slots")
  signs them up and confirms with the sign-up's code. The menu is kept MENU_FOR in the cache, keyed by the
  number through the cache's keyed hash (core.cache), never stored as is.
- CONFIRM <code> (a confirmer, "events.sign-ups"): the day-before reminder answered: they are coming.
- DROP / CEDO <code> (keywords.DROPPERS): the seat is given back.
- ARRIVED / LLEGUE <code> (keywords.ARRIVALS) and LEFT / SALI <code> (keywords.DEPARTURES): check-in and
  check-out on the day.
- Bare (no code): acts when the number has exactly one such sign-up.

Only a known person of the network (the one person, not left, whose phone this is: people's blind index)
signs up by text; anyone else gets a polite answer, and the text goes to the inbox. A code that is not one
of the sender's sign-ups is `NotMine`, so no answer tells whose it is. Changes go through events.signups,
audited with the actor PUBLIC. Replies are in the person's language, GSM-friendly, short.
"""

import re
from collections.abc import Callable
from datetime import timedelta

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from solidarity.core import audit
from solidarity.core.bilingual import text_of
from solidarity.core.codes import as_uuid
from solidarity.core.services import get_network_settings, network_timezone
from solidarity.events.access import find_action
from solidarity.events.models import Action, ActionState, Role, SignUp, SignUpState, Slot
from solidarity.events.services import OVER
from solidarity.events.signups import (
    SOON_BEFORE,
    check_can_take,
    do_cancel_sign_up,
    do_check_in,
    do_check_out,
    do_confirm_sign_up,
    do_sign_up,
    is_waiting_for_partner,
    slots_of,
)
from solidarity.messaging.keywords import Handled, InboundContext, NotMine, Outcome, Parsed, Reply, ToInbox
from solidarity.messaging.sms.text import gsm_friendly
from solidarity.people.keywords import language_of, sender_person
from solidarity.people.models import Person

MENU_FOR = timedelta(hours=2)
MAX_LISTED = 6  # slots in one answer: about two SMS
DIGIT = re.compile(r"\s*#?\s*([1-9])\s*[.)!]?\s*")


def network() -> str:
    return get_network_settings().name


def menu_key(sender: str) -> str:
    return f"events.sms-menu:{sender}"


def said(person: Person, context: InboundContext, parsed: Parsed, text: Callable[[], str], **values: str) -> Handled:
    """A reply in the person's language: `text()` gives the words, translated once the language is set."""
    with translation.override(language_of(person, context, parsed)):
        return Handled(Reply(gsm_friendly(text() % {"network": network(), **values})))


# VOLUNTEER / VOLUNTARIO, and the digit that follows.


def slot_line(at: int, slot: Slot, left: int, language: str) -> str:
    tz = network_timezone()
    name = text_of(slot, "name", language) or str(Role(slot.role).label)
    hours = f"{slot.starts_at.astimezone(tz):%H:%M}-{slot.ends_at.astimezone(tz):%H:%M}"
    # Translators: SMS, one line of a list of slots: "1 Marshal 13:00-17:00 (3 open)".
    return _("%(number)d %(name)s %(hours)s (%(left)d open)") % {
        "number": at,
        "name": name,
        "hours": hours,
        "left": left,
    }


def takeable(action: Action, person: Person) -> list[tuple[Slot, int]]:
    """The action's slots the person may take now (qualified, not full, no overlap), with the places left."""
    now = timezone.now()
    found = []
    for slot in slots_of(action):
        slot.action = action
        try:
            check_can_take(action, slot, person, now)
        except ValidationError:
            continue
        found.append((slot, slot.needed - slot.taken))  # type: ignore[attr-defined]  # annotated by slots_of
    return found[:MAX_LISTED]


def answer_volunteer(context: InboundContext, parsed: Parsed) -> Outcome:
    """VOLUNTEER / VOLUNTARIO and an action's code: its open slots, numbered, for a digit reply."""
    person = sender_person(context)
    language = parsed.language or context.language or "en"
    if person is None:
        with translation.override(language):
            # Translators: SMS, one segment: to a number that is no member's. Polite; a person reads it too.
            text = _("%(network)s: thank you! Signing up by text is for members of the network. A person will answer.")
            return ToInbox(Reply(gsm_friendly(text % {"network": network()})))
    if not parsed.argument:
        # Translators: SMS. Keep VOLUNTARIO.
        return said(
            person, context, parsed, lambda: _("%(network)s: text VOLUNTEER and the action's code to see its slots.")
        )
    action = find_action(parsed.argument)
    if action is None or action.state != ActionState.PUBLISHED or action.ends_at <= timezone.now():
        # Translators: SMS, one segment.
        return said(
            person,
            context,
            parsed,
            lambda: _("%(network)s: no action open for sign-ups has the code %(code)s."),
            code=parsed.argument,
        )
    language = language_of(person, context, parsed)
    with translation.override(language):
        open_slots = takeable(action, person)
        title = gsm_friendly(text_of(action, "title", language))
        if not open_slots:
            # Translators: SMS, one segment.
            text = _("%(network)s: %(title)s has no open slot you can take now. Thank you!")
            return Handled(Reply(gsm_friendly(text % {"network": network(), "title": title})))
        lines = [slot_line(at, slot, left, language) for at, (slot, left) in enumerate(open_slots, start=1)]
        cache.set(
            menu_key(context.sender),
            {"action": str(action.uuid), "slots": [str(slot.uuid) for slot, _left in open_slots]},
            int(MENU_FOR.total_seconds()),
        )
        # Translators: SMS. %(slots)s: numbered lines. Ask for the number.
        text = _("%(network)s: %(title)s. Reply with a number to sign up: %(slots)s")
        return Handled(Reply(gsm_friendly(text % {"network": network(), "title": title, "slots": "; ".join(lines)})))


def read_digit(context: InboundContext, parsed: Parsed) -> Outcome:
    """A digit after VOLUNTEER's list (within MENU_FOR): the sign-up, confirmed with its code."""
    matched = DIGIT.fullmatch(parsed.argument)
    if matched is None:
        return NotMine()
    menu = cache.get(menu_key(context.sender))
    if not isinstance(menu, dict):
        return NotMine()
    person = sender_person(context)
    number = int(matched.group(1))
    if person is None or number > len(menu.get("slots", [])):
        return NotMine()
    slot = (
        Slot.objects.filter(uuid=as_uuid(menu["slots"][number - 1])).select_related("action", "action__group").first()
    )
    if slot is None:
        return NotMine()
    with translation.override(language_of(person, context, parsed)):
        try:
            made = do_sign_up(slot, person, by=None, actor=audit.PUBLIC)
        except ValidationError as refused:
            return Handled(Reply(gsm_friendly(f"{network()}: {' '.join(refused.messages)}")))
        cache.delete(menu_key(context.sender))
        values = {"network": network(), "role": gsm_friendly(str(made.slot)), "code": made.code}
        if is_waiting_for_partner(made):
            # Translators: SMS. Keep CEDO and the code.
            text = _(
                "%(network)s: you are signed up as %(role)s, waiting for a partner. Code %(code)s. "
                "Can't come? DROP %(code)s."
            )
        else:
            # Translators: SMS. Keep CEDO and the code.
            text = _(
                "%(network)s: you are signed up as %(role)s. Your code is %(code)s. Can't come? Reply DROP %(code)s."
            )
        return Handled(Reply(gsm_friendly(text % values)))


# CONFIRM, DROP, ARRIVED, LEFT.


def sign_ups_of(person: Person) -> QuerySet[SignUp]:
    """The person's open sign-ups of actions not over."""
    return (
        SignUp.objects.filter(person=person, state=SignUpState.SIGNED_UP, slot__ends_at__gt=timezone.now())
        .exclude(slot__action__state__in=OVER)
        .select_related("slot", "slot__action", "slot__action__group", "person")
        .order_by("slot__starts_at", "pk")
    )


def chosen(context: InboundContext, parsed: Parsed, found: list[SignUp]) -> SignUp | None:
    if parsed.argument:
        return next((each for each in found if each.code == parsed.argument), None)
    return found[0] if len(found) == 1 else None


def answer_confirm(context: InboundContext, parsed: Parsed) -> Outcome:
    person = sender_person(context)
    if person is None:
        return NotMine()
    pending = [each for each in sign_ups_of(person) if each.confirmed_at is None or parsed.argument]
    sign_up = chosen(context, parsed, pending)
    if sign_up is None:
        return NotMine()
    do_confirm_sign_up(sign_up, actor=audit.PUBLIC)
    # Translators: SMS, one segment. Keep LLEGUE and the code.
    return said(
        person,
        context,
        parsed,
        lambda: _("%(network)s: confirmed, thank you! On arrival text ARRIVED %(code)s."),
        code=sign_up.code,
    )


def answer_drop(context: InboundContext, parsed: Parsed) -> Outcome:
    person = sender_person(context)
    if person is None:
        return NotMine()
    sign_up = chosen(context, parsed, [each for each in sign_ups_of(person) if each.slot.starts_at > timezone.now()])
    if sign_up is None:
        return NotMine()
    do_cancel_sign_up(sign_up, by=None, actor=audit.PUBLIC)
    title = gsm_friendly(text_of(sign_up.slot.action, "title", language_of(person, context, parsed)))
    # Translators: SMS, one segment.
    return said(
        person,
        context,
        parsed,
        lambda: _("%(network)s: done, your seat at %(title)s is given back. Thank you for telling us."),
        title=title,
    )


def on_the_day(person: Person, parsed: Parsed, *, leaving: bool) -> list[SignUp]:
    now = timezone.now()
    found = [each for each in sign_ups_of(person) if each.slot.starts_at - SOON_BEFORE <= now]
    if leaving:
        return [each for each in found if each.checked_in_at is not None and each.checked_out_at is None]
    return [each for each in found if each.checked_in_at is None or parsed.argument]


def answer_arrived(context: InboundContext, parsed: Parsed) -> Outcome:
    person = sender_person(context)
    if person is None:
        return NotMine()
    if parsed.argument:
        sign_up = chosen(context, parsed, list(sign_ups_of(person)))
    else:
        sign_up = chosen(context, parsed, on_the_day(person, parsed, leaving=False))
    if sign_up is None:
        return NotMine()
    try:
        do_check_in(sign_up, by=None, actor=audit.PUBLIC)
    except ValidationError as refused:
        return Handled(Reply(gsm_friendly(f"{network()}: {' '.join(refused.messages)}")))
    # Translators: SMS, one segment. Keep SALI and the code.
    return said(
        person,
        context,
        parsed,
        lambda: _("%(network)s: checked in, thank you! When you leave, text LEFT %(code)s."),
        code=sign_up.code,
    )


def answer_left(context: InboundContext, parsed: Parsed) -> Outcome:
    person = sender_person(context)
    if person is None:
        return NotMine()
    sign_up = chosen(context, parsed, on_the_day(person, parsed, leaving=True))
    if sign_up is None:
        return NotMine()
    do_check_out(sign_up, by=None, actor=audit.PUBLIC)
    # Translators: SMS, one segment.
    return said(
        person, context, parsed, lambda: _("%(network)s: checked out. Thank you for being there! Get home safe.")
    )
