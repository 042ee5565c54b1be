"""People: persons (a pseudonym first), their contacts, zones, skills, vouches and on-call shifts.

A person is who the network can ask for help; an account (accounts.User) is who can sign in. A
person links to at most one account, and a volunteer without an account is still a person.
Minimise: a display name or pseudonym, contacts, a language, zones, skills, availability and a
state. Nothing more: no legal name, no address, no birth date, nothing about immigration status.

The display name and contacts are encrypted (core.fields) and contacts are found through their
blind index. What dispatch asks in SQL stays in clear: state, language, zones, certifications,
vouch counts and shifts (people.oncall answers "who can go now" in one query).
"""

import uuid
from datetime import datetime, time

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from solidarity.core.bilingual import text_of
from solidarity.core.fields import BlindIndexField, EncryptedTextField
from solidarity.core.files import EncryptedFileField
from solidarity.core.models import Zone
from solidarity.core.permissions import sensitive
from solidarity.messaging.models import normalise_address

DAY_MINUTES = 24 * 60
WEEK_MINUTES = 7 * DAY_MINUTES
DISPLAY_NAME_LENGTH = 80
MAX_REFRESHER_DAYS = 10 * 365


CONSENTS = ("alerts", "trainings", "announcements")  # Person.consent_<what>


class Language(models.TextChoices):
    EN = "en", _("English")
    ES = "es", _("Spanish")


class PersonState(models.TextChoices):
    ACTIVE = "active", _("active")
    PAUSED = "paused", _("paused")
    LEFT = "left", _("left")


class VettingLoss(models.TextChoices):
    """Why a person who was vetted is no longer: shown to coordinators, and audited."""

    VOUCH_WITHDRAWN = "vouch_withdrawn", _("a vouch was withdrawn")
    VOUCHER_LEFT = "voucher_left", _("someone who vouched left the network")
    THRESHOLD_RAISED = "threshold_raised", _("the network now asks for more vouches")
    MERGED = "merged", _("two records of one person were merged: their vouches count once")


