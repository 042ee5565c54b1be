"""The callers' two forms: where they call from (optional, kept in their session only) and what happened."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from solidarity.campaigns.models import Outcome
from solidarity.campaigns.pages import CITY_LENGTH
from solidarity.core.bilingual import text_of
from solidarity.core.zones import network_zones


class CallerForm(forms.Form):
    """Before the first office: where the caller is calling from, if they want to say it, and (for a signed-in
    member) whether their calls are credited to them."""

    zone = forms.ChoiceField(label=_("Your area"), required=False)
    city = forms.CharField(
        label=_("Or your city or town"),
        max_length=CITY_LENGTH,
        required=False,
        help_text=_("Optional. The script says it for you; it stays in this browser's session and is never stored."),
    )
    credit = forms.BooleanField(
        label=_("Credit my calls to me"),
        required=False,
        help_text=_("Otherwise your calls are counted without your name, like everyone's."),
    )

    def __init__(self, *args: Any, may_credit: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        zones = [(zone.slug, text_of(zone, "name")) for zone in network_zones()]
        self.fields["zone"].choices = [("", _("I'd rather not say")), *zones]  # type: ignore[attr-defined]
        if not zones:
            del self.fields["zone"]
        if not may_credit:
            del self.fields["credit"]

    def clean_city(self) -> str:
        return " ".join(str(self.cleaned_data.get("city", "")).split())


class OutcomeForm(forms.Form):
    """What happened on the call: one of the five buttons (1-5, as a caller by text answers)."""

    outcome = forms.TypedChoiceField(
        label=_("How did the call go?"),
        choices=Outcome.choices,
        coerce=int,
        error_messages={
            "required": _("Choose what happened on the call."),
            "invalid_choice": _("Choose what happened on the call."),
        },
    )
