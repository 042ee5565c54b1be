"""The directory's forms: a resource for its keepers, a phone, a session, and the public list's filters."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from solidarity.core.bilingual import text_of
from solidarity.core.zones import network_zones
from solidarity.directory.models import NAME_LENGTH, TEXT_LENGTH, Kind, Resource
from solidarity.directory.services import ResourceValues, values_of

LANGUAGE_CHOICES = [("", _("Any language")), ("en", _("English")), ("es", _("Spanish"))]


def zone_choices() -> list[tuple[str, str]]:
    return [(zone.slug, text_of(zone, "name")) for zone in network_zones()]


class ResourceForm(forms.Form):
    """What a keeper writes about a resource: an organisation's public facts, never a person's."""

    slug = forms.SlugField(label=_("Short name"), max_length=60, help_text=_("Used in the page's address."))
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices)
    name_en = forms.CharField(label=_("Name in English"), max_length=NAME_LENGTH, required=False)
    name_es = forms.CharField(label=_("Name in Spanish"), max_length=NAME_LENGTH, required=False)
    offers_en = forms.CharField(
        label=_("What it offers, in English"), max_length=TEXT_LENGTH, required=False, widget=forms.Textarea
    )
    offers_es = forms.CharField(
        label=_("What it offers, in Spanish"), max_length=TEXT_LENGTH, required=False, widget=forms.Textarea
    )
    is_free = forms.BooleanField(label=_("Free"), required=False)
    is_sliding_scale = forms.BooleanField(label=_("Sliding scale"), required=False)
    no_id_asked = forms.BooleanField(label=_("No ID asked"), required=False)
    is_walk_in = forms.BooleanField(label=_("Walk-in"), required=False)
    languages = forms.CharField(
        label=_("Languages spoken"), max_length=200, required=False, help_text=_("Codes, separated by commas: en, es")
    )
    web_address = forms.URLField(label=_("Web address"), max_length=300, required=False, assume_scheme="https")
    hours_en = forms.CharField(
        label=_("Opening hours, in English"), max_length=TEXT_LENGTH, required=False, widget=forms.Textarea
    )
    hours_es = forms.CharField(
        label=_("Opening hours, in Spanish"), max_length=TEXT_LENGTH, required=False, widget=forms.Textarea
    )
    zones = forms.MultipleChoiceField(
        label=_("Zones served"), required=False, widget=forms.CheckboxSelectMultiple, choices=[]
    )
    is_public = forms.BooleanField(
        label=_("Public"), required=False, help_text=_("Unticked, only members of the network see it.")
    )
    congregation_agreed = forms.BooleanField(
        label=_("The congregation agreed to be listed publicly"),
        required=False,
        help_text=_("A sanctuary congregation is public only with its agreement."),
    )
    check_every_days = forms.IntegerField(label=_("Check every (days)"), min_value=1, max_value=730, initial=90)

    def __init__(self, *args: Any, resource: Resource | None = None, **kwargs: Any) -> None:
        if resource is not None and "initial" not in kwargs:
            values = values_of(resource)
            kwargs["initial"] = {name: getattr(values, name) for name in self.base_fields} | {
                "languages": ", ".join(values.languages),
                "zones": list(values.zones),
            }
        super().__init__(*args, **kwargs)
        self.fields["zones"].choices = zone_choices()  # type: ignore[attr-defined]

    def values(self) -> ResourceValues:
        data = dict(self.cleaned_data)
        data["languages"] = tuple(code for code in data["languages"].split(",") if code.strip())
        data["zones"] = tuple(data["zones"])
        return ResourceValues(**data)


class PhoneForm(forms.Form):
    number = forms.CharField(label=_("Phone number"), max_length=40)
    label_en = forms.CharField(label=_("Label in English"), max_length=80, required=False)
    label_es = forms.CharField(label=_("Label in Spanish"), max_length=80, required=False)
    is_24h = forms.BooleanField(label=_("Answered 24 hours a day"), required=False)


class SessionForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    starts_at = forms.TimeField(label=_("Starts at"), required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    ends_at = forms.TimeField(label=_("Ends at"), required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    note_en = forms.CharField(label=_("Note in English"), max_length=300, required=False)
    note_es = forms.CharField(label=_("Note in Spanish"), max_length=300, required=False)


class FilterForm(forms.Form):
    """The public list's filters, in the URL's query (a GET form: works without JavaScript)."""

    kind = forms.ChoiceField(label=_("Need"), required=False)
    zone = forms.ChoiceField(label=_("Zone"), required=False)
    language = forms.ChoiceField(label=_("Language spoken"), required=False, choices=LANGUAGE_CHOICES)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("Any need")), *Kind.choices]  # type: ignore[attr-defined]
        self.fields["zone"].choices = [("", _("Any zone")), *zone_choices()]  # type: ignore[attr-defined]

    def chosen(self) -> dict[str, str]:
        """The valid filters; an unknown value is ignored, as if not chosen."""
        self.is_valid()
        return {name: self.cleaned_data.get(name) or "" for name in ("kind", "zone", "language")}
