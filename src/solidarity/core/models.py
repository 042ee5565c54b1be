"""Core state: the network's settings and zones, the worker heartbeat, live events, the audit chain, periodic runs
and timers."""

import uuid
import zoneinfo
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from solidarity.core.bilingual import text_of

LANGUAGE_CHOICES = [("en", "English"), ("es", "Español")]
WELCOME_MAX_LENGTH = 1000  # a paragraph or two: the home page's first words, read on a phone


def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones()) if "/" in name]


class NetworkSettings(models.Model):
    """One row: the settings an admin edits in the web UI."""

    name = models.CharField(_("network name"), max_length=120, default="Solidarity")
    time_zone = models.CharField(_("time zone"), max_length=64, default="America/New_York")
    phone_region = models.CharField(
        _("default phone region"),
        max_length=2,
        default="US",
        help_text=_("Two-letter country code used to read phone numbers written without +country code."),
    )
    languages = models.JSONField(_("languages offered"), default=list)
    currency = models.CharField(
        _("currency"),
        max_length=3,
        default="USD",
        help_text=_("The three-letter code of the money the network's funds count in: USD, MXN, EUR."),
    )
    expected_population = models.PositiveIntegerField(
        _("expected number of people"),
        default=5000,
        help_text=_(
            "About how many people and contacts the network will hold at most. It sizes the look-up codes "
            "of phone numbers and emails, and takes effect at the next key rotation."
        ),
    )
    hotline = models.CharField(
        _("hotline number"),
        max_length=32,
        blank=True,
        help_text=_("The public number people call in an emergency. Automatic text replies give it."),
    )
    # The home page's welcome, written by the network in each language (core.bilingual): plain text.
    welcome_en = models.TextField(_("welcome in English"), max_length=WELCOME_MAX_LENGTH, blank=True)
    welcome_es = models.TextField(_("welcome in Spanish"), max_length=WELCOME_MAX_LENGTH, blank=True)
    clear_mail_when_key_expired = models.BooleanField(
        _("send mail in the clear when a key has expired"),
        default=False,
        help_text=_("Otherwise mail to someone whose OpenPGP key expired is held until they send a new key."),
    )
    vouches_needed = models.PositiveSmallIntegerField(
        _("vouches needed"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text=_("How many members must vouch for a new responder before they get alerts or see anything private."),
    )
    retention_days = models.JSONField(
        _("retention periods"), default=dict, help_text="Days to keep, per retention rule (core.retention)."
    )
    is_configured = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("network settings")
        constraints = [models.CheckConstraint(condition=models.Q(pk=1), name="network_settings_single_row")]

    def __str__(self) -> str:
        return self.name


class WorkerHeartbeat(models.Model):
    """When each worker last ran a job: /healthz reads the freshest."""

    worker = models.CharField(max_length=120, unique=True)
    beat_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.worker} at {self.beat_at:%H:%M:%S}"


class LiveEvent(models.Model):
    """A live event, on the database backend (core.live): its pk is the event's id.

    SQLite web processes poll the table; PostgreSQL ones are woken by NOTIFY and read it only for
    a browser that reconnects with Last-Event-ID. Rows are kept five minutes (core.live.KEPT),
    pruned by the worker's heartbeat.
    """

    channel = models.CharField(max_length=80)
    event = models.CharField(max_length=80)
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"{self.channel}:{self.event}"


GENESIS_HASH = "0" * 64


class AuditAction(models.TextChoices):
    """What an actor did to the records an entry names (the context tells translators these are log verbs)."""

    CREATED = "created", pgettext_lazy("audit action", "created")
    CHANGED = "changed", pgettext_lazy("audit action", "changed")
    VIEWED = "viewed", pgettext_lazy("audit action", "viewed")
    EXPORTED = "exported", pgettext_lazy("audit action", "exported")
    DELETED = "deleted", pgettext_lazy("audit action", "deleted")
    PURGED = "purged", pgettext_lazy("audit action", "purged")
    LOGIN = "login", pgettext_lazy("audit action", "signed in")
    LOGOUT = "logout", pgettext_lazy("audit action", "signed out")
    DECRYPTION_FAILED = "decryption_failed", pgettext_lazy("audit action", "failed to decrypt")


