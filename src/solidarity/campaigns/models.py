"""Call-in campaigns: many people calling the right offices at the right time with one clear ask.

A campaign is run by a working group's coordinators (its organisers). It has a goal, an intro for
callers, a time window, and targets: any office (an ICE field office, a detention centre, a sheriff, a
member of Congress's Washington office and district office as two targets, which keep their own
tallies), each with its phone numbers (`Line`), its office hours in its own time zone and its script in
English and Spanish.

Before callers are given a target, a second organiser checks its numbers and script: a target whose
numbers or script changed is unchecked until someone who did not make the change checks it again
(`editors`: who changed it since the last check). Only checked targets are offered.

A campaign about a detained person keeps their name and identifiers (an A-number) encrypted, and shows
them only once consent from the person or their family and from their lawyer is recorded; until then
the scripts say "a member of our community". When the campaign closes, the name and identifiers are
deleted and the outcome is recorded.

A `Call` is one target given to one caller, and the outcome they reported. Callers are not kept: a call
is counted, never attributed, unless a signed-in member chooses to be credited. Someone calling by text
is known by their number (encrypted, `SmsCaller`) only while they call, to answer their 1-5 and give
them the next target; it goes a day after (campaigns.retention).

Each line keeps the streak of its latest outcomes (`streak_outcome`, `streak_count`, `streak_since`) and
the wrong-number reports since an organiser last confirmed it: the live status every caller shares
("voicemail full since 14:05", "busy for the last 10 calls", "wrong number reported 3 times").
"""

import uuid
from datetime import time

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from solidarity.accounts.models import WorkingGroup
from solidarity.core.bilingual import text_of
from solidarity.core.fields import BlindIndexField, EncryptedTextField
from solidarity.core.permissions import sensitive
from solidarity.messaging.models import normalise_address

TITLE_LENGTH = 120
TEXT_LENGTH = 2000
SCRIPT_LENGTH = 700  # about 30 seconds read aloud is 75 words: room to write it, not a speech
NAME_LENGTH = 120
IDENTIFIERS_LENGTH = 200
WEEKDAYS = "12345"  # ISO weekdays, Monday 1: an office's usual days


class Visibility(models.TextChoices):
    PUBLIC = "public", _("public: anyone with the link may call")
    MEMBERS = "members", _("members of the network")


class State(models.TextChoices):
    DRAFT = "draft", _("being prepared")
    LIVE = "live", _("live: callers are calling")
    CLOSED = "closed", _("closed")


class Result(models.TextChoices):
    WON = "won", _("we won what we asked for")
    PARTLY = "partly", _("part of what we asked for")
    NOT_YET = "not_yet", _("not yet")
    ENDED = "ended", _("ended without it")


class ConsentFrom(models.TextChoices):
    PERSON = "person", _("the person")
    FAMILY = "family", _("their family")


