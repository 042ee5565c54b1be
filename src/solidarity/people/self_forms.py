"""The forms of a volunteer's own pages (people.self_views): asking for the link, and what they change."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from solidarity.core.public import PublicForm
from solidarity.people.models import Language, Weekday

MAX_WINDOWS = 14


class RecordLinkForm(PublicForm):
    """A phone or an email: a link goes there if it is a volunteer's (the answer is the same either way)."""

    contact = forms.CharField(
        label=_("Your phone or email"),
        max_length=254,
        help_text=_("The one the network has for you. We send the link there."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contact"].widget.attrs.update(autocomplete="off", inputmode="email")


class LanguageForm(forms.Form):
    language = forms.ChoiceField(label=_("Preferred language"), choices=Language.choices)


class WindowForm(forms.Form):
    """One weekly on-call window: a day, a start and an end (the next day's when it is earlier)."""

    weekday = forms.TypedChoiceField(label=_("Day"), choices=Weekday.choices, coerce=int)
    starts = forms.TimeField(label=_("From"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    ends = forms.TimeField(
        label=_("To"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_("Earlier than the start: it ends the next day."),
    )
    # A window longer than a day (all week, say) keeps its length while its start and end are left as they were.
    minutes = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)


WindowFormSet = forms.formset_factory(
    WindowForm, extra=1, max_num=MAX_WINDOWS, absolute_max=MAX_WINDOWS, can_delete=True
)
