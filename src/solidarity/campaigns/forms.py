"""The organisers' forms: a campaign, an office with its numbers, hours and scripts, closing with the outcome, the
person the campaign is for and their consent. Each gives its service's values; the services check the rest."""

from datetime import time
from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from solidarity.campaigns.models import (
    IDENTIFIERS_LENGTH,
    NAME_LENGTH,
    SCRIPT_LENGTH,
    TEXT_LENGTH,
    TITLE_LENGTH,
    Campaign,
    ConsentFrom,
    Result,
    Target,
    TargetKind,
    Visibility,
)
from solidarity.campaigns.scripts import names, seconds_to_read
from solidarity.campaigns.services import MAX_LINES, PUBLIC_TEXTS, CampaignValues, LineValues, TargetValues
from solidarity.core.forms import LocalDateTimeInput, PlainTextField
from solidarity.core.models import time_zone_choices
from solidarity.core.services import get_network_settings


def placeholders_help() -> str:
    """The placeholders a text may hold, named as a writer in the page's language types them (scripts.names)."""
    return (
        gettext(
            "You may write %(person)s (the person's name, shown only once consent is recorded), %(ids)s (their "
            "identifiers) and %(place)s (where the caller calls from)."
        )
        % names()
    )


DAYS = [
    ("1", _("Monday")),
    ("2", _("Tuesday")),
    ("3", _("Wednesday")),
    ("4", _("Thursday")),
    ("5", _("Friday")),
    ("6", _("Saturday")),
    ("7", _("Sunday")),
]


def unbound(args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
    """Whether a form is made without data (a page's first view): its initial values are the object's."""
    return (args[0] if args else kwargs.get("data")) is None


def text_area(language: str, rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows, "lang": language})


class CampaignForm(forms.Form):
    title_en = forms.CharField(label=_("Title in English"), max_length=TITLE_LENGTH, required=False)
    title_es = forms.CharField(
        label=_("Title in Spanish"), max_length=TITLE_LENGTH, required=False, widget=forms.TextInput({"lang": "es"})
    )
    goal_en = PlainTextField(
        label=_("The ask, in English"),
        max_length=TEXT_LENGTH,
        required=False,
        widget=text_area("en", 2),
        help_text=_("One clear ask: release on bond, stop the transfer."),
    )
    goal_es = PlainTextField(
        label=_("The ask, in Spanish"), max_length=TEXT_LENGTH, required=False, widget=text_area("es", 2)
    )
    intro_en = PlainTextField(
        label=_("Intro in English"),
        max_length=TEXT_LENGTH,
        required=False,
        widget=text_area("en", 5),
        help_text=_("What is happening, why it matters, why this call helps."),
    )
    intro_es = PlainTextField(
        label=_("Intro in Spanish"), max_length=TEXT_LENGTH, required=False, widget=text_area("es", 5)
    )
    starts_at = forms.DateTimeField(label=_("Calls begin"), widget=LocalDateTimeInput())
    ends_at = forms.DateTimeField(label=_("Calls end"), widget=LocalDateTimeInput())
    visibility = forms.ChoiceField(label=_("Who may call"), choices=Visibility.choices, widget=forms.RadioSelect)
    has_public_counter = forms.BooleanField(
        label=_("Show callers a live count of the calls"), required=False, help_text=_("The total only, nobody's name.")
    )

    def __init__(self, *args: Any, campaign: Campaign | None = None, **kwargs: Any) -> None:
        if campaign is not None and unbound(args, kwargs):
            names = (*PUBLIC_TEXTS, "starts_at", "ends_at", "visibility", "has_public_counter")
            kwargs.setdefault("initial", {name: getattr(campaign, name) for name in names})
        super().__init__(*args, **kwargs)
        self.fields["visibility"].initial = Visibility.PUBLIC
        intro = self.fields["intro_en"]
        intro.help_text = f"{intro.help_text} {placeholders_help()}"

    def values(self) -> CampaignValues:
        data = self.cleaned_data
        return CampaignValues(
            **{name: data[name] for name in PUBLIC_TEXTS},
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            visibility=data["visibility"],
            has_public_counter=data["has_public_counter"],
        )


