"""Payments out of a fund and the bonds it follows, in the JSON API: the same services as the pages.

Members of the fund's group read its payment requests and bonds; its treasurers and coordinators ask; its
treasurers approve, refuse, pay and record a bond's steps (the one who asked, or a treasurer, withdraws). To
anyone else, 404. A refusal about the request's state is a 409 with a stable code (asker_cannot_approve,
not_waiting, not_open, not_approved, not_enough, approved_already); one about the caller's part in it a 403.
"""

from datetime import date, datetime
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from solidarity.accounts.access import signed_in
from solidarity.core.api import ApiError, ErrorOut, api_permission
from solidarity.core.permissions import Role, roles_in
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
    fund_bonds,
    fund_disbursements,
)
from solidarity.funds.bonds import StepValues, do_record_bond_step
from solidarity.funds.models import OUT, SHORT_TEXT, Bond, BondState, BondStep, Category, Disbursement, Obligor
from solidarity.funds.money import MAX_CENTS
from solidarity.funds.requests import (
    PayValues,
    RequestValues,
    do_approve_disbursement,
    do_pay_disbursement,
    do_refuse_disbursement,
    do_request_disbursement,
    do_withdraw_disbursement,
    purpose_of,
)

router = Router(tags=["funds"])

STATE_CODES = {
    "asker_cannot_approve",
    "asker_cannot_refuse",
    "not_waiting",
    "not_open",
    "not_approved",
    "not_enough",
    "approved_already",
}
ROLE_CODES = {"not_treasurer", "not_asker"}
CONFLICTS = {
    409: {
        "description": "The request's state refuses it: asker_cannot_approve, asker_cannot_refuse, not_waiting, "
        "not_open, not_approved, not_enough (the fund's cash is short), approved_already."
    }
}


def refused(error: ValidationError) -> ApiError:
    """A service's refusal: 409 with its code for the state, 403 for the caller's part, else 422 by field."""
    if hasattr(error, "error_dict"):
        fields = error.message_dict
        codes = {item.code for items in error.error_dict.values() for item in items}
    else:
        fields = {"__all__": error.messages}
        codes = {item.code for item in error.error_list}
    message = next(iter(fields.values()))[0]
    state = next((code for code in codes if code in STATE_CODES), None)
    if state:
        return ApiError(409, state, message, fields)
    role = next((code for code in codes if code in ROLE_CODES), None)
    if role:
        return ApiError(403, role, message, fields)
    return ApiError(422, "invalid_input", message, fields)


def is_treasurer_here(context: Any, group_slug: str) -> bool:
    request = context.get("request") if context else None
    return request is not None and Role.TREASURER in roles_in(signed_in(request), group_slug)


# Schemas.


class FundDisbursementOut(Schema):
    """A payment request. `payer_note`: a case's note for the bond office, for the fund's treasurers only."""

    id: UUID = Field(alias="uuid")
    fund: str = Field(description="The fund's short name.")
    cents: int = Field(description="The amount, in cents of the network's currency.")
    category: str
    purpose: str
    payee: str
    state: str
    approvals: int = Field(description="How many treasurers approved it so far.")
    approvals_needed: int
    requested_by: UUID | None = Field(description="The account that asked; none when a case's bond request did.")
    serves_source: str
    serves_reference: UUID | None = Field(description="The opaque id of the record it serves.")
    bond_request: UUID | None
    payer_note: str
    bond: UUID | None = Field(description="The bond or bail it paid, to follow.")
    created_at: datetime
    decided_at: datetime | None

    @staticmethod
    def resolve_fund(obj: Disbursement) -> str:
        return obj.fund.slug

    @staticmethod
    def resolve_purpose(obj: Disbursement) -> str:
        return purpose_of(obj)

    @staticmethod
    def resolve_payee(obj: Disbursement) -> str:
        return str(obj.payee)

    @staticmethod
    def resolve_approvals(obj: Disbursement) -> int:
        return obj.approvals.count()

    @staticmethod
    def resolve_requested_by(obj: Disbursement) -> UUID | None:
        return obj.requested_by.uuid if obj.requested_by else None

    @staticmethod
    def resolve_bond_request(obj: Disbursement) -> UUID | None:
        return obj.bond_request.uuid if obj.bond_request else None

    @staticmethod
    def resolve_payer_note(obj: Disbursement, context: Any) -> str:
        if obj.bond_request is None or not is_treasurer_here(context, obj.fund.group.slug):
            return ""
        return str(obj.bond_request.payer_note)

    @staticmethod
    def resolve_bond(obj: Disbursement) -> UUID | None:
        bond = getattr(obj, "bond", None)  # the reverse one-to-one: none until paid as a bond or bail
        return bond.uuid if bond is not None else None