class AuditEntry(models.Model):
    """One link of the append-only audit chain; core.audit writes, prunes and verifies it.

    `hash` is the SHA-256 of every other field (core.audit.entry_hash), `prev_hash` the hash
    of the entry before. No sensitive value is ever stored here: ids, counts, field names.
    """

    seq = models.PositiveBigIntegerField(primary_key=True)
    at = models.DateTimeField(db_index=True)
    actor = models.CharField(max_length=40)
    role = models.CharField(max_length=40, blank=True)
    action = models.CharField(_("action"), max_length=24, choices=AuditAction.choices)
    object_type = models.CharField(max_length=64)
    object_ids = models.JSONField(default=list)
    detail = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")

    def __str__(self) -> str:
        return f"#{self.seq} {self.actor} {self.action} {self.object_type}"


class AuditChain(models.Model):
    """One row: where the audit chain starts and where it ends.

    seq/hash: the last pruned entry (0 and the genesis hash before any prune): the chain resumes after it.
    head_seq/head_hash: the latest entry. Appending locks this row, so two writers never fork the chain.
    """

    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)
    head_seq = models.PositiveBigIntegerField(default=0)
    head_hash = models.CharField(max_length=64, default=GENESIS_HASH)
    pruned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(pk=1), name="audit_chain_single_row")]

    def __str__(self) -> str:
        return f"audit chain {self.seq}..{self.head_seq}"


class ScheduledRun(models.Model):
    """When a periodic job (core.schedule) is next due; a worker claims a run by moving next_run_at."""

    name = models.CharField(max_length=80, unique=True)
    next_run_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} at {self.next_run_at:%Y-%m-%d %H:%M}"


class TimerState(models.TextChoices):
    PENDING = "pending"  # waiting for its due time, claimed by a worker, or waiting to be tried again
    FIRED = "fired"  # its handler ran and committed; the row stays a day to be looked at, then goes
    FAILED = "failed"  # its handler failed every attempt (or its kind has no handler): kept for a person


class Timer(models.Model):
    """A durable one-off timer (core.timers): at `due_at`, a worker runs the handler registered for `kind`.

    One live timer per (kind, key): setting it again replaces it with a new `token`, so a fire of
    the old one that was already under way sees the token changed and does nothing. `data` holds
    ids only, never personal data; `last_error` an exception's class name, never its message.
    `next_attempt_at` is when a worker next looks at the row: the due time, the end of the lease
    while a worker holds it (`lease_token`), or the time of the next try after a failure.
    """

    kind = models.CharField(max_length=64)  # the handler's registered name: "incidents.escalate"
    key = models.CharField(max_length=120)  # what it is about: an incident's code, a sign-up's UUID
    token = models.UUIDField(default=uuid.uuid4)
    due_at = models.DateTimeField()
    data = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=8, choices=TimerState.choices, default=TimerState.PENDING)
    next_attempt_at = models.DateTimeField()
    lease_token = models.UUIDField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=80, blank=True)
    set_at = models.DateTimeField()
    fired_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "key"], condition=Q(state__in=["pending", "failed"]), name="core_timer_one_live"
            )
        ]
        # What the worker asks every time: the pending timers by when they are next due. The hourly sweep
        # of fired rows reads the table without an index: one more on every fire would cost more.
        indexes = [models.Index(fields=["next_attempt_at"], name="core_timer_due", condition=Q(state="pending"))]

    def __str__(self) -> str:
        return f"{self.kind}:{self.key} at {self.due_at:%Y-%m-%d %H:%M:%S} ({self.state})"


LATITUDE_LIMIT = Decimal(90)
LONGITUDE_LIMIT = Decimal(180)
CENTRE_PLACES = 3  # about 100 m: the middle of a neighbourhood, never the door of a house


