"""Announcement lists, their subscriptions (double opt-in) and broadcasts to them.

A list belongs to one working group. Its subscribers give an email or a phone number and,
if the list offers zones, one zone: nothing else. Zones are the network's own neighbourhoods
(core.models.Zone), never addresses. What the public reads of a list, its name and its
description, is written in English and in Spanish (core.bilingual shows it).
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from solidarity.accounts.models import WorkingGroup
from solidarity.core.bilingual import text_of
from solidarity.core.fields import BlindIndexField, EncryptedTextField, normalise_email
from solidarity.core.models import Zone
from solidarity.core.permissions import sensitive
from solidarity.messaging.models import Channel
from solidarity.messaging.priority import Priority


class AnnouncementList(models.Model):
    """A list people subscribe to: "Rapid response — East Durham", "Action 12/03 updates".

    Its name is required in one language at least; the public sees each text in its page's
    language, else in the other. `zones` are the zones a subscriber chooses from (none: no choice).
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    group = models.ForeignKey(WorkingGroup, on_delete=models.CASCADE, related_name="announcement_lists")
    name_en = models.CharField(_("name in English"), max_length=120, blank=True)
    name_es = models.CharField(_("name in Spanish"), max_length=120, blank=True)
    slug = models.SlugField(_("short name"), max_length=60, unique=True, help_text=_("Used in the sign-up address."))
    description_en = models.TextField(_("description in English"), blank=True, max_length=1000)
    description_es = models.TextField(_("description in Spanish"), blank=True, max_length=1000)
    has_email = models.BooleanField(_("by email"), default=True)
    has_sms = models.BooleanField(_("by SMS"), default=False)
    # Folded (upper case, no accents, one word): what follows JOIN / UNIRSE in a text.
    keyword = models.CharField(_("SMS keyword"), max_length=30, blank=True)
    is_public = models.BooleanField(_("public sign-up page"), default=True)
    shows_count = models.BooleanField(_("show the number of subscribers on the sign-up page"), default=False)
    zones = models.ManyToManyField(Zone, verbose_name=_("zones"), blank=True, related_name="announcement_lists")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("list")
        verbose_name_plural = _("lists")
        constraints = [
            models.UniqueConstraint(fields=["keyword"], condition=~Q(keyword=""), name="lists_one_list_per_keyword"),
            models.CheckConstraint(
                condition=~Q(name_en="", name_es=""),
                name="lists_list_has_a_name",
                violation_error_message=_("Give the list a name, in English or in Spanish."),
            ),
        ]

    def __str__(self) -> str:
        return text_of(self, "name")

    @property
    def channels(self) -> list[str]:
        return [channel for channel, on in ((Channel.EMAIL, self.has_email), (Channel.SMS, self.has_sms)) if on]


class SubscriptionState(models.TextChoices):
    PENDING = "pending", _("Waiting for confirmation")
    CONFIRMED = "confirmed", _("Confirmed")
    UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")


