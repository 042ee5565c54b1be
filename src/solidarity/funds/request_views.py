"""The pages of payments out of a fund and of the bonds it follows. Small, bilingual, no JavaScript needed.

The fund's group's members see its requests and bonds; its treasurers and coordinators ask for payments; its
treasurers approve, refuse, pay and record a bond's steps (the one who asked, or a treasurer, withdraws). To
anyone else, 404. A service's refusal comes back on the page (400), in the user's language.
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from solidarity.accounts.access import signed_in
from solidarity.accounts.models import User
from solidarity.core.forms import refuse_on
from solidarity.core.permissions import Role, permission
from solidarity.funds.access import (
    BOND_MEMBER,
    BOND_TREASURER,
    DISBURSEMENT_ASKER,
    DISBURSEMENT_MEMBER,
    DISBURSEMENT_TREASURER,
    FUND_ASKER,
    FUND_MEMBER,
    access_bond_scoped,
    access_disbursement_scoped,
    access_fund,
    access_fund_scoped,
    fund_disbursements,
)
from solidarity.funds.bonds import ENDS, WAYS, bonds_out, do_record_bond_step
from solidarity.funds.forms_requests import STEP_HELP, PayForm, RefuseForm, RequestForm, StepForm
from solidarity.funds.models import BondKind, BondState, Disbursement, RequestState
from solidarity.funds.money import money
from solidarity.funds.requests import (
    do_approve_disbursement,
    do_pay_disbursement,
    do_refuse_disbursement,
    do_request_disbursement,
    do_withdraw_disbursement,
    purpose_of,
)

SHOWN = (RequestState.WAITING, RequestState.APPROVED, RequestState.PAID)
LIST_LENGTH = 100


def may(scoped: Any, *roles: Role) -> bool:
    return bool(scoped.has(*roles))


@require_GET
@permission(FUND_MEMBER)
def requests_list(request: HttpRequest, fund: str) -> HttpResponse:
    """The fund's payments waiting, approved and paid (with approvals x of N), newest first."""
    scoped = access_fund_scoped(signed_in(request), fund)
    found = fund_disbursements(scoped.obj).filter(state__in=SHOWN).prefetch_related("approvals")[:LIST_LENGTH]
    context = {
        "fund": scoped.obj,
        "lines": [(row, purpose_of(row), money(row.cents), len(row.approvals.all())) for row in found],
        "asker": may(scoped, Role.TREASURER, Role.COORDINATOR),
    }
    return render(request, "funds/requests.html", context)


@require_http_methods(["GET", "POST"])
@permission(FUND_ASKER)
def request_new(request: HttpRequest, fund: str) -> HttpResponse:
    """Ask for a payment: it waits for as many treasurers' approvals as the amount needs."""
    user = signed_in(request)
    found = access_fund(user, fund, Role.TREASURER, Role.COORDINATOR)
    form = RequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            made = do_request_disbursement(found, form.values(), by=user)
        except ValidationError as error:
            refuse_on(form, error, {"cents": "amount"})
        else:
            messages.success(request, _("The request was made: it waits for the treasurers' approvals."))
            return redirect("funds:request", disbursement=made.uuid)
    status = 400 if request.method == "POST" else 200
    return render(request, "funds/request_form.html", {"fund": found, "form": form}, status=status)


def request_page(
    request: HttpRequest, user: User, disbursement: Any, *, errors: list[str] | None = None, **forms: Any
) -> HttpResponse:
    scoped = access_disbursement_scoped(user, disbursement)
    row: Disbursement = scoped.obj
    treasurer = may(scoped, Role.TREASURER)
    approvals = list(row.approvals.select_related("approver"))
    context = {
        "row": row,
        "fund": row.fund,
        "purpose": purpose_of(row),
        "amount": money(row.cents),
        "approvals": approvals,
        "treasurer": treasurer,
        "may_approve": treasurer
        and row.state == RequestState.WAITING
        and row.requested_by_id != user.pk
        and all(each.approver_id != user.pk for each in approvals),
        "may_refuse": treasurer
        and row.state in (RequestState.WAITING, RequestState.APPROVED)
        and row.requested_by_id != user.pk,
        "may_withdraw": row.state in (RequestState.WAITING, RequestState.APPROVED)
        and (treasurer or row.requested_by_id == user.pk),
        "may_pay": treasurer and row.state == RequestState.APPROVED,
        "is_bond": row.category in (BondKind.BOND, BondKind.BAIL),
        "payer_note": str(row.bond_request.payer_note) if treasurer and row.bond_request else "",
        "refuse_form": forms.get("refuse_form") or RefuseForm(),
        "pay_form": forms.get("pay_form") or PayForm(),
        "errors": errors or [],
        "bond": getattr(row, "bond", None) if row.state == RequestState.PAID else None,
    }
    return render(request, "funds/request.html", context, status=400 if errors else 200)


