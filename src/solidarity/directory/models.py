"""The directory: clinics, hotlines, legal aid, sanctuaries and the like, kept by a working group.

The directory holds organisations, never private people: no field names a person, and keepers are
asked to write an organisation's public facts only. These are public facts, so plain fields hold
them (nothing here is encrypted). What the public reads is written in English and in Spanish
(core.bilingual shows it). A resource is members-only unless its keeper marks it public; a
sanctuary congregation is listed publicly only when, besides, the keeper ticks that the
congregation agreed to it.
"""

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from solidarity.accounts.models import WorkingGroup
from solidarity.core.bilingual import text_of
from solidarity.core.models import Zone

NAME_LENGTH = 160
TEXT_LENGTH = 2000
MAX_LANGUAGES = 12


class Kind(models.TextChoices):
    CLINIC = "clinic", _("Clinic")
    DENTAL = "dental", _("Dental care")
    MENTAL_HEALTH = "mental_health", _("Mental health")
    CRISIS_HOTLINE = "crisis_hotline", _("Crisis hotline")
    LEGAL_AID = "legal_aid", _("Legal aid")
    LEGAL_OBSERVERS = "legal_observers", _("Legal observers")
    BOND_FUND = "bond_fund", _("Bond fund")
    FOOD = "food", _("Food")
    SHELTER = "shelter", _("Shelter")
    SANCTUARY = "sanctuary", _("Sanctuary congregation")
    SCHOOL_SUPPORT = "school_support", _("School support")
    MEDIA = "media", _("Media")
    OTHER = "other", _("Other")


class Resource(models.Model):
    """An organisation people may turn to, with the date its facts were last checked and by whom.

    Never a private person: there is no field for a person's name. `languages` holds language codes
    ("en", "es", or others written freely, lower case). `is_public`: listed on the public pages; for a
    sanctuary congregation only with `congregation_agreed` too (a constraint). Stale once not checked
    within `check_every_days` (directory.services.is_stale).
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    slug = models.SlugField(_("short name"), max_length=60, unique=True, help_text=_("Used in the page's address."))
    group = models.ForeignKey(
        WorkingGroup, on_delete=models.PROTECT, related_name="resources", verbose_name=_("kept by")
    )
    name_en = models.CharField(_("name in English"), max_length=NAME_LENGTH, blank=True)
    name_es = models.CharField(_("name in Spanish"), max_length=NAME_LENGTH, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    offers_en = models.TextField(_("what it offers, in English"), max_length=TEXT_LENGTH, blank=True)
    offers_es = models.TextField(_("what it offers, in Spanish"), max_length=TEXT_LENGTH, blank=True)
    is_free = models.BooleanField(_("free"), default=False)
    is_sliding_scale = models.BooleanField(_("sliding scale"), default=False)
    no_id_asked = models.BooleanField(_("no ID asked"), default=False)
    is_walk_in = models.BooleanField(_("walk-in"), default=False)
    languages = models.JSONField(_("languages spoken"), default=list, blank=True)
    web_address = models.URLField(_("web address"), max_length=300, blank=True)
    zones = models.ManyToManyField(Zone, verbose_name=_("zones served"), blank=True, related_name="resources")
    hours_en = models.TextField(_("opening hours, in English"), max_length=TEXT_LENGTH, blank=True)
    hours_es = models.TextField(_("opening hours, in Spanish"), max_length=TEXT_LENGTH, blank=True)
    is_public = models.BooleanField(_("public"), default=False)
    congregation_agreed = models.BooleanField(_("the congregation agreed to be listed publicly"), default=False)
    check_every_days = models.PositiveSmallIntegerField(_("check every (days)"), default=90)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    last_checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Its keepers were last reminded that it is stale (directory.reminders): at most once a fortnight.
    reminded_at = models.DateTimeField(null=True, blank=True)
    # Pinned to the network's home page by a keeper (the few most needed; directory.services.MAX_PINNED).
    pinned_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("resource")
        verbose_name_plural = _("resources")
        constraints = [
            models.CheckConstraint(
                condition=~Q(name_en="", name_es=""),
                name="directory_resource_has_a_name",
                violation_error_message=_("Give the resource a name, in English or in Spanish."),
            ),
            models.CheckConstraint(
                condition=~Q(kind="sanctuary", is_public=True, congregation_agreed=False),
                name="directory_sanctuary_public_only_if_agreed",
                violation_error_message=_("A sanctuary congregation is public only once it has agreed."),
            ),
            models.CheckConstraint(
                condition=Q(check_every_days__gte=1, check_every_days__lte=730),
                name="directory_check_interval",
            ),
        ]

    def __str__(self) -> str:
        return text_of(self, "name")

    @property
    def is_listed_publicly(self) -> bool:
        return self.is_public and (self.kind != Kind.SANCTUARY or self.congregation_agreed)

    def due_at(self) -> datetime | None:
        """When its facts go stale; None when they were never checked (stale already)."""
        if self.last_checked_at is None:
            return None
        return self.last_checked_at + timedelta(days=self.check_every_days)


class Phone(models.Model):
    """One of a resource's phone numbers, in E.164."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="phones")
    number = models.CharField(_("number"), max_length=20)
    label_en = models.CharField(_("label in English"), max_length=80, blank=True)
    label_es = models.CharField(_("label in Spanish"), max_length=80, blank=True)
    is_24h = models.BooleanField(_("answered 24 hours a day"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["resource", "number"], name="directory_one_number_once")]

    def __str__(self) -> str:
        return self.number


class Session(models.Model):
    """A dated session of a resource: "free dental care", 30 November, 9:00 to 13:00."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="sessions")
    date = models.DateField(_("date"))
    starts_at = models.TimeField(_("starts at"), null=True, blank=True)
    ends_at = models.TimeField(_("ends at"), null=True, blank=True)
    note_en = models.CharField(_("note in English"), max_length=300, blank=True)
    note_es = models.CharField(_("note in Spanish"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["resource", "date"], name="directory_session_date")]

    def __str__(self) -> str:
        return f"session {self.uuid} ({self.date})"


# Staged CSV imports live in their own module (directory.csv_io); imported here so that Django finds the model.
from solidarity.directory.csv_models import ResourceImport  # noqa: E402, F401
