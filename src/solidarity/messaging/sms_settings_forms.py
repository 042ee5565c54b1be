"""The SMS settings an admin enters: providers, credentials (write-only) and a number for a test text.

A secret is never shown back, not even after a mistake elsewhere on the form: its field is
always empty, and left empty it keeps the saved value. Error messages never repeat a value.
"""

from typing import Any, cast
from urllib.parse import SplitResult, urlsplit, urlunsplit

import phonenumbers
from django import forms
from django.forms import BaseFormSet, formset_factory
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from solidarity.core.services import get_network_settings
from solidarity.messaging.models import SmsOrder
from solidarity.messaging.sms.config import ACCOUNT_SID, PHONE_NAME, SERVICE_SID, gateway_base
from solidarity.messaging.sms_settings import PhoneChange, SavedValues, SmsChanges

MAX_PHONES = 20
KEEP = _("Saved. Leave empty to keep it.")
REQUIRED_FOR_TWILIO = _("Needed to send through Twilio.")


def secret(label: Any) -> forms.CharField:
    # autocomplete="new-password": the browser must not fill in the admin's own sign-in password.
    widget = forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"})
    return forms.CharField(label=label, max_length=200, required=False, strip=True, widget=widget)


def phone_number(raw: str) -> str | None:
    """E.164 for a number as people write it (the network's region for numbers without +), or None."""
    try:
        number = phonenumbers.parse(raw, get_network_settings().phone_region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class PhoneForm(forms.Form):
    """One phone running SMS Gateway for Android in local-server mode."""

    id = forms.CharField(widget=forms.HiddenInput, required=False, max_length=40)
    name = forms.CharField(
        label=_("Name"),
        max_length=40,
        help_text=_("Lower-case letters, digits and dashes, e.g. kitchen."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    url = forms.CharField(
        label=_("Address of the phone"),
        max_length=200,
        help_text=_("As the app shows it for its local server, e.g. http://192.168.1.20:8080."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "url"}),
    )
    username = forms.CharField(
        label=_("Username"), max_length=100, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    password = secret(_("Password"))
    signing_key = secret(_("Webhook signing key"))

    def __init__(self, *args: Any, saved_ids: frozenset[str] = frozenset(), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.saved_ids = saved_ids
        if self.initial.get("id") in saved_ids:
            for name in ("password", "signing_key"):
                self.fields[name].help_text = KEEP

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip().lower()
        if not PHONE_NAME.fullmatch(name):
            raise forms.ValidationError(_("Use lower-case letters, digits and dashes, e.g. kitchen."))
        return name

    def clean_url(self) -> str:
        raw: str = self.cleaned_data["url"].strip()
        problem = _("Write the phone's address as the app shows it, e.g. http://192.168.1.20:8080.")
        try:
            parts = urlsplit(raw)
            port = parts.port
        except ValueError:
            raise forms.ValidationError(problem) from None
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
            raise forms.ValidationError(problem)
        if parts.username or parts.password:
            self.show_without_credentials(parts)
            raise forms.ValidationError(_("Put the username and password in their own boxes, not in the address."))
        return gateway_base(parts.scheme, parts.hostname, port, parts.path)

    def show_without_credentials(self, parts: SplitResult) -> None:
        """A refused form is shown again: without the password typed into the address."""
        host = f"[{parts.hostname}]" if ":" in str(parts.hostname) else str(parts.hostname)
        shown = urlunsplit(parts._replace(netloc=f"{host}:{parts.port}" if parts.port else host))
        data = QueryDict(mutable=True)
        data.update(self.data)  # a QueryDict keeps each key's values: a copy, to change one
        data[self.add_prefix("url")] = shown
        self.data = data

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("id") not in self.saved_ids:
            cleaned["id"] = ""  # not a phone we know: a new one, which needs its secrets
            for name in ("password", "signing_key"):
                if not cleaned.get(name) and name not in self.errors:
                    self.add_error(name, _("Needed for a new phone."))
        return cleaned

    def change(self) -> PhoneChange:
        data = self.cleaned_data
        return PhoneChange(
            id=data["id"],
            name=data["name"],
            url=data["url"],
            username=data["username"].strip(),
            password=data["password"],
            signing_key=data["signing_key"],
        )


class BasePhoneFormSet(BaseFormSet[PhoneForm]):
    def add_fields(self, form: PhoneForm, index: int | None) -> None:
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = _("Remove this phone")

    def kept(self) -> list[PhoneForm]:
        """The phones to save: every form but the removed ones and an empty "add a phone" row."""
        return [
            form
            for form in self.forms
            if not getattr(form, "cleaned_data", {}).get("DELETE", False)
            and (form in self.initial_forms or form.has_changed())
        ]

    def clean(self) -> None:
        super().clean()
        if any(form.errors for form in self.forms if form in self.kept()):
            return
        names = [form.cleaned_data["name"] for form in self.kept()]
        if len(names) != len(set(names)):
            raise forms.ValidationError(_("Two phones have the same name: give each its own."))


# One empty row to add a phone (no JavaScript); a checkbox on each saved one to remove it.
PhoneFormSet = cast(
    type[BasePhoneFormSet],
    formset_factory(
        PhoneForm,
        formset=BasePhoneFormSet,
        extra=1,
        can_delete=True,
        can_delete_extra=False,
        max_num=MAX_PHONES,
        validate_max=True,
    ),
)


class SmsSettingsForm(forms.Form):
    """The providers and their order. The phones are a formset of their own (`self.phones`)."""

    twilio_enabled = forms.BooleanField(label=_("Send through Twilio"), required=False)
    twilio_account_sid = forms.CharField(
        label=_("Account SID"),
        max_length=34,
        required=False,
        help_text=_("Starts with AC. It is on the Twilio console's first page."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    twilio_auth_token = secret(_("Auth token"))
    twilio_sender = forms.CharField(
        label=_("Sending number or Messaging Service SID"),
        max_length=40,
        required=False,
        help_text=_("The Twilio number texts come from (+15555550100), or a Messaging Service SID (MG…)."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    forget_twilio = forms.BooleanField(label=_("Delete the saved Twilio credentials"), required=False)
    android_enabled = forms.BooleanField(label=_("Send through phones (SMS Gateway for Android)"), required=False)
    order = forms.ChoiceField(label=_("Which goes first"), choices=SmsOrder.choices, widget=forms.RadioSelect)

    def __init__(self, data: Any = None, *, saved: SavedValues) -> None:
        initial = {
            "twilio_enabled": saved["twilio_enabled"],
            "twilio_account_sid": saved["twilio_account_sid"],
            "twilio_sender": saved["twilio_sender"],
            "android_enabled": saved["android_enabled"],
            "order": saved["order"],
        }
        super().__init__(data, initial=initial)
        self.saved = saved
        if saved["has_twilio_auth_token"]:
            self.fields["twilio_auth_token"].help_text = KEEP
        self.phones = PhoneFormSet(
            data,
            prefix="phones",
            initial=[dict(phone) for phone in saved["phones"]],
            form_kwargs={"saved_ids": frozenset(phone["id"] for phone in saved["phones"])},
        )

    def clean_twilio_account_sid(self) -> str:
        sid: str = self.cleaned_data["twilio_account_sid"].strip()
        if sid and not ACCOUNT_SID.fullmatch(sid):
            raise forms.ValidationError(_("An account SID is AC followed by 32 letters and digits."))
        return sid

    def clean_twilio_sender(self) -> str:
        raw: str = self.cleaned_data["twilio_sender"].strip()
        if not raw:
            return ""
        if raw[:2].upper() == "MG":
            if not SERVICE_SID.fullmatch(raw):
                raise forms.ValidationError(_("A Messaging Service SID is MG followed by 32 letters and digits."))
            return raw
        number = phone_number(raw)
        if number is None:
            raise forms.ValidationError(_("Write the number as people dial it, e.g. +1 919 555 0142."))
        return number

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("twilio_enabled") and not cleaned.get("forget_twilio"):
            has_token = bool(cleaned.get("twilio_auth_token")) or self.saved["has_twilio_auth_token"]
            for name, present in [
                ("twilio_account_sid", cleaned.get("twilio_account_sid")),
                ("twilio_auth_token", has_token),
                ("twilio_sender", cleaned.get("twilio_sender")),
            ]:
                if not present and name not in self.errors:
                    self.add_error(name, REQUIRED_FOR_TWILIO)
        if cleaned.get("android_enabled") and self.phones.is_valid() and not self.phones.kept():
            self.add_error("android_enabled", _("Add at least one phone."))
        return cleaned

    def is_valid(self) -> bool:
        phones_ok = self.phones.is_valid()  # both, so every mistake is shown at once
        return super().is_valid() and phones_ok

    def changes(self) -> SmsChanges:
        data = self.cleaned_data
        return SmsChanges(
            order=data["order"],
            twilio_enabled=data["twilio_enabled"],
            twilio_account_sid=data["twilio_account_sid"],
            twilio_auth_token=data["twilio_auth_token"],
            twilio_sender=data["twilio_sender"],
            android_enabled=data["android_enabled"],
            phones=[form.change() for form in self.phones.kept()],
            forget_twilio=data["forget_twilio"],
        )


class SendTestTextForm(forms.Form):
    to = forms.CharField(
        label=_("Send a test text to"),
        max_length=32,
        help_text=_("A phone you have at hand. The text goes through the outbox like any other."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )

    def clean_to(self) -> str:
        number = phone_number(self.cleaned_data["to"].strip())
        if number is None:
            raise forms.ValidationError(_("Write the number as people dial it, e.g. +1 919 555 0142."))
        return number