@sensitive
class Person(models.Model):
    """Someone the network can call on: a responder, a medic, an interpreter, a driver.

    `state`: active; paused until the local date `paused_until` (from that date's first minute,
    network time, they count as active again, even before the timer that tidies the row runs);
    left (for good: their display name and contacts are erased, a stub stays for the history
    until the retention rule `people.left` removes it).

    Vetting (people.services): `vouch_count` is kept equal to the number of live vouches for this
    person by people who have not left, by every service that changes one of those. A person is
    vetted when it reaches the network's `vouches_needed`, or when a coordinator marked them vetted
    on import (`vetted_by_import_at`). `lost_vetting_at` / `lost_vetting_reason` say when and why a
    vetted person fell below the threshold, for coordinators; cleared when they are vetted again.

    Consent: what they agreed to be contacted about. Nothing is assumed: each is false until someone
    says they agreed (the add form's boxes come checked, to be unchecked if they did not; the API and
    imports must say so). Dispatch alerts only people with `consent_alerts` (people.oncall);
    trainings and announcements read theirs. `consent_updated_at`: when any of the three last changed.
    (People already on the roster when consent was added kept getting alerts: the migration set all
    three true for them, as they had been added under the rule that a person on the roster gets alerts.)
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Required while the person is in the network (people.services); emptied when they leave.
    display_name = EncryptedTextField(_("display name or pseudonym"), context="people.person.display_name", blank=True)
    language = models.CharField(_("preferred language"), max_length=2, choices=Language.choices, default=Language.EN)
    state = models.CharField(_("state"), max_length=8, choices=PersonState.choices, default=PersonState.ACTIVE)
    paused_until = models.DateField(_("paused until"), null=True, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
    )
    zones = models.ManyToManyField(Zone, through="Coverage", verbose_name=_("zones covered"), related_name="people")
    vouch_count = models.PositiveIntegerField(_("live vouches"), default=0, editable=False)
    vetted_by_import_at = models.DateTimeField(_("marked vetted on import"), null=True, blank=True)
    lost_vetting_at = models.DateTimeField(_("no longer vetted since"), null=True, blank=True)
    lost_vetting_reason = models.CharField(
        _("why no longer vetted"), max_length=20, choices=VettingLoss.choices, blank=True
    )
    consent_alerts = models.BooleanField(_("agreed to get alerts"), default=False)
    consent_trainings = models.BooleanField(_("agreed to hear about trainings"), default=False)
    consent_announcements = models.BooleanField(_("agreed to get announcements"), default=False)
    consent_updated_at = models.DateTimeField(_("consent last changed"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    left_at = models.DateTimeField(_("left"), null=True, blank=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        indexes = [models.Index(fields=["state"], name="people_person_state")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state=PersonState.PAUSED) | Q(paused_until__isnull=False), name="people_paused_until_set"
            ),
            models.CheckConstraint(
                condition=~Q(state=PersonState.LEFT) | Q(left_at__isnull=False), name="people_left_at_set"
            ),
        ]

    def __str__(self) -> str:
        return f"person {self.uuid} ({self.state})"

    @property
    def has_left(self) -> bool:
        return self.state == PersonState.LEFT


@sensitive
class Coverage(models.Model):
    """A zone a person covers: dispatch looks for people by zone first (index zone, person)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="coverage")
    zone = models.ForeignKey(Zone, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("zone covered")
        verbose_name_plural = _("zones covered")
        constraints = [models.UniqueConstraint(fields=["person", "zone"], name="people_one_coverage_per_zone")]
        indexes = [models.Index(fields=["zone", "person"], name="people_coverage_zone")]

    def __str__(self) -> str:
        return f"person {self.person_id} covers zone {self.zone_id}"


class ContactKind(models.TextChoices):
    PHONE = "phone", _("phone")
    EMAIL = "email", _("email")


@sensitive
class Contact(models.Model):
    """One of a person's phones or emails: stored normalised (a phone in E.164, an email lower-cased),
    encrypted, and found through its blind index, as messaging's addresses are.

    The address's own state (opted out by STOP, delivery failures, its OpenPGP key) is messaging's
    (messaging.models.Address), read through messaging's services and never copied here.
    `confirmed_at`: when it was last confirmed to work (a reply to a test message, a use).
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="contacts")
    kind = models.CharField(_("kind"), max_length=8, choices=ContactKind.choices)
    value = EncryptedTextField(_("phone or email"), context="people.contact.value")
    value_index = BlindIndexField(source="value", normalise=normalise_address)
    is_primary = models.BooleanField(_("primary"), default=False)
    confirmed_at = models.DateTimeField(_("last confirmed working"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "kind"], condition=Q(is_primary=True), name="people_one_primary_contact_per_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} contact {self.uuid}"


class Skill(models.Model):
    """A skill dispatch and trainings ask for, by `slug` ("street-medic-basic"), named in both languages.

    `refresher_days`: how long a certification counts after it is granted or renewed. A coordinator
    may change it (people.services.do_set_refresher_interval): every certification of the skill then
    lapses that many days after its own grant. `needs_sign_off`: the course is not enough; a practical
    sign-off (a first outing paired with an experienced person) must be recorded before it counts.
    Levels are separate skills (street-medic-basic, street-medic-advanced): each has its own
    refresher and sign-off, and dispatch asks for exactly one.
    """

    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    name_en = models.CharField(_("name in English"), max_length=120, blank=True)
    name_es = models.CharField(_("name in Spanish"), max_length=120, blank=True)
    refresher_days = models.PositiveIntegerField(
        _("refresher interval (days)"), validators=[MinValueValidator(1), MaxValueValidator(MAX_REFRESHER_DAYS)]
    )
    needs_sign_off = models.BooleanField(_("needs a practical sign-off"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("skill")
        verbose_name_plural = _("skills")
        ordering = ["slug"]
        constraints = [
            models.CheckConstraint(
                condition=Q(refresher_days__gte=1, refresher_days__lte=MAX_REFRESHER_DAYS),
                name="people_skill_refresher_in_range",
            ),
            models.CheckConstraint(condition=~Q(name_en="", name_es=""), name="people_skill_has_a_name"),
        ]

    def __str__(self) -> str:
        return text_of(self, "name")


@sensitive
class Certification(models.Model):
    """A person holds a skill: since `first_granted_at`, last granted or renewed at `granted_at`.

    One row per person and skill: a renewal moves `granted_at` and `lapses_at`. `lapses_at` is the
    first minute (network time) of the day `refresher_days` after the grant's local date, so a skill
    lapses at midnight, never halfway through a day. `granted_by`: the coordinator's account, or none
    (then `source` says where it came from: "import", "training:<uuid>"). It counts for dispatch
    while it has not lapsed and, when its skill needs one, once it is signed off (`is_current`).
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="certifications")
    skill = models.ForeignKey(Skill, on_delete=models.PROTECT, related_name="certifications")
    first_granted_at = models.DateTimeField(_("holds it since"))
    granted_at = models.DateTimeField(_("granted or renewed"))
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(_("source"), max_length=80, blank=True)
    lapses_at = models.DateTimeField(_("lapses"))
    signed_off_at = models.DateTimeField(_("signed off"), null=True, blank=True)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("certification")
        verbose_name_plural = _("certifications")
        constraints = [
            # Also the index the on-call query probes for each candidate: (person, skill), then lapses_at.
            models.UniqueConstraint(fields=["person", "skill"], name="people_one_certification_per_skill")
        ]
        # Readiness and refreshers ask "who holds S, lapsing when": by skill, then by lapse.
        indexes = [models.Index(fields=["skill", "lapses_at"], name="people_cert_skill_lapses")]

    def __str__(self) -> str:
        return f"certification {self.uuid}"

    def is_current(self, now: datetime) -> bool:
        """Whether it counts at `now`: not lapsed, and signed off if its skill needs it (as people.oncall asks)."""
        signed = self.signed_off_at is not None or not self.skill.needs_sign_off
        return signed and self.lapses_at > now


