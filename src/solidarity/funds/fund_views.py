"""The funds' everyday pages: a group's funds, a fund's page (what it holds, its recent transactions), and its
treasurers' forms: a gift or a pledge, collecting a pledge, a transfer, a correction, the fund's settings and
its approval bands. Bilingual, small, no JavaScript needed.

Members of the fund's group see the fund (never a donor's name); its treasurers record and correct; to
anyone else the fund does not exist (404). Every change goes through funds.services; a refusal comes back
on the form (400) with what was typed, never as an error page.
"""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from solidarity.accounts.access import access_group, signed_in
from solidarity.core.forms import submitted as forms_submitted
from solidarity.core.permissions import Role, permission, role, roles_in
from solidarity.funds.access import FUND_MEMBER, FUND_TREASURER, access_fund, access_fund_scoped
from solidarity.funds.fund_access import (
    bands_of,
    cash_by_fund,
    donation_of,
    group_funds,
    recent_lines,
    target_of,
    totals_of,
    transaction_of,
    transfer_targets,
)
from solidarity.funds.fund_forms import (
    BandsForm,
    CollectForm,
    CorrectForm,
    DonationForm,
    FundForm,
    TransferForm,
    fund_initial,
)
from solidarity.funds.models import Fund
from solidarity.funds.money import formatter
from solidarity.funds.services import (
    do_collect_pledge,
    do_correct,
    do_create_fund,
    do_record_donation,
    do_set_bands,
    do_transfer,
    do_update_fund,
)

GROUP_MEMBER = role(Role.MEMBER)
GROUP_TREASURER = role(Role.TREASURER)
RENAMED = {"cents": "amount"}  # a service's field -> the form's


def submitted(request: HttpRequest, form: forms.Form, act: Callable[[], object]) -> bool:
    return forms_submitted(request, form, act, RENAMED)


def form_page(request: HttpRequest, fund: Fund, form: forms.Form, title: str, **more: Any) -> HttpResponse:
    context = {"fund": fund, "form": form, "title": title, **more}
    status = 400 if request.method == "POST" else 200
    return render(request, "funds/fund_form.html", context, status=status)


@require_GET
@permission(GROUP_MEMBER)
def group_funds_page(request: HttpRequest, group: str) -> HttpResponse:
    """The group's funds, each with what it holds; "new fund" for its treasurers."""
    user = signed_in(request)
    found = access_group(user, group, Role.MEMBER)
    held = cash_by_fund(found)
    shown = formatter()
    funds = [(fund, shown(held.get(fund.pk, 0))) for fund in group_funds(found)]
    treasurer = Role.TREASURER in roles_in(user, found.slug)
    return render(request, "funds/fund_list.html", {"group": found, "funds": funds, "treasurer": treasurer})


@require_http_methods(["GET", "POST"])
@permission(GROUP_TREASURER)
def create_fund(request: HttpRequest, group: str) -> HttpResponse:
    user = signed_in(request)
    found = access_group(user, group, GROUP_TREASURER)
    form = FundForm(request.POST or None)
    made: list[Fund] = []
    if submitted(request, form, lambda: made.append(do_create_fund(found, form.values(), by=user))):
        messages.success(request, _("The fund was made."))
        return redirect("funds:fund", fund=made[0].slug)
    status = 400 if request.method == "POST" else 200
    return render(request, "funds/fund_new.html", {"group": found, "form": form}, status=status)


@require_GET
@permission(FUND_MEMBER)
def fund_page(request: HttpRequest, fund: str) -> HttpResponse:
    """What the fund holds now, what it raised and paid out, and its recent transactions (donors' names for
    its treasurers only)."""
    scoped = access_fund_scoped(signed_in(request), fund)
    treasurer = scoped.has(Role.TREASURER)
    context = {
        "fund": scoped.obj,
        "totals": totals_of(scoped.obj).shown(),
        "lines": recent_lines(scoped.obj, treasurer=treasurer),
        "treasurer": treasurer,
    }
    return render(request, "funds/fund.html", context)


