"""Payments out of a fund: a request, its approvals, its refusal or withdrawal, and the payment itself.

A treasurer or a coordinator of the fund's group asks (`do_request_disbursement`); as many treasurers
as the fund's band for the amount asks for approve it, never the one who asked (the database's
funds_asker_never_approves constraint is the backstop); a treasurer pays it, and the ledger moves:

- an immigration bond: immigration bonds out up, cash down (a `Bond` is made, followed in funds.bonds);
- a criminal bail: criminal bail out up, cash down (a `Bond` of kind bail; kept apart from bonds);
- anything else: paid out up, cash down.

Every change of state is a conditional update from the states it may leave (`filter(state=...).update`),
in a transaction holding the fund's row (`services.locked`): two treasurers clicking at once never pay
twice. The bond seam (core.bonds): a case's bond request becomes a waiting disbursement in the network's
bond fund (its oldest fund of kind bond), which names nobody; paying it marks the seam's request paid.
"""

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from solidarity.accounts.models import User
from solidarity.core import bonds as seam
from solidarity.core.bond_models import BondRequest, BondRequestKind
from solidarity.core.models import AuditAction
from solidarity.core.permissions import Role, roles_in
from solidarity.funds import ledger
from solidarity.funds.ledger import Line
from solidarity.funds.models import (
    SHORT_TEXT,
    AccountKind,
    Approval,
    Bond,
    BondKind,
    BondState,
    Category,
    Disbursement,
    Fund,
    FundKind,
    Obligor,
    RequestState,
    TransactionKind,
)
from solidarity.funds.services import approvals_needed, audited, locked

CONSUMER = "funds"  # this part's name in core.bonds.BOND_CONSUMERS
SEAM_SOURCE_MAX = 40
# The purpose of a disbursement made from a case's bond request: neutral, translated when shown.
SEAM_PURPOSE = gettext_noop("Immigration bond asked for by a family-support case")
BAIL_PURPOSE = gettext_noop("Criminal bail asked for by jail support after an arrest at an action")
OPEN = (RequestState.WAITING, RequestState.APPROVED)
# Where a payment's money goes, by category: bonds and bail stay the fund's (out, to come back).
OUT_ACCOUNT = {Category.BOND: AccountKind.BONDS_OUT, Category.BAIL: AccountKind.BAIL_OUT}
BOND_KIND = {Category.BOND: BondKind.BOND, Category.BAIL: BondKind.BAIL}


@dataclass
class RequestValues:
    cents: int
    category: str
    purpose: str
    payee: str = ""
    serves_source: str = ""  # what it serves ("incidents.case"), by the record's opaque uuid below
    serves_reference: UUID | None = None


@dataclass
class PayValues:
    on: date
    set_on: date | None = None  # a bond's or bail's: the day it was set (the payment's day when not given)
    obligor: str = Obligor.FUND
    obligor_name: str = ""
    next_step_on: date | None = None


def is_treasurer(user: User | None, fund: Fund) -> bool:
    return user is not None and Role.TREASURER in roles_in(user, fund.group.slug)


def may_ask(user: User | None, fund: Fund) -> bool:
    return user is not None and bool({Role.TREASURER, Role.COORDINATOR} & roles_in(user, fund.group.slug))


def purpose_of(disbursement: Disbursement) -> str:
    """What it is for, as the reader reads it (a seam request's neutral text in their language)."""
    text = str(disbursement.purpose)
    return _(text) if text in (SEAM_PURPOSE, BAIL_PURPOSE) else text