class Zone(models.Model):
    """One of the network's own neighbourhoods or areas ("East Durham", "Walltown"): never an address.

    Other parts refer to a zone by its `slug`, which never changes once made. Its name is written in
    English and in Spanish (at least one; core.bilingual shows the page's own, else the other). The
    centre is optional and coarse on purpose (CENTRE_PLACES decimals, both or neither): enough to say
    which zones are near, never where anyone lives. No two zones share a name in one language.
    `neighbours` says which zones touch which; it is symmetrical (Django keeps both directions) and a
    zone is never its own neighbour (core.zones).
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    name_en = models.CharField(_("name in English"), max_length=80, blank=True)
    name_es = models.CharField(_("name in Spanish"), max_length=80, blank=True)
    latitude = models.DecimalField(
        _("latitude of the centre"),
        max_digits=CENTRE_PLACES + 2,
        decimal_places=CENTRE_PLACES,
        null=True,
        blank=True,
        validators=[MinValueValidator(-LATITUDE_LIMIT), MaxValueValidator(LATITUDE_LIMIT)],
    )
    longitude = models.DecimalField(
        _("longitude of the centre"),
        max_digits=CENTRE_PLACES + 3,
        decimal_places=CENTRE_PLACES,
        null=True,
        blank=True,
        validators=[MinValueValidator(-LONGITUDE_LIMIT), MaxValueValidator(LONGITUDE_LIMIT)],
    )
    neighbours = models.ManyToManyField("self", symmetrical=True, blank=True, verbose_name=_("neighbouring zones"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("zone")
        verbose_name_plural = _("zones")
        ordering = ["slug"]
        constraints = [
            # Two zones of one name could not be told apart on a sign-up form.
            models.UniqueConstraint(
                fields=["name_en"],
                condition=~models.Q(name_en=""),
                name="core_zone_one_english_name",
                violation_error_message=_("Another zone has this name in English."),
                violation_error_code="unique",
            ),
            models.UniqueConstraint(
                fields=["name_es"],
                condition=~models.Q(name_es=""),
                name="core_zone_one_spanish_name",
                violation_error_message=_("Another zone has this name in Spanish."),
                violation_error_code="unique",
            ),
            models.CheckConstraint(
                condition=~models.Q(name_en="", name_es=""),
                name="core_zone_has_a_name",
                violation_error_message=_("Give the zone a name, in English or in Spanish."),
            ),
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True, longitude__isnull=True)
                | models.Q(
                    latitude__isnull=False,  # NULL compares as unknown, which a CHECK lets pass: both or neither
                    longitude__isnull=False,
                    latitude__gte=-LATITUDE_LIMIT,
                    latitude__lte=LATITUDE_LIMIT,
                    longitude__gte=-LONGITUDE_LIMIT,
                    longitude__lte=LONGITUDE_LIMIT,
                ),
                name="core_zone_centre_on_earth",
                violation_error_message=_("Give both the latitude and the longitude of the centre, or neither."),
            ),
        ]

    def __str__(self) -> str:
        return text_of(self, "name")


class ApprovalState(models.TextChoices):
    WAITING = "waiting", _("waiting for a second person")
    SIGNED = "signed", _("signed")
    REFUSED = "refused", _("refused")
    WITHDRAWN = "withdrawn", _("withdrawn")


class Approval(models.Model):
    """A change that needs two people: one asks, a second, different account signs (core.approvals).

    `kind` names the change ("incidents.wide-alert", "incidents.purge"); `subject` the uuid of what it
    is about. Accounts are their users' uuids (core knows no users): `asked_by` asks, `decided_by`
    signs, refuses or (the asker) withdraws. Nothing personal: kinds, uuids and times only.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=40)
    subject = models.UUIDField()
    state = models.CharField(max_length=10, choices=ApprovalState.choices, default=ApprovalState.WAITING)
    asked_by = models.UUIDField()
    asked_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    decided_by = models.UUIDField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "subject"], condition=Q(state="waiting"), name="core_approval_one_waiting"
            ),
            # The rule itself, kept by the database too: whoever asked cannot be the one who signs.
            models.CheckConstraint(
                condition=~Q(state="signed", decided_by=models.F("asked_by")), name="core_approval_two_people"
            ),
        ]

    def __str__(self) -> str:
        return f"approval {self.kind} {self.subject} ({self.state})"


# The bond request holds an encrypted field, and core.fields imports this module: it comes last.
from solidarity.core.bond_models import BondRequest, BondRequestState  # noqa: E402, F401
