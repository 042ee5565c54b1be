"""A volunteer keeps their own record without a password: a link sent to one of their own phones or
emails opens it, and the session it starts reaches only that record (people.self_access, self_views).

Invariants:
- Asking for a link answers the same whatever was typed (people.self_views): nothing tells whether
  a phone or email is a volunteer's. Links go only to the contact typed, and only when it is the
  contact of a person who has not left; at most LINKS_PER_ADDRESS an hour per address, counted under
  a daily-rotating HMAC of it (core.public), never the address itself.
- A link's token is 256 random bits; only its SHA-256 is kept. It works once, for LINK_LIFETIME, and
  only through its page's button (a POST): mail scanners and link previews open links first.
- Whatever the volunteer does to their record goes through people.services, audited with their own
  person uuid as the actor and the role `self` (people.access.SELF). Audit entries and log lines
  name uuids and channels only.
"""

import hashlib
import hmac
import secrets
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from solidarity.core import audit
from solidarity.core.models import AuditAction
from solidarity.core.public import Rate, daily_key, hit
from solidarity.core.services import get_network_settings
from solidarity.messaging import mail
from solidarity.messaging import services as messaging
from solidarity.messaging.models import Channel
from solidarity.people.models import ContactKind, Person, PersonState, RecordLink
from solidarity.people.services import clean_contact, find_people_by_contact

LINK_LIFETIME = timedelta(minutes=15)
LINKS_PER_ADDRESS = Rate.parse("3/h")
MAX_PEOPLE_PER_ADDRESS = 3  # a shared phone: each person on it gets their own link, up to this many
SELF = "self"  # the audit role of a volunteer acting on their own record (people.access.SELF)


def digest(token: str) -> str:
    # The token is 256 random bits: a plain hash is enough, no slow KDF needed.
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def absolute_in(language: str, name: str, *args: object) -> str:
    """A page's full address with the language prefix of `language`."""
    with translation.override(language):
        return str(settings.BASE_URL).rstrip("/") + reverse(name, args=args)


def contact_kind(value: str) -> str:
    """What a typed contact is: an email when it has an @, else a phone."""
    return ContactKind.EMAIL if "@" in value else ContactKind.PHONE


def clean_typed_contact(value: str) -> tuple[str, str]:
    """(kind, the contact as stored) for what someone typed; ValidationError when it is no phone or email."""
    kind = contact_kind(value.strip())
    try:
        return kind, clean_contact(kind, value.strip())
    except ValidationError:
        raise ValidationError(_("Write a phone number or an email address.")) from None


def may_send_to(kind: str, value: str) -> bool:
    """Counts one request for this address: whether it is still under LINKS_PER_ADDRESS."""
    token = hmac.new(daily_key(b"people.record-link"), f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:32]
    count, _left = hit(f"people.record-link:{token}", LINKS_PER_ADDRESS)
    return count <= LINKS_PER_ADDRESS.count


def do_send_record_link(typed: str) -> int:
    """Someone asks for the link to their record at a phone or email: each person (not left) with that
    contact gets one, at that contact, in their language. Returns how many were sent (0 for a stranger,
    or over the address's limit): the caller answers the same whatever it is.

    ValidationError when `typed` is no phone or email at all (a format error tells nobody anything).
    """
    kind, value = clean_typed_contact(typed)
    if not may_send_to(kind, value):
        return 0
    people = find_people_by_contact(kind, value)[:MAX_PEOPLE_PER_ADDRESS]
    with transaction.atomic():
        for person in people:
            token = new_token()
            link = RecordLink.objects.create(
                person=person,
                token_hash=digest(token),
                channel=Channel.SMS if kind == ContactKind.PHONE else Channel.EMAIL,
                expires_at=timezone.now() + LINK_LIFETIME,
            )
            send_link(person, link, value, token)
            audit.record(
                actor=audit.PUBLIC,
                action=AuditAction.CREATED,
                object_type="people.recordlink",
                object_ids=[person.uuid],
                detail={"channel": link.channel},
            )
    return len(people)


def send_link(person: Person, link: RecordLink, to: str, token: str) -> None:
    """The one message with the link, through the outbox, in the person's language."""
    language = person.language
    network = get_network_settings().name
    url = absolute_in(language, "people:open-record", token)
    minutes = int(LINK_LIFETIME.total_seconds() // 60)
    key = f"people.record-link:{uuid.uuid4().hex}"  # each request is a message of its own; no token in a key
    if link.channel == Channel.EMAIL:
        context = {"network": network, "link": url, "minutes": minutes}
        with translation.override(language):
            subject = render_to_string("people/self/email/link_subject.txt", context).strip()
            body = render_to_string("people/self/email/link_body.txt", context)
        content = mail.email_content(to=to, subject=subject, text=body, language=language)
    else:
        with translation.override(language):
            # Translators: SMS, with a link after it. No á, í, ó, ú (they make an SMS 2.3 times as long).
            text = _("%(network)s: to open your record, use this link within %(minutes)d minutes: %(link)s")
        content = {"text": text % {"network": network, "minutes": minutes, "link": url}}
    messaging.enqueue(messaging.Outgoing(link.channel, to, content, idempotency_key=key, language=language))


def usable_link(token: str) -> RecordLink | None:
    """The link with this token while it can still be used (unused, unexpired, its person still here)."""
    if not token or len(token) > 100:
        return None
    found = (
        RecordLink.objects.filter(token_hash=digest(token), used_at__isnull=True, expires_at__gt=timezone.now())
        .select_related("person")
        .first()
    )
    if found is None or found.person.state == PersonState.LEFT:
        return None
    return found


def do_use_record_link(token: str) -> Person | None:
    """The link's button was pressed: the link is used up, and its person returned (None when it no
    longer works: used, expired, unknown, or its person left). One caller wins a double click."""
    found = usable_link(token)
    if found is None:
        return None
    with transaction.atomic():
        claimed = RecordLink.objects.filter(pk=found.pk, used_at__isnull=True, expires_at__gt=timezone.now()).update(
            used_at=timezone.now()
        )
        if not claimed:
            return None
        audit.record(
            actor=str(found.person.uuid),
            role=SELF,
            action=AuditAction.LOGIN,
            object_type="people.person",
            object_ids=[found.person.uuid],
            detail={"channel": found.channel},
        )
    return found.person


def record_signed_out(person: Person) -> None:
    audit.record(
        actor=str(person.uuid),
        role=SELF,
        action=AuditAction.LOGOUT,
        object_type="people.person",
        object_ids=[person.uuid],
    )