def check_request(values: RequestValues) -> None:
    errors: dict[str, str] = {}
    if values.cents <= 0:
        errors["cents"] = _("The amount must be more than zero.")
    if values.category not in Category.values:
        errors["category"] = _("Choose what the payment is for.")
    if not values.purpose.strip():
        errors["purpose"] = _("Say what the payment is for.")
    elif len(values.purpose.strip()) > SHORT_TEXT:
        errors["purpose"] = _("Keep it under 500 characters.")
    if len(values.payee.strip()) > SHORT_TEXT:
        errors["payee"] = _("Keep it under 500 characters.")
    if len(values.serves_source) > SEAM_SOURCE_MAX or (values.serves_source and values.serves_reference is None):
        errors["serves_reference"] = _("Name what it serves by its reference.")
    if errors:
        raise ValidationError(errors)


def do_request_disbursement(fund: Fund, values: RequestValues, *, by: User) -> Disbursement:
    """Ask for a payment from `fund` (a treasurer or a coordinator of its group): it waits for its approvals."""
    check_request(values)
    if not may_ask(by, fund):
        raise ValidationError(_("Only the fund's treasurers and coordinators ask for payments."), code="not_asker")
    with transaction.atomic():
        row = locked(fund)
        disbursement = Disbursement.objects.create(
            fund=row,
            cents=values.cents,
            category=values.category,
            purpose=values.purpose.strip(),
            payee=values.payee.strip(),
            serves_source=values.serves_source,
            serves_reference=values.serves_reference,
            requested_by=by,
            approvals_needed=approvals_needed(row, values.cents),
        )
        detail: dict[str, str | int | bool] = {
            "cents": values.cents,
            "category": values.category,
            "needed": disbursement.approvals_needed,
        }
        audited(by, row, AuditAction.CREATED, "funds.disbursement", [disbursement.uuid], detail)
    return disbursement


def locked_request(disbursement: Disbursement) -> tuple[Fund, Disbursement]:
    """The fund's row locked, and the request as it is now (call inside a transaction)."""
    fund = locked(disbursement.fund)
    return fund, Disbursement.objects.select_related("fund__group", "bond_request").get(pk=disbursement.pk)


def moved(disbursement: Disbursement, allowed: tuple[str, ...], **changes: object) -> bool:
    """Move the request from one of the `allowed` states: a conditional update, never read-check-save."""
    return bool(Disbursement.objects.filter(pk=disbursement.pk, state__in=allowed).update(**changes))


def do_approve_disbursement(disbursement: Disbursement, *, by: User) -> Disbursement:
    """One treasurer's yes; the request is approved once as many as it needs said yes. ValidationError (by code):
    asker_cannot_approve, not_treasurer, approved_already, not_waiting."""
    with transaction.atomic():
        fund, row = locked_request(disbursement)
        if row.requested_by_id is not None and row.requested_by_id == by.pk:
            raise ValidationError(
                _("You asked for this payment: another treasurer must approve it."), code="asker_cannot_approve"
            )
        if not is_treasurer(by, fund):
            raise ValidationError(_("Only the fund's treasurers approve payments."), code="not_treasurer")
        if row.state != RequestState.WAITING:
            raise ValidationError(_("This request is not waiting for approvals."), code="not_waiting")
        if Approval.objects.filter(disbursement=row, approver=by).exists():
            raise ValidationError(_("You approved this request already."), code="approved_already")
        Approval.objects.create(disbursement=row, approver=by, requested_by=row.requested_by)
        count = Approval.objects.filter(disbursement=row).count()
        approved = count >= row.approvals_needed and moved(
            row, (RequestState.WAITING,), state=RequestState.APPROVED, decided_at=timezone.now()
        )
        detail = {"approvals": count, "needed": row.approvals_needed, "approved": approved}
        audited(by, fund, AuditAction.CHANGED, "funds.disbursement", [row.uuid], detail)
    row.refresh_from_db()
    return row