@require_GET
@permission(DISBURSEMENT_MEMBER)
def request_detail(request: HttpRequest, disbursement: Any) -> HttpResponse:
    """A payment request: its amount, purpose, approvals, and what the user may do with it."""
    return request_page(request, signed_in(request), disbursement)


def acted(request: HttpRequest, disbursement: Any, done: str, act: Any, **forms: Any) -> HttpResponse:
    """Run `act(row, user)` (a service); back to the request's page, or the page with the refusal (400)."""
    user = signed_in(request)
    row = access_disbursement_scoped(user, disbursement).obj
    try:
        act(row, user)
    except ValidationError as error:
        return request_page(request, user, disbursement, errors=error.messages, **forms)
    messages.success(request, done)
    return redirect("funds:request", disbursement=row.uuid)


@require_POST
@permission(DISBURSEMENT_TREASURER)
def approve(request: HttpRequest, disbursement: Any) -> HttpResponse:
    return acted(
        request, disbursement, _("Your approval was recorded."), lambda row, user: do_approve_disbursement(row, by=user)
    )


@require_POST
@permission(DISBURSEMENT_TREASURER)
def refuse(request: HttpRequest, disbursement: Any) -> HttpResponse:
    form = RefuseForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return acted(
        request,
        disbursement,
        _("The request was refused."),
        lambda row, user: do_refuse_disbursement(row, reason, by=user),
        refuse_form=form,
    )


@require_POST
@permission(DISBURSEMENT_ASKER)
def withdraw(request: HttpRequest, disbursement: Any) -> HttpResponse:
    return acted(
        request, disbursement, _("The request was withdrawn."), lambda row, user: do_withdraw_disbursement(row, by=user)
    )


@require_POST
@permission(DISBURSEMENT_TREASURER)
def pay(request: HttpRequest, disbursement: Any) -> HttpResponse:
    form = PayForm(request.POST)

    def act(row: Disbursement, user: User) -> object:
        if not form.is_valid():
            raise ValidationError([message for errors in form.errors.values() for message in errors])
        return do_pay_disbursement(row, form.values(), by=user)

    return acted(request, disbursement, _("The payment was recorded."), act, pay_form=form)


# Bonds.


@require_GET
@permission(FUND_MEMBER)
def bonds_list(request: HttpRequest, fund: str) -> HttpResponse:
    """Every bond and bail of the fund still out: its age, its next step, overdue ones flagged."""
    found = access_fund(signed_in(request), fund)
    return render(
        request,
        "funds/bonds.html",
        {"fund": found, "lines": [(line, money(line.bond.cents)) for line in bonds_out(found)]},
    )


def bond_page(request: HttpRequest, user: User, bond: Any, form: StepForm | None = None) -> HttpResponse:
    scoped = access_bond_scoped(user, bond)
    found = scoped.obj
    treasurer = may(scoped, Role.TREASURER)
    context = {
        "bond": found,
        "fund": found.fund,
        "steps": list(found.steps.all()),
        "amount": money(found.cents),
        "treasurer": treasurer,
        "form": (form or StepForm(bond=found)) if treasurer and found.state not in ENDS else None,
        "guide": [(BondState(state).label, text) for state, text in STEP_HELP.items() if state in WAYS[found.kind]],
    }
    return render(request, "funds/bond.html", context, status=400 if form is not None and form.errors else 200)


@require_GET
@permission(BOND_MEMBER)
def bond_detail(request: HttpRequest, bond: Any) -> HttpResponse:
    """A bond or bail: its steps so far, and for a treasurer the form to record the next one."""
    return bond_page(request, signed_in(request), bond)


@require_POST
@permission(BOND_TREASURER)
def bond_step(request: HttpRequest, bond: Any) -> HttpResponse:
    user = signed_in(request)
    found = access_bond_scoped(user, bond).obj
    form = StepForm(request.POST, bond=found)
    if form.is_valid():
        try:
            do_record_bond_step(found, form.values(), by=user)
        except ValidationError as error:
            refuse_on(form, error, {"returned_cents": "returned"})
        else:
            messages.success(request, _("The step was recorded."))
            return redirect("funds:bond", bond=found.uuid)
    return bond_page(request, user, bond, form)
