"""Public actions: a march, a counter-demonstration, a vigil outside a detention centre.

An action is run by a working group's coordinators (its organisers). It has a public page made only for
circulation (what, when, where to gather, what to bring, know-your-rights, a contact address, the sign-up
for updates, the donation link), in English and Spanish; everything else about it is private to its group.

- `Slot`: a role to fill (marshals, street medics in pairs, a legal-observer liaison, jail support, drivers,
  interpreters, de-escalation), for one shift; it may require a current skill (people.Skill).
- `SignUp`: a member of the network (a people.Person) in a slot, with the day's check-in and check-out and,
  afterwards, attended or no-show. Its short code answers texts (CONFIRM, DROP, ARRIVED, LEFT).
- `ChecklistStep` / `TemplateStep`: the organisers' checklist, made from the network's template (the seed's
  seven steps by default); some steps read their state from other parts (the public page, the update list,
  the medics' kits, the legal-observer request, the debrief training, the fund).
- `Arrest`: the jail-support board, keyed by a support name, never a legal name; a bail request goes to
  the funds part through core.bonds (criminal bail, kept apart from immigration bond).
- `ArrestPlan`: what a participant wants done if arrested, encrypted, readable by the two jail-support
  leads only, deleted after the action unless the person was arrested.

Legal observers' notes and evidence are never stored here: they belong to the lawyers' team.
"""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from solidarity.accounts.models import WorkingGroup
from solidarity.core.bilingual import text_of
from solidarity.core.bond_models import BondRequest
from solidarity.core.fields import EncryptedTextField
from solidarity.core.models import Zone
from solidarity.core.permissions import sensitive
from solidarity.lists.models import AnnouncementList
from solidarity.people.models import Person, Skill

TITLE_LENGTH = 120
TEXT_LENGTH = 2000
SHORT_TEXT = 200
NOTE_LENGTH = 500
MAX_NEEDED = 500
MAX_SIZE = 1_000_000


class ActionState(models.TextChoices):
    DRAFT = "draft", _("being prepared")
    PUBLISHED = "published", _("public page published")
    CANCELLED = "cancelled", _("cancelled")
    DONE = "done", _("over")


class ObserversState(models.TextChoices):
    NOT_REQUESTED = "not_requested", _("not requested")
    REQUESTED = "requested", _("requested")
    CONFIRMED = "confirmed", _("confirmed")