def do_refuse_disbursement(disbursement: Disbursement, reason: str, *, by: User) -> Disbursement:
    """A treasurer, not the one who asked, says no (before it is paid). ValidationError: not_open and others."""
    reason = reason.strip()
    if len(reason) > SHORT_TEXT:
        raise ValidationError({"reason": _("Keep it under 500 characters.")})
    with transaction.atomic():
        fund, row = locked_request(disbursement)
        if row.requested_by_id is not None and row.requested_by_id == by.pk:
            raise ValidationError(_("You asked for this payment: withdraw it instead."), code="asker_cannot_refuse")
        if not is_treasurer(by, fund):
            raise ValidationError(_("Only the fund's treasurers refuse payments."), code="not_treasurer")
        if not moved(row, OPEN, state=RequestState.REFUSED, decided_at=timezone.now()):
            raise ValidationError(_("This request is not open any more."), code="not_open")
        row.reason = reason  # an encrypted field: saved through the model, sealed for its row
        row.save(update_fields=["reason"])
        audited(by, fund, AuditAction.CHANGED, "funds.disbursement", [row.uuid], {"state": RequestState.REFUSED})
    row.refresh_from_db()
    return row


def do_withdraw_disbursement(disbursement: Disbursement, *, by: User) -> Disbursement:
    """The one who asked, or a treasurer, calls the request off before it is paid."""
    with transaction.atomic():
        fund, row = locked_request(disbursement)
        if not (row.requested_by_id == by.pk or is_treasurer(by, fund)):
            raise ValidationError(_("Only the one who asked or a treasurer withdraws a request."), code="not_asker")
        if not moved(row, OPEN, state=RequestState.WITHDRAWN, decided_at=timezone.now()):
            raise ValidationError(_("This request is not open any more."), code="not_open")
        audited(by, fund, AuditAction.CHANGED, "funds.disbursement", [row.uuid], {"state": RequestState.WITHDRAWN})
    row.refresh_from_db()
    return row


def payment_lines(fund: Fund, category: str, cents: int) -> list[Line]:
    out = OUT_ACCOUNT.get(Category(category), AccountKind.PAID_OUT)
    return [Line(fund, out, cents), Line(fund, AccountKind.CASH, -cents)]


def do_pay_disbursement(disbursement: Disbursement, values: PayValues, *, by: User) -> Disbursement:
    """Pay an approved request from the fund's cash: the ledger moves, a bond or bail is made to follow, and a
    case's bond request is marked paid. ValidationError: not_treasurer, not_approved, not_enough."""
    with transaction.atomic():
        fund, row = locked_request(disbursement)
        if not is_treasurer(by, fund):
            raise ValidationError(_("Only the fund's treasurers pay."), code="not_treasurer")
        if row.state != RequestState.APPROVED:
            raise ValidationError(_("Only an approved request is paid."), code="not_approved")
        if row.category in BOND_KIND and values.obligor not in Obligor.values:
            raise ValidationError({"obligor": _("Choose who posts it: the fund or an organisation.")})
        ledger.require_held(fund, row.cents)
        if not moved(row, (RequestState.APPROVED,), state=RequestState.PAID, paid_by=by):
            raise ValidationError(_("Only an approved request is paid."), code="not_approved")
        made = ledger.post(
            TransactionKind.DISBURSEMENT,
            payment_lines(fund, row.category, row.cents),
            on=values.on,
            by=by,
            category=row.category,
        )
        Disbursement.objects.filter(pk=row.pk).update(transaction=made)
        ids = [row.uuid, made.uuid]
        if row.category in BOND_KIND:
            ids.append(make_bond(fund, row, values, by).uuid)
        if row.bond_request is not None:
            seam.do_mark_paid(row.bond_request.uuid, consumer=CONSUMER)
        audited(by, fund, AuditAction.CHANGED, "funds.disbursement", ids, {"state": "paid", "cents": row.cents})
    row.refresh_from_db()
    return row