class FundDisbursementIn(Schema):
    cents: int = Field(ge=1, lt=MAX_CENTS, description="The amount, in cents.")
    category: Category
    purpose: str = Field(min_length=1, max_length=SHORT_TEXT)
    payee: str = Field("", max_length=SHORT_TEXT)
    serves_source: str = Field("", max_length=40, description="What it serves, such as incidents.case.")
    serves_reference: UUID | None = Field(None, description="The opaque id of the record it serves.")


class FundRefuseIn(Schema):
    reason: str = Field("", max_length=SHORT_TEXT)


class FundPayIn(Schema):
    on: date | None = Field(None, description="The day it was paid; today when left out.")
    set_on: date | None = Field(None, description="A bond's or bail's: the day it was set.")
    obligor: Obligor = Field(Obligor.FUND, description="Who posts a bond: the fund or an organisation, never family.")
    obligor_name: str = Field("", max_length=120)
    next_step_on: date | None = None


class FundBondStepOut(Schema):
    id: UUID = Field(alias="uuid")
    state: str
    on: date
    hearing_on: date | None
    note: str = Field(description="For the fund's treasurers only (empty for others).")

    @staticmethod
    def resolve_note(obj: BondStep, context: Any) -> str:
        return str(obj.note) if is_treasurer_here(context, obj.bond.fund.group.slug) else ""


class FundBondOut(Schema):
    id: UUID = Field(alias="uuid")
    fund: str
    kind: str = Field(description="bond (an immigration bond) or bail (a criminal bail).")
    cents: int
    obligor: str
    obligor_name: str
    state: str
    is_out: bool
    set_on: date
    posted_on: date | None
    next_hearing_on: date | None
    next_step_on: date | None
    is_overdue: bool
    closed_on: date | None
    age_days: int
    disbursement: UUID
    steps: list[FundBondStepOut]

    @staticmethod
    def resolve_fund(obj: Bond) -> str:
        return obj.fund.slug

    @staticmethod
    def resolve_is_out(obj: Bond) -> bool:
        return obj.state in OUT

    @staticmethod
    def resolve_is_overdue(obj: Bond) -> bool:
        return bool(obj.state in OUT and obj.next_step_on and obj.next_step_on < timezone.localdate())

    @staticmethod
    def resolve_age_days(obj: Bond) -> int:
        return ((obj.closed_on or timezone.localdate()) - (obj.posted_on or obj.set_on)).days

    @staticmethod
    def resolve_disbursement(obj: Bond) -> UUID:
        return obj.disbursement.uuid

    @staticmethod
    def resolve_steps(obj: Bond) -> list[BondStep]:
        return list(obj.steps.select_related("bond__fund__group"))


class FundBondStepIn(Schema):
    state: BondState
    on: date | None = Field(None, description="Today when left out.")
    hearing_on: date | None = None
    next_step_on: date | None = None
    note: str = Field("", max_length=SHORT_TEXT)
    returned_cents: int | None = Field(None, ge=1, lt=MAX_CENTS, description="Back in the fund: how much.")


# Payment requests.


@router.get("/funds/{fund}/disbursements", response=list[FundDisbursementOut], summary="A fund's payment requests")
@paginate
@api_permission(FUND_MEMBER)
def list_disbursements(request: HttpRequest, fund: str, state: str | None = None) -> QuerySet[Disbursement]:
    """Newest first; `state` (waiting, approved, paid, refused, withdrawn) keeps those."""
    found = fund_disbursements(access_fund(signed_in(request), fund))
    return found.filter(state=state) if state else found


@router.post(
    "/funds/{fund}/disbursements",
    response={201: FundDisbursementOut, 409: ErrorOut},
    summary="Ask for a payment from a fund",
)
@api_permission(FUND_ASKER)
def create_disbursement(request: HttpRequest, fund: str, payload: FundDisbursementIn) -> Status[Disbursement]:
    user = signed_in(request)
    found = access_fund(user, fund, Role.TREASURER, Role.COORDINATOR)
    values = RequestValues(**payload.model_dump())
    try:
        return Status(201, do_request_disbursement(found, values, by=user))
    except ValidationError as error:
        raise refused(error) from None


