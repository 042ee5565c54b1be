"""Rapid response: reports, the incidents they make, what each incident type needs, the alerts to responders,
and the incident's timeline.

A report is what one person said they saw (the web form, a text, a hotline call, the API). Reports of
one type in the same or neighbouring zones within the network's window make one incident, with a
count. An incident is verified by a person before anyone is dispatched: reported -> verifying ->
confirmed | false alarm | could not be verified, then resolved.

What an incident needs is a `Need` per skill (two legal observers, one licensed driver), copied from
its type's `Requirement` when it is confirmed (or, for verifying, one verifier). Each person asked is
an `Alert` with its own short code ("GO HX38"); a need is filled when enough people said they go.

Everything said and done about an incident is an `Entry` in its timeline, append-only.

Personal data: what a reporter wrote and the contact they gave are encrypted, and the number a text
came from is kept only for the reply thread, a few hours, unless they asked for follow-up. No field
asks for anyone's immigration status, and none describes an individual officer.
"""

import uuid
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from solidarity.core.fields import EncryptedTextField
from solidarity.core.files import EncryptedFileField
from solidarity.core.models import Zone
from solidarity.core.permissions import sensitive
from solidarity.lists.models import AnnouncementList
from solidarity.people.models import Person, Skill

SHORT_TEXT = 300  # a SALUTE field: "6 agents, 2 unmarked vans"
LONG_TEXT = 2000  # a description, a verifier's account, a note
PHOTO_BYTES = 8 * 1024 * 1024
MAX_NEEDED = 20


class IncidentType(models.TextChoices):
    CHECKPOINT = "checkpoint", _("checkpoint")
    HOME_RAID = "home_raid", _("raid at a home")
    WORKPLACE_RAID = "workplace_raid", _("raid at a workplace")
    ARREST = "arrest", _("arrest")
    TRAFFIC_STOP = "traffic_stop", _("traffic stop")
    OTHER = "other", _("other")


class Source(models.TextChoices):
    WEB = "web", _("public form")
    SMS = "sms", _("text message")
    HOTLINE = "hotline", _("hotline call")
    API = "api", _("API")


class ReportState(models.TextChoices):
    GROUPED = "grouped", _("in an incident")
    FOR_REVIEW = "for_review", _("waiting for review")  # came in over the public limits: a person looks first
    NEEDS_ZONE = "needs_zone", _("needs a zone")  # a text that named no zone: a dispatcher places it
    DISMISSED = "dismissed", _("dismissed")


class IncidentState(models.TextChoices):
    REPORTED = "reported", _("reported")
    VERIFYING = "verifying", _("verifying")
    CONFIRMED = "confirmed", _("confirmed")
    FALSE_ALARM = "false_alarm", _("false alarm")
    UNVERIFIED = "unverified", _("could not be verified")
    RESOLVED = "resolved", _("resolved")
    MERGED = "merged", _("merged into another")


# An incident that new reports of its type and area join, and that shows on the board.
OPEN_STATES = (IncidentState.REPORTED, IncidentState.VERIFYING, IncidentState.CONFIRMED)
# An incident whose responders are out or may be asked: its alerts hold their people.
DISPATCHING_STATES = (IncidentState.VERIFYING, IncidentState.CONFIRMED)


