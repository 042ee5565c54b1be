"""The forms of an action's slots, sign-ups, attendance and updates (events.signup_views)."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from solidarity.core.forms import LocalDateTimeInput, PlainTextField
from solidarity.events.models import MAX_NEEDED, TITLE_LENGTH, Role, Slot
from solidarity.events.signups import SlotValues
from solidarity.events.updates import UPDATE_LENGTH
from solidarity.people.models import Skill

PAIRING = (
    ("auto", _("Street medics in pairs, other roles alone")),
    ("yes", _("In pairs")),
    ("no", _("Alone")),
)


def skill_choices() -> list[tuple[str, str]]:
    return [("", str(_("No skill required"))), *((skill.slug, str(skill)) for skill in Skill.objects.order_by("slug"))]


class SlotForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    name_en = forms.CharField(label=_("Name in English (optional)"), max_length=TITLE_LENGTH, required=False)
    name_es = forms.CharField(label=_("Name in Spanish (optional)"), max_length=TITLE_LENGTH, required=False)
    skill = forms.ChoiceField(
        label=_("Skill required"),
        required=False,
        help_text=_("Only people with a current certification of it can take a place (a lapsed one is refused)."),
    )
    starts_at = forms.DateTimeField(label=_("Shift starts"), widget=LocalDateTimeInput())
    ends_at = forms.DateTimeField(
        label=_("Shift ends"), widget=LocalDateTimeInput(), help_text=_("Jail-support shifts last 4 hours at most.")
    )
    needed = forms.IntegerField(label=_("People needed"), min_value=1, max_value=MAX_NEEDED, initial=2)
    pairing = forms.ChoiceField(label=_("Pairs"), choices=PAIRING, initial="auto")

    def __init__(self, *args: Any, slot: Slot | None = None, **kwargs: Any) -> None:
        if slot is not None and not args and "initial" not in kwargs:
            kwargs["initial"] = {
                "role": slot.role,
                "name_en": slot.name_en,
                "name_es": slot.name_es,
                "skill": slot.skill.slug if slot.skill else "",
                "starts_at": slot.starts_at,
                "ends_at": slot.ends_at,
                "needed": slot.needed,
                "pairing": "yes" if slot.in_pairs else "no",
            }
        super().__init__(*args, **kwargs)
        self.fields["skill"].choices = skill_choices()  # type: ignore[attr-defined]  # a ChoiceField

    def values(self) -> SlotValues:
        data = self.cleaned_data
        pairing = data["pairing"]
        return SlotValues(
            role=data["role"],
            name_en=data["name_en"],
            name_es=data["name_es"],
            skill=data["skill"] or "",
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            needed=data["needed"],
            in_pairs=None if pairing == "auto" else pairing == "yes",
        )


class UpdateForm(forms.Form):
    text_en = PlainTextField(label=_("Update in English"), max_length=UPDATE_LENGTH, required=False)
    text_es = PlainTextField(label=_("Update in Spanish"), max_length=UPDATE_LENGTH, required=False)


class AttendanceForm(forms.Form):
    """Who came: ticked for those checked in; untick or tick to correct."""

    attended = forms.MultipleChoiceField(
        label=_("Came"), required=False, widget=forms.CheckboxSelectMultiple, choices=()
    )

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attended"].choices = choices  # type: ignore[attr-defined]  # a MultipleChoiceField
