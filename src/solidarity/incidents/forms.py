"""Incidents' forms: what a dispatcher types on the board and an incident's page, and what coordinators
set for each incident type and for the hotline. Each checks lengths and choices; the services check the rest."""

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from solidarity.core.bilingual import in_order, text_of
from solidarity.core.models import Zone
from solidarity.core.zones import network_zones
from solidarity.incidents.models import LONG_TEXT, MAX_NEEDED, HotlineSettings, IncidentType
from solidarity.incidents.requirements import SETTINGS_FIELDS
from solidarity.incidents.services import WHERE_LENGTH
from solidarity.lists.models import AnnouncementList
from solidarity.people.models import Skill

WHERE_HELP = _("A cross street or a landmark: what responders are told. Never anyone's home.")
CODE_LENGTH = 8


class NoteForm(forms.Form):
    """A note, or the end of an incident (false alarm, could not be verified, resolved) with an optional note."""

    note = forms.CharField(
        label=_("Note"), max_length=LONG_TEXT, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class RequiredNoteForm(forms.Form):
    text = forms.CharField(label=_("Note"), max_length=LONG_TEXT, widget=forms.Textarea(attrs={"rows": 3}))


class VerificationForm(forms.Form):
    text = forms.CharField(
        label=_("What the verifier saw"),
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "How many agents and vehicles, what they are doing, uniforms, equipment; or that nothing was there."
        ),
    )


class ConfirmForm(forms.Form):
    where = forms.CharField(label=_("Where to go"), max_length=WHERE_LENGTH, required=False, help_text=WHERE_HELP)
    note = forms.CharField(
        label=_("Note"), max_length=LONG_TEXT, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class WhereForm(forms.Form):
    where = forms.CharField(label=_("Where to go"), max_length=WHERE_LENGTH, required=False, help_text=WHERE_HELP)


class MergeForm(forms.Form):
    into = forms.CharField(
        label=_("Merge into incident"),
        max_length=CODE_LENGTH,
        help_text=_("The code of the incident that carries on, for example KT47."),
    )

    def clean_into(self) -> str:
        return str(self.cleaned_data["into"]).strip().upper()


class SplitForm(forms.Form):
    reports = forms.CharField(
        label=_("Reports to split out"),
        max_length=400,
        help_text=_("Their references, separated by spaces or commas. They become a new incident."),
    )

    def clean_reports(self) -> list[str]:
        return [code for code in re.split(r"[\s,;]+", str(self.cleaned_data["reports"]).upper()) if code]


class AnswerForm(forms.Form):
    """A responder's answer that a dispatcher records for them (they phoned), or they give on their own page."""

    answer = forms.ChoiceField(
        label=_("Answer"),
        choices=[
            ("go", _("going")),
            ("no", _("cannot go")),
            ("arrived", _("arrived")),
            ("left", _("left")),
        ],
    )


class PlaceForm(forms.Form):
    """A report waiting for a person: its zone and kind, and it joins an incident."""

    zone = forms.ChoiceField(label=_("Zone"))
    type = forms.ChoiceField(label=_("Kind of event"), choices=IncidentType.choices)

    def __init__(self, *args: Any, zones: list[Zone] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        found = zones if zones is not None else list(network_zones())
        self.zones = {zone.slug: zone for zone in found}
        field = self.fields["zone"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101  (declared above)
        field.choices = [("", "—"), *((zone.slug, text_of(zone, "name")) for zone in found)]

    def chosen_zone(self) -> Zone:
        return self.zones[self.cleaned_data["zone"]]


class SkillField(forms.ModelChoiceField[Skill]):
    def label_from_instance(self, obj: Skill) -> str:
        return text_of(obj, "name") or obj.slug


class SkillsField(forms.ModelMultipleChoiceField[Skill]):
    def label_from_instance(self, obj: Skill) -> str:
        return text_of(obj, "name") or obj.slug


class RequirementForm(forms.Form):
    type = forms.ChoiceField(label=_("Kind of event"), choices=IncidentType.choices)
    skill = SkillField(label=_("Skill"), queryset=Skill.objects.none(), to_field_name="slug")
    count = forms.IntegerField(label=_("How many"), min_value=1, max_value=MAX_NEEDED)
    within_minutes = forms.IntegerField(
        label=_("Within (minutes)"),
        min_value=1,
        max_value=24 * 60,
        required=False,
        help_text=_("How soon they must be there; empty if it does not matter."),
    )
    in_pairs = forms.BooleanField(
        label=_("In pairs"), required=False, help_text=_("They go two by two (street medics).")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["skill"]
        assert isinstance(field, SkillField)  # noqa: S101  (declared above)
        field.queryset = Skill.objects.order_by(in_order("name"), "slug")


class RemoveRequirementForm(forms.Form):
    type = forms.ChoiceField(choices=IncidentType.choices)
    skill = forms.ModelChoiceField(queryset=Skill.objects.all(), to_field_name="slug")


class HotlineForm(forms.ModelForm[HotlineSettings]):
    verifier_skills = SkillsField(
        label=_("Who can verify"),
        queryset=Skill.objects.none(),
        to_field_name="slug",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Skills whose holders are asked to verify a report (a verifier, a legal observer)."),
    )

    alert_lists = forms.ModelMultipleChoiceField(
        label=_("Lists for wide alerts"),
        queryset=AnnouncementList.objects.none(),
        to_field_name="slug",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "A confirmed incident can be told to these lists' subscribers in its zones, once a second person signs."
        ),
    )

    class Meta:
        model = HotlineSettings
        fields = [*SETTINGS_FIELDS, "verifier_skills", "alert_lists"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["verifier_skills"]
        assert isinstance(field, SkillsField)  # noqa: S101  (declared above)
        field.queryset = Skill.objects.order_by(in_order("name"), "slug")
        lists = self.fields["alert_lists"]
        assert isinstance(lists, forms.ModelMultipleChoiceField)  # noqa: S101  (declared above)
        lists.queryset = AnnouncementList.objects.order_by(in_order("name"), "slug")