class TargetForm(forms.Form):
    """An office: its names, kind, numbers (up to MAX_LINES, each with a label), hours and scripts."""

    name_en = forms.CharField(label=_("Office name in English"), max_length=TITLE_LENGTH, required=False)
    name_es = forms.CharField(
        label=_("Office name in Spanish"),
        max_length=TITLE_LENGTH,
        required=False,
        widget=forms.TextInput({"lang": "es"}),
    )
    kind = forms.ChoiceField(label=_("Kind of office"), choices=TargetKind.choices)
    is_always_open = forms.BooleanField(label=_("Answered at any hour"), required=False)
    weekdays = forms.MultipleChoiceField(
        label=_("Days open"), choices=DAYS, required=False, widget=forms.CheckboxSelectMultiple
    )
    opens_at = forms.TimeField(label=_("Opens at"), widget=forms.TimeInput({"type": "time"}, format="%H:%M"))
    closes_at = forms.TimeField(label=_("Closes at"), widget=forms.TimeInput({"type": "time"}, format="%H:%M"))
    time_zone = forms.ChoiceField(label=_("The office's time zone"), choices=time_zone_choices)
    script_en = PlainTextField(
        label=_("Script in English"),
        max_length=SCRIPT_LENGTH,
        required=False,
        widget=text_area("en", 4),
        help_text=_("30 seconds or less read aloud, one ask."),
    )
    script_es = PlainTextField(
        label=_("Script in Spanish"), max_length=SCRIPT_LENGTH, required=False, widget=text_area("es", 4)
    )

    def __init__(self, *args: Any, target: Target | None = None, **kwargs: Any) -> None:
        if unbound(args, kwargs):
            kwargs.setdefault("initial", initial_of(target))
        super().__init__(*args, **kwargs)
        script = self.fields["script_en"]
        script.help_text = f"{script.help_text} {placeholders_help()}"
        for index in range(MAX_LINES):
            self.fields[f"phone_{index}"] = forms.CharField(
                label=_("Phone number %(n)d") % {"n": index + 1},
                max_length=32,
                required=False,
                widget=forms.TextInput({"type": "tel", "autocomplete": "off"}),
            )
            self.fields[f"label_{index}"] = forms.CharField(
                label=_("Label of number %(n)d") % {"n": index + 1},
                max_length=60,
                required=False,
                help_text=_("Main line, front desk.") if index == 0 else "",
            )

    def line_fields(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"phone_{index}"], self[f"label_{index}"]) for index in range(MAX_LINES)]

    def scripts(self) -> list[tuple[forms.BoundField, int]]:
        """Each script's field with about how long it takes to read aloud as written (or as typed)."""
        shown = []
        for name in ("script_en", "script_es"):
            field = self[name]
            shown.append((field, seconds_to_read(str(field.value() or ""))))
        return shown

    def values(self) -> TargetValues:
        data = self.cleaned_data
        return TargetValues(
            name_en=data["name_en"],
            name_es=data["name_es"],
            kind=data["kind"],
            script_en=data["script_en"],
            script_es=data["script_es"],
            time_zone=data["time_zone"],
            weekdays="".join(sorted(data["weekdays"])),
            opens_at=data["opens_at"],
            closes_at=data["closes_at"],
            is_always_open=data["is_always_open"],
            lines=[
                LineValues(data[f"phone_{index}"], data[f"label_{index}"])
                for index in range(MAX_LINES)
                if data[f"phone_{index}"].strip()
            ],
        )


def initial_of(target: Target | None) -> dict[str, Any]:
    if target is None:
        return {
            "time_zone": get_network_settings().time_zone,
            "weekdays": list("12345"),
            "opens_at": time(9),
            "closes_at": time(17),
        }
    initial: dict[str, Any] = {
        name: getattr(target, name)
        for name in ("name_en", "name_es", "kind", "script_en", "script_es", "time_zone", "opens_at", "closes_at")
    }
    initial["is_always_open"] = target.is_always_open
    initial["weekdays"] = list(target.weekdays)
    for index, line in enumerate(target.lines.all()):
        initial[f"phone_{index}"] = line.phone
        initial[f"label_{index}"] = line.label
    return initial


class CloseForm(forms.Form):
    result = forms.ChoiceField(label=_("How did it end?"), choices=Result.choices, widget=forms.RadioSelect)
    result_en = PlainTextField(
        label=_("What happened, in English"),
        max_length=TEXT_LENGTH,
        required=False,
        widget=text_area("en", 4),
        help_text=_("Callers read it on the campaign's page. The person's name is removed when it closes."),
    )
    result_es = PlainTextField(
        label=_("What happened, in Spanish"), max_length=TEXT_LENGTH, required=False, widget=text_area("es", 4)
    )


class SubjectForm(forms.Form):
    subject_name = forms.CharField(
        label=_("The person's name"),
        max_length=NAME_LENGTH,
        required=False,
        widget=forms.TextInput({"autocomplete": "off"}),
        help_text=_(
            "Shown to callers only once consent from the person or their family and from their lawyer is recorded."
        ),
    )
    subject_identifiers = forms.CharField(
        label=_("Identifiers to give (an A-number)"),
        max_length=IDENTIFIERS_LENGTH,
        required=False,
        widget=forms.TextInput({"autocomplete": "off"}),
    )


class ConsentForm(forms.Form):
    consent_from = forms.ChoiceField(
        label=_("Who gave consent"), choices=ConsentFrom.choices, widget=forms.RadioSelect, required=False
    )