@router.get("/disbursements/{disbursement}", response=FundDisbursementOut, summary="One payment request")
@api_permission(DISBURSEMENT_MEMBER)
def read_disbursement(request: HttpRequest, disbursement: UUID) -> Disbursement:
    return access_disbursement_scoped(signed_in(request), disbursement).obj


def act(request: HttpRequest, disbursement: UUID, do: Any) -> Disbursement:
    user = signed_in(request)
    row = access_disbursement_scoped(user, disbursement).obj
    try:
        done: Disbursement = do(row, user)
    except ValidationError as error:
        raise refused(error) from None
    return access_disbursement_scoped(user, disbursement).obj if done is None else done


ACTED = {200: FundDisbursementOut, 403: ErrorOut, 409: ErrorOut}


@router.post(
    "/disbursements/{disbursement}/approve",
    response=ACTED,
    summary="Approve a payment request",
    openapi_extra={"responses": CONFLICTS},
)
@api_permission(DISBURSEMENT_TREASURER)
def approve_disbursement(request: HttpRequest, disbursement: UUID) -> Disbursement:
    """A treasurer other than the one who asked; approved once as many as the amount needs said yes."""
    return act(request, disbursement, lambda row, user: do_approve_disbursement(row, by=user))


@router.post(
    "/disbursements/{disbursement}/refuse",
    response=ACTED,
    summary="Refuse a payment request",
    openapi_extra={"responses": CONFLICTS},
)
@api_permission(DISBURSEMENT_TREASURER)
def refuse_disbursement(request: HttpRequest, disbursement: UUID, payload: FundRefuseIn) -> Disbursement:
    return act(request, disbursement, lambda row, user: do_refuse_disbursement(row, payload.reason, by=user))


@router.post(
    "/disbursements/{disbursement}/withdraw",
    response=ACTED,
    summary="Withdraw a payment request",
    openapi_extra={"responses": CONFLICTS},
)
@api_permission(DISBURSEMENT_ASKER)
def withdraw_disbursement(request: HttpRequest, disbursement: UUID) -> Disbursement:
    """The one who asked, or a treasurer, before it is paid."""
    return act(request, disbursement, lambda row, user: do_withdraw_disbursement(row, by=user))


@router.post(
    "/disbursements/{disbursement}/pay",
    response=ACTED,
    summary="Pay an approved request",
    openapi_extra={"responses": CONFLICTS},
)
@api_permission(DISBURSEMENT_TREASURER)
def pay_disbursement(request: HttpRequest, disbursement: UUID, payload: FundPayIn) -> Disbursement:
    """From the fund's cash (409 not_enough when short); an immigration bond or a criminal bail is then followed."""
    values = PayValues(
        on=payload.on or timezone.localdate(),
        set_on=payload.set_on,
        obligor=payload.obligor,
        obligor_name=payload.obligor_name,
        next_step_on=payload.next_step_on,
    )
    return act(request, disbursement, lambda row, user: do_pay_disbursement(row, values, by=user))


# Bonds.


@router.get("/funds/{fund}/bonds", response=list[FundBondOut], summary="A fund's bonds and bail")
@paginate
@api_permission(FUND_MEMBER)
def list_bonds(request: HttpRequest, fund: str, out: bool = False) -> QuerySet[Bond]:
    """Oldest first; `out=true` keeps those whose money is still out."""
    found = fund_bonds(access_fund(signed_in(request), fund)).order_by("set_on", "pk")
    return found.filter(state__in=OUT) if out else found


@router.get("/bonds/{bond}", response=FundBondOut, summary="One bond or bail, with its steps")
@api_permission(BOND_MEMBER)
def read_bond(request: HttpRequest, bond: UUID) -> Bond:
    return access_bond_scoped(signed_in(request), bond).obj


@router.post(
    "/bonds/{bond}/steps",
    response={201: FundBondOut, 403: ErrorOut, 409: ErrorOut},
    summary="Record a bond's next step",
)
@api_permission(BOND_TREASURER)
def record_bond_step(request: HttpRequest, bond: UUID, payload: FundBondStepIn) -> Status[Bond]:
    """Forward only; back in the fund and not returned move the ledger."""
    user = signed_in(request)
    found = access_bond_scoped(user, bond).obj
    values = StepValues(
        state=payload.state,
        on=payload.on or timezone.localdate(),
        hearing_on=payload.hearing_on,
        next_step_on=payload.next_step_on,
        note=payload.note,
        returned_cents=payload.returned_cents,
    )
    try:
        do_record_bond_step(found, values, by=user)
    except ValidationError as error:
        raise refused(error) from None
    found.refresh_from_db()
    return Status(201, found)