@sensitive
class Vouch(models.Model):
    """`voucher` vouches for `vouched`: they know this person and trust them with the network's work.

    A vouch is never deleted while both are in the network: withdrawing it keeps the row with
    `withdrawn_at`, for the history. At most one live vouch per pair; nobody vouches for themselves.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    voucher = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="vouches_given")
    vouched = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="vouches_received")
    created_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("vouch")
        verbose_name_plural = _("vouches")
        constraints = [
            models.UniqueConstraint(
                fields=["voucher", "vouched"], condition=Q(withdrawn_at__isnull=True), name="people_one_live_vouch"
            ),
            models.CheckConstraint(condition=~Q(voucher=F("vouched")), name="people_no_vouch_for_oneself"),
        ]

    def __str__(self) -> str:
        return f"vouch {self.uuid}"


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


def week_minute(weekday: int, at: time) -> int:
    """Minutes from Monday 00:00 (local) to `weekday` at `at`."""
    return weekday * DAY_MINUTES + at.hour * 60 + at.minute


@sensitive
class Shift(models.Model):
    """A weekly on-call window: every `weekday` from `starts` (the network's local time) for `duration_minutes`.

    Stored also as week minutes for the on-call query: `start_minute` from Monday 00:00 local, and
    `end_minute` = start + duration, which passes WEEK_MINUTES for a window that runs into the next
    week (Sunday night into Monday). How a window meets a daylight-saving change: people.oncall.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="shifts")
    weekday = models.PositiveSmallIntegerField(_("day"), choices=Weekday.choices)
    starts = models.TimeField(_("starts at"))
    duration_minutes = models.PositiveIntegerField(
        _("length (minutes)"), validators=[MinValueValidator(1), MaxValueValidator(WEEK_MINUTES)]
    )
    start_minute = models.PositiveIntegerField(editable=False)
    end_minute = models.PositiveIntegerField(editable=False)

    class Meta:
        verbose_name = _("on-call shift")
        verbose_name_plural = _("on-call shifts")
        # The on-call query's probe for each candidate: their windows, by where they start and end.
        indexes = [models.Index(fields=["person", "start_minute", "end_minute"], name="people_shift_person_week")]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=1, duration_minutes__lte=WEEK_MINUTES)
                & Q(start_minute__lt=WEEK_MINUTES)
                & Q(end_minute=F("start_minute") + F("duration_minutes")),
                name="people_shift_week_minutes",
            )
        ]

    def __str__(self) -> str:
        return f"shift {self.uuid}"

    def save(self, *args: object, **kwargs: object) -> None:
        self.place()
        super().save(*args, **kwargs)  # type: ignore[arg-type]  # Django's own save arguments, passed on

    def place(self) -> None:
        """Set the week minutes from the weekday, start and duration."""
        self.start_minute = week_minute(self.weekday, self.starts)
        self.end_minute = self.start_minute + self.duration_minutes


