"""Meetings: assemblies and working groups' meetings, their agenda, roles, participants and speaking queue.

A meeting is held by one working group (a general assembly by the group that convenes it). Its
agenda is a list of items, each with a time box; breaks and working groups' report-backs are
items too. During the meeting one item is current: its clock runs from `started_at`, its box is
`minutes` plus what the facilitator added (`extended_minutes`).

The speaking queue ("stack") belongs to an agenda item: a Turn is one person asking to speak
on one item, in a lane. Interrupts (point of process, point of information, clarifying question)
go before the main lane; in the main lane, people who have not spoken on this item go before
second turns, then first come first served (meetings.stack orders them). A side stack is a
short queue the keeper opens within an item; while one is open, it is the queue.

Solidarity never stores anything to rank people by: no race, gender or status. Who is moved
is the stack keeper's judgement, by hand (`pin`).

A participant is someone in the room or on the call: an account, someone who joined with the
meeting's code and a name they chose, someone who texted STACK / TURNO, or someone the keeper
added. Their name and number are encrypted, and deleted some days after the meeting
(meetings.retention).
"""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from solidarity.accounts.models import WorkingGroup
from solidarity.core.bilingual import text_of
from solidarity.core.fields import BlindIndexField, EncryptedTextField
from solidarity.messaging.models import normalise_address

NAME_LENGTH = 40
TITLE_LENGTH = 160
MAX_ITEM_MINUTES = 240
MAX_TURN_SECONDS = 900


class Kind(models.TextChoices):
    ASSEMBLY = "assembly", _("general assembly")
    GROUP = "group", _("working group meeting")


class Language(models.TextChoices):
    EN = "en", _("English")
    ES = "es", _("Spanish")
    BOTH = "both", _("English and Spanish")


class Visibility(models.TextChoices):
    PUBLIC = "public", _("public: anyone may see the agenda")
    MEMBERS = "members", _("members of the network")
    GROUP = "group", _("the working group's members")


class Rule(models.TextChoices):
    CONSENSUS = "consensus", _("consensus, with a fallback vote")
    CONSENSUS_MINUS = "consensus_minus", _("consensus minus some blocks")
    MAJORITY = "majority", _("majority vote")


class State(models.TextChoices):
    SCHEDULED = "scheduled", _("scheduled")
    LIVE = "live", _("in progress")
    CLOSED = "closed", _("closed")
    CANCELLED = "cancelled", _("cancelled")


