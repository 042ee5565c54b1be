"""The people pages' forms: what a roster keeper types, checked before any service runs.

The services check again (the API calls them too); a refusal they raise goes on the form by field,
so nothing typed is lost.
"""

from collections.abc import Callable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from solidarity.accounts.models import WorkingGroup
from solidarity.core.bilingual import in_order, text_of
from solidarity.core.forms import refuse_on as core_refuse_on
from solidarity.core.models import NetworkSettings, Zone
from solidarity.core.services import get_network_settings
from solidarity.core.zones import network_zones
from solidarity.people.imports import GROUP_SHEET_BYTES, ImportRefused, too_large
from solidarity.people.models import (
    CONSENTS,
    DISPLAY_NAME_LENGTH,
    WEEK_MINUTES,
    ContactKind,
    Language,
    Person,
    PersonState,
    Shift,
    Skill,
    Weekday,
)
from solidarity.people.services import PersonValues, Window

SHIFT_ROWS = 3  # empty rows under a person's weekly windows: fill one to add a window, no script needed
MAX_SHIFTS = 28


def consent_field(label: Any) -> forms.BooleanField:
    return forms.BooleanField(label=label, required=False)


class ConsentFields(forms.Form):
    """What they agreed to be contacted about (Person's doc): ask them, and uncheck what they did not agree to."""

    consent_alerts = consent_field(_("Agreed to get alerts (rapid response)"))
    consent_trainings = consent_field(_("Agreed to hear about trainings"))
    consent_announcements = consent_field(_("Agreed to get announcements"))

    def consent(self) -> dict[str, bool]:
        return {what: bool(self.cleaned_data.get(f"consent_{what}")) for what in CONSENTS}


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


class PersonForm(ConsentFields):
    """A new person: a display name or pseudonym, one phone, one email, a language, zones, skills and consent.

    The consent boxes come checked: a roster keeper unchecks what the person did not agree to.
    """

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
        for what in CONSENTS:
            self.fields[f"consent_{what}"].initial = True
        self.order_fields(["display_name", "phone", "email", "language", "zones", "skills"])

    def values(self) -> PersonValues:
        data = self.cleaned_data
        consent = self.consent()
        return PersonValues(
            consent_alerts=consent["alerts"],
            consent_trainings=consent["trainings"],
            consent_announcements=consent["announcements"],
            display_name=data["display_name"],
            language=data["language"],
            phones=(data["phone"],) if data["phone"].strip() else (),
            emails=(data["email"],) if data["email"].strip() else (),
            zones=tuple(zone.slug for zone in data["zones"]),
            skills=tuple(skill.slug for skill in data["skills"]),
        )


class EditPersonForm(ConsentFields):
    display_name = forms.CharField(label=_("Display name or pseudonym"), max_length=DISPLAY_NAME_LENGTH)
    language = forms.ChoiceField(label=_("Preferred language"), choices=Language.choices)
    zones = zone_field(_("Zones they cover"))

    def __init__(self, *args: Any, person: Person, **kwargs: Any) -> None:
        initial = {
            "display_name": str(person.display_name),
            "language": person.language,
            "zones": [zone.slug for zone in person.zones.all()],
            **{f"consent_{what}": getattr(person, f"consent_{what}") for what in CONSENTS},
        }
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        zones: Any = self.fields["zones"]
        zones.queryset = network_zones()
        self.order_fields(["display_name", "language", "zones"])


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
    consent = forms.ChoiceField(
        label=_("Agreed to be contacted about"),
        choices=[
            ("", _("Any")),
            ("alerts", _("alerts")),
            ("trainings", _("trainings")),
            ("announcements", _("announcements")),
            ("no-alerts", _("not alerts")),
        ],
        required=False,
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
    consent: str = "",
) -> QuerySet[Person]:
    """The roster narrowed by zone slug, current skill slug, state, vetting and consent; newest first.

    `consent`: "alerts", "trainings" or "announcements" (agreed to it), or "no-alerts" (did not agree
    to alerts: on the roster, never alerted)."""
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
    if consent == "no-alerts":
        people = people.filter(consent_alerts=False)
    elif consent in CONSENTS:
        people = people.filter(**{f"consent_{consent}": True})
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
        consent=data.get("consent") or "",
    )


class ContactForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ContactKind.choices)
    value = forms.CharField(label=_("Phone or email"), max_length=254)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["value"].widget.attrs.update(autocomplete="off")


