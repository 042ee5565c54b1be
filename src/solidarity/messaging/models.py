"""The outbox, inbound messages and what belongs to an address (its language, key, opt-out, failures).

Messaging knows addresses and languages, not people or groups: a higher part hands it an
address (an email or an E.164 phone number) and a rendered text, and reads back states.
"""

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from solidarity.core.fields import BlindIndexField, EncryptedJSONField, EncryptedTextField, normalise_email
from solidarity.core.permissions import sensitive
from solidarity.messaging.priority import Priority


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")


class State(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")
    BOUNCED = "bounced", _("Bounced")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")
    DEAD = "dead", _("Stalled too often")


FINAL_STATES = (State.SENT, State.DELIVERED, State.FAILED, State.BOUNCED, State.CANCELLED, State.DEAD)


def normalise_address(value: str) -> str:
    """The blind indexes' normaliser: the value stripped and lower-cased, whatever its channel.

    It does not parse phone numbers: messaging.services.normalise puts a number in E.164 before
    it is stored or looked up (an E.164 number comes out of this unchanged), so an index compares
    what was stored, as text.
    """
    return normalise_email(value)


class Message(models.Model):
    """One outgoing email or SMS to one address.

    `content` holds what is sent: for email {"mime": the whole message as text} (built by
    Django's mail classes, so headers, alternatives and attachments survive), for SMS
    {"text": ...}. `idempotency_key` names the logical message: enqueueing it again
    returns the same row. Keys never carry personal data ("lists.broadcast:<uuid>:<uuid>").
    `outcome_handler` names the higher part's handler told once of the message's fate, with
    `outcome_reference` (ids only); `outcome_told_at` is set when it was (messaging.outcomes).
    `updated_at` moves with every change of state: retention counts from it.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    to = EncryptedTextField(context="messaging.message.to")
    to_index = BlindIndexField(source="to", normalise=normalise_address)  # to cancel what waits for an opt-out
    language = models.CharField(max_length=8, blank=True)
    content = EncryptedJSONField(context="messaging.message.content")
    idempotency_key = models.CharField(max_length=200, unique=True)
    batch = models.CharField(max_length=120, blank=True, db_index=True)  # e.g. "lists.broadcast:<uuid>"
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.DIRECT)
    state = models.CharField(max_length=12, choices=State.choices, default=State.QUEUED)
    reason = models.CharField(max_length=40, blank=True)  # a stable slug: messaging.reasons explains it
    attempts = models.PositiveSmallIntegerField(default=0)
    stalls = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    lease_token = models.UUIDField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    backend = models.CharField(max_length=60, blank=True)
    provider_id = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    outcome_handler = models.CharField(max_length=60, blank=True)
    outcome_reference = models.CharField(max_length=120, blank=True)
    outcome_told_at = models.DateTimeField(null=True, blank=True)
    outcome_tries = models.PositiveSmallIntegerField(default=0)

    class Meta:
        indexes = [
            # The outcomes still to tell (messaging.outcomes' sweep): few rows, never a broadcast's.
            models.Index(
                fields=["updated_at"],
                name="messaging_outcome_untold",
                condition=~Q(outcome_handler="") & Q(outcome_told_at__isnull=True),
            ),
            models.Index(
                fields=["channel", "priority", "next_attempt_at"],
                name="messaging_due",
                condition=Q(state="queued"),
            ),
            models.Index(fields=["lease_until"], name="messaging_leased", condition=Q(state="sending")),
            # Receipts find a text by its provider's id. An email's (its Message-ID) is kept, never looked up:
            # indexing it cost every email sent a write into a B-tree at a random place.
            models.Index(
                fields=["provider_id"],
                name="messaging_sms_provider_id",
                condition=Q(channel="sms") & ~Q(provider_id=""),
            ),
            models.Index(fields=["batch", "state"], name="messaging_batch_state"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.uuid} ({self.state})"


class Address(models.Model):
    """What belongs to an address rather than to a message: language, OpenPGP key, opt-out, failures.

    Found by its blind index (messaging.services.address_state), never by its value.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    address = EncryptedTextField(context="messaging.address.address")
    address_index = BlindIndexField(source="address", normalise=normalise_address)
    language = models.CharField(max_length=8, blank=True)
    openpgp_key = EncryptedTextField(context="messaging.address.openpgp_key", blank=True)
    # What sending needs to know of the key, found when it was saved (openpgp.key_summary); "": check it in full.
    openpgp_summary = EncryptedTextField(context="messaging.address.openpgp_summary", blank=True)
    opted_out_at = models.DateTimeField(null=True, blank=True)
    failure_reason = models.CharField(max_length=40, blank=True)  # a slug from messaging.reasons
    failures = models.PositiveIntegerField(default=0)
    last_failure_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "addresses"

    def __str__(self) -> str:
        return f"{self.channel} address {self.uuid}"


@sensitive
class KeyProof(models.Model):
    """A public key someone gave for an email address, waiting for proof that the address's owner reads mail to it.

    The key takes effect (`Address.openpgp_key`) only when the link inside an email encrypted to
    it is followed and its button pressed (messaging.address_keys). Only the SHA-256 of that
    link's token is kept; the key itself is encrypted, as the address's own is.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    address = models.ForeignKey(Address, on_delete=models.CASCADE, related_name="key_proofs")
    openpgp_key = EncryptedTextField(context="messaging.keyproof.openpgp_key")
    token_hash = models.CharField(max_length=64, unique=True)
    language = models.CharField(max_length=8, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"key proof {self.uuid}"


class InboundState(models.TextChoices):
    """A text is kept in the inbox first; routing takes it out when a keyword's handler took it (messaging.inbound)."""

    SEALED = "sealed", _("Waiting for the keys")  # arrived while the keys were locked
    UNMATCHED = "unmatched", _("In the inbox")
    HANDLED = "handled", _("Handled")  # a keyword's handler took it
    REVIEWED = "reviewed", _("Reviewed")


class Inbound(models.Model):
    """One message received (today: SMS). While the keys are locked it is kept sealed for later."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.SMS)
    backend = models.CharField(max_length=60)
    provider_id = models.CharField(max_length=200, blank=True)
    sender = EncryptedTextField(context="messaging.inbound.sender", blank=True)
    sender_index = BlindIndexField(source="sender", normalise=normalise_address)
    body = EncryptedTextField(context="messaging.inbound.body", blank=True)
    # False: the sender is no phone number ("abc", a short code, none at all): `sender` keeps what the
    # provider gave, nobody can reply to it, and no address state is kept or changed for it.
    has_usable_sender = models.BooleanField(default=True)
    sealed = models.TextField(blank=True)  # base64 age ciphertext of {"sender", "body"} while locked
    command = models.CharField(max_length=12, blank=True)
    state = models.CharField(max_length=12, choices=InboundState.choices, default=InboundState.UNMATCHED)
    received_at = models.DateTimeField()
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # A provider that retries its webhook does not make a message arrive twice.
            models.UniqueConstraint(
                fields=["backend", "provider_id"], name="messaging_inbound_once", condition=~Q(provider_id="")
            )
        ]
        indexes = [models.Index(fields=["state", "received_at"], name="messaging_inbound_state")]

    def __str__(self) -> str:
        return f"inbound {self.uuid} ({self.state})"


class NetworkKey(models.Model):
    """The network's own OpenPGP key (Cv25519), which signs every encrypted email."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    fingerprint = models.CharField(max_length=64)
    secret = EncryptedTextField(context="messaging.networkkey.secret")
    public = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"OpenPGP key {self.fingerprint}"


class Gateway(models.Model):
    """A sending backend's health, shared by every worker: pings from a phone, failures in a row."""

    name = models.CharField(max_length=60, unique=True)
    last_ping_at = models.DateTimeField(null=True, blank=True)
    failures_in_row = models.PositiveIntegerField(default=0)
    down_since = models.DateTimeField(null=True, blank=True)
    trial_at = models.DateTimeField(null=True, blank=True)  # when a down backend may be tried with one text
    last_error = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return self.name


class SmsOrder(models.TextChoices):
    """Which kind of provider is tried first; the other takes over when every one of the first is down."""

    PHONES_FIRST = "android,twilio", _("Phones first, then Twilio")
    TWILIO_FIRST = "twilio,android", _("Twilio first, then phones")


class SmsSettings(models.Model):
    """One row: the SMS providers an admin entered in the web UI (used when the environment sets none).

    Secrets are encrypted (the Twilio account and token, each phone's password and signing key);
    `phones` is one encrypted JSON list of messaging.sms_settings.Phone. `version` grows with every
    save: each process rebuilds its backends when it sees a new one (messaging.sms_settings).
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    order = models.CharField(max_length=20, choices=SmsOrder.choices, default=SmsOrder.PHONES_FIRST)
    twilio_enabled = models.BooleanField(default=False)
    twilio_account_sid = EncryptedTextField(context="messaging.smssettings.twilio_account_sid", blank=True)
    twilio_auth_token = EncryptedTextField(context="messaging.smssettings.twilio_auth_token", blank=True)
    twilio_sender = models.CharField(max_length=40, blank=True)  # the network's public number, or a service SID
    android_enabled = models.BooleanField(default=False)
    phones = EncryptedJSONField(context="messaging.smssettings.phones", default=list)
    version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("SMS settings")
        verbose_name_plural = _("SMS settings")
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="messaging_sms_settings_single_row")]

    def __str__(self) -> str:
        return f"SMS settings, version {self.version}"