def make_bond(fund: Fund, row: Disbursement, values: PayValues, by: User | None) -> Bond:
    from solidarity.funds.bonds import set_reminder  # the bonds module builds on this one

    bond = Bond.objects.create(
        fund=fund,
        kind=BOND_KIND[Category(row.category)],
        disbursement=row,
        cents=row.cents,
        obligor=values.obligor,
        obligor_name=values.obligor_name.strip() if values.obligor == Obligor.ORGANISATION else "",
        state=BondState.POSTED,
        set_on=values.set_on or values.on,
        posted_on=values.on,
        next_step_on=values.next_step_on,
    )
    bond.steps.create(state=BondState.POSTED, on=values.on, by=by)
    set_reminder(bond)
    return bond


# The bond seam: a case's request for an immigration bond, handed over through core.bonds.


def bond_fund() -> Fund | None:
    """The network's bond fund: its oldest fund of kind bond."""
    return Fund.objects.filter(kind=FundKind.BOND).select_related("group").order_by("pk").first()


def bail_fund() -> Fund | None:
    """Where a criminal bail is paid from: the oldest medical and legal fund (bail is no immigration bond)."""
    return Fund.objects.filter(kind=FundKind.MEDICAL_LEGAL).select_related("group").order_by("pk").first()


def take_bond_request(request_uuid: UUID) -> Disbursement | None:
    """Pick a waiting request up into a waiting disbursement: an immigration bond from the bond fund, a criminal
    bail from the medical and legal fund. None when there is no such fund yet (the request waits) or another
    took it. Names nobody: the payer's note stays on the request."""
    waiting = BondRequest.objects.filter(uuid=request_uuid).only("kind").first()
    if waiting is None:
        return None
    is_bail = waiting.kind == BondRequestKind.BAIL
    fund = bail_fund() if is_bail else bond_fund()
    if fund is None:
        return None
    category, purpose = (Category.BAIL, BAIL_PURPOSE) if is_bail else (Category.BOND, SEAM_PURPOSE)
    with transaction.atomic():
        row = locked(fund)
        if not seam.do_pick_up(request_uuid, consumer=CONSUMER):
            return None
        request = BondRequest.objects.get(uuid=request_uuid)
        cents = int(request.amount * 100)
        disbursement = Disbursement.objects.create(
            fund=row,
            cents=cents,
            category=category,
            purpose=purpose,
            serves_source=request.source[:SEAM_SOURCE_MAX],
            serves_reference=request.reference,
            bond_request=request,
            requested_by=None,
            approvals_needed=approvals_needed(row, cents),
        )
        detail: dict[str, str | int | bool] = {
            "cents": cents,
            "category": str(category),
            "needed": disbursement.approvals_needed,
        }
        audited(None, row, AuditAction.CREATED, "funds.disbursement", [disbursement.uuid, request.uuid], detail)
    return disbursement


def pick_up_waiting() -> int:
    """Every bond request still waiting, picked up into the bond fund (when there is one): how many."""
    return sum(take_bond_request(request.uuid) is not None for request in seam.waiting())


def drop_bond_request(request_uuid: UUID) -> bool:
    """The case called its request off: its disbursement is withdrawn, unless paid already."""
    found = Disbursement.objects.filter(bond_request__uuid=request_uuid).select_related("fund__group").first()
    if found is None:
        return False
    with transaction.atomic():
        fund = locked(found.fund)
        if not moved(found, OPEN, state=RequestState.WITHDRAWN, decided_at=timezone.now()):
            return False
        audited(None, fund, AuditAction.CHANGED, "funds.disbursement", [found.uuid], {"state": "withdrawn"})
    return True


def bond_consumer(request_uuid: UUID, state: str) -> None:
    """core.bonds tells this part of a request made ("requested") or called off ("withdrawn")."""
    if state == "requested":
        pick_up_waiting()
    elif state == "withdrawn":
        drop_bond_request(request_uuid)


def requests_of(fund: Fund, states: tuple[str, ...] = ()) -> QuerySet[Disbursement]:
    found = Disbursement.objects.filter(fund=fund).select_related("fund", "requested_by")
    return found.filter(state__in=states) if states else found
