"""The funds' answer to an action's checklist (core.preparations.FUND): a medical and legal fund able to pay.

Ready when a fund of kind medical and legal holds money (its cash and bank, as funds.ledger.held sums it; every
such fund in one query) before it is needed. The action's own group's fund is named first, else the network's
fund holding the most.
"""

from django.db.models import Q, Sum
from django.urls import reverse
from django.utils.translation import gettext as _

from solidarity.core.preparations import FUND, PREPARATIONS, Answer, Question
from solidarity.funds.models import AccountKind, Fund, FundKind
from solidarity.funds.money import money


def medical_legal_fund(question: Question) -> Answer:
    """ "Medical and legal fund: $1,240.00 available", with the fund's page; or where a treasurer sets one up."""
    cash = Sum("accounts__entries__cents", filter=Q(accounts__kind=AccountKind.CASH), default=0)
    funds = list(
        Fund.objects.filter(kind=FundKind.MEDICAL_LEGAL).select_related("group").annotate(cash=cash).order_by("pk")
    )
    if not funds:
        summary = _("No medical and legal fund yet: a treasurer sets it up.")
        return Answer(ready=False, summary=summary, path=reverse("funds:group-funds", kwargs={"group": question.group}))
    balances = [(int(fund.cash), fund.group.slug == question.group, fund) for fund in funds]
    cents, _own, fund = max(balances, key=lambda each: (each[0] > 0, each[1], each[0]))
    path = reverse("funds:fund", kwargs={"fund": fund.slug})
    if cents <= 0:
        return Answer(ready=False, summary=_("The medical and legal fund holds nothing yet: it cannot pay."), path=path)
    return Answer(
        ready=True, summary=_("Medical and legal fund: %(amount)s available.") % {"amount": money(cents)}, path=path
    )


def register() -> None:
    PREPARATIONS.register(FUND, medical_legal_fund)