class HotlineSettings(models.Model):
    """One row: how the network's hotline groups, verifies and dispatches (dispatch coordinators edit it)."""

    group_window_minutes = models.PositiveIntegerField(
        _("grouping window (minutes)"),
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 60)],
        help_text=_("Reports of one type in the same or a neighbouring zone within this time make one incident."),
    )
    stale_after_minutes = models.PositiveIntegerField(
        _("unverified goes stale after (minutes)"),
        default=180,
        validators=[MinValueValidator(5), MaxValueValidator(7 * 24 * 60)],
        help_text=_("An incident nobody confirmed by then is marked 'could not be verified'."),
    )
    ring_minutes = models.PositiveIntegerField(
        _("ask the next ring after (minutes)"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text=_("A role still missing people after this long is asked of the next zones out."),
    )
    page_minutes = models.PositiveIntegerField(
        _("page dispatchers after (minutes)"),
        default=15,
        validators=[MinValueValidator(1), MaxValueValidator(240)],
        help_text=_("A role still missing people after this long pages the dispatchers and coordinators."),
    )
    over_ask_percent = models.PositiveIntegerField(
        _("ask this many per place (percent)"),
        default=200,
        validators=[MinValueValidator(100), MaxValueValidator(500)],
        help_text=_("200: two people are asked for each place, since some cannot go."),
    )
    max_rings = models.PositiveIntegerField(
        _("rings of zones"),
        default=3,
        validators=[MinValueValidator(0), MaxValueValidator(10)],
        help_text=_("How far out from the incident's zone to ask: 0 the zone alone, 1 its neighbours too..."),
    )
    sender_hours = models.PositiveIntegerField(
        _("keep a reporter's number (hours)"),
        default=6,
        validators=[MinValueValidator(1), MaxValueValidator(72)],
        help_text=_("The number a report was texted from is kept this long for replies, unless they asked for news."),
    )
    verifier_skills = models.ManyToManyField(
        Skill,
        blank=True,
        related_name="+",
        verbose_name=_("who can verify"),
        help_text=_("Skills whose holders are asked to verify a report (a verifier, a legal observer)."),
    )
    alert_lists = models.ManyToManyField(
        AnnouncementList,
        blank=True,
        related_name="+",
        verbose_name=_("lists for wide alerts"),
        help_text=_(
            "A confirmed incident can be told to these lists' subscribers in its zones, once a second person signs."
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("hotline settings")
        verbose_name_plural = _("hotline settings")

    def __str__(self) -> str:
        return "hotline settings"


@sensitive
class Incident(models.Model):
    """One event on the ground, made of the reports about it: "a checkpoint on Main St, 14 reports".

    `code`: what dispatchers say and type ("incident KT47"). `zone`: where it is (its first report's
    zone; a dispatcher may move it). `language`: the language most of its reports came in, for the
    dispatch ranking's language fit. `where`: what responders are told, written by a dispatcher.
    `stale_token`: the token of its stale timer, so a stale fire after a confirmation does nothing.
    `drill`: a practice run (incidents.drills): the same flow, every message marked, nothing public,
    never holding anyone back from a real incident.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.CharField(_("code"), max_length=8, unique=True)
    type = models.CharField(_("type"), max_length=16, choices=IncidentType.choices)
    zone = models.ForeignKey(Zone, verbose_name=_("zone"), on_delete=models.PROTECT, related_name="+")
    state = models.CharField(_("state"), max_length=12, choices=IncidentState.choices, default=IncidentState.REPORTED)
    language = models.CharField(_("language"), max_length=2, default="en")
    where = EncryptedTextField(
        _("where to go"),
        context="incidents.incident.where",
        blank=True,
        help_text=_("What responders are told: a cross street or a landmark. Never anyone's home."),
    )
    report_count = models.PositiveIntegerField(_("reports"), default=0)
    first_reported_at = models.DateTimeField(_("first reported"))
    last_reported_at = models.DateTimeField(_("last reported"))
    state_changed_at = models.DateTimeField(_("state changed"))
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    stood_down_at = models.DateTimeField(_("stood down"), null=True, blank=True)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    stale_token = models.UUIDField(null=True, blank=True)
    drill = models.BooleanField(_("drill"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-last_reported_at"]
        indexes = [
            models.Index(fields=["state", "type", "last_reported_at"], name="incidents_open_by_type"),
            models.Index(fields=["state_changed_at"], name="incidents_changed"),
        ]

    def __str__(self) -> str:
        return f"incident {self.code}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


@sensitive
class Report(models.Model):
    """What one person said they saw, in SALUTE form (size, activity, location, uniform, time, equipment).

    `code`: the reference the reporter is given ("R-HX38"). `place`: optional free text (a cross
    street), never a home address asked for. `reply_to`: the number a text came from, for the reply
    thread, blanked after the network's hours (`reply_to_until`) unless `follow_up`. `contact`: what a
    reporter gave to hear the outcome, kept only with `follow_up`.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.CharField(_("reference"), max_length=8, unique=True)
    incident = models.ForeignKey(
        Incident, null=True, blank=True, on_delete=models.CASCADE, related_name="reports", verbose_name=_("incident")
    )
    state = models.CharField(_("state"), max_length=12, choices=ReportState.choices, default=ReportState.GROUPED)
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    type = models.CharField(_("type"), max_length=16, choices=IncidentType.choices, default=IncidentType.OTHER)
    zone = models.ForeignKey(
        Zone, verbose_name=_("zone"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    language = models.CharField(_("language"), max_length=2, default="en")
    occurred_at = models.DateTimeField(_("when it happened"))
    place = EncryptedTextField(_("cross street or landmark"), context="incidents.report.place", blank=True)
    description = EncryptedTextField(_("what is happening"), context="incidents.report.description", blank=True)
    size = EncryptedTextField(_("how many agents and vehicles"), context="incidents.report.size", blank=True)
    activity = EncryptedTextField(_("what they are doing"), context="incidents.report.activity", blank=True)
    uniform = EncryptedTextField(_("uniform or agency, as seen"), context="incidents.report.uniform", blank=True)
    equipment = EncryptedTextField(_("equipment"), context="incidents.report.equipment", blank=True)
    seen_directly = models.BooleanField(_("seen by the reporter"), null=True, blank=True)
    photo = EncryptedFileField(context="incidents.report.photo", image=True, max_size=PHOTO_BYTES, blank=True)
    follow_up = models.BooleanField(_("wants to hear the outcome"), default=False)
    contact = EncryptedTextField(_("contact for follow-up"), context="incidents.report.contact", blank=True)
    reply_to = EncryptedTextField(_("texted from"), context="incidents.report.reply_to", blank=True)
    reply_to_until = models.DateTimeField(null=True, blank=True)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["created_at"]
        indexes = [
            models.Index(fields=["state", "created_at"], name="incidents_report_state"),
            models.Index(fields=["reply_to_until"], name="incidents_report_reply_to"),
        ]

    def __str__(self) -> str:
        return f"report {self.code}"


class Purpose(models.TextChoices):
    VERIFY = "verify", _("verify")
    RESPOND = "respond", _("respond")


class Requirement(models.Model):
    """What an incident type needs, per skill: "checkpoint: 2 legal observers". Coordinators edit them.

    `within_minutes`: how soon they must be there (a driver before the car is towed), shown in the
    alert. `in_pairs`: people go two by two (street medics): the count is rounded up to even, and the
    board warns of a lone one.
    """

    type = models.CharField(_("incident type"), max_length=16, choices=IncidentType.choices)
    skill = models.ForeignKey(Skill, verbose_name=_("skill"), on_delete=models.CASCADE, related_name="+")
    count = models.PositiveIntegerField(_("how many"), validators=[MinValueValidator(1), MaxValueValidator(MAX_NEEDED)])
    within_minutes = models.PositiveIntegerField(
        _("within (minutes)"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(24 * 60)]
    )
    in_pairs = models.BooleanField(_("in pairs"), default=False)
    position = models.PositiveSmallIntegerField(default=0)  # its line in the type's list, as its keepers set it

    class Meta:
        verbose_name = _("dispatch requirement")
        verbose_name_plural = _("dispatch requirements")
        ordering = ["type", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["type", "skill"], name="incidents_one_requirement_per_skill")]

    def __str__(self) -> str:
        return f"{self.type}: {self.count} {self.skill.slug}"


class NeedState(models.TextChoices):
    OPEN = "open", _("missing people")
    FILLED = "filled", _("filled")
    CANCELLED = "cancelled", _("stood down")


@sensitive
class Need(models.Model):
    """One role an incident needs filled: `count` people holding `skill`, for verifying or responding.

    A verifying need has no skill: any of the hotline's verifier skills will do (HotlineSettings).
    `ring`: how far out it has asked (0 the incident's zone, 1 its neighbours...). `timer_token`: the
    token of its escalation timer; a fire whose token is not this one is stale. `paged_at`: when the
    dispatchers were paged about it (once).
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="needs")
    purpose = models.CharField(_("purpose"), max_length=8, choices=Purpose.choices, default=Purpose.RESPOND)
    skill = models.ForeignKey(
        Skill, verbose_name=_("skill"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    count = models.PositiveIntegerField(_("how many"))
    within_minutes = models.PositiveIntegerField(null=True, blank=True)
    in_pairs = models.BooleanField(default=False)
    state = models.CharField(_("state"), max_length=10, choices=NeedState.choices, default=NeedState.OPEN)
    ring = models.PositiveIntegerField(default=0)
    opened_at = models.DateTimeField()
    filled_at = models.DateTimeField(null=True, blank=True)
    paged_at = models.DateTimeField(null=True, blank=True)
    timer_token = models.UUIDField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "purpose", "skill"], condition=~Q(state="cancelled"), name="incidents_one_need"
            )
        ]

    def __str__(self) -> str:
        return f"need {self.uuid} ({self.count} {self.skill_id})"


class AlertState(models.TextChoices):
    ASKED = "asked", _("asked")
    GOING = "going", _("going")
    DECLINED = "declined", _("cannot go")
    UNDELIVERED = "undelivered", _("not delivered")
    COVERED = "covered", _("not needed after all")
    ON_SCENE = "on_scene", _("on scene")
    LEFT = "left", _("left")
    STOOD_DOWN = "stood_down", _("stood down")


# An alert its person may still answer (GO / NO).
ANSWERABLE = (AlertState.ASKED, AlertState.COVERED)
# An alert that counts towards its need's places.
COUNTED = (AlertState.GOING, AlertState.ON_SCENE, AlertState.LEFT)
# An alert whose person is out on its incident: they are not asked for another one.
BUSY = (AlertState.GOING, AlertState.ON_SCENE)
# An alert whose code a text can still act on.
LIVE_CODE = (AlertState.ASKED, AlertState.GOING, AlertState.ON_SCENE, AlertState.COVERED)


@sensitive
class Alert(models.Model):
    """One person asked to go for one need: "GO HX38" / "NO HX38".

    `ring` and `reasons` say why they were asked ("on call in Walltown, last dispatched 9 days ago"):
    the ranking's own words, zones and days, never a contact. `code` is unique among alerts a text can
    still act on.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="alerts")
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="alerts")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="alerts")
    code = models.CharField(_("code"), max_length=8)
    state = models.CharField(_("state"), max_length=12, choices=AlertState.choices, default=AlertState.ASKED)
    ring = models.PositiveIntegerField(default=0)
    rank = models.PositiveIntegerField(default=0)
    reasons = models.JSONField(default=list)
    channel = models.CharField(max_length=8, blank=True)
    asked_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    arrived_at = models.DateTimeField(null=True, blank=True)
    left_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["need", "rank", "pk"]
        indexes = [
            models.Index(fields=["person", "asked_at"], name="incidents_alert_person"),
            models.Index(fields=["person", "state"], name="incidents_alert_busy"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["code"], condition=Q(state__in=LIVE_CODE), name="incidents_alert_code"),
            # One alert a need a person: someone asked to verify and then not needed (covered) can still be
            # asked to go once the incident is confirmed (dispatch.candidates).
            models.UniqueConstraint(fields=["need", "person"], name="incidents_one_alert_per_need_person"),
        ]

    def __str__(self) -> str:
        return f"alert {self.code} ({self.state})"


class EntryKind(models.TextChoices):
    REPORT = "report", _("report")
    STATE = "state", _("state changed")
    VERIFICATION = "verification", _("verifier's account")
    NOTE = "note", _("note")
    ASKED = "asked", _("asked")
    ANSWER = "answer", _("answer")
    FILLED = "filled", _("role filled")
    RING = "ring", _("asked further out")
    PAGED = "paged", _("dispatchers paged")
    ARRIVED = "arrived", _("on scene")
    LEFT = "left", _("left")
    STOOD_DOWN = "stood_down", _("stood down")
    MERGED = "merged", _("merged")
    SPLIT = "split", _("split")
    OUTCOME = "outcome", _("reporters told")
    WIDE = "wide_alert", _("wide alert")
    PURGE = "purge", _("purge")
    DRILL = "drill", _("drill started")
    OBSERVATION = "observation", _("observation")
    CORRECTION = "correction", _("correction")


class EntryQuerySet(models.QuerySet["Entry"]):
    def update(self, **kwargs: object) -> int:
        raise TypeError("an incident's timeline is append-only")


@sensitive
class Entry(models.Model):
    """One line of an incident's timeline, append-only: a state change, an alert, an answer, a note.

    `actor`: who did it ("user:<uuid>", "person:<uuid>", "system"). `text`: what a person wrote (a
    note, a verifier's account), encrypted. `data`: ids, states and counts only. A correction is a
    new entry; nothing is edited (`save` refuses an existing row, the queryset refuses `update`).
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="timeline")
    at = models.DateTimeField(db_index=True)
    kind = models.CharField(max_length=14, choices=EntryKind.choices)
    actor = models.CharField(max_length=60, blank=True)
    text = EncryptedTextField(context="incidents.entry.text", blank=True)
    data = models.JSONField(default=dict)
    corrects = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="corrections")

    objects = EntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline entries")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} at {self.at:%H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise TypeError("an incident's timeline is append-only")
        super().save(*args, **kwargs)


class Trace(models.Model):
    """A text that was about an incident or a report (a texted report, an answer, an account): its inbound id.

    Ids only, nothing personal: what lets a purge (incidents.purge) find the texts and their replies in
    the messaging part, which keeps them apart. It goes with its incident or report.
    """

    incident = models.ForeignKey(Incident, null=True, blank=True, on_delete=models.CASCADE, related_name="traces")
    report = models.ForeignKey(Report, null=True, blank=True, on_delete=models.CASCADE, related_name="traces")
    inbound = models.UUIDField(db_index=True)

    def __str__(self) -> str:
        return f"trace {self.inbound}"


# Kept in modules of their own, imported here so the app registry finds them.
# Family-support cases (their own module: incidents.case_models).
from solidarity.incidents.case_models import Case, CaseNeed, CaseNote, CaseTask, Hearing  # noqa: E402, F401
from solidarity.incidents.observation_models import MediaKind, Observation  # noqa: E402, F401
from solidarity.incidents.wide_models import WideAlert  # noqa: E402, F401