@sensitive
class Campaign(models.Model):
    """One call-in campaign. `code` is what a caller texts (CALL KQ47) and what its public page is named by."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.CharField(max_length=8, unique=True)
    group = models.ForeignKey(WorkingGroup, on_delete=models.PROTECT, related_name="campaigns")
    title_en = models.CharField(_("title in English"), max_length=TITLE_LENGTH, blank=True)
    title_es = models.CharField(_("title in Spanish"), max_length=TITLE_LENGTH, blank=True)
    goal_en = models.TextField(_("goal in English"), max_length=TEXT_LENGTH, blank=True)
    goal_es = models.TextField(_("goal in Spanish"), max_length=TEXT_LENGTH, blank=True)
    intro_en = models.TextField(_("intro in English"), max_length=TEXT_LENGTH, blank=True)
    intro_es = models.TextField(_("intro in Spanish"), max_length=TEXT_LENGTH, blank=True)
    starts_at = models.DateTimeField(_("calls begin"))
    ends_at = models.DateTimeField(_("calls end"))
    visibility = models.CharField(
        _("who may call"), max_length=8, choices=Visibility.choices, default=Visibility.MEMBERS
    )
    has_public_counter = models.BooleanField(_("show a public counter of calls"), default=False)
    state = models.CharField(max_length=8, choices=State.choices, default=State.DRAFT)
    # The detained person, shown only once both consents are recorded; deleted when the campaign closes.
    subject_name = EncryptedTextField(
        _("name of the person the campaign is for"), context="campaigns.campaign.subject_name", blank=True
    )
    subject_identifiers = EncryptedTextField(
        _("identifiers to give (an A-number)"), context="campaigns.campaign.subject_identifiers", blank=True
    )
    consent_from = models.CharField(max_length=8, choices=ConsentFrom.choices, blank=True)
    consent_at = models.DateTimeField(null=True, blank=True)
    consent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    lawyer_consent_at = models.DateTimeField(null=True, blank=True)
    lawyer_consent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    result = models.CharField(_("outcome"), max_length=8, choices=Result.choices, blank=True)
    result_en = models.TextField(_("what happened, in English"), max_length=TEXT_LENGTH, blank=True)
    result_es = models.TextField(_("what happened, in Spanish"), max_length=TEXT_LENGTH, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    went_live_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-starts_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(title_en="", title_es=""), name="campaigns_campaign_titled"),
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="campaigns_window"),
        ]

    def __str__(self) -> str:
        return f"campaign {self.code}"

    def title(self, language: str | None = None) -> str:
        return text_of(self, "title", language)

    def goal(self, language: str | None = None) -> str:
        return text_of(self, "goal", language)

    def intro(self, language: str | None = None) -> str:
        return text_of(self, "intro", language)

    def result_text(self, language: str | None = None) -> str:
        return text_of(self, "result", language)

    @property
    def has_consent(self) -> bool:
        """Both consents are recorded: the person's (or their family's) and their lawyer's."""
        return self.consent_at is not None and self.lawyer_consent_at is not None

    @property
    def is_named(self) -> bool:
        """Scripts and pages give the person's name and identifiers (consented, and not yet closed)."""
        return self.has_consent and self.state != State.CLOSED and bool(self.subject_name)

    @property
    def is_public(self) -> bool:
        return self.visibility == Visibility.PUBLIC


class TargetKind(models.TextChoices):
    LEGISLATOR = "legislator", _("legislator's office")
    AGENCY = "agency", _("federal agency")
    FIELD_OFFICE = "field_office", _("ICE field office")
    DETENTION = "detention", _("detention centre")
    SHERIFF = "sheriff", _("sheriff")
    LOCAL = "local", _("county or city official")
    OTHER = "other", _("other office")