class ShiftForm(forms.Form):
    """One weekly window: a day, a start and a length (hours and minutes). Left empty, the row is skipped."""

    weekday = forms.TypedChoiceField(label=_("Day"), choices=[("", "—"), *Weekday.choices], coerce=int)
    starts = forms.TimeField(label=_("Starts at"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    hours = forms.IntegerField(label=_("Hours"), min_value=0, max_value=WEEK_MINUTES // 60)
    minutes = forms.IntegerField(label=_("Minutes"), min_value=0, max_value=59, initial=0, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        total = (data.get("hours") or 0) * 60 + (data.get("minutes") or 0)
        if "hours" in data and not 1 <= total <= WEEK_MINUTES:
            self.add_error("hours", _("Between one minute and one week."))
        data["duration_minutes"] = total
        return data

    def window(self) -> Window:
        data = self.cleaned_data
        return Window(weekday=data["weekday"], starts=data["starts"], duration_minutes=data["duration_minutes"])


class BaseShiftFormSet(forms.BaseFormSet[ShiftForm]):
    def windows(self) -> list[Window]:
        """The windows kept: rows filled in and not marked for deletion."""
        return [form.window() for form in self.forms if form.has_changed() and not form.cleaned_data.get("DELETE")]


ShiftFormSet = forms.formset_factory(
    ShiftForm, formset=BaseShiftFormSet, extra=SHIFT_ROWS, can_delete=True, max_num=MAX_SHIFTS, validate_max=True
)


def shift_rows(shifts: QuerySet[Shift], data: Any = None) -> BaseShiftFormSet:
    """The weekly windows as rows of a form, the existing ones first, then SHIFT_ROWS empty ones."""
    initial = [
        {
            "weekday": shift.weekday,
            "starts": shift.starts,
            "hours": shift.duration_minutes // 60,
            "minutes": shift.duration_minutes % 60,
        }
        for shift in shifts
    ]
    rows = ShiftFormSet(data, initial=initial, prefix="shifts")
    assert isinstance(rows, BaseShiftFormSet)  # noqa: S101  (formset_factory's class is typed as its base's)
    return rows


class OneOffForm(forms.Form):
    """A one-off change to the weekly windows, on the network's clocks (the request's time zone)."""

    is_on_call = forms.TypedChoiceField(
        label=_("Change"),
        choices=[("1", _("on call (an extra shift)")), ("0", _("away (no alerts)"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
        initial="1",
    )
    starts_at = forms.DateTimeField(
        label=_("From"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    ends_at = forms.DateTimeField(
        label=_("Until"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )


class AccountLinkForm(forms.Form):
    email = forms.EmailField(
        label=_("The account's email"),
        max_length=254,
        help_text=_("The email the account signs in with. Nothing is shown about accounts with other emails."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.attrs.update(autocomplete="off")


class SignOffForm(forms.Form):
    """Nothing to type: the button is the statement that the caller saw the practical part done."""


class GroupAddForm(forms.Form):
    group = forms.ModelChoiceField(label=_("Working group"), queryset=WorkingGroup.objects.none(), to_field_name="slug")

    def __init__(self, *args: Any, groups: QuerySet[WorkingGroup], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        group: Any = self.fields["group"]
        group.queryset = groups


class VouchesNeededForm(forms.Form):
    vouches_needed = forms.IntegerField(
        label=NetworkSettings._meta.get_field("vouches_needed").verbose_name,
        min_value=1,
        max_value=10,
        help_text=NetworkSettings._meta.get_field("vouches_needed").help_text,
    )


CONTACT_FIELDS = {"phones": "phone", "emails": "email"}  # the services' names -> the forms'


def refuse_on(form: forms.Form, error: ValidationError) -> None:
    """A service's refusal on the form (core.forms.refuse_on), its contacts' fields named as the forms name them."""
    core_refuse_on(form, error, CONTACT_FIELDS)


class GroupSheetForm(forms.Form):
    """A working group's spreadsheet to upload (people.imports.read_group_sheet reads it)."""

    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("Up to 1 MB and 1,000 rows. Save the spreadsheet as CSV (comma or semicolon)."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs.update(accept=".csv,text/csv")

    def staged[S](self, stage: Callable[[bytes, str], S]) -> S | None:
        """The valid form's file staged by `stage` (its bytes, its name); None with the refusal on the form."""
        uploaded = self.cleaned_data["file"]
        try:
            if uploaded.size > GROUP_SHEET_BYTES:
                raise too_large()
            return stage(uploaded.read(), uploaded.name or "")
        except ImportRefused as error:
            self.add_error("file", error.messages)
            return None
