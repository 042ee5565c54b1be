"""Family-support cases: what follows a detention, for the family, from an incident to the end of the legal path.

A `Case` is opened by a dispatcher from an incident, for a family: who it is for (a pseudonym or a first
name the family chooses: never a legal identity), their language and, if they want, a contact. It holds
the family's needs (a lawyer, the bond, childcare, food, someone to pick up a car or a child), the tasks
its team takes on, notes, and the legal path: where the person is held, the hearings, the bond (set, with
its amount; or no bond hearing, or bond denied: then a lawyer's habeas petition, and the referral).

Need to know: a case is seen only by its named team (`team`), beyond any role (incidents.case_access).
The identifiers needed to find a detained person (the A-number for ICE's detainee locator, the name
and country of birth as the authorities have them, a jail's booking number) live only here, encrypted,
and are blanked when the case closes. No field asks for or stores anyone's immigration status.
"""

import uuid

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from solidarity.core.fields import EncryptedTextField
from solidarity.core.permissions import sensitive
from solidarity.incidents.models import Incident

NAME_TEXT = 80  # who the case is for: a pseudonym or a first name


class CaseState(models.TextChoices):
    OPEN = "open", _("open")
    CLOSED = "closed", _("closed")


class CaseNeedKind(models.TextChoices):
    LEGAL = "legal", _("legal referral")
    BOND = "bond", _("bond")
    CHILDCARE = "childcare", _("childcare")
    TRANSPORT = "transport", _("transport")
    FOOD = "food", _("food")
    CAR = "car", _("someone to pick up a car")
    CHILD = "child", _("someone to pick up a child")
    OTHER = "other", _("other")


class CaseNeedState(models.TextChoices):
    OPEN = "open", _("still needed")
    MET = "met", _("met")


class BondStatus(models.TextChoices):
    UNKNOWN = "unknown", _("not known yet")
    SET = "set", _("bond set")
    NO_HEARING = "no_hearing", _("no bond hearing")
    DENIED = "denied", _("bond denied")


# No bond to pay: the path is a lawyer's habeas petition.
HABEAS_PATH = (BondStatus.NO_HEARING, BondStatus.DENIED)


class HearingKind(models.TextChoices):
    BOND = "bond", _("bond hearing")
    MASTER = "master", _("master calendar hearing")
    INDIVIDUAL = "individual", _("individual (merits) hearing")
    HABEAS = "habeas", _("habeas hearing")
    OTHER = "other", _("other")


# The identifiers needed to find a detained person: blanked when the case closes.
IDENTIFIERS = ("a_number", "name_on_record", "country_of_birth", "booking_number")


@sensitive
class Case(models.Model):
    """One family's case. `code`: what its team says and types ("case HX38"). `incident`: where it started
    (null once that incident was purged: an open case is kept). `team`: who may see it, and nobody else.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.CharField(_("code"), max_length=8, unique=True)
    incident = models.ForeignKey(
        Incident, null=True, blank=True, on_delete=models.SET_NULL, related_name="cases", verbose_name=_("incident")
    )
    state = models.CharField(_("state"), max_length=8, choices=CaseState.choices, default=CaseState.OPEN)
    for_whom = EncryptedTextField(_("who it is for"), context="incidents.case.for_whom")
    language = models.CharField(_("language"), max_length=2, default="es")
    contact = EncryptedTextField(_("the family's contact"), context="incidents.case.contact", blank=True)
    team = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+", verbose_name=_("team"))
    # The legal path.
    held_at = EncryptedTextField(_("held at"), context="incidents.case.held_at", blank=True)
    bond_status = models.CharField(_("bond"), max_length=10, choices=BondStatus.choices, default=BondStatus.UNKNOWN)
    bond_amount = models.DecimalField(
        _("bond amount"), max_digits=10, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(1)]
    )
    referral_to = EncryptedTextField(_("referred to"), context="incidents.case.referral_to", blank=True)
    referred_on = models.DateField(_("referred on"), null=True, blank=True)
    referral_note = EncryptedTextField(_("referral note"), context="incidents.case.referral_note", blank=True)
    # The identifiers (IDENTIFIERS): only here, only while the case is open.
    a_number = EncryptedTextField(_("A-number"), context="incidents.case.a_number", blank=True)
    name_on_record = EncryptedTextField(_("name as on record"), context="incidents.case.name_on_record", blank=True)
    country_of_birth = EncryptedTextField(_("country of birth"), context="incidents.case.country_of_birth", blank=True)
    booking_number = EncryptedTextField(_("booking number"), context="incidents.case.booking_number", blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField(_("opened"))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-opened_at", "-pk"]
        indexes = [models.Index(fields=["state", "closed_at"], name="incidents_case_closed")]

    def __str__(self) -> str:
        return f"case {self.code}"

    @property
    def is_open(self) -> bool:
        return self.state == CaseState.OPEN

    @property
    def is_habeas_path(self) -> bool:
        return self.bond_status in HABEAS_PATH


@sensitive
class CaseNeed(models.Model):
    """One thing the family needs, from the fixed list, with what it is about (encrypted)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="needs")
    kind = models.CharField(_("need"), max_length=10, choices=CaseNeedKind.choices)
    details = EncryptedTextField(_("details"), context="incidents.caseneed.details", blank=True)
    state = models.CharField(_("state"), max_length=8, choices=CaseNeedState.choices, default=CaseNeedState.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    met_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"need {self.kind} ({self.state})"


@sensitive
class CaseTask(models.Model):
    """Something a team member takes on for the family, by a date."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tasks")
    text = EncryptedTextField(_("task"), context="incidents.casetask.text")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("assigned to"),
    )
    due_on = models.DateField(_("due"), null=True, blank=True)
    is_done = models.BooleanField(_("done"), default=False)
    done_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["is_done", "due_on", "pk"]

    def __str__(self) -> str:
        return f"task {self.uuid}"


@sensitive
class CaseNote(models.Model):
    """A note on the case, append-only: nothing here edits or deletes one (the case's purge takes them all)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    text = EncryptedTextField(_("note"), context="incidents.casenote.text")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"note {self.uuid}"


@sensitive
class Hearing(models.Model):
    """One dated step of the legal path: a bond hearing, a master calendar hearing, a habeas hearing..."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="hearings")
    kind = models.CharField(_("hearing"), max_length=10, choices=HearingKind.choices)
    on = models.DateField(_("date"))
    note = EncryptedTextField(_("note"), context="incidents.hearing.note", blank=True)

    class Meta:
        ordering = ["on", "pk"]

    def __str__(self) -> str:
        return f"hearing {self.kind} on {self.on}"
