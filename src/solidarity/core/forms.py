from typing import Any

import phonenumbers
from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from solidarity.core.models import time_zone_choices


class NetworkSettingsForm(forms.Form):
    name = forms.CharField(label=_("Network name"), max_length=120)
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=time_zone_choices)
    phone_region = forms.CharField(
        label=_("Default phone region"),
        max_length=2,
        help_text=_("Two-letter country code, e.g. US or MX, for numbers written without +country code."),
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages offered"), choices=settings.LANGUAGES, widget=forms.CheckboxSelectMultiple
    )

    def clean_phone_region(self) -> str:
        region: str = self.cleaned_data["phone_region"].strip().upper()
        if region not in phonenumbers.SUPPORTED_REGIONS:
            raise forms.ValidationError(_("Use a two-letter country code such as US or MX."))
        return region

    def clean_languages(self) -> list[str]:
        chosen: list[str] = self.cleaned_data["languages"]
        return [code for code, _name in settings.LANGUAGES if code in chosen]

    def network_values(self) -> dict[str, Any]:
        return {key: self.cleaned_data[key] for key in ("name", "time_zone", "phone_region", "languages")}