class Action(models.Model):
    """One action at one time and place. `code`: its short code (the public page's address, texts).

    `gathering_place`: a public place in plain words ("the steps of City Hall"), never someone's home.
    `contact`: the public contact address the organisers chose (an email or a signal number of the group,
    not a person's). `donate_url`: the network's own payment page for the medical and legal fund.
    `hotline`: the jail-support number printed on the "write it on your arm" cards, in E.164.
    The legal-observer request (`observers_*`) is a state and whom it went to, never observers' notes.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.CharField(max_length=8, unique=True)
    group = models.ForeignKey(
        WorkingGroup, verbose_name=_("working group"), on_delete=models.PROTECT, related_name="actions"
    )
    state = models.CharField(_("state"), max_length=12, choices=ActionState.choices, default=ActionState.DRAFT)
    title_en = models.CharField(_("title in English"), max_length=TITLE_LENGTH, blank=True)
    title_es = models.CharField(_("title in Spanish"), max_length=TITLE_LENGTH, blank=True)
    description_en = models.TextField(_("what, in English"), blank=True, max_length=TEXT_LENGTH)
    description_es = models.TextField(_("what, in Spanish"), blank=True, max_length=TEXT_LENGTH)
    bring_en = models.TextField(_("what to bring, in English"), blank=True, max_length=TEXT_LENGTH)
    bring_es = models.TextField(_("what to bring, in Spanish"), blank=True, max_length=TEXT_LENGTH)
    rights_en = models.TextField(_("know your rights, in English"), blank=True, max_length=TEXT_LENGTH)
    rights_es = models.TextField(_("know your rights, in Spanish"), blank=True, max_length=TEXT_LENGTH)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    gathering_place = models.CharField(
        _("where to gather"),
        max_length=SHORT_TEXT,
        help_text=_("A public place: a park, the steps of a building. Never someone's home."),
    )
    zone = models.ForeignKey(
        Zone, verbose_name=_("zone"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    contact = models.CharField(_("public contact address"), max_length=SHORT_TEXT, blank=True)
    donate_url = models.URLField(_("donation page"), blank=True, max_length=300)
    hotline = models.CharField(_("jail-support number"), max_length=20, blank=True)
    expected_size = models.PositiveIntegerField(
        _("expected size"), null=True, blank=True, validators=[MaxValueValidator(MAX_SIZE)]
    )
    updates_list = models.OneToOneField(
        AnnouncementList,
        verbose_name=_("update list"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="action",
    )
    observers_state = models.CharField(
        _("legal observers"), max_length=16, choices=ObserversState.choices, default=ObserversState.NOT_REQUESTED
    )
    observers_from = models.CharField(_("requested from"), max_length=SHORT_TEXT, blank=True)
    observers_requested_on = models.DateField(_("requested on"), null=True, blank=True)
    observers_point_person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("point person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    debrief_session = models.ForeignKey(
        "trainings.Session",
        verbose_name=_("debrief and footage review"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    jail_leads = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("jail-support leads"), blank=True, related_name="+"
    )
    # The debrief: counts only (no patient names, no photos), and the organisers' lessons.
    medic_encounters = models.PositiveIntegerField(_("medic encounters"), null=True, blank=True)
    other_spent_cents = models.PositiveBigIntegerField(_("other money spent"), null=True, blank=True)
    lessons = EncryptedTextField(_("lessons"), context="events.action.lessons", blank=True, max_length=TEXT_LENGTH)
    debriefed_at = models.DateTimeField(_("debriefed"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    class Meta:
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["state", "starts_at"], name="events_action_state_starts")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(title_en="", title_es=""),
                name="events_action_has_a_title",
                violation_error_message=_("Give the action a title, in English or in Spanish."),
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="events_action_ordered",
                violation_error_message=_("An action ends after it starts."),
            ),
        ]

    def __str__(self) -> str:
        return text_of(self, "title")

    @property
    def title(self) -> str:
        return text_of(self, "title")

    @property
    def description(self) -> str:
        return text_of(self, "description")

    @property
    def bring(self) -> str:
        return text_of(self, "bring")

    @property
    def rights(self) -> str:
        return text_of(self, "rights")


class Role(models.TextChoices):
    """The roles an action fills (GLOSSARY.md's words)."""

    MARSHAL = "marshal", _("marshal")
    MEDIC = "medic", _("street medic")
    LEGAL_LIAISON = "legal_liaison", _("legal observer liaison")
    JAIL_SUPPORT = "jail_support", _("jail support")
    DRIVER = "driver", _("driver")
    INTERPRETER = "interpreter", _("interpreter")
    DEESCALATION = "deescalation", _("de-escalation")
    OTHER = "other", _("other")


class Slot(models.Model):
    """A role for one shift: "Street medics, 13:00-17:00, 4 (in pairs), street-medic-basic current".

    `skill`: a current certification of it is required to take the slot (a lapsed medic cannot).
    `in_pairs`: the slot fills in pairs (street medics): the sign-up says when a medic is alone.
    `needed`: how many people; sign-ups past it are refused, never waitlisted (an action is not a class).
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="slots")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    name_en = models.CharField(_("name in English"), max_length=TITLE_LENGTH, blank=True)
    name_es = models.CharField(_("name in Spanish"), max_length=TITLE_LENGTH, blank=True)
    skill = models.ForeignKey(
        Skill,
        verbose_name=_("skill required"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    starts_at = models.DateTimeField(_("shift starts"))
    ends_at = models.DateTimeField(_("shift ends"))
    needed = models.PositiveIntegerField(
        _("people needed"), validators=[MinValueValidator(1), MaxValueValidator(MAX_NEEDED)]
    )
    in_pairs = models.BooleanField(_("in pairs"), default=False)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("slot")
        verbose_name_plural = _("slots")
        ordering = ["starts_at", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="events_slot_ordered",
                violation_error_message=_("A shift ends after it starts."),
            ),
            models.CheckConstraint(condition=Q(needed__gte=1, needed__lte=MAX_NEEDED), name="events_slot_needed"),
        ]

    def __str__(self) -> str:
        named = text_of(self, "name")
        return named or str(Role(self.role).label)


class SignUpState(models.TextChoices):
    SIGNED_UP = "signed_up", _("signed up")
    CANCELLED = "cancelled", _("gave the seat back")
    ATTENDED = "attended", _("attended")
    NO_SHOW = "no_show", _("did not come")


OPEN_SIGN_UP_STATES = (SignUpState.SIGNED_UP,)
TAKEN_STATES = (SignUpState.SIGNED_UP, SignUpState.ATTENDED, SignUpState.NO_SHOW)


@sensitive
class SignUp(models.Model):
    """A person in a slot. `confirmed_at`: answered the day-before reminder; `checked_in_at` and
    `checked_out_at`: on the day; the state says attended or no-show afterwards."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    slot = models.ForeignKey(Slot, on_delete=models.CASCADE, related_name="sign_ups")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="action_sign_ups")
    code = models.CharField(max_length=8)
    state = models.CharField(_("state"), max_length=12, choices=SignUpState.choices, default=SignUpState.SIGNED_UP)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("checked in"), null=True, blank=True)
    checked_out_at = models.DateTimeField(_("checked out"), null=True, blank=True)
    signed_up_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("sign-up")
        verbose_name_plural = _("sign-ups")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["slot", "person"], condition=~Q(state="cancelled"), name="events_one_sign_up_per_slot"
            ),
            models.UniqueConstraint(fields=["code"], condition=Q(state="signed_up"), name="events_open_code_unique"),
        ]

    def __str__(self) -> str:
        return f"sign-up {self.uuid}"


