"""Tests of a person's contacts: "send me a test", so a network knows before an emergency that every
number and address still works.

A test is a short message through the outbox, in the person's language: by SMS, "reply CONFIRM and a
code"; by email, a link to a page with one button. Confirming it sets the contact's `confirmed_at`
("last confirmed working").

Invariants:
- By SMS only the tested phone itself confirms: the texter's number must be the contact's (blind
  index), and the code one of that contact's pending tests. A bare CONFIRM confirms when that number
  has exactly one pending test. Anything else is `NotMine` (messaging asks the next confirmer, and
  answers a code nobody owns itself).
- A test counts for TEST_LIFETIME; at most TESTS_PER_DAY per contact in a day (ValidationError after).
- The email's token is 256 random bits, only its SHA-256 kept; an SMS code is short-lived and only
  one contact's. Expired tests go (retention rule `people.contact-tests`).
- Audit entries name uuids (the person's, the contact's, the test's) and the channel, never a value.
"""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from solidarity.accounts.models import User
from solidarity.core import audit
from solidarity.core.codes import make_code
from solidarity.core.fields import find_by_index
from solidarity.core.models import AuditAction
from solidarity.core.services import get_network_settings
from solidarity.messaging import mail
from solidarity.messaging import services as messaging
from solidarity.messaging.keywords import Handled, InboundContext, NotMine, Outcome, Parsed, Reply
from solidarity.messaging.models import Channel
from solidarity.people.models import Contact, ContactKind, ContactTest, PersonState
from solidarity.people.self_service import absolute_in, digest, new_token
from solidarity.people.services import actor_of, check_still_here

TEST_LIFETIME = timedelta(hours=48)
TESTS_PER_DAY = 3
CONFIRMER = "people.contact-tests"


def do_send_contact_test(contact: Contact, *, by: User | None, role: str = "", actor: str = "") -> ContactTest:
    """Send a test message to one contact. ValidationError when the person left, or the contact had
    TESTS_PER_DAY tests in the last day. Lock: the contact's row (two clicks make one count)."""
    person = contact.person
    check_still_here(person)
    now = timezone.now()
    with transaction.atomic():
        locked = Contact.objects.select_for_update().get(pk=contact.pk)
        if ContactTest.objects.filter(contact=locked, created_at__gt=now - timedelta(days=1)).count() >= TESTS_PER_DAY:
            raise ValidationError(
                _("This contact was sent %(count)d tests today. Try again tomorrow.") % {"count": TESTS_PER_DAY}
            )
        token = new_token()
        is_phone = locked.kind == ContactKind.PHONE
        test = ContactTest.objects.create(
            contact=locked,
            code=make_code() if is_phone else "",
            token_hash="" if is_phone else digest(token),
            expires_at=now + TEST_LIFETIME,
        )
        send_test(test, locked, token)
        audit.record(
            actor=actor_of(by, actor),
            role=role,
            action=AuditAction.CREATED,
            object_type="people.contacttest",
            object_ids=[test.uuid, locked.uuid, person.uuid],
            detail={"channel": locked.kind},
        )
    return test


def send_test(test: ContactTest, contact: Contact, token: str) -> None:
    language = contact.person.language
    network = get_network_settings().name
    key = f"people.contact-test:{test.uuid}"
    to = str(contact.value)
    if contact.kind == ContactKind.EMAIL:
        context = {"network": network, "link": absolute_in(language, "people:confirm-contact-test", token)}
        with translation.override(language):
            subject = render_to_string("people/self/email/test_subject.txt", context).strip()
            body = render_to_string("people/self/email/test_body.txt", context)
        content = mail.email_content(to=to, subject=subject, text=body, language=language)
        channel = Channel.EMAIL
    else:
        with translation.override(language):
            # Translators: SMS, one segment. Keyword: CONFIRMAR, with the code. No á, í, ó, ú.
            text = _("%(network)s: this is a test message. Reply CONFIRM %(code)s so we know this number works.")
        content = {"text": text % {"network": network, "code": test.code}}
        channel = Channel.SMS
    messaging.enqueue(messaging.Outgoing(channel, to, content, idempotency_key=key, language=language))


def do_confirm_contact_test(test: ContactTest, *, actor: str = audit.PUBLIC) -> bool:
    """The test came through: its contact is confirmed working now. False when it was not pending
    (confirmed already, or expired)."""
    now = timezone.now()
    with transaction.atomic():
        changed = ContactTest.objects.filter(pk=test.pk, confirmed_at__isnull=True, expires_at__gt=now).update(
            confirmed_at=now
        )
        if not changed:
            return False
        Contact.objects.filter(pk=test.contact_id).update(confirmed_at=now)
        audit.record(
            actor=actor,
            action=AuditAction.CHANGED,
            object_type="people.contacttest",
            object_ids=[test.uuid, test.contact.uuid, test.contact.person.uuid],
            detail={"confirmed": True, "channel": test.contact.kind},
        )
    test.confirmed_at = now
    return True


def contact_test_for_token(token: str) -> ContactTest | None:
    """The email test with this link's token, whatever its state (None: no such test, or it went)."""
    if not token or len(token) > 100 or token.isspace():
        return None
    found = ContactTest.objects.filter(token_hash=digest(token)).select_related("contact__person").first()
    if found is None or found.contact.person.state == PersonState.LEFT:
        return None
    return found


def is_pending(test: ContactTest) -> bool:
    return test.confirmed_at is None and test.expires_at > timezone.now()


# CONFIRM / CONFIRMAR from the tested phone (messaging.keywords.CONFIRMERS; PeopleConfig.ready).


def answer_confirm(context: InboundContext, parsed: Parsed) -> Outcome:
    """CONFIRM and a test's code, from the phone tested; or bare, from a phone with exactly one test pending."""
    contacts: list[Contact] = find_by_index(
        Contact.objects.filter(kind=ContactKind.PHONE).exclude(person__state=PersonState.LEFT).select_related("person"),
        "value_index",
        context.sender,
    )
    if not contacts:
        return NotMine()
    waiting = list(
        ContactTest.objects.filter(
            contact__in=contacts, confirmed_at__isnull=True, expires_at__gt=timezone.now()
        ).select_related("contact__person")
    )
    if parsed.argument:
        matching = [test for test in waiting if test.code == parsed.argument]
    else:
        matching = waiting if len(waiting) == 1 else []
    if not matching:
        return NotMine()
    for test in matching:
        do_confirm_contact_test(test)
    person = matching[0].contact.person
    with translation.override(person.language):
        # Translators: SMS, one segment: the answer to a test's CONFIRM. No á, í, ó, ú.
        text = _("%(network)s: thank you. This number works.") % {"network": get_network_settings().name}
    return Handled(Reply(text))