@sensitive
class Subscription(models.Model):
    """One address on one list, on one channel.

    `address` is stored normalised (an email lower-cased, a phone in E.164) and found through
    its blind index, never by value. An email is confirmed by a link: only the SHA-256 of its
    token is kept. A phone is confirmed by texting CONFIRM and `confirm_code`. Unsubscribe
    links carry a signature of the row's uuid (lists.subscriptions.unsubscribe_token), so nothing
    secret is stored for them and every past email's link keeps working.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    announcement_list = models.ForeignKey(AnnouncementList, on_delete=models.CASCADE, related_name="subscriptions")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    address = EncryptedTextField(context="lists.subscription.address")
    address_index = BlindIndexField(source="address", normalise=normalise_email)
    language = models.CharField(max_length=8, default="en")
    # SET_NULL: a zone removed from the network leaves its subscribers with none, and those get every broadcast.
    zone = models.ForeignKey(Zone, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    state = models.CharField(max_length=16, choices=SubscriptionState.choices, default=SubscriptionState.PENDING)
    confirm_code = models.CharField(max_length=8, blank=True)
    confirm_token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    asked_at = models.DateTimeField(null=True, blank=True)  # when the last confirmation request went out
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["announcement_list", "state", "channel"], name="lists_subscription_state")]

    def __str__(self) -> str:
        return f"subscription {self.uuid} ({self.state})"


class BroadcastState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", _("Scheduled")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    CANCELLED = "cancelled", _("Cancelled")


class Broadcast(models.Model):
    """One announcement to one or more of a group's lists, on the channels picked.

    With `one_language` ("en" or "es") everyone gets that text; otherwise each subscriber gets
    the text in their language. `zones` empty: everyone; otherwise subscribers in those zones,
    those who gave no zone, and those whose zone their list no longer offers. `report` keeps the
    final counts once it is sent, because the outbox's own rows are purged after their retention period.

    A big audience is queued in the background, in chunks (lists.broadcasts.do_enqueue_broadcast):
    while `enqueuing`, `enqueue_cursor` is the last subscription (by pk) worked through, committed
    with each chunk's messages, and `enqueue_runner` the job run that holds it, alive as of
    `enqueue_beat`. A run that stops beating is replaced (do_resume_broadcasts) from the cursor.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    group = models.ForeignKey(WorkingGroup, on_delete=models.CASCADE, related_name="broadcasts")
    lists = models.ManyToManyField(AnnouncementList, related_name="broadcasts")
    subject_en = models.CharField(max_length=200, blank=True)
    subject_es = models.CharField(max_length=200, blank=True)
    text_en = models.TextField(blank=True)
    text_es = models.TextField(blank=True)
    one_language = models.CharField(max_length=8, blank=True)
    channels = models.JSONField(default=list)
    zones = models.ManyToManyField(Zone, blank=True, related_name="+")
    scheduled_for = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=12, choices=BroadcastState.choices, default=BroadcastState.DRAFT)
    recipients = models.PositiveIntegerField(default=0)  # messages enqueued when it was sent
    priority = models.PositiveSmallIntegerField(default=Priority.ANNOUNCEMENT, choices=Priority.choices)
    follows = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="follow_ups")
    sent_to = models.JSONField(default=list, blank=True)  # subscription ids, kept for an alert's follow-ups only
    report = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)  # when it was handed to the outbox
    finished_at = models.DateTimeField(null=True, blank=True)
    enqueuing = models.BooleanField(default=False)  # its messages are being queued by a job, chunk by chunk
    enqueue_total = models.PositiveIntegerField(default=0)  # subscriptions in its audience when it was sent
    enqueue_done = models.PositiveIntegerField(default=0)  # of those, how many were worked through
    enqueue_cursor = models.PositiveBigIntegerField(default=0)  # the last subscription's pk worked through
    enqueue_runner = models.UUIDField(null=True, blank=True)  # the job run that holds the enqueue
    enqueue_beat = models.DateTimeField(null=True, blank=True)  # when that run last committed a chunk

    class Meta:
        indexes = [models.Index(fields=["group", "-created_at"], name="lists_broadcast_recent")]

    def __str__(self) -> str:
        return f"broadcast {self.uuid} ({self.state})"

    @property
    def batch(self) -> str:
        """The outbox batch that groups its messages."""
        return f"lists.broadcast:{self.uuid}"

    def message_key(self, subscription: Subscription) -> str:
        """The outbox's idempotency key of its message to one subscription: uuids only."""
        return f"{self.batch}:{subscription.uuid}:{subscription.channel}"

    @property
    def is_going_out(self) -> bool:
        """Its messages are leaving now: being sent, or scheduled for a time that has come."""
        if self.state == BroadcastState.SENDING:
            return True
        return self.state == BroadcastState.SCHEDULED and (
            self.scheduled_for is None or self.scheduled_for <= timezone.now()
        )

    @property
    def is_live(self) -> bool:
        """Its page follows it live: its messages are leaving, or are still being queued."""
        going = self.state in (BroadcastState.SCHEDULED, BroadcastState.SENDING)
        return self.is_going_out or (self.enqueuing and going)

    @property
    def languages(self) -> list[str]:
        return [self.one_language] if self.one_language else ["en", "es"]

    @property
    def heading(self) -> str:
        """What its pages call it: its subject in the reader's language, else the other's; else its text's."""
        return text_of(self, "subject") or text_of(self, "text")

    def subject(self, language: str) -> str:
        wanted = self.one_language or language
        return str(self.subject_es if wanted == "es" else self.subject_en)

    def text(self, language: str) -> str:
        wanted = self.one_language or language
        return str(self.text_es if wanted == "es" else self.text_en)
