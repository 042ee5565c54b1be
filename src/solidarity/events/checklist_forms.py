"""The checklist's forms: a step (owner, note, lesson), the legal-observer request, the debrief training, the
debrief itself, the lessons to copy into the template, and a step of the template. Each gives its service's
values; the services check the rest."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from solidarity.accounts.models import User
from solidarity.core.forms import LocalDateTimeInput, PlainTextField
from solidarity.events.checklist import (
    DEBRIEF_CAPACITY,
    MAX_DEBRIEF_CAPACITY,
    DebriefSessionValues,
    ObserversValues,
    StepChanges,
    TemplateValues,
    display_name,
)
from solidarity.events.debrief import MAX_ENCOUNTERS, DebriefValues
from solidarity.events.models import NOTE_LENGTH, SHORT_TEXT, TEXT_LENGTH, Action, ChecklistStep, StepKind, TemplateStep

LESSONS_HELP = _("What to do differently next time. Kept encrypted. No names of people, no patient details.")


class MemberChoice(forms.ModelChoiceField):  # type: ignore[type-arg]  # django-stubs: the model's type is User
    def label_from_instance(self, obj: Any) -> str:
        return display_name(obj)


def members_field(members: list[User], label: str, empty: str) -> MemberChoice:
    queryset = User.objects.filter(pk__in=[member.pk for member in members]).select_related("person")
    field = MemberChoice(queryset=queryset.order_by("username"), label=label, required=False, empty_label=empty)
    field.to_field_name = "uuid"
    return field


class StepForm(forms.Form):
    owner = forms.Field()  # replaced in __init__ by the group's members
    note = forms.CharField(
        label=_("What is missing, or a note"),
        max_length=NOTE_LENGTH,
        required=False,
        help_text=_("For the organisers: no names of people outside the group."),
    )
    lesson = PlainTextField(
        label=_("A lesson for next time"),
        max_length=TEXT_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("After the action, organisers may copy it into the network's checklist template."),
    )

    def __init__(self, data: Any = None, *, step: ChecklistStep, members: list[User]) -> None:
        initial = {"owner": step.owner.uuid if step.owner else None, "note": step.note, "lesson": step.lesson}
        super().__init__(data, initial=initial)
        self.fields["owner"] = members_field(members, str(_("Owner")), str(_("No owner yet")))
        self.fields["owner"].help_text = _("A member of the action's working group, who sees this step through.")

    def values(self) -> StepChanges:
        data = self.cleaned_data
        return StepChanges(
            owner=data["owner"], note=data["note"], lesson=data["lesson"], fields=frozenset({"owner", "note", "lesson"})
        )


class ObserversForm(forms.Form):
    requested_from = forms.CharField(
        label=_("Requested from"),
        max_length=SHORT_TEXT,
        required=False,
        help_text=_("The organisation's name, such as a lawyers' guild chapter."),
    )
    requested_on = forms.DateField(
        label=_("Requested on"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    point_person = forms.Field()  # replaced in __init__
    confirmed = forms.BooleanField(label=_("They confirmed: observers will come"), required=False)

    def __init__(self, data: Any = None, *, action: Action, members: list[User]) -> None:
        initial = {
            "requested_from": action.observers_from,
            "requested_on": action.observers_requested_on,
            "point_person": action.observers_point_person.uuid if action.observers_point_person else None,
            "confirmed": action.observers_state == "confirmed",
        }
        super().__init__(data, initial=initial)
        self.fields["point_person"] = members_field(members, str(_("Point person")), str(_("Nobody yet")))
        self.fields["point_person"].help_text = _("The member of the group the observers call on the day.")

    def values(self) -> ObserversValues:
        data = self.cleaned_data
        return ObserversValues(
            requested_from=data["requested_from"],
            requested_on=data["requested_on"],
            point_person=data["point_person"],
            confirmed=data["confirmed"],
        )


class DebriefSessionForm(forms.Form):
    starts_at = forms.DateTimeField(label=_("Starts"), widget=LocalDateTimeInput())
    place = forms.CharField(
        label=_("Place"), max_length=SHORT_TEXT, help_text=_("A public place: a library, a union hall.")
    )
    capacity = forms.IntegerField(
        label=_("Seats"), min_value=1, max_value=MAX_DEBRIEF_CAPACITY, initial=DEBRIEF_CAPACITY
    )

    def values(self) -> DebriefSessionValues:
        data = self.cleaned_data
        return DebriefSessionValues(starts_at=data["starts_at"], place=data["place"], capacity=data["capacity"])


class DebriefForm(forms.Form):
    medic_encounters = forms.IntegerField(
        label=_("Medic encounters"),
        min_value=0,
        max_value=MAX_ENCOUNTERS,
        required=False,
        help_text=_("A count only: no patient names, no photos, nothing about anyone's health."),
    )
    other_spent = forms.DecimalField(
        label=_("Other money spent"),
        min_value=0,
        max_digits=10,
        decimal_places=2,
        required=False,
        help_text=_("Water, printing, transport: what was spent besides bail."),
    )
    lessons = PlainTextField(
        label=_("Lessons"), max_length=TEXT_LENGTH, required=False, widget=forms.Textarea(attrs={"rows": 5})
    )

    def __init__(self, data: Any = None, *, action: Action) -> None:
        spent = action.other_spent_cents
        initial = {
            "medic_encounters": action.medic_encounters,
            "other_spent": None if spent is None else spent / 100,
            "lessons": action.lessons,
        }
        super().__init__(data, initial=initial)
        self.fields["lessons"].help_text = LESSONS_HELP

    def values(self) -> DebriefValues:
        data = self.cleaned_data
        spent = data["other_spent"]
        return DebriefValues(
            medic_encounters=data["medic_encounters"],
            other_spent_cents=None if spent is None else int(spent * 100),
            lessons=data["lessons"],
        )


class CopyLessonsForm(forms.Form):
    steps = forms.MultipleChoiceField(
        label=_("Lessons to copy into the network's template"), widget=forms.CheckboxSelectMultiple, required=True
    )

    def __init__(self, data: Any = None, *, steps: list[ChecklistStep]) -> None:
        super().__init__(data)
        choices = [(str(step.uuid), f"{step}: {step.lesson}") for step in steps]
        self.fields["steps"].choices = choices  # type: ignore[attr-defined]  # a MultipleChoiceField


class TemplateStepForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=StepKind.choices,
        help_text=_("Ticked by hand, or read from where it lives (the public page, the kits, the fund...)."),
    )
    title_en = forms.CharField(label=_("Step in English"), max_length=SHORT_TEXT, required=False)
    title_es = forms.CharField(
        label=_("Step in Spanish"), max_length=SHORT_TEXT, required=False, widget=forms.TextInput({"lang": "es"})
    )
    help_en = PlainTextField(
        label=_("How, in English"), max_length=TEXT_LENGTH, required=False, widget=forms.Textarea({"rows": 3})
    )
    help_es = PlainTextField(
        label=_("How, in Spanish"),
        max_length=TEXT_LENGTH,
        required=False,
        widget=forms.Textarea({"rows": 3, "lang": "es"}),
    )

    def __init__(self, data: Any = None, *, step: TemplateStep | None = None) -> None:
        names = ("kind", "title_en", "title_es", "help_en", "help_es")
        initial = {name: getattr(step, name) for name in names} if step is not None else None
        super().__init__(data, initial=initial)

    def values(self) -> TemplateValues:
        data = self.cleaned_data
        return TemplateValues(
            kind=data["kind"],
            title_en=data["title_en"],
            title_es=data["title_es"],
            help_en=data["help_en"],
            help_es=data["help_es"],
        )