class Meeting(models.Model):
    """One assembly or meeting: "General assembly, Sunday 15:00 at the union hall".

    `code` is what people in the room type or text to join (shown big on the projector).
    `is_open`: anyone with the code may join with a name of their choosing, no account needed.
    The decision rule: consensus (a block stops a proposal; if consensus fails, a vote of
    `fallback_percent` passes it), consensus minus `minus_blocks` (more blocks than that stop it),
    or majority (more than half the votes cast). `quorum`: how many must be present for a
    decision (0: no quorum). `version` grows with every live change: screens that see a newer
    one redraw.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.CharField(max_length=8, unique=True, editable=False)
    group = models.ForeignKey(
        WorkingGroup, verbose_name=_("working group"), on_delete=models.PROTECT, related_name="meetings"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.GROUP)
    title_en = models.CharField(_("title in English"), max_length=TITLE_LENGTH, blank=True)
    title_es = models.CharField(_("title in Spanish"), max_length=TITLE_LENGTH, blank=True)
    starts_at = models.DateTimeField(_("starts"))
    place = models.CharField(
        _("place"),
        max_length=200,
        blank=True,
        help_text=_("A public place: a library, a union hall. Never someone's home."),
    )
    call_link = models.URLField(_("call link"), blank=True, help_text=_("For those who join by video or phone."))
    language = models.CharField(_("language"), max_length=4, choices=Language.choices, default=Language.BOTH)
    visibility = models.CharField(
        _("who sees it"), max_length=8, choices=Visibility.choices, default=Visibility.MEMBERS
    )
    is_open = models.BooleanField(
        _("anyone in the room may join the speaking queue"),
        default=True,
        help_text=_("With the meeting's code, and a name of their choosing: no account needed."),
    )
    rule = models.CharField(_("decision rule"), max_length=16, choices=Rule.choices, default=Rule.CONSENSUS)
    fallback_percent = models.PositiveSmallIntegerField(
        _("fallback vote to pass (%)"),
        default=75,
        validators=[MinValueValidator(51), MaxValueValidator(100)],
        help_text=_("When consensus fails: the share of votes that passes a proposal."),
    )
    minus_blocks = models.PositiveSmallIntegerField(
        _("blocks allowed"),
        default=1,
        validators=[MaxValueValidator(20)],
        help_text=_("For consensus minus some blocks."),
    )
    quorum = models.PositiveIntegerField(
        _("quorum"),
        default=0,
        validators=[MaxValueValidator(10_000)],
        help_text=_("People present to decide (0: none)."),
    )
    turn_seconds = models.PositiveIntegerField(
        _("speaking time (seconds)"),
        default=120,
        validators=[MinValueValidator(15), MaxValueValidator(MAX_TURN_SECONDS)],
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.SCHEDULED)
    stack_open = models.BooleanField(default=True)
    current_item = models.ForeignKey("AgendaItem", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    next_meeting = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="previous_meetings"
    )
    started_at = models.DateTimeField(null=True, blank=True)
    planned_minutes = models.PositiveIntegerField(null=True, blank=True)  # the agenda's boxes when it began
    closed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveBigIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(title_en="", title_es=""), name="meeting_has_a_title"),
        ]

    def __str__(self) -> str:
        return f"meeting {self.code}"

    def title(self, language: str | None = None) -> str:
        return text_of(self, "title", language)

    @property
    def is_live(self) -> bool:
        return self.state == State.LIVE


class Duty(models.TextChoices):
    # Each duty's code is a role's (core.roles): holding it at a meeting is holding that role there.
    FACILITATOR = "facilitator", _("facilitator")
    STACK_KEEPER = "stack_keeper", _("stack keeper")
    MINUTE_TAKER = "minute_taker", _("minute taker")
    TIMEKEEPER = "timekeeper", _("timekeeper")


class MeetingRole(models.Model):
    """Who does what at one meeting. The roles rotate: each meeting names its own."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="roles")
    duty = models.CharField(max_length=16, choices=Duty.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="meeting_roles")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["meeting", "duty"], name="one_holder_per_duty")]

    def __str__(self) -> str:
        return f"{self.duty} of {self.meeting}"


class ItemKind(models.TextChoices):
    ITEM = "item", _("agenda item")
    BREAK = "break", _("break")
    REPORT = "report", _("report-back")
    CONSENT = "consent", _("consent calendar")


class ItemState(models.TextChoices):
    WAITING = "waiting", _("to come")
    CURRENT = "current", _("under way")
    DONE = "done", _("done")


class AgendaItem(models.Model):
    """One part of the agenda, in `position` order. A break is an item with a time box and no stack."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField(default=0)
    kind = models.CharField(_("kind"), max_length=8, choices=ItemKind.choices, default=ItemKind.ITEM)
    title_en = models.CharField(_("title in English"), max_length=TITLE_LENGTH, blank=True)
    title_es = models.CharField(_("title in Spanish"), max_length=TITLE_LENGTH, blank=True)
    minutes = models.PositiveIntegerField(
        _("time box (minutes)"), default=10, validators=[MinValueValidator(1), MaxValueValidator(MAX_ITEM_MINUTES)]
    )
    presenter = models.CharField(
        _("presenter"), max_length=NAME_LENGTH, blank=True, help_text=_("A first name or a group's name.")
    )
    group = models.ForeignKey(
        WorkingGroup,
        verbose_name=_("reporting group"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    state = models.CharField(max_length=8, choices=ItemState.choices, default=ItemState.WAITING)
    extended_minutes = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return f"item {self.position} of {self.meeting}"

    def title(self, language: str | None = None) -> str:
        return text_of(self, "title", language)

    @property
    def box_minutes(self) -> int:
        return self.minutes + self.extended_minutes

    @property
    def is_break(self) -> bool:
        return self.kind == ItemKind.BREAK


class Participant(models.Model):
    """Someone at the meeting. `name` is what the room sees (chosen by them, or the account's display
    name); `phone` only when they joined by text, to answer them and tell them they are next.
    `token_hash`: the browser that joined with the code holds the token in a cookie.
    `is_coming`: an account said it would come (reminders go to them)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="meeting_participations"
    )
    name = EncryptedTextField(context="meetings.participant.name", max_length=NAME_LENGTH)
    phone = EncryptedTextField(context="meetings.participant.phone", blank=True)
    phone_index = BlindIndexField(source="phone", normalise=normalise_address)
    token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    language = models.CharField(max_length=8, default="en")
    is_coming = models.BooleanField(default=False)
    joined_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "user"], condition=Q(user__isnull=False), name="one_participant_per_account"
            ),
        ]

    def __str__(self) -> str:
        return f"participant {self.uuid}"


