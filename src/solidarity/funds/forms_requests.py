"""The forms of payment requests and bonds: each field labelled, no JavaScript needed."""

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from solidarity.funds.bonds import StepValues, next_states
from solidarity.funds.models import SHORT_TEXT, Bond, BondState, Category, Obligor
from solidarity.funds.money import parse_cents
from solidarity.funds.requests import PayValues, RequestValues

MAX_TEXT = 30  # an amount as typed
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AmountField(forms.CharField):
    """An amount as the user writes it, read into cents in their language."""

    def to_python(self, value: Any) -> int | None:  # type: ignore[override]  # cents, not the text typed
        text = str(super().to_python(value) or "")
        if len(text) > MAX_TEXT:
            raise ValidationError(_("That amount is too large."), code="amount")
        return parse_cents(text) if text else None


class RequestForm(forms.Form):
    amount = AmountField(label=_("Amount"), help_text=_("For example 1,500 or 250.50."))
    category = forms.ChoiceField(
        label=_("What kind of payment"),
        choices=Category.choices,
        help_text=_("An immigration bond and a criminal bail are different things: choose the right one."),
    )
    purpose = forms.CharField(
        label=_("What it is for"),
        max_length=SHORT_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only the fund's group reads it. Write what the treasurers need, not more."),
    )
    payee = forms.CharField(
        label=_("Whom to pay (optional)"),
        max_length=SHORT_TEXT,
        required=False,
        help_text=_("The office, lawyer or clinic to pay, and how."),
    )

    def values(self) -> RequestValues:
        data = self.cleaned_data
        return RequestValues(
            cents=data["amount"], category=data["category"], purpose=data["purpose"], payee=data["payee"]
        )


class RefuseForm(forms.Form):
    reason = forms.CharField(
        label=_("Why not (optional)"), max_length=SHORT_TEXT, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class PayForm(forms.Form):
    on = forms.DateField(label=_("Paid on"), widget=DATE, initial=timezone.localdate)
    set_on = forms.DateField(
        label=_("Bond or bail set on (optional)"),
        widget=DATE,
        required=False,
        help_text=_("The payment's day if empty."),
    )
    obligor = forms.ChoiceField(
        label=_("Posted by"),
        choices=Obligor.choices,
        initial=Obligor.FUND,
        required=False,
        help_text=_(
            "The obligor: the fund or an organisation, never a family member. An immigration bond is posted "
            "online through ICE's CeBONDS system, paid by bank transfer."
        ),
    )
    obligor_name = forms.CharField(label=_("Organisation's name (if an organisation)"), max_length=120, required=False)
    next_step_on = forms.DateField(
        label=_("Next step due (optional)"),
        widget=DATE,
        required=False,
        help_text=_("The treasurers are emailed the day after, if no step was recorded by then."),
    )

    def values(self) -> PayValues:
        data = self.cleaned_data
        return PayValues(
            on=data["on"],
            set_on=data["set_on"],
            obligor=data["obligor"] or Obligor.FUND,
            obligor_name=data["obligor_name"],
            next_step_on=data["next_step_on"],
        )


STEP_HELP = {
    BondState.CONDITIONS_MET: _("Every hearing attended and every condition kept."),
    BondState.CASE_CLOSED: _(
        "The case is over. For an immigration bond, the obligor then gets Form I-391, "
        '"Notice - Immigration Bond Cancelled".'
    ),
    BondState.REFUND_REQUESTED: _(
        "Sent to ICE's Debt Management Center with Form I-391 and the original bond receipt, Form I-305."
    ),
    BondState.RETURNED: _("The money came back to the fund's bank account."),
    BondState.NOT_RETURNED: _("The bond was breached or the bail forfeited: the money is lost."),
}


class StepForm(forms.Form):
    state = forms.ChoiceField(label=_("Step"))
    on = forms.DateField(label=_("On"), widget=DATE, initial=timezone.localdate)
    hearing_on = forms.DateField(
        label=_("Next hearing (optional)"), widget=DATE, required=False, help_text=_("Shown on the bond's page.")
    )
    next_step_on = forms.DateField(
        label=_("Next step due (optional)"),
        widget=DATE,
        required=False,
        help_text=_("The treasurers are emailed the day after, if no step was recorded by then."),
    )
    returned = AmountField(
        label=_("Money back (if back in the fund)"),
        required=False,
        help_text=_("All of the bond if empty; the rest is counted as not returned."),
    )
    note = forms.CharField(
        label=_("Note (optional)"),
        max_length=SHORT_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For the treasurers. Never the detained person's name or number."),
    )

    def __init__(self, *args: Any, bond: Bond, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(str(state), str(BondState(state).label)) for state in next_states(bond)]
        cast(forms.ChoiceField, self.fields["state"]).choices = choices

    def values(self) -> StepValues:
        data = self.cleaned_data
        return StepValues(
            state=data["state"],
            on=data["on"],
            hearing_on=data["hearing_on"],
            next_step_on=data["next_step_on"],
            note=data["note"],
            returned_cents=data["returned"],
        )
