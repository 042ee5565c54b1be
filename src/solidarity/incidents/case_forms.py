"""Family-support cases' forms: what a case's team types on its page. Each checks lengths and choices; the
services (incidents.cases) check the rest. No field asks for anyone's immigration status."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from solidarity.accounts.models import User
from solidarity.incidents.case_models import NAME_TEXT, BondStatus, CaseNeedKind, HearingKind
from solidarity.incidents.cases import IDENTIFIER_TEXT, LANGUAGES
from solidarity.incidents.models import LONG_TEXT, SHORT_TEXT

DATE = forms.DateInput(attrs={"type": "date"})


def text(
    label: Any, *, length: int = LONG_TEXT, required: bool = False, rows: int = 2, **kwargs: Any
) -> forms.CharField:
    return forms.CharField(
        label=label, max_length=length, required=required, widget=forms.Textarea(attrs={"rows": rows}), **kwargs
    )


class CaseForm(forms.Form):
    for_whom = forms.CharField(
        label=_("Who it is for"),
        max_length=NAME_TEXT,
        help_text=_("A first name or a pseudonym the family chooses. Never a full legal name."),
    )
    language = forms.ChoiceField(
        label=_("Their language"),
        choices=[(code, name) for code, name in zip(LANGUAGES, (_("English"), _("Spanish")), strict=True)],
    )
    contact = forms.CharField(
        label=_("How to reach the family"),
        max_length=SHORT_TEXT,
        required=False,
        help_text=_("Optional: a phone number or how they want to be reached."),
    )


class NeedForm(forms.Form):
    kind = forms.ChoiceField(label=_("Need"), choices=CaseNeedKind.choices)
    details = text(_("Details"))


class TaskForm(forms.Form):
    text = text(_("What is to be done"), required=True)
    assignee = forms.ChoiceField(label=_("Who does it"), required=False)
    due_on = forms.DateField(label=_("By when"), required=False, widget=DATE)

    def __init__(self, *args: Any, team: list[User] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.team = {user.username: user for user in team or []}
        field = self.fields["assignee"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101  (declared above)
        field.choices = [("", "—"), *((name, name) for name in self.team)]

    def chosen(self) -> User | None:
        return self.team.get(self.cleaned_data["assignee"])


class CaseNoteForm(forms.Form):
    text = text(_("Note"), required=True, rows=3)


class LegalPathForm(forms.Form):
    held_at = forms.CharField(
        label=_("Held at"), max_length=SHORT_TEXT, required=False, help_text=_("The detention centre or jail.")
    )
    bond_status = forms.ChoiceField(label=_("Bond"), choices=BondStatus.choices)
    bond_amount = forms.DecimalField(
        label=_("Bond amount (dollars)"), required=False, min_value=1, max_digits=10, decimal_places=2
    )
    referral_to = forms.CharField(
        label=_("Referred to"),
        max_length=SHORT_TEXT,
        required=False,
        help_text=_("The lawyer or organisation, for example for a habeas petition when there is no bond."),
    )
    referred_on = forms.DateField(label=_("Referred on"), required=False, widget=DATE)
    referral_note = text(_("Referral note"))


class HearingForm(forms.Form):
    kind = forms.ChoiceField(label=_("Hearing"), choices=HearingKind.choices)
    on = forms.DateField(label=_("Date"), widget=DATE)
    note = text(_("Note"))


class IdentifiersForm(forms.Form):
    a_number = forms.CharField(
        label=_("A-number"),
        max_length=20,
        required=False,
        help_text=_("8 or 9 digits, for ICE's online detainee locator."),
    )
    name_on_record = forms.CharField(label=_("Name as on record"), max_length=IDENTIFIER_TEXT, required=False)
    country_of_birth = forms.CharField(label=_("Country of birth"), max_length=IDENTIFIER_TEXT, required=False)
    booking_number = forms.CharField(
        label=_("Booking number"),
        max_length=IDENTIFIER_TEXT,
        required=False,
        help_text=_("A county jail's number, if they are held there."),
    )


class MemberForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)


class BondRequestForm(forms.Form):
    due_on = forms.DateField(label=_("Pay by"), required=False, widget=DATE)
    payer_note = text(
        _("For the payer"),
        help_text=_("Where and whom to pay, as the bond office needs it. Empty: taken from the case."),
    )


class ItemForm(forms.Form):
    """One need, task or hearing of the case, by its id (a button next to it)."""

    item = forms.UUIDField()