@sensitive
class OneOffShift(models.Model):
    """An exception to the weekly windows, from `starts_at` to `ends_at`: on call (an extra shift) or,
    with `is_on_call` false, off call (away: it wins over the weekly windows it overlaps)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="one_off_shifts")
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    is_on_call = models.BooleanField(_("on call"), default=True)

    class Meta:
        verbose_name = _("one-off change to the shifts")
        verbose_name_plural = _("one-off changes to the shifts")
        indexes = [models.Index(fields=["person", "is_on_call", "ends_at"], name="people_oneoff_person_ends")]
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="people_oneoff_ordered")]

    def __str__(self) -> str:
        return f"one-off shift {self.uuid}"


MAX_IMPORT_BYTES = 2 * 1024 * 1024
MAX_IMPORT_ROWS = 5000


class ImportState(models.TextChoices):
    PREVIEW = "preview", _("waiting for your confirmation")
    QUEUED = "queued", _("waiting to start")
    RUNNING = "running", _("importing")
    DONE = "done", _("done")


@sensitive
class PersonImport(models.Model):
    """A spreadsheet of people on its way in (people.imports): uploaded, previewed, confirmed, run.

    `file` is the upload, encrypted at rest (core.files) and never kept in clear or in a session;
    once the import has run it holds the broken rows alone (for the roster keeper to fix and upload
    again), or nothing. The whole row goes after two days (retention `people.imports`).
    `rows` says, per line of the file, what the preview found and then what the import did: line
    numbers, statuses, error codes, column names and person uuids, never a name, phone or email.
    `imported`: the uuids of the people it created, for the one audited step that marks them vetted.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    state = models.CharField(_("state"), max_length=8, choices=ImportState.choices, default=ImportState.PREVIEW)
    file = EncryptedFileField(context="people.personimport.file", max_size=MAX_IMPORT_BYTES, blank=True)
    columns = models.JSONField(default=dict)  # {field: the header as the file writes it}
    ignored_columns = models.JSONField(default=list)  # headers of columns nothing reads (notes are not stored)
    rows = models.JSONField(default=list)
    update_existing = models.BooleanField(_("add what is new to people already on the roster"), default=False)
    # What the people it adds agreed to be contacted about (CONSENTS), as the roster keeper confirmed it for the
    # whole file when they started it: a spreadsheet rarely says, and nobody gets alerts they did not agree to.
    consent = models.JSONField(default=list)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    failed_count = models.PositiveIntegerField(default=0)
    imported = models.JSONField(default=list)
    vetted_at = models.DateTimeField(_("marked vetted"), null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("import of people")
        verbose_name_plural = _("imports of people")

    def __str__(self) -> str:
        return f"import {self.uuid} ({self.state})"

    @property
    def percent(self) -> int:
        return 100 * self.done // self.total if self.total else 100


# A volunteer's own keys: links to open their record, their calendar feed, tests of their contacts
# (people.self_service, people.feeds, people.contact_tests). Only hashes of secrets are kept.


@sensitive
class RecordLink(models.Model):
    """A link that opens a person's own record, sent to one of their contacts: single use, short-lived.

    Only the SHA-256 of its 256-bit token is kept (`token_hash`); the link itself lived only in the
    message. `used_at`: when its page's button was pressed (a mail scanner's GET uses nothing).
    """

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    channel = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("link to one's own record")
        verbose_name_plural = _("links to one's own record")

    def __str__(self) -> str:
        return f"record link {self.pk}"


@sensitive
class CalendarFeed(models.Model):
    """A person's secret calendar feed: at most one per person; a new one replaces (revokes) the old.

    Only the SHA-256 of its 256-bit token is kept: the address is shown once, when it is made.
    """

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="calendar_feed")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return f"calendar feed {self.pk}"


@sensitive
class ContactTest(models.Model):
    """A short test message to one contact, waiting for its confirmation: CONFIRM and `code` from that
    very phone, or the email's link (only the SHA-256 of its token is kept). It counts until `expires_at`.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="tests")
    code = models.CharField(max_length=8, blank=True)
    token_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("test of a contact")
        verbose_name_plural = _("tests of contacts")
        indexes = [
            models.Index(fields=["contact", "created_at"], name="people_contacttest_recent"),
            models.Index(fields=["token_hash"], name="people_contacttest_token"),
        ]

    def __str__(self) -> str:
        return f"contact test {self.uuid}"
