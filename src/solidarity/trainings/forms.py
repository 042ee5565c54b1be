"""Trainings' forms: a session (for its group's coordinators) and the public sign-up (no JavaScript needed)."""

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from solidarity.core.bilingual import in_order, text_of
from solidarity.core.forms import LocalDateTimeInput
from solidarity.core.public import PublicForm
from solidarity.core.zones import network_zones
from solidarity.people.models import DISPLAY_NAME_LENGTH, ContactKind, Skill
from solidarity.people.services import clean_contact
from solidarity.trainings.models import ANSWER_LENGTH, MAX_CAPACITY, Session, SessionKind, SessionLanguage
from solidarity.trainings.services import FIELDS, PLACE_LENGTH, Answers, SessionValues

LANGUAGE_CHOICES = [("en", "English"), ("es", "Español")]  # each named in its own language
QUESTIONS = (
    ("access_needs", "asks_access_needs", _("Access needs (wheelchair, interpretation, anything else)")),
    ("food", "asks_food", _("Food: anything you cannot eat")),
    ("childcare", "asks_childcare", _("Childcare: how many children, and their ages")),
    ("health", "asks_health", _("Allergies we should know of (erased after the training)")),
)


class SessionForm(forms.Form):
    title_en = forms.CharField(label=_("Title in English"), max_length=120, required=False)
    title_es = forms.CharField(label=_("Title in Spanish"), max_length=120, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=SessionKind.choices)
    skill = forms.ModelChoiceField(
        label=_("Skill it grants"),
        queryset=Skill.objects.order_by("slug"),
        required=False,
        to_field_name="slug",
        help_text=_("Marking someone attended grants or renews it. Leave empty for a training that grants none."),
    )
    starts_at = forms.DateTimeField(label=_("Starts"), widget=LocalDateTimeInput())
    ends_at = forms.DateTimeField(label=_("Ends"), widget=LocalDateTimeInput())
    place = forms.CharField(
        label=_("Place"),
        max_length=PLACE_LENGTH,
        help_text=_("A public place: a library, a union hall. Never someone's home."),
    )
    zone = forms.ChoiceField(label=_("Zone"), required=False)
    capacity = forms.IntegerField(label=_("Seats"), min_value=1, max_value=MAX_CAPACITY)
    language = forms.ChoiceField(label=_("Language"), choices=SessionLanguage.choices)
    facilitator = forms.CharField(
        label=_("Facilitator"), max_length=120, required=False, help_text=_("Never shown on public pages.")
    )
    description_en = forms.CharField(
        label=_("Description in English"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    description_es = forms.CharField(
        label=_("Description in Spanish"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    is_public = forms.BooleanField(label=_("On the public trainings page"), required=False)
    asks_access_needs = forms.BooleanField(label=_("Ask about access needs"), required=False)
    asks_food = forms.BooleanField(label=_("Ask about food"), required=False)
    asks_childcare = forms.BooleanField(label=_("Ask about childcare"), required=False)
    asks_health = forms.BooleanField(label=_("Ask about allergies"), required=False)

    def __init__(self, *args: Any, session: Session | None = None, **kwargs: Any) -> None:
        if session is not None and not args and "initial" not in kwargs:
            initial = {name: getattr(session, name) for name in FIELDS}
            initial["skill"] = session.skill.slug if session.skill else ""
            initial["zone"] = session.zone.slug if session.zone else ""
            kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        zone_field = self.fields["zone"]
        assert isinstance(zone_field, forms.ChoiceField)  # noqa: S101  (declared above)
        self.zones = {zone.slug: zone for zone in network_zones().order_by(in_order("name"), "slug")}
        zone_field.choices = [("", _("No zone")), *((slug, text_of(zone, "name")) for slug, zone in self.zones.items())]

    def clean_zone(self) -> str:
        value = str(self.cleaned_data.get("zone") or "")
        if value and value not in self.zones:
            raise ValidationError(_("Choose one of the network's zones."))
        return value

    def values(self) -> SessionValues:
        data = self.cleaned_data
        return SessionValues(
            title_en=data["title_en"].strip(),
            title_es=data["title_es"].strip(),
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            place=data["place"].strip(),
            capacity=data["capacity"],
            kind=data["kind"],
            language=data["language"],
            description_en=data["description_en"].strip(),
            description_es=data["description_es"].strip(),
            skill=data["skill"],
            zone=self.zones.get(data["zone"]) if data["zone"] else None,
            facilitator=data["facilitator"].strip(),
            is_public=data["is_public"],
            asks_access_needs=data["asks_access_needs"],
            asks_food=data["asks_food"],
            asks_childcare=data["asks_childcare"],
            asks_health=data["asks_health"],
        )


def add_questions(form: forms.Form, session: Session) -> None:
    """The optional questions this session asks, as text fields of the form."""
    for name, switch, label in QUESTIONS:
        if getattr(session, switch):
            form.fields[name] = forms.CharField(label=label, max_length=ANSWER_LENGTH, required=False)


def answers_of(form: forms.Form) -> Answers:
    data = form.cleaned_data
    return Answers(**{name: data.get(name, "") or "" for name, _switch, _label in QUESTIONS})


class SignUpForm(forms.Form):
    """A signed-in person's own sign-up: the optional questions the session asks, nothing else."""

    def __init__(self, *args: Any, session: Session, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        add_questions(self, session)


class PublicSignUpForm(PublicForm):
    """The public sign-up: a display name, a phone or an email, a language, and the session's questions."""

    display_name = forms.CharField(
        label=_("Your name or a nickname"), max_length=DISPLAY_NAME_LENGTH, help_text=_("No legal name needed.")
    )
    contact = forms.CharField(
        label=_("Mobile phone number or email"),
        max_length=254,
        help_text=_("We send the confirmation and the reminders there, and use it for nothing else."),
    )
    language = forms.ChoiceField(label=_("Language for messages"), widget=forms.RadioSelect, choices=LANGUAGE_CHOICES)

    session: Session  # set by for_session: core.public's view builds the form from its class alone

    @classmethod
    def for_session(cls, session: Session) -> type["PublicSignUpForm"]:
        return type("PublicSignUpForm", (cls,), {"session": session})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = (get_language() or settings.LANGUAGE_CODE)[:2]
        self.fields["language"].initial = current if current in dict(LANGUAGE_CHOICES) else "en"
        self.fields["contact"].widget.attrs.update({"autocomplete": "on", "inputmode": "text"})
        add_questions(self, self.session)

    def clean_contact(self) -> str:
        value = str(self.cleaned_data.get("contact") or "").strip()
        kind = ContactKind.EMAIL if "@" in value else ContactKind.PHONE
        try:
            normalised = clean_contact(kind, value)
        except ValidationError:
            raise ValidationError(_("Give a mobile phone number or an email address.")) from None
        self.kind = kind
        return normalised