@require_http_methods(["GET", "POST"])
@permission(FUND_TREASURER)
def record_donation(request: HttpRequest, fund: str) -> HttpResponse:
    user = signed_in(request)
    found = access_fund(user, fund, Role.TREASURER)
    form = DonationForm(request.POST or None)
    if submitted(request, form, lambda: do_record_donation(found, form.values(), by=user)):
        pledge = form.cleaned_data["pledge"]
        messages.success(request, _("The pledge was recorded.") if pledge else _("The gift was recorded."))
        return redirect("funds:fund", fund=found.slug)
    return form_page(request, found, form, _("Record a gift"), intro="gift")


@require_http_methods(["GET", "POST"])
@permission(FUND_TREASURER)
def collect_pledge(request: HttpRequest, fund: str, donation: str) -> HttpResponse:
    user = signed_in(request)
    found = access_fund(user, fund, Role.TREASURER)
    pledge = donation_of(found, donation)
    form = CollectForm(request.POST or None)
    if submitted(request, form, lambda: do_collect_pledge(pledge, on=form.cleaned_data["on"], by=user)):
        messages.success(request, _("The pledge was collected: the money is in the fund."))
        return redirect("funds:fund", fund=found.slug)
    return form_page(request, found, form, _("Collect a pledge"), intro="collect")


@require_http_methods(["GET", "POST"])
@permission(FUND_TREASURER)
def transfer(request: HttpRequest, fund: str) -> HttpResponse:
    user = signed_in(request)
    found = access_fund(user, fund, Role.TREASURER)
    form = TransferForm(request.POST or None, targets=transfer_targets(user, found))

    def act() -> object:
        data = form.cleaned_data
        target = target_of(user, found, data["target"])
        return do_transfer(found, target, data["amount"], on=data["on"], by=user, note=data["note"])

    if submitted(request, form, act):
        messages.success(request, _("The money was moved."))
        return redirect("funds:fund", fund=found.slug)
    return form_page(request, found, form, _("Move money to another fund"), intro="transfer")


@require_http_methods(["GET", "POST"])
@permission(FUND_TREASURER)
def correct(request: HttpRequest, fund: str, transaction: str) -> HttpResponse:
    user = signed_in(request)
    found = access_fund(user, fund, Role.TREASURER)
    original = transaction_of(found, transaction)
    form = CorrectForm(request.POST or None)

    def act() -> object:
        return do_correct(found, original, on=form.cleaned_data["on"], by=user, note=form.cleaned_data["reason"])

    if submitted(request, form, act):
        messages.success(request, _("The correction was recorded."))
        return redirect("funds:fund", fund=found.slug)
    return form_page(request, found, form, _("Correct a transaction"), intro="correct", original=original)


@require_http_methods(["GET", "POST"])
@permission(FUND_TREASURER)
def fund_settings(request: HttpRequest, fund: str) -> HttpResponse:
    user = signed_in(request)
    found = access_fund(user, fund, Role.TREASURER)
    form = FundForm(request.POST or None, initial=fund_initial(found))
    changed: list[Fund] = []
    if submitted(request, form, lambda: changed.append(do_update_fund(found, form.values(), by=user))):
        messages.success(request, _("The fund's settings were saved."))
        return redirect("funds:fund", fund=changed[0].slug)
    return form_page(request, found, form, _("The fund's settings"), intro="settings")


@require_http_methods(["GET", "POST"])
@permission(FUND_TREASURER)
def bands(request: HttpRequest, fund: str) -> HttpResponse:
    user = signed_in(request)
    found = access_fund(user, fund, Role.TREASURER)
    form = BandsForm(request.POST or None, bands=bands_of(found))
    if submitted(request, form, lambda: do_set_bands(found, form.bands(), by=user)):
        messages.success(request, _("The approval bands were saved."))
        return redirect("funds:fund", fund=found.slug)
    return render(
        request, "funds/fund_bands.html", {"fund": found, "form": form}, status=400 if request.method == "POST" else 200
    )