class Lane(models.TextChoices):
    # In the order they are heard: interrupts first, then the main queue.
    PROCESS = "process", _("point of process")
    INFORMATION = "information", _("point of information")
    CLARIFYING = "clarifying", _("clarifying question")
    MAIN = "main", pgettext_lazy("speaking queue", "to speak")


LANE_ORDER = {Lane.PROCESS: 0, Lane.INFORMATION: 1, Lane.CLARIFYING: 2, Lane.MAIN: 3}


class TurnState(models.TextChoices):
    WAITING = "waiting", _("waiting")
    SPEAKING = "speaking", _("speaking")
    SPOKE = "spoke", _("spoke")
    WITHDRAWN = "withdrawn", _("withdrawn")


class Via(models.TextChoices):
    WEB = "web", _("phone or computer")
    SMS = "sms", _("text message")
    KEEPER = "keeper", _("added by the stack keeper")


class SideStack(models.Model):
    """A short queue within an item ("direct responses to the budget"): while open, it is the queue."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="side_stacks")
    title = models.CharField(_("what it is about"), max_length=80)
    opened_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"side stack {self.uuid}"


class Turn(models.Model):
    """One person asking to speak on one item, in one lane (and perhaps a side stack).

    `pin`: the keeper moved it by hand; pinned turns keep the order the keeper gave, before the
    rest of their lane. `spoken_seconds` is filled when the turn ends.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="turns")
    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="turns")
    side = models.ForeignKey(SideStack, null=True, blank=True, on_delete=models.CASCADE, related_name="turns")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="turns")
    lane = models.CharField(max_length=12, choices=Lane.choices, default=Lane.MAIN)
    state = models.CharField(max_length=10, choices=TurnState.choices, default=TurnState.WAITING)
    via = models.CharField(max_length=8, choices=Via.choices, default=Via.WEB)
    pin = models.PositiveIntegerField(null=True, blank=True)
    requested_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    spoken_seconds = models.PositiveIntegerField(default=0)
    told_next = models.BooleanField(default=False)

    class Meta:
        ordering = ["requested_at", "pk"]
        constraints = [
            # One waiting turn per person, lane and queue: asking twice does not take two places.
            models.UniqueConstraint(
                fields=["item", "participant", "lane"],
                condition=Q(state="waiting", side__isnull=True),
                name="one_waiting_turn_per_lane",
            ),
            models.UniqueConstraint(
                fields=["side", "participant", "lane"],
                condition=Q(state="waiting", side__isnull=False),
                name="one_waiting_side_turn_per_lane",
            ),
            models.UniqueConstraint(fields=["meeting"], condition=Q(state="speaking"), name="one_speaker_at_a_time"),
        ]
        indexes = [models.Index(fields=["item", "state"])]

    def __str__(self) -> str:
        return f"turn {self.uuid} ({self.state})"


# The record: proposals, decisions, minutes, action items.
#
# A proposal is put to the meeting on an agenda item; a decision records how it was decided, under the rule
# that applied then (copied from the meeting, so changing the meeting later does not rewrite the record).
# A consent calendar is an agenda item of kind "consent" whose proposals pass together in one decision each,
# unless someone asks to pull one out: it is then decided on its own. The minutes are entries the minute
# taker writes as the meeting goes (a decision or an action item adds its own); after the meeting closes,
# those who were there with an account may propose amendments for a few days, then the minutes are published.
# Action items are what someone said they would do: reminded before their due date, carried to the next
# meeting while open.

