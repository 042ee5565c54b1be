from collections.abc import Callable, Mapping
from typing import Any

import phonenumbers
from babel.numbers import list_currencies
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.text import normalize_newlines
from django.utils.translation import gettext_lazy as _

from solidarity.core.models import WELCOME_MAX_LENGTH, time_zone_choices
from solidarity.core.services import get_network_settings

NETWORK_FIELDS = (
    "name",
    "time_zone",
    "phone_region",
    "currency",
    "languages",
    "hotline",
    "clear_mail_when_key_expired",
    "expected_population",
    "welcome_en",
    "welcome_es",
)


def refuse_on(form: forms.BaseForm, error: ValidationError, renamed: Mapping[str, str] | None = None) -> None:
    """A service's ValidationError onto the form: by field where the form has it, else for the whole form.
    `renamed`: a service's field name -> the form's, where they differ."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            name = (renamed or {}).get(field, field)
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def submitted(
    request: HttpRequest, form: forms.BaseForm, act: Callable[[], object], renamed: Mapping[str, str] | None = None
) -> bool:
    """Whether a posted form was valid and its service (`act`) did it; a refusal lands on the form (refuse_on)."""
    if request.method != "POST" or not form.is_valid():
        return False
    try:
        act()
    except ValidationError as error:
        refuse_on(form, error, renamed)
        return False
    return True


class LocalDateTimeInput(forms.DateTimeInput):
    """A date and time as the phone's own picker enters it (in the network's time zone)."""

    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M")


class PlainTextField(forms.CharField):
    """Text a network writes for the public: plain (shown escaped), its line breaks kept as one newline each.

    A browser sends a textarea's line breaks as CRLF: they become LF before the length is checked,
    so the limit counts what the reader sees.
    """

    widget = forms.Textarea

    def to_python(self, value: Any) -> str:
        text = super().to_python(value)
        return normalize_newlines(text) if text else ""


class NetworkSettingsForm(forms.Form):
    name = forms.CharField(label=_("Network name"), max_length=120)
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=time_zone_choices)
    phone_region = forms.CharField(
        label=_("Default phone region"),
        max_length=2,
        help_text=_("Two-letter country code, e.g. US or MX, for numbers written without +country code."),
    )
    currency = forms.CharField(
        label=_("Currency"),
        max_length=3,
        initial="USD",
        required=False,
        help_text=_("The three-letter code of the money the network's funds count in: USD, MXN, EUR."),
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages offered"), choices=settings.LANGUAGES, widget=forms.CheckboxSelectMultiple
    )

    hotline = forms.CharField(
        label=_("Hotline number"),
        max_length=32,
        required=False,
        help_text=_("The public number people call in an emergency. Automatic text replies give it."),
    )
    clear_mail_when_key_expired = forms.BooleanField(
        label=_("Send mail in the clear when someone's OpenPGP key has expired"),
        required=False,
        help_text=_("Otherwise their mail waits until they send a new key."),
    )

    expected_population = forms.IntegerField(
        label=_("Expected number of people"),
        min_value=10,
        max_value=10_000_000,
        initial=5000,
        required=False,
        help_text=_(
            "About how many people and contacts the network will hold at most. It sizes the look-up codes "
            "of phone numbers and emails, and takes effect at the next key rotation."
        ),
    )

    welcome_en = PlainTextField(
        label=_("Welcome on the home page, in English"),
        max_length=WELCOME_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "lang": "en"}),
        help_text=_("Plain text: a few words on who you are. Left empty, the home page shows a general welcome."),
    )
    welcome_es = PlainTextField(
        label=_("Welcome on the home page, in Spanish"),
        max_length=WELCOME_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "lang": "es"}),
        help_text=_("The Spanish page shows this one; the English one only while this is empty."),
    )

    def clean_expected_population(self) -> int:
        return int(self.cleaned_data.get("expected_population") or 5000)

    def clean_hotline(self) -> str:
        raw: str = self.cleaned_data["hotline"].strip()
        if not raw:
            return ""
        region = self.cleaned_data.get("phone_region") or "US"
        try:
            number = phonenumbers.parse(raw, region)
        except phonenumbers.NumberParseException:
            number = None
        if number is None or not phonenumbers.is_possible_number(number):
            raise forms.ValidationError(_("Write the number as people dial it, e.g. +1 919 555 0142."))
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)

    def clean_phone_region(self) -> str:
        region: str = self.cleaned_data["phone_region"].strip().upper()
        if region not in phonenumbers.SUPPORTED_REGIONS:
            raise forms.ValidationError(_("Use a two-letter country code such as US or MX."))
        return region

    def clean_currency(self) -> str:
        code: str = self.cleaned_data["currency"].strip().upper() or get_network_settings().currency
        if code not in list_currencies():
            raise forms.ValidationError(_("Use a three-letter currency code such as USD or MXN."))
        return code

    def clean_languages(self) -> list[str]:
        chosen: list[str] = self.cleaned_data["languages"]
        return [code for code, _name in settings.LANGUAGES if code in chosen]

    def network_values(self) -> dict[str, Any]:
        # A form without some of the fields (the first start's) leaves those settings as they are.
        return {key: self.cleaned_data[key] for key in NETWORK_FIELDS if key in self.fields}
