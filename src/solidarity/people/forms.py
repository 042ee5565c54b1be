"""The people pages' forms: what a roster keeper types, checked before any service runs.

The services check again (the API calls them too); a refusal they raise goes on the form by field,
so nothing typed is lost.
"""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from solidarity.core.bilingual import in_order, text_of
from solidarity.core.models import Zone
from solidarity.core.services import get_network_settings
from solidarity.core.zones import network_zones
from solidarity.people.models import DISPLAY_NAME_LENGTH, Language, Person, PersonState, Skill
from solidarity.people.services import PersonValues

ROSTER_PAGE = 50


class ZoneChoice(forms.ModelMultipleChoiceField[Zone]):
    def label_from_instance(self, obj: Any) -> str:
        return text_of(obj, "name")


class SkillChoice(forms.ModelMultipleChoiceField[Skill]):
    def label_from_instance(self, obj: Any) -> str:
        return text_of(obj, "name")


def skills_in_order() -> QuerySet[Skill]:
    """The catalogue by name, as the page's language shows it."""
    return Skill.objects.order_by(in_order("name"), "slug")


def zone_field(label: Any) -> ZoneChoice:
    return ZoneChoice(
        label=label,
        queryset=Zone.objects.none(),
        to_field_name="slug",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class PersonForm(forms.Form):
    """A new person: a display name or pseudonym, one phone, one email, a language, zones and skills."""

    display_name = forms.CharField(
        label=_("Display name or pseudonym"),
        max_length=DISPLAY_NAME_LENGTH,
        help_text=_("What the network calls them. No legal name is needed."),
    )
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    email = forms.CharField(label=_("Email"), max_length=254, required=False)
    language = forms.ChoiceField(label=_("Preferred language"), choices=Language.choices)
    zones = zone_field(_("Zones they cover"))
    skills = SkillChoice(
        label=_("Skills they hold now"),
        queryset=Skill.objects.none(),
        to_field_name="slug",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Each is certified from today and lapses after its refresher interval."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        zones: Any = self.fields["zones"]
        zones.queryset = network_zones()
        skills: Any = self.fields["skills"]
        skills.queryset = skills_in_order()
        self.fields["phone"].widget.attrs.update(type="tel", autocomplete="off")
        self.fields["email"].widget.attrs.update(type="email", autocomplete="off")

    def values(self) -> PersonValues:
        data = self.cleaned_data
        return PersonValues(
            display_name=data["display_name"],
            language=data["language"],
            phones=(data["phone"],) if data["phone"].strip() else (),
            emails=(data["email"],) if data["email"].strip() else (),
            zones=tuple(zone.slug for zone in data["zones"]),
            skills=tuple(skill.slug for skill in data["skills"]),
        )


class EditPersonForm(forms.Form):
    display_name = forms.CharField(label=_("Display name or pseudonym"), max_length=DISPLAY_NAME_LENGTH)
    language = forms.ChoiceField(label=_("Preferred language"), choices=Language.choices)
    zones = zone_field(_("Zones they cover"))

    def __init__(self, *args: Any, person: Person, **kwargs: Any) -> None:
        initial = {
            "display_name": str(person.display_name),
            "language": person.language,
            "zones": [zone.slug for zone in person.zones.all()],
        }
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        zones: Any = self.fields["zones"]
        zones.queryset = network_zones()


class PauseForm(forms.Form):
    until = forms.DateField(
        label=_("Paused until"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("From this date they get alerts again."),
    )


class GrantForm(forms.Form):
    skill = forms.ModelChoiceField(label=_("Skill"), queryset=Skill.objects.none(), to_field_name="slug")
    signed_off = forms.BooleanField(
        label=_("The practical sign-off was done too"),
        required=False,
        help_text=_("Only for skills that need one, when you saw it done."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        skill: Any = self.fields["skill"]
        skill.queryset = skills_in_order()
        skill.label_from_instance = lambda obj: text_of(obj, "name")


class RosterFilter(forms.Form):
    """The roster's filters. Names are encrypted, so nobody searches by name in SQL: filter by what is in clear."""

    zone = forms.ModelChoiceField(
        label=_("Zone"), queryset=Zone.objects.none(), to_field_name="slug", required=False, empty_label=_("Any")
    )
    skill = forms.ModelChoiceField(
        label=_("Current skill"),
        queryset=Skill.objects.none(),
        to_field_name="slug",
        required=False,
        empty_label=_("Any"),
    )
    state = forms.ChoiceField(label=_("State"), choices=[("", _("Any")), *PersonState.choices], required=False)
    vetted = forms.ChoiceField(
        label=_("Vetted"), choices=[("", _("Any")), ("yes", _("vetted")), ("no", _("not vetted"))], required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        zone: Any = self.fields["zone"]
        zone.queryset = network_zones()
        zone.label_from_instance = lambda obj: text_of(obj, "name")
        skill: Any = self.fields["skill"]
        skill.queryset = skills_in_order()
        skill.label_from_instance = lambda obj: text_of(obj, "name")


def is_vetted(vouches_needed: int) -> Q:
    """Vetted, in SQL: marked on import, or vouched for by enough people (people.services.vetted)."""
    return Q(vetted_by_import_at__isnull=False) | Q(vouch_count__gte=vouches_needed)


def filter_roster(
    people: QuerySet[Person],
    *,
    zone: str = "",
    skill: str = "",
    state: str = "",
    vetted: bool | None = None,
) -> QuerySet[Person]:
    """The roster narrowed by zone slug, current skill slug, state and vetting; newest first."""
    if zone:
        people = people.filter(coverage__zone__slug=zone)
    if skill:
        people = people.filter(certifications__skill__slug=skill, certifications__lapses_at__gt=timezone.now()).filter(
            Q(certifications__skill__needs_sign_off=False) | Q(certifications__signed_off_at__isnull=False)
        )
    if state:
        people = people.filter(state=state)
    if vetted is not None:
        condition = is_vetted(get_network_settings().vouches_needed)
        people = people.filter(condition) if vetted else people.exclude(condition)
    return people.distinct().order_by("-created_at", "-pk")


def filtered(people: QuerySet[Person], form: RosterFilter) -> QuerySet[Person]:
    data = form.cleaned_data if form.is_valid() else {}
    vetted = {"yes": True, "no": False}.get(data.get("vetted") or "")
    return filter_roster(
        people,
        zone=data["zone"].slug if data.get("zone") else "",
        skill=data["skill"].slug if data.get("skill") else "",
        state=data.get("state") or "",
        vetted=vetted,
    )


def refuse_on(form: forms.Form, error: ValidationError) -> None:
    """A service's refusal on the form, by field where it names one the form has (else on the whole form)."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            name = {"phones": "phone", "emails": "email"}.get(field, field)
            form.add_error(name if name in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)