TEXT_LENGTH = 2000
REASON_LENGTH = 500
MAX_AMEND_DAYS = 30


class ProposalState(models.TextChoices):
    OPEN = "open", _("to be decided")
    PASSED = "passed", _("passed")
    FAILED = "failed", _("did not pass")
    WITHDRAWN = "withdrawn", _("withdrawn by whoever proposed it")


class Proposal(models.Model):
    """A proposal put to the meeting on one agenda item, in English, Spanish or both. `proposed_by` is what the
    minutes say (a first name, a working group), not a link to anyone. `is_pulled`: it was on a consent calendar
    and someone asked to take it out, so it is decided on its own."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="proposals")
    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="proposals")
    position = models.PositiveIntegerField(default=0)
    text_en = models.TextField(_("proposal in English"), max_length=TEXT_LENGTH, blank=True)
    text_es = models.TextField(_("proposal in Spanish"), max_length=TEXT_LENGTH, blank=True)
    proposed_by = models.CharField(_("proposed by"), max_length=NAME_LENGTH, blank=True)
    state = models.CharField(max_length=10, choices=ProposalState.choices, default=ProposalState.OPEN)
    is_pulled = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [models.CheckConstraint(condition=~Q(text_en="", text_es=""), name="proposal_has_a_text")]

    def __str__(self) -> str:
        return f"proposal {self.uuid}"

    def text(self, language: str | None = None) -> str:
        return text_of(self, "text", language)

    @property
    def on_consent_calendar(self) -> bool:
        return self.item.kind == ItemKind.CONSENT and not self.is_pulled


class How(models.TextChoices):
    """How a proposal was decided."""

    CONSENSUS = "consensus", _("by consensus")
    FALLBACK = "fallback", _("by the fallback vote")
    CONSENSUS_MINUS = "consensus_minus", _("by consensus minus some blocks")
    MAJORITY = "majority", _("by majority vote")
    CONSENT = "consent", _("on the consent calendar")


class Decision(models.Model):
    """How the meeting decided one proposal: the rule then in force, who was present, and the counts.

    `present`: the people present counted for quorum: those who joined (meetings.services.present_count)
    unless the facilitator entered the room's count (`present_entered`). Counts a rule does not use are null.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    proposal = models.OneToOneField(Proposal, on_delete=models.CASCADE, related_name="decision")
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="decisions")
    rule = models.CharField(max_length=16, choices=Rule.choices)
    fallback_percent = models.PositiveSmallIntegerField()
    minus_blocks = models.PositiveSmallIntegerField()
    quorum = models.PositiveIntegerField()
    present = models.PositiveIntegerField()
    present_entered = models.BooleanField(default=False)
    agree = models.PositiveIntegerField(null=True, blank=True)
    stand_asides = models.PositiveIntegerField(default=0)
    blocks = models.PositiveIntegerField(default=0)
    yes = models.PositiveIntegerField(null=True, blank=True)
    no = models.PositiveIntegerField(null=True, blank=True)
    abstain = models.PositiveIntegerField(null=True, blank=True)
    how = models.CharField(max_length=16, choices=How.choices)
    passed = models.BooleanField()
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["recorded_at", "pk"]

    def __str__(self) -> str:
        return f"decision {self.uuid}"


class ObjectionKind(models.TextChoices):
    STAND_ASIDE = "stand_aside", _("stand aside")
    BLOCK = "block", _("block")


class Objection(models.Model):
    """One stand-aside or block, with the reason stated (a block's is required under a consensus rule)."""

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="objections")
    kind = models.CharField(max_length=12, choices=ObjectionKind.choices)
    reason = models.TextField(max_length=REASON_LENGTH, blank=True)

    class Meta:
        ordering = ["kind", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} on {self.decision}"


class Audience(models.TextChoices):
    """Who reads published minutes."""

    MEETING = "meeting", _("members who may see the meeting")
    MEMBERS = "members", _("any member of the network")
    PUBLIC = "public", _("anyone (a public meeting only)")