class Target(models.Model):
    """An office to call: its numbers, hours (in `time_zone`) and script in each language.

    Open on `weekdays` (ISO digits, "12345" for Monday to Friday) from `opens_at` to `closes_at`, or at any
    hour when `is_always_open`. `editors`: the accounts (ids) that changed its numbers or script since it was
    last checked; one of them never checks it. `checked_at` None: not checked, not offered."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="targets")
    position = models.PositiveSmallIntegerField(default=0)
    name_en = models.CharField(_("name in English"), max_length=TITLE_LENGTH, blank=True)
    name_es = models.CharField(_("name in Spanish"), max_length=TITLE_LENGTH, blank=True)
    kind = models.CharField(_("kind of office"), max_length=16, choices=TargetKind.choices, default=TargetKind.OTHER)
    script_en = models.TextField(_("script in English"), max_length=SCRIPT_LENGTH, blank=True)
    script_es = models.TextField(_("script in Spanish"), max_length=SCRIPT_LENGTH, blank=True)
    time_zone = models.CharField(_("the office's time zone"), max_length=64)
    weekdays = models.CharField(_("days open"), max_length=7, default=WEEKDAYS)
    opens_at = models.TimeField(_("opens at"), default=time(9))
    closes_at = models.TimeField(_("closes at"), default=time(17))
    is_always_open = models.BooleanField(_("answered at any hour"), default=False)
    editors = models.JSONField(default=list)
    checked_at = models.DateTimeField(null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["campaign_id", "position", "pk"]
        constraints = [models.CheckConstraint(condition=~Q(name_en="", name_es=""), name="campaigns_target_named")]

    def __str__(self) -> str:
        return f"target {self.uuid}"

    def name(self, language: str | None = None) -> str:
        return text_of(self, "name", language)

    def script(self, language: str | None = None) -> str:
        return text_of(self, "script", language)

    @property
    def is_checked(self) -> bool:
        return self.checked_at is not None


class Outcome(models.IntegerChoices):
    """What a caller reports, by the number they text back."""

    REACHED = 1, _("reached a person")
    VOICEMAIL = 2, _("left a voicemail")
    NO_ANSWER = 3, _("no answer")
    BUSY = 4, _("busy or voicemail full")
    WRONG = 5, _("wrong number")


class Line(models.Model):
    """One of a target's phone numbers, in E.164, with its shared live status (see the module's docstring).

    `streak_*`: the outcome the latest reports agree on, how many in a row, since when. `wrong_reports`:
    wrong-number reports since an organiser last confirmed the number; from WRONG_AFTER on, it is not offered."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=0)
    phone = models.CharField(_("number"), max_length=20)
    label = models.CharField(_("label"), max_length=60, blank=True, help_text=_("Main line, front desk."))
    streak_outcome = models.PositiveSmallIntegerField(choices=Outcome.choices, null=True, blank=True)
    streak_count = models.PositiveIntegerField(default=0)
    streak_since = models.DateTimeField(null=True, blank=True)
    wrong_reports = models.PositiveIntegerField(default=0)
    last_report_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["target_id", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["target", "phone"], name="campaigns_one_number_once")]

    def __str__(self) -> str:
        return self.phone


class Via(models.TextChoices):
    WEB = "web", _("web")
    SMS = "sms", _("text message")
    API = "api", pgettext_lazy("campaign call", "API")


class Call(models.Model):
    """A target given to a caller (`offered_at`), and the outcome they reported (None until they do).

    Nothing says who called, unless a signed-in member chose to be credited (`credited_to`)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="calls")
    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="calls")
    line = models.ForeignKey(Line, on_delete=models.SET_NULL, null=True, related_name="calls")
    via = models.CharField(max_length=8, choices=Via.choices, default=Via.WEB)
    language = models.CharField(max_length=8, default="en")
    offered_at = models.DateTimeField()
    outcome = models.PositiveSmallIntegerField(choices=Outcome.choices, null=True, blank=True)
    reported_at = models.DateTimeField(null=True, blank=True)
    credited_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="campaign_calls"
    )

    class Meta:
        indexes = [
            models.Index(fields=["campaign", "offered_at"], name="campaigns_call_offered"),
            models.Index(fields=["target", "reported_at"], name="campaigns_call_reported"),
        ]

    def __str__(self) -> str:
        return f"call {self.uuid}"


class SmsCaller(models.Model):
    """Someone calling by text, while they call: their number (encrypted), found again by its blind index,
    the call they were given last (`call`) and the language they texted in. Deleted a day after (retention)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="sms_callers")
    phone = EncryptedTextField(context="campaigns.smscaller.phone")
    phone_index = BlindIndexField(source="phone", normalise=normalise_address)
    language = models.CharField(max_length=8, default="en")
    call = models.ForeignKey(Call, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    called_targets = models.JSONField(default=list)  # the targets (ids) given to this number, latest last
    last_seen_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["last_seen_at"], name="campaigns_smscaller_seen")]

    def __str__(self) -> str:
        return f"sms caller {self.pk}"


# Kept in a module of its own, imported here so the app registry finds them.
from solidarity.campaigns.invite_models import Invitation, Invitee  # noqa: E402, F401