class StepKind(models.TextChoices):
    """What a checklist step reads its state from: a person ticks a MANUAL one; the others say themselves."""

    MANUAL = "manual", _("ticked by hand")
    PUBLIC_PAGE = "public_page", _("public page published")
    FLYERS = "flyers", _("flyers printed and posted")
    UPDATE_LIST = "update_list", _("update list open")
    MEDICS = "medics", _("street medics with kits")
    OBSERVERS = "observers", _("legal observers requested")
    DEBRIEF = "debrief", _("debrief scheduled as a training")
    FUND = "fund", _("medical and legal fund ready")


class TemplateStep(models.Model):
    """One step of the network's checklist template: every new action's checklist copies these."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=16, choices=StepKind.choices, default=StepKind.MANUAL)
    title_en = models.CharField(_("step in English"), max_length=SHORT_TEXT, blank=True)
    title_es = models.CharField(_("step in Spanish"), max_length=SHORT_TEXT, blank=True)
    help_en = models.TextField(_("how, in English"), blank=True, max_length=TEXT_LENGTH)
    help_es = models.TextField(_("how, in Spanish"), blank=True, max_length=TEXT_LENGTH)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("checklist template step")
        verbose_name_plural = _("checklist template steps")
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(title_en="", title_es=""), name="events_template_step_has_a_title")
        ]

    def __str__(self) -> str:
        return text_of(self, "title")


class ChecklistStep(models.Model):
    """One step of an action's checklist: its owner, done (by whom, when) for a manual step, and a note on
    what is missing. A step of another kind reads its state from where it lives (events.checklist)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField(_("kind"), max_length=16, choices=StepKind.choices, default=StepKind.MANUAL)
    title_en = models.CharField(_("step in English"), max_length=SHORT_TEXT, blank=True)
    title_es = models.CharField(_("step in Spanish"), max_length=SHORT_TEXT, blank=True)
    help_en = models.TextField(_("how, in English"), blank=True, max_length=TEXT_LENGTH)
    help_es = models.TextField(_("how, in Spanish"), blank=True, max_length=TEXT_LENGTH)
    position = models.PositiveIntegerField(default=0)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=NOTE_LENGTH, blank=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lesson = models.TextField(_("lesson for next time"), blank=True, max_length=TEXT_LENGTH)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("checklist step")
        verbose_name_plural = _("checklist steps")
        ordering = ["position", "pk"]
        constraints = [models.CheckConstraint(condition=~Q(title_en="", title_es=""), name="events_step_has_a_title")]

    def __str__(self) -> str:
        return text_of(self, "title")


