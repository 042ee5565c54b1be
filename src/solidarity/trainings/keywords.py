"""Texts about a training seat: CONFIRM / CONFIRMAR and DROP / CEDO, with the sign-up's code or bare.

- CONFIRM <code> (a confirmer in messaging.keywords.CONFIRMERS, "trainings.seats"): a pending
  sign-up (the public page's double opt-in) takes a seat or a place in line; a seat is marked
  confirmed (the day-before reminder's question).
- DROP <code> (Command.DROP's handler): the sign-up ends; a seat goes at once to the first in line.
- Bare (no code): acts when the number has exactly one such sign-up for a session to come.

The code must be a sign-up of a person (not left) with this phone among their contacts (blind
index): a code from another number is `NotMine`, so no answer tells whose code it is. Changes go
through trainings.services, audited with the actor PUBLIC. Replies are in the person's language.
"""

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from solidarity.core import audit
from solidarity.core.bilingual import LANGUAGES, text_of
from solidarity.core.services import get_network_settings
from solidarity.messaging.keywords import Handled, InboundContext, NotMine, Outcome, Parsed, Reply
from solidarity.messaging.sms.text import gsm_friendly
from solidarity.people.models import ContactKind
from solidarity.people.services import find_people_by_contact
from solidarity.trainings.models import OPEN_STATES, SessionState, SignUp, SignUpState
from solidarity.trainings.services import do_cancel_sign_up, do_confirm_sign_up


def sign_ups_of_sender(context: InboundContext, states: tuple[str, ...]) -> list[SignUp]:
    """The sender's open sign-ups in `states` for sessions to come (any person with this phone)."""
    people = find_people_by_contact(ContactKind.PHONE, context.sender)
    if not people:
        return []
    return list(
        SignUp.objects.filter(
            person__in=people,
            state__in=states,
            session__state=SessionState.SCHEDULED,
            session__starts_at__gt=timezone.now(),
        ).select_related("session", "person")
    )


def chosen(context: InboundContext, parsed: Parsed, states: tuple[str, ...]) -> SignUp | None:
    found = sign_ups_of_sender(context, states)
    if parsed.argument:
        matching = [sign_up for sign_up in found if sign_up.code == parsed.argument]
        return matching[0] if matching else None
    return found[0] if len(found) == 1 else None


def language_of(sign_up: SignUp, context: InboundContext, parsed: Parsed) -> str:
    for language in (sign_up.person.language, parsed.language, context.language):
        if language in LANGUAGES:
            return language
    return settings.LANGUAGE_CODE


def answer_confirm(context: InboundContext, parsed: Parsed) -> Outcome:
    """CONFIRM / CONFIRMAR: a pending sign-up, or a seat not yet confirmed."""
    candidates = chosen(context, parsed, OPEN_STATES)
    if candidates is None:
        return NotMine()
    sign_up = candidates
    if not parsed.argument and sign_up.state == SignUpState.SEAT and sign_up.confirmed_at is not None:
        return NotMine()  # a bare CONFIRM with nothing left to confirm here: another part's
    with translation.override(language_of(sign_up, context, parsed)):
        do_confirm_sign_up(sign_up, actor=audit.PUBLIC)
        values = {"network": get_network_settings().name, "title": gsm_friendly(text_of(sign_up.session, "title"))}
        if sign_up.state == SignUpState.WAITING:
            # Translators: SMS, one segment.
            text = _("%(network)s: confirmed. %(title)s is full: you are on the waiting list.")
        else:
            # Translators: SMS, one segment.
            text = _("%(network)s: confirmed. Your seat at %(title)s is kept. See you there!")
        return Handled(Reply(text % values))


def answer_drop(context: InboundContext, parsed: Parsed) -> Outcome:
    """DROP / CEDO: the sender's seat (or place in line) is given back; the first in line gets it."""
    sign_up = chosen(context, parsed, (SignUpState.SEAT, SignUpState.WAITING))
    if sign_up is None:
        return NotMine()
    with translation.override(language_of(sign_up, context, parsed)):
        do_cancel_sign_up(sign_up, by=None, actor=audit.PUBLIC)
        values = {"network": get_network_settings().name, "title": gsm_friendly(text_of(sign_up.session, "title"))}
        # Translators: SMS, one segment.
        text = _("%(network)s: done, your place at %(title)s goes to someone else. Thank you for telling us.")
        return Handled(Reply(text % values))
