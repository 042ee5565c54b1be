"""Jail support's forms: an arrest, the next step (where held), a criminal bail request, linking a plan, the
leads, one's own arrest plan, and the arm cards' paper. Each gives its service's values; the services check."""

from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from solidarity.accounts.models import User
from solidarity.core.flyers import Layout, Paper
from solidarity.core.forms import LocalDateTimeInput, PlainTextField
from solidarity.events.jail import MAX_BAIL, ArrestValues, PlanValues
from solidarity.events.models import NOTE_LENGTH, SHORT_TEXT, TITLE_LENGTH, Arrest, ArrestPlan


def unbound(args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
    """Whether a form is made without data (a page's first view): its initial values are the object's."""
    return (args[0] if args else kwargs.get("data")) is None


SUPPORT_NAME_HELP = _(
    "A name the team uses for them: a nickname, a first name they chose. Never a legal name: this board must not "
    "become a list of who was arrested."
)


class ArrestForm(forms.Form):
    support_name = forms.CharField(label=_("Support name"), max_length=TITLE_LENGTH, help_text=SUPPORT_NAME_HELP)
    arrested_at = forms.DateTimeField(label=_("Arrested at"), widget=LocalDateTimeInput())
    where = forms.CharField(
        label=_("Held at"),
        max_length=SHORT_TEXT,
        required=False,
        help_text=_("The jail or precinct, once they are located."),
    )
    needs_ride = forms.BooleanField(label=_("Needs a ride on release"), required=False)
    needs_medicine = forms.BooleanField(label=_("Needs medicine on release"), required=False)
    needs_call = forms.BooleanField(label=_("Needs a phone call made"), required=False)
    note = PlainTextField(
        label=_("Note for the jail-support team"),
        max_length=NOTE_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Short, and only what the team needs. Kept encrypted; it goes 30 days after their support ends."),
    )

    def __init__(self, *args: Any, arrest: Arrest | None = None, **kwargs: Any) -> None:
        if arrest is not None and unbound(args, kwargs):
            kwargs["initial"] = {
                "support_name": arrest.support_name,
                "arrested_at": timezone.localtime(arrest.arrested_at),
                "where": arrest.where,
                "needs_ride": arrest.needs_ride,
                "needs_medicine": arrest.needs_medicine,
                "needs_call": arrest.needs_call,
                "note": arrest.note,
            }
        super().__init__(*args, **kwargs)
        if arrest is None:
            self.fields["arrested_at"].initial = timezone.localtime().replace(second=0, microsecond=0)
            del self.fields["where"]

    def values(self) -> ArrestValues:
        data = self.cleaned_data
        return ArrestValues(
            support_name=data["support_name"],
            arrested_at=data["arrested_at"],
            where=data.get("where") or "",
            needs_ride=data["needs_ride"],
            needs_medicine=data["needs_medicine"],
            needs_call=data["needs_call"],
            note=data["note"],
        )


class NewArrestForm(ArrestForm):
    """A new arrest; a lead may link its arrest plan, chosen by support name."""

    plan = forms.ChoiceField(label=_("Their arrest plan"), required=False)

    def __init__(self, *args: Any, plans: list[ArrestPlan] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if plans is None:
            del self.fields["plan"]
        else:
            choices: list[tuple[str, object]] = [("", _("No plan, or not now"))]
            choices += [(str(plan.uuid), str(plan.support_name)) for plan in plans if plan.arrest_id is None]
            self.fields["plan"].choices = choices  # type: ignore[attr-defined]  # a ChoiceField's


class WhereForm(forms.Form):
    where = forms.CharField(label=_("Held at"), max_length=SHORT_TEXT, required=False)


class BailForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Criminal bail amount"),
        min_value=Decimal(1),
        max_value=MAX_BAIL,
        max_digits=10,
        decimal_places=2,
        help_text=_("Criminal bail (fianza penal), paid by the medical and legal fund: not an immigration bond."),
    )
    payer_note = PlainTextField(
        label=_("For the fund: where and whom to pay"),
        max_length=NOTE_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept encrypted, and deleted once the bail is paid or withdrawn."),
    )


class LinkPlanForm(forms.Form):
    plan = forms.ChoiceField(label=_("Their arrest plan"))

    def __init__(self, *args: Any, plans: list[ArrestPlan], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(str(plan.uuid), str(plan.support_name)) for plan in plans]
        self.fields["plan"].choices = choices  # type: ignore[attr-defined]  # a ChoiceField's


class LeadsForm(forms.Form):
    """Two usernames: any members of the network. Leave one empty to name one lead, both to name none."""

    first = forms.CharField(label=_("First jail-support lead (username)"), max_length=150, required=False)
    second = forms.CharField(
        label=_("Second jail-support lead (username)"),
        max_length=150,
        required=False,
        help_text=_("They alone read the arrest plans, and each needs a second factor."),
    )

    def __init__(self, *args: Any, leads: list[User] | None = None, **kwargs: Any) -> None:
        if leads is not None and unbound(args, kwargs):
            names = [lead.username for lead in leads]
            kwargs["initial"] = dict(zip(("first", "second"), names, strict=False))
        super().__init__(*args, **kwargs)

    def usernames(self) -> list[str]:
        return [self.cleaned_data["first"], self.cleaned_data["second"]]


class PlanForm(forms.Form):
    support_name = forms.CharField(
        label=_("Support name"),
        max_length=TITLE_LENGTH,
        help_text=_("What the jail-support team may call you: a nickname or a first name. Never your legal name."),
    )
    who_to_call = PlainTextField(
        label=_("Who to call"),
        max_length=NOTE_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("A name and a number; what to tell them."),
    )
    medication = PlainTextField(
        label=_("Daily medication"), max_length=NOTE_LENGTH, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    pets_and_car = PlainTextField(
        label=_("Pets and car"),
        max_length=NOTE_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Who feeds your pets; where your car is parked."),
    )
    bail_wishes = PlainTextField(
        label=_("Criminal bail wishes"),
        max_length=NOTE_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Do you want criminal bail (fianza penal) paid for you? Anything the team should know."),
    )

    def __init__(self, *args: Any, plan: ArrestPlan | None = None, **kwargs: Any) -> None:
        if plan is not None and unbound(args, kwargs):
            kwargs["initial"] = {name: getattr(plan, name) for name in self.base_fields}
        super().__init__(*args, **kwargs)

    def values(self) -> PlanValues:
        return PlanValues(**{name: self.cleaned_data[name] for name in self.fields})


PAPERS = [(Paper.LETTER.value, _("Letter (US)")), (Paper.A4.value, _("A4"))]
LAYOUTS = [
    (Layout.BILINGUAL.value, _("Both languages side by side")),
    (Layout.SIDES.value, _("One language per side (print on both sides)")),
]


class CardsForm(forms.Form):
    paper = forms.ChoiceField(label=_("Paper"), choices=PAPERS, required=False)
    layout = forms.ChoiceField(label=_("Layout"), choices=LAYOUTS, required=False)

    def printing(self) -> tuple[Paper, Layout]:
        data = self.cleaned_data
        return Paper(data.get("paper") or Paper.LETTER), Layout(data.get("layout") or Layout.BILINGUAL)
