"""Meetings' forms: a meeting, an agenda item, its roles, joining with the code, the keeper's and facilitator's."""

from dataclasses import MISSING, fields, replace
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from solidarity.accounts.models import User, WorkingGroup
from solidarity.core.forms import LocalDateTimeInput
from solidarity.meetings.models import (
    MAX_ITEM_MINUTES,
    MAX_TURN_SECONDS,
    NAME_LENGTH,
    TITLE_LENGTH,
    AgendaItem,
    Duty,
    ItemKind,
    Kind,
    Lane,
    Language,
    Meeting,
    Rule,
    Visibility,
)
from solidarity.meetings.services import FIELDS, ItemValues, MeetingValues, report_values


class MeetingForm(forms.Form):
    title_en = forms.CharField(label=_("Title in English"), max_length=TITLE_LENGTH, required=False)
    title_es = forms.CharField(label=_("Title in Spanish"), max_length=TITLE_LENGTH, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices)
    starts_at = forms.DateTimeField(label=_("Starts"), widget=LocalDateTimeInput())
    place = forms.CharField(
        label=_("Place"),
        max_length=200,
        required=False,
        help_text=_("A public place: a library, a union hall. Never someone's home."),
    )
    call_link = forms.URLField(
        label=_("Call link"), required=False, help_text=_("For those who join by video or phone.")
    )
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    visibility = forms.ChoiceField(label=_("Who sees it"), choices=Visibility.choices)
    is_open = forms.BooleanField(
        label=_("Anyone in the room may join the speaking queue with the code"),
        required=False,
        help_text=_("With a name of their choosing: no account needed."),
    )
    rule = forms.ChoiceField(label=_("Decision rule"), choices=Rule.choices)
    fallback_percent = forms.IntegerField(
        label=_("Fallback vote to pass (%)"),
        min_value=51,
        max_value=100,
        help_text=_("When consensus fails: the share of votes that passes a proposal."),
    )
    minus_blocks = forms.IntegerField(
        label=_("Blocks allowed"), min_value=0, max_value=20, help_text=_("For consensus minus some blocks.")
    )
    quorum = forms.IntegerField(
        label=_("Quorum"), min_value=0, max_value=10_000, help_text=_("People present to decide (0: none).")
    )
    turn_seconds = forms.IntegerField(label=_("Speaking time (seconds)"), min_value=15, max_value=MAX_TURN_SECONDS)

    def __init__(self, *args: Any, meeting: Meeting | None = None, **kwargs: Any) -> None:
        if not args and "initial" not in kwargs:
            if meeting is not None:
                kwargs["initial"] = {name: getattr(meeting, name) for name in FIELDS}
            else:
                kwargs["initial"] = {
                    each.name: each.default for each in fields(MeetingValues) if each.default is not MISSING
                }
        super().__init__(*args, **kwargs)

    def values(self) -> MeetingValues:
        return MeetingValues(**{name: self.cleaned_data[name] for name in FIELDS})


class ItemForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ItemKind.choices, initial=ItemKind.ITEM)
    title_en = forms.CharField(label=_("Title in English"), max_length=TITLE_LENGTH, required=False)
    title_es = forms.CharField(label=_("Title in Spanish"), max_length=TITLE_LENGTH, required=False)
    minutes = forms.IntegerField(label=_("Minutes"), min_value=1, max_value=MAX_ITEM_MINUTES, initial=10)
    presenter = forms.CharField(
        label=_("Presenter"), max_length=NAME_LENGTH, required=False, help_text=_("A first name or a group's name.")
    )
    group = forms.ModelChoiceField(
        label=_("Reporting group"),
        queryset=WorkingGroup.objects.filter(archived_at=None).order_by("name"),
        to_field_name="slug",
        required=False,
        help_text=_("For a report-back: the working group that reports."),
    )

    def __init__(self, *args: Any, item: AgendaItem | None = None, **kwargs: Any) -> None:
        if item is not None and not args and "initial" not in kwargs:
            kwargs["initial"] = {
                "kind": item.kind,
                "title_en": item.title_en,
                "title_es": item.title_es,
                "minutes": item.minutes,
                "presenter": item.presenter,
                "group": item.group.slug if item.group else "",
            }
        super().__init__(*args, **kwargs)

    def values(self) -> ItemValues:
        data = self.cleaned_data
        if data["kind"] == ItemKind.REPORT and data["group"] is not None and not (data["title_en"] or data["title_es"]):
            # The report-back template: titled for its group in both languages.
            return replace(report_values(data["group"], data["minutes"]), presenter=data["presenter"])
        return ItemValues(
            title_en=data["title_en"],
            title_es=data["title_es"],
            minutes=data["minutes"],
            kind=data["kind"],
            presenter=data["presenter"],
            group=data["group"],
        )


class RolesForm(forms.Form):
    """One select per duty: who holds it at this meeting (or nobody)."""

    def __init__(self, *args: Any, meeting: Meeting, users: Any, **kwargs: Any) -> None:
        held = {role.duty: role.user.username for role in meeting.roles.select_related("user")}
        kwargs.setdefault("initial", held)
        super().__init__(*args, **kwargs)
        for duty in Duty:
            self.fields[duty.value] = forms.ModelChoiceField(
                label=duty.label, queryset=users, to_field_name="username", required=False
            )

    def holders(self) -> dict[str, User | None]:
        return {duty.value: self.cleaned_data.get(duty.value) for duty in Duty}


class JoinForm(forms.Form):
    name = forms.CharField(
        label=_("Your name, as the room will see it"),
        max_length=NAME_LENGTH,
        help_text=_("A first name or a nickname is enough."),
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )


class SpeakerForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=NAME_LENGTH)
    lane = forms.ChoiceField(label=_("Kind of turn"), choices=[(lane.value, lane.label) for lane in Lane][::-1])


class SideStackForm(forms.Form):
    title = forms.CharField(label=_("What the side stack is about"), max_length=80)


class NextMeetingForm(forms.Form):
    starts_at = forms.DateTimeField(label=_("Next meeting starts"), widget=LocalDateTimeInput())
    place = forms.CharField(label=_("Place, if it changes"), max_length=200, required=False)


class MinutesForm(forms.Form):
    minutes = forms.IntegerField(label=_("Minutes"), min_value=1, max_value=60, initial=5)
