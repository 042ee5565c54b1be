"""The fund pages' forms: a fund's settings and bands, a gift, a collection, a transfer, a correction.

Amounts are typed as people type them ("1,250.50", "$ 20") and read by funds.money.parse_cents in the
reader's language (a decimal comma too); a form that fails keeps what was typed."""

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from solidarity.funds.models import NAME_LENGTH, SHORT_TEXT, Band, Fund, FundKind, Method
from solidarity.funds.money import money, parse_cents
from solidarity.funds.services import DonationValues, FundValues

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
BAND_ROWS = 5


class AmountField(forms.CharField):
    """An amount as typed, cleaned to integer cents in the active language."""

    def __init__(self, *, zero: bool = False, **kwargs: Any) -> None:
        self.zero = zero  # a band starts from zero
        kwargs.setdefault("label", _("Amount"))
        kwargs.setdefault("help_text", _("For example 250 or 1,250.50."))
        super().__init__(max_length=40, **kwargs)
        self.widget.attrs.update(inputmode="decimal", autocomplete="off")

    def clean(self, value: Any) -> Any:
        text = super().clean(value)
        if text in self.empty_values:
            return None
        digits = [char for char in str(text) if char.isdigit()]
        if self.zero and digits and set(digits) == {"0"}:
            return 0
        return parse_cents(text)


def on_field(label: Any = None) -> forms.DateField:
    return forms.DateField(label=label or _("Date"), widget=DATE, initial=timezone.localdate)


class FundForm(forms.Form):
    name_en = forms.CharField(label=_("Name in English"), max_length=NAME_LENGTH, required=False)
    name_es = forms.CharField(label=_("Name in Spanish"), max_length=NAME_LENGTH, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=FundKind.choices)
    slug = forms.SlugField(
        label=_("Short name"),
        max_length=40,
        required=False,
        help_text=_("Letters, numbers and dashes, for the public page's address. Blank: made from the name."),
    )
    about_en = forms.CharField(label=_("About, in English"), widget=forms.Textarea, max_length=2000, required=False)
    about_es = forms.CharField(label=_("About, in Spanish"), widget=forms.Textarea, max_length=2000, required=False)
    give_url = forms.URLField(
        label=_("Link to give"),
        required=False,
        assume_scheme="https",
        help_text=_(
            "The network's own payment page. Solidarity takes no payments and holds no card data: people give "
            "on that page, and a treasurer records the gift here."
        ),
    )
    is_public = forms.BooleanField(
        label=_("Public page"),
        required=False,
        help_text=_("Anyone may see the fund's totals and what it paid for, never who gave or who was helped."),
    )

    def values(self) -> FundValues:
        return FundValues(**self.cleaned_data)


def fund_initial(fund: Fund) -> dict[str, Any]:
    return {name: getattr(fund, name) for name in FundForm.base_fields}


class DonationForm(forms.Form):
    amount = AmountField()
    on = on_field()
    method = forms.ChoiceField(label=_("How it came"), choices=Method.choices, initial=Method.CASH)
    donor_name = forms.CharField(
        label=_("Donor's name"),
        max_length=NAME_LENGTH,
        required=False,
        help_text=_("Leave empty for an anonymous gift. Only the fund's treasurers ever see it."),
    )
    reference = forms.CharField(
        label=_("Platform reference"),
        max_length=80,
        required=False,
        help_text=_("The payment platform's id of the gift, so that it is never recorded twice."),
    )
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), max_length=SHORT_TEXT, required=False
    )
    pledge = forms.BooleanField(
        label=_("This is a pledge"), required=False, help_text=_("Promised, not yet in hand: collect it when it comes.")
    )

    def values(self) -> DonationValues:
        data = self.cleaned_data
        return DonationValues(
            cents=data["amount"],
            on=data["on"],
            method=data["method"],
            donor_name=data["donor_name"],
            reference=data["reference"],
            note=data["note"],
            pledge=data["pledge"],
        )


class CollectForm(forms.Form):
    on = on_field(_("Date it came in"))


class TransferForm(forms.Form):
    target = forms.ChoiceField(label=_("To the fund"))
    amount = AmountField()
    on = on_field()
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), max_length=SHORT_TEXT, required=False
    )

    def __init__(self, *args: Any, targets: list[Fund], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["target"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101  (declared just above)
        field.choices = [(fund.slug, f"{fund.name()} ({fund.group.name})") for fund in targets]


class CorrectForm(forms.Form):
    reason = forms.CharField(
        label=_("Why it is corrected"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=SHORT_TEXT,
        help_text=_("Kept as the correction's note, for the treasurers."),
    )
    on = on_field()


class BandsForm(forms.Form):
    """Up to BAND_ROWS bands: "from <amount> up, <N> treasurers approve"; blank rows are left out."""

    def __init__(self, *args: Any, bands: list[Band] | None = None, **kwargs: Any) -> None:
        initial: dict[str, Any] = {}
        for index, band in enumerate(bands or []):
            initial[f"from_{index}"] = money(band.from_cents)
            initial[f"approvals_{index}"] = band.approvals
        super().__init__(*args, **(kwargs | {"initial": initial}))
        for index in range(BAND_ROWS):
            self.fields[f"from_{index}"] = AmountField(
                label=_("From (amount) up"), required=False, help_text="", zero=True
            )
            self.fields[f"approvals_{index}"] = forms.IntegerField(
                label=_("Treasurers who approve"), min_value=1, max_value=5, required=False
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for index in range(BAND_ROWS):
            start, approvals = data.get(f"from_{index}"), data.get(f"approvals_{index}")
            if (start is None) != (approvals is None) and not self.has_error(f"from_{index}"):
                self.add_error(f"approvals_{index}", _("Give both the amount and the number of treasurers."))
        return data

    def bands(self) -> list[tuple[int, int]]:
        """The filled rows: (from cents, approvals)."""
        rows = ((self.cleaned_data.get(f"from_{i}"), self.cleaned_data.get(f"approvals_{i}")) for i in range(BAND_ROWS))
        return [(start, approvals) for start, approvals in rows if start is not None and approvals is not None]