class Minutes(models.Model):
    """The minutes' side of a meeting: how long amendments may be proposed after it closes, and publication.

    While the meeting runs the minutes are a draft; once it closes, amendments may be proposed until
    `closed_at + amend_days`; then they are published for `audience`.
    """

    meeting = models.OneToOneField(Meeting, on_delete=models.CASCADE, related_name="record")
    amend_days = models.PositiveSmallIntegerField(
        _("days to propose amendments"),
        default=7,
        validators=[MaxValueValidator(MAX_AMEND_DAYS)],
        help_text=_("After the meeting closes, those who were there may propose changes for this many days."),
    )
    audience = models.CharField(_("who reads them"), max_length=8, choices=Audience.choices, default=Audience.MEETING)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "minutes"

    def __str__(self) -> str:
        return f"minutes of {self.meeting}"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class EntryKind(models.TextChoices):
    NOTE = "note", _("note")
    DECISION = "decision", _("decision")
    ACTION = "action", _("action item")


class MinuteEntry(models.Model):
    """One entry of the minutes, on an agenda item or on the meeting in general (`item` empty), in the order
    written. A decision's or an action item's entry is added with it, and says what it is in the reader's
    language (its `text` is empty). `is_amended`: an accepted amendment changed it."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="minute_entries")
    item = models.ForeignKey(
        AgendaItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="minute_entries"
    )
    position = models.PositiveIntegerField(default=0)
    kind = models.CharField(max_length=10, choices=EntryKind.choices, default=EntryKind.NOTE)
    text = models.TextField(max_length=TEXT_LENGTH, blank=True)
    decision = models.OneToOneField(Decision, null=True, blank=True, on_delete=models.CASCADE, related_name="entry")
    action_item = models.OneToOneField(
        "ActionItem", null=True, blank=True, on_delete=models.CASCADE, related_name="entry"
    )
    is_amended = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return f"minute entry {self.uuid}"


class AmendmentState(models.TextChoices):
    PENDING = "pending", _("waiting for the minute taker")
    ACCEPTED = "accepted", _("accepted")
    REJECTED = "rejected", _("not accepted")


class Amendment(models.Model):
    """A change to the minutes proposed by someone who was at the meeting with an account: new words for one
    note (`entry`), or a note to add (no entry). Accepted, it changes the minutes; either way it is deleted some
    weeks later (meetings.retention): the minutes keep what was accepted."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="amendments")
    entry = models.ForeignKey(MinuteEntry, null=True, blank=True, on_delete=models.CASCADE, related_name="amendments")
    text = models.TextField(max_length=TEXT_LENGTH)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="meeting_amendments"
    )
    state = models.CharField(max_length=10, choices=AmendmentState.choices, default=AmendmentState.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"amendment {self.uuid}"


class ActionState(models.TextChoices):
    OPEN = "open", _("to do")
    DONE = "done", _("done")
    DROPPED = "dropped", _("dropped")


class ActionItem(models.Model):
    """Something someone said they would do: what, who (an account, reminded by email before the due date, or
    just a name), by when, for which working group. Made at `meeting` (on `item`); while open, it is carried to
    each next meeting (`carried_to`, onto its agenda item `carried_item`). `reminder_token`: the token of its
    reminder's timer, so a stale timer does nothing."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="action_items")
    item = models.ForeignKey(AgendaItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="action_items")
    what = models.TextField(_("what"), max_length=REASON_LENGTH)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="meeting_action_items"
    )
    owner_name = models.CharField(_("who"), max_length=NAME_LENGTH)
    due_on = models.DateField(_("due"), null=True, blank=True)
    group = models.ForeignKey(
        WorkingGroup,
        verbose_name=_("working group"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    state = models.CharField(max_length=8, choices=ActionState.choices, default=ActionState.OPEN)
    done_at = models.DateTimeField(null=True, blank=True)
    carried_to = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.SET_NULL, related_name="carried_action_items"
    )
    carried_item = models.ForeignKey(AgendaItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reminder_token = models.UUIDField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["owner", "state"])]

    def __str__(self) -> str:
        return f"action item {self.uuid}"
