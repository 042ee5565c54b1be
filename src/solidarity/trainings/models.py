"""Trainings: sessions (a workshop, a class, a refresher) and the sign-ups for them, with a waiting list.

A session is run by one working group, whose coordinators manage it. It may grant a skill
(people.Skill): marking someone attended grants or renews that certification. Where it happens is
a public place in plain text (never a home) and, optionally, one of the network's zones. Its title
and description are written in English and in Spanish (core.bilingual shows them).

A sign-up holds a seat, waits in line (first come, first promoted: `waiting_since`, then `id`), or
waits for its double opt-in (`pending`: signed up on the public page, not yet confirmed by CONFIRM
and its code or by the link). What a person answers to the optional questions is encrypted; the
health answer (allergies) is a separate field, erased once the session is over.
"""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from solidarity.accounts.models import WorkingGroup
from solidarity.core.bilingual import text_of
from solidarity.core.fields import EncryptedTextField
from solidarity.core.models import Zone
from solidarity.core.permissions import sensitive
from solidarity.people.models import Person, Skill

MAX_CAPACITY = 1000
ANSWER_LENGTH = 500


class SessionKind(models.TextChoices):
    WORKSHOP = "workshop", _("workshop")
    CLASS = "class", _("class")
    REFRESHER = "refresher", _("refresher")


class SessionLanguage(models.TextChoices):
    EN = "en", _("English")
    ES = "es", _("Spanish")
    BOTH = "both", _("English and Spanish")


class SessionState(models.TextChoices):
    SCHEDULED = "scheduled", _("scheduled")
    CANCELLED = "cancelled", _("cancelled")
    DONE = "done", _("done")


class Session(models.Model):
    """One training at one time and place: "Street medic refresher, Saturday 10:00 at the library".

    `capacity` is the number of seats; sign-ups past it wait in line. Raising it promotes the
    first in line at once; lowering it never takes a seat from anyone, it only stops promoting
    until enough seats are given back. `asks_*`: the optional questions the sign-up form asks.
    `facilitator` is display text (a first name or a group's name), never shown on public pages.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    group = models.ForeignKey(
        WorkingGroup, verbose_name=_("working group"), on_delete=models.PROTECT, related_name="training_sessions"
    )
    skill = models.ForeignKey(
        Skill,
        verbose_name=_("skill it grants"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="training_sessions",
    )
    kind = models.CharField(_("kind"), max_length=12, choices=SessionKind.choices, default=SessionKind.WORKSHOP)
    title_en = models.CharField(_("title in English"), max_length=120, blank=True)
    title_es = models.CharField(_("title in Spanish"), max_length=120, blank=True)
    description_en = models.TextField(_("description in English"), blank=True, max_length=2000)
    description_es = models.TextField(_("description in Spanish"), blank=True, max_length=2000)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    place = models.CharField(
        _("place"), max_length=200, help_text=_("A public place: a library, a union hall. Never someone's home.")
    )
    zone = models.ForeignKey(
        Zone, verbose_name=_("zone"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    capacity = models.PositiveIntegerField(
        _("seats"), validators=[MinValueValidator(1), MaxValueValidator(MAX_CAPACITY)]
    )
    language = models.CharField(
        _("language"), max_length=4, choices=SessionLanguage.choices, default=SessionLanguage.BOTH
    )
    facilitator = models.CharField(_("facilitator"), max_length=120, blank=True)
    is_public = models.BooleanField(_("on the public trainings page"), default=False)
    asks_access_needs = models.BooleanField(_("ask about access needs"), default=False)
    asks_food = models.BooleanField(_("ask about food"), default=False)
    asks_childcare = models.BooleanField(_("ask about childcare"), default=False)
    asks_health = models.BooleanField(_("ask about allergies"), default=False)
    state = models.CharField(_("state"), max_length=12, choices=SessionState.choices, default=SessionState.SCHEDULED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)

    class Meta:
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        ordering = ["starts_at"]
        indexes = [
            models.Index(fields=["starts_at"], name="trainings_session_starts"),
            models.Index(fields=["is_public", "starts_at"], name="trainings_session_public"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(title_en="", title_es=""),
                name="trainings_session_has_a_title",
                violation_error_message=_("Give the training a title, in English or in Spanish."),
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="trainings_session_ordered",
                violation_error_message=_("A training ends after it starts."),
            ),
            models.CheckConstraint(
                condition=Q(capacity__gte=1, capacity__lte=MAX_CAPACITY), name="trainings_session_capacity"
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


class SignUpState(models.TextChoices):
    PENDING = "pending", _("waiting for confirmation")
    SEAT = "seat", _("has a seat")
    WAITING = "waiting", _("on the waiting list")
    CANCELLED = "cancelled", _("cancelled")
    ATTENDED = "attended", _("attended")
    NO_SHOW = "no_show", _("did not come")


# A sign-up that still counts: one per person and session.
LIVE_STATES = (SignUpState.PENDING, SignUpState.SEAT, SignUpState.WAITING, SignUpState.ATTENDED, SignUpState.NO_SHOW)
# A sign-up whose code a text can still act on (CONFIRM / DROP).
OPEN_STATES = (SignUpState.PENDING, SignUpState.SEAT, SignUpState.WAITING)


@sensitive
class SignUp(models.Model):
    """One person signed up for one session.

    `code`: what they text back ("CONFIRM KT47", "DROP KT47"); unique among open sign-ups.
    `waiting_since`: their place in line (first in, first promoted; then `id`). `confirmed_at`:
    when they confirmed they are coming (a public sign-up's double opt-in, or the day-before
    reminder). The answers are encrypted; `health` is erased once the session is over
    (`health_erased_at`).
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="sign_ups")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="training_sign_ups")
    state = models.CharField(_("state"), max_length=12, choices=SignUpState.choices, default=SignUpState.SEAT)
    code = models.CharField(_("code"), max_length=8)
    waiting_since = models.DateTimeField(_("waiting since"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    access_needs = EncryptedTextField(
        _("access needs"), context="trainings.signup.access_needs", blank=True, max_length=ANSWER_LENGTH
    )
    food = EncryptedTextField(_("food"), context="trainings.signup.food", blank=True, max_length=ANSWER_LENGTH)
    childcare = EncryptedTextField(
        _("childcare"), context="trainings.signup.childcare", blank=True, max_length=ANSWER_LENGTH
    )
    health = EncryptedTextField(_("allergies"), context="trainings.signup.health", blank=True, max_length=ANSWER_LENGTH)
    health_erased_at = models.DateTimeField(null=True, blank=True)
    reminded_day_before_at = models.DateTimeField(null=True, blank=True)
    reminded_soon_at = models.DateTimeField(null=True, blank=True)
    signed_up_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    marked_at = models.DateTimeField(_("attendance marked"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)

    class Meta:
        verbose_name = _("sign-up")
        verbose_name_plural = _("sign-ups")
        indexes = [
            models.Index(fields=["session", "state", "waiting_since"], name="trainings_signup_line"),
            models.Index(fields=["person", "state"], name="trainings_signup_person"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "person"], condition=Q(state__in=LIVE_STATES), name="trainings_one_live_sign_up"
            ),
            models.UniqueConstraint(
                fields=["code"], condition=Q(state__in=OPEN_STATES), name="trainings_one_open_code"
            ),
        ]

    def __str__(self) -> str:
        return f"sign-up {self.uuid} ({self.state})"