class ArrestState(models.TextChoices):
    ARRESTED = "arrested", _("arrested")
    LOCATED = "located", _("located")
    ARRAIGNED = "arraigned", _("arraigned")
    RELEASED = "released", _("released")


ARREST_WAY = (ArrestState.ARRESTED, ArrestState.LOCATED, ArrestState.ARRAIGNED, ArrestState.RELEASED)


@sensitive
class Arrest(models.Model):
    """One arrest at an action, on the jail-support board, keyed by a support name (never a legal name).

    `where`: the jail or precinct once located; `needs_*`: what they need on release; `note`: for the
    jail-support team (encrypted). `bail_request`: a criminal bail request handed to the funds part
    (core.bonds, kind bail). `support_ended_at`: the support is over; its arrest plan is then purged.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="arrests")
    support_name = EncryptedTextField(_("support name"), context="events.arrest.support_name", max_length=TITLE_LENGTH)
    state = models.CharField(_("state"), max_length=12, choices=ArrestState.choices, default=ArrestState.ARRESTED)
    where = EncryptedTextField(_("held at"), context="events.arrest.where", blank=True, max_length=SHORT_TEXT)
    needs_ride = models.BooleanField(_("needs a ride"), default=False)
    needs_medicine = models.BooleanField(_("needs medicine"), default=False)
    needs_call = models.BooleanField(_("needs a phone call made"), default=False)
    note = EncryptedTextField(_("note"), context="events.arrest.note", blank=True, max_length=NOTE_LENGTH)
    bail_request = models.OneToOneField(BondRequest, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    arrested_at = models.DateTimeField(_("arrested"))
    released_at = models.DateTimeField(_("released"), null=True, blank=True)
    support_ended_at = models.DateTimeField(_("support ended"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("arrest")
        verbose_name_plural = _("arrests")
        ordering = ["arrested_at", "pk"]

    def __str__(self) -> str:
        return f"arrest {self.uuid}"


@sensitive
class ArrestPlan(models.Model):
    """What a participant wants done if arrested, filled in before the action, every answer encrypted and
    readable only by the action's jail-support leads. Deleted after the action unless `arrest` links it
    to an arrest; then purged when that support ends."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="arrest_plans")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="arrest_plans")
    support_name = EncryptedTextField(
        _("support name"), context="events.arrestplan.support_name", max_length=TITLE_LENGTH
    )
    who_to_call = EncryptedTextField(
        _("who to call"), context="events.arrestplan.who_to_call", blank=True, max_length=NOTE_LENGTH
    )
    medication = EncryptedTextField(
        _("daily medication"), context="events.arrestplan.medication", blank=True, max_length=NOTE_LENGTH
    )
    pets_and_car = EncryptedTextField(
        _("pets and car"), context="events.arrestplan.pets_and_car", blank=True, max_length=NOTE_LENGTH
    )
    bail_wishes = EncryptedTextField(
        _("bail wishes"), context="events.arrestplan.bail_wishes", blank=True, max_length=NOTE_LENGTH
    )
    arrest = models.OneToOneField(Arrest, null=True, blank=True, on_delete=models.SET_NULL, related_name="plan")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("arrest plan")
        verbose_name_plural = _("arrest plans")
        constraints = [models.UniqueConstraint(fields=["action", "person"], name="events_one_plan_per_person")]

    def __str__(self) -> str:
        return f"arrest plan {self.uuid}"
