"""Payments out of a fund: asked, approved by as many treasurers as the amount needs (never the asker), refused,
withdrawn, paid from the fund's cash; a case's bond request through the seam; the pages and the API."""

import json
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import translation

from solidarity.accounts.models import User, WorkingGroup
from solidarity.accounts.services import do_create_token
from solidarity.core.bond_models import BondRequest, BondRequestState
from solidarity.core.models import AuditEntry
from solidarity.core.permissions import Role
from solidarity.funds import ledger
from solidarity.funds.models import (
    AccountKind,
    Approval,
    Bond,
    BondKind,
    BondState,
    Category,
    Disbursement,
    Fund,
    FundKind,
    RequestState,
)
from solidarity.funds.requests import (
    PayValues,
    RequestValues,
    do_approve_disbursement,
    do_pay_disbursement,
    do_refuse_disbursement,
    do_request_disbursement,
    do_withdraw_disbursement,
)
from solidarity.funds.tasks import pick_up_bond_requests
from solidarity.incidents import cases
from solidarity.incidents.case_models import Case
from tests.factories.accounts import client_for, make_member
from tests.factories.cases import open_case
from tests.factories.funds import give, make_fund

pytestmark = pytest.mark.django_db
PAID_ON = date(2026, 12, 5)


@pytest.fixture
def second(funds: WorkingGroup) -> User:
    """Another treasurer of the funds group."""
    return make_member("tomas.treasurer", funds, Role.TREASURER)


@pytest.fixture
def third(funds: WorkingGroup) -> User:
    return make_member("tina.treasurer", funds, Role.TREASURER)


@pytest.fixture
def asker(funds: WorkingGroup) -> User:
    """Coordinates the funds group: asks for payments, approves none."""
    return make_member("coco.coordinator", funds, Role.COORDINATOR)


@pytest.fixture
def fund_member(funds: WorkingGroup) -> User:
    return make_member("fabi.member", funds)


@pytest.fixture
def fund(funds: WorkingGroup, treasurer: User) -> Fund:
    made = make_fund(funds, treasurer, "Legal Fund", kind=FundKind.MEDICAL_LEGAL)
    give(made, 200_000, treasurer)
    return made


def ask(fund: Fund, by: User, cents: int = 20_000, category: str = Category.LEGAL, **more: Any) -> Disbursement:
    values = RequestValues(cents=cents, category=category, purpose="Filing fee for a hearing", **more)
    return do_request_disbursement(fund, values, by=by)


def bearer(user: User) -> Client:
    return Client(headers={"authorization": f"Bearer {do_create_token(user, name=f't-{uuid4().hex[:8]}').secret}"})


def send(client: Client, method: str, url: str, body: dict[str, Any] | None = None) -> Any:
    return client.generic(method, url, json.dumps(body or {}), content_type="application/json")


def test_the_asker_cannot_approve_in_the_service_the_page_the_api_nor_the_database(
    fund: Fund, treasurer: User, second: User
) -> None:
    asked = ask(fund, treasurer)
    with pytest.raises(ValidationError) as refused:
        do_approve_disbursement(asked, by=treasurer)
    assert refused.value.code == "asker_cannot_approve"

    page = client_for(treasurer).post(reverse("funds:request-approve", kwargs={"disbursement": asked.uuid}))
    assert page.status_code == 400
    assert "another treasurer must approve it" in page.content.decode()
    shown = client_for(treasurer).get(reverse("funds:request", kwargs={"disbursement": asked.uuid})).content.decode()
    assert reverse("funds:request-approve", kwargs={"disbursement": asked.uuid}) not in shown  # no button

    answer = send(bearer(treasurer), "POST", f"/api/v1/disbursements/{asked.uuid}/approve")
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "asker_cannot_approve"

    with pytest.raises(IntegrityError), transaction.atomic():
        Approval.objects.create(disbursement=asked, approver=treasurer, requested_by=treasurer)
    assert not Approval.objects.filter(disbursement=asked).exists()

    done = send(bearer(second), "POST", f"/api/v1/disbursements/{asked.uuid}/approve")
    assert done.status_code == 200
    assert done.json()["state"] == "approved"
    assert done.json()["approvals"] == 1


def test_approvals_needed_follow_the_bands_and_each_treasurer_approves_once(
    fund: Fund, asker: User, treasurer: User, second: User, third: User
) -> None:
    small, large = ask(fund, asker, 49_999), ask(fund, asker, 50_000)
    assert (small.approvals_needed, large.approvals_needed) == (1, 2)
    assert do_approve_disbursement(small, by=treasurer).state == RequestState.APPROVED

    assert do_approve_disbursement(large, by=treasurer).state == RequestState.WAITING
    with pytest.raises(ValidationError) as twice:
        do_approve_disbursement(large, by=treasurer)
    assert twice.value.code == "approved_already"
    assert do_approve_disbursement(large, by=second).state == RequestState.APPROVED
    with pytest.raises(ValidationError) as late:
        do_approve_disbursement(large, by=third)
    assert late.value.code == "not_waiting"
    with pytest.raises(ValidationError):
        do_approve_disbursement(ask(fund, asker), by=asker)  # a coordinator asks, never approves

    shown = client_for(asker).get(reverse("funds:requests", kwargs={"fund": fund.slug})).content.decode()
    assert "approvals 0 of 1" in shown
    entries = AuditEntry.objects.filter(object_type="funds.disbursement")
    assert entries.count() >= 5
    assert "Filing fee" not in str(list(entries.values_list("detail", flat=True)))


def test_a_refused_or_withdrawn_request_cannot_be_paid(fund: Fund, asker: User, treasurer: User) -> None:
    refused = do_refuse_disbursement(ask(fund, asker), "Not what the fund is for", by=treasurer)
    assert refused.state == RequestState.REFUSED
    assert str(refused.reason) == "Not what the fund is for"
    withdrawn = do_withdraw_disbursement(ask(fund, asker), by=asker)
    assert withdrawn.state == RequestState.WITHDRAWN
    for row in (refused, withdrawn):
        with pytest.raises(ValidationError) as unpaid:
            do_pay_disbursement(row, PayValues(on=PAID_ON), by=treasurer)
        assert unpaid.value.code == "not_approved"
        with pytest.raises(ValidationError):
            do_approve_disbursement(row, by=treasurer)
    answer = send(bearer(treasurer), "POST", f"/api/v1/disbursements/{withdrawn.uuid}/pay", {})
    assert (answer.status_code, answer.json()["error"]["code"]) == (409, "not_approved")
    again = send(bearer(treasurer), "POST", f"/api/v1/disbursements/{withdrawn.uuid}/withdraw")
    assert (again.status_code, again.json()["error"]["code"]) == (409, "not_open")
    assert ledger.held(fund) == 200_000


def test_paying_needs_the_cash_and_moves_the_ledger(fund: Fund, asker: User, treasurer: User, second: User) -> None:
    asked = ask(fund, asker, 300_000)
    for each in (treasurer, second):
        do_approve_disbursement(asked, by=each)
    answer = send(bearer(treasurer), "POST", f"/api/v1/disbursements/{asked.uuid}/pay", {"on": "2026-12-05"})
    assert (answer.status_code, answer.json()["error"]["code"]) == (409, "not_enough")
    page = client_for(treasurer).post(
        reverse("funds:request-pay", kwargs={"disbursement": asked.uuid}), {"on": "2026-12-05"}
    )
    assert page.status_code == 400
    assert "not enough" in page.content.decode()

    give(fund, 100_000, treasurer)
    paid = client_for(treasurer).post(
        reverse("funds:request-pay", kwargs={"disbursement": asked.uuid}), {"on": "2026-12-05"}
    )
    assert paid.status_code == 302
    asked.refresh_from_db()
    assert asked.state == RequestState.PAID
    assert asked.transaction is not None
    assert asked.transaction.category == Category.LEGAL
    balances = ledger.balances(fund)
    assert (balances[AccountKind.CASH], balances[AccountKind.PAID_OUT]) == (0, 300_000)
    assert sum(balances.values()) == 0
    with pytest.raises(ValidationError):
        do_pay_disbursement(asked, PayValues(on=PAID_ON), by=treasurer)  # never twice


def test_bail_and_bond_go_to_their_own_accounts_and_are_followed(fund: Fund, asker: User, treasurer: User) -> None:
    for category, account, kind in (
        (Category.BAIL, AccountKind.BAIL_OUT, BondKind.BAIL),
        (Category.BOND, AccountKind.BONDS_OUT, BondKind.BOND),
    ):
        asked = ask(fund, asker, 10_000, category)
        do_approve_disbursement(asked, by=treasurer)
        do_pay_disbursement(asked, PayValues(on=PAID_ON, set_on=date(2026, 12, 1)), by=treasurer)
        assert ledger.balances(fund)[account] == 10_000
        bond = Bond.objects.get(disbursement=asked)
        assert (bond.kind, bond.state, bond.set_on, bond.posted_on) == (
            kind,
            BondState.POSTED,
            date(2026, 12, 1),
            PAID_ON,
        )


@pytest.fixture
def case_of_family(dispatcher: User) -> Case:
    """An open case whose legal path has a bond set at 7,500."""
    case = open_case(dispatcher)
    path = cases.LegalPath(held_at="Demo County Detention Center", bond_status="set", bond_amount=Decimal("7500"))
    cases.do_set_legal_path(case, path, by=dispatcher)
    cases.do_set_identifiers(
        case, cases.Identifiers(a_number="A-201-555-017", name_on_record="Lupe Ficticia"), by=dispatcher
    )
    return case


def test_a_cases_bond_request_becomes_a_waiting_payment_of_the_bond_fund_and_paid_marks_it_paid(
    funds: WorkingGroup,
    treasurer: User,
    second: User,
    fund_member: User,
    dispatcher: User,
    case_of_family: Case,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        request = cases.do_request_bond(case_of_family, due_on=None, payer_note="", by=dispatcher)
    request.refresh_from_db()
    assert request.state == BondRequestState.REQUESTED  # no bond fund yet: it waits

    bonds = make_fund(funds, treasurer, "Bond Fund")
    make_fund(funds, treasurer, "Second Bond Fund")
    give(bonds, 1_000_000, treasurer)
    listed = client_for(fund_member).get(reverse("funds:requests", kwargs={"fund": bonds.slug}))
    assert listed.status_code == 200
    assert not Disbursement.objects.filter(bond_request=request).exists()  # reading a page changes nothing
    pick_up_bond_requests.call()  # the worker's periodic job ("funds.bond-requests") picks up what waited
    asked = Disbursement.objects.get(bond_request=request)
    assert (asked.fund, asked.cents, asked.category, asked.requested_by) == (bonds, 750_000, Category.BOND, None)
    assert (asked.serves_source, asked.serves_reference) == ("incidents.case", case_of_family.uuid)
    assert "Lupe" not in str(asked.purpose)
    listed = client_for(fund_member).get(reverse("funds:requests", kwargs={"fund": bonds.slug}))
    assert "Immigration bond asked for by a family-support case" in listed.content.decode()

    url = reverse("funds:request", kwargs={"disbursement": asked.uuid})
    assert "Lupe Ficticia" in client_for(treasurer).get(url).content.decode()  # the payer's note, to treasurers
    assert "Lupe Ficticia" not in client_for(fund_member).get(url).content.decode()
    seen = send(bearer(second), "GET", f"/api/v1/disbursements/{asked.uuid}").json()
    assert "Lupe Ficticia" in seen["payer_note"]
    assert send(bearer(fund_member), "GET", f"/api/v1/disbursements/{asked.uuid}").json()["payer_note"] == ""

    do_approve_disbursement(asked, by=treasurer)
    do_approve_disbursement(asked, by=second)  # 7,500 is in the two-approvals band
    do_pay_disbursement(asked, PayValues(on=PAID_ON), by=treasurer)
    request.refresh_from_db()
    assert request.state == BondRequestState.PAID
    assert str(request.payer_note) == ""
    assert ledger.balances(bonds)[AccountKind.BONDS_OUT] == 750_000


def test_a_withdrawn_bond_request_withdraws_its_payment(
    funds: WorkingGroup,
    treasurer: User,
    dispatcher: User,
    case_of_family: Case,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    bonds = make_fund(funds, treasurer, "Bond Fund")
    with django_capture_on_commit_callbacks(execute=True):
        request = cases.do_request_bond(case_of_family, due_on=None, payer_note="", by=dispatcher)
    asked = Disbursement.objects.get(bond_request=request, fund=bonds)
    assert asked.state == RequestState.WAITING
    with django_capture_on_commit_callbacks(execute=True):
        assert cases.do_withdraw_bond(case_of_family, by=dispatcher)
    asked.refresh_from_db()
    assert asked.state == RequestState.WITHDRAWN
    assert BondRequest.objects.get(pk=request.pk).state == BondRequestState.WITHDRAWN


def test_asking_through_the_page_and_the_api(fund: Fund, asker: User, fund_member: User) -> None:
    client = client_for(asker)
    url = reverse("funds:request-new", kwargs={"fund": fund.slug})
    assert client.get(url).status_code == 200
    bad = client.post(url, {"amount": "abc", "category": "legal", "purpose": "Fee"})
    assert bad.status_code == 400
    made = client.post(
        url, {"amount": "1,250.50", "category": "legal", "purpose": "Lawyer's fee", "payee": "Ficticia Law"}
    )
    assert made.status_code == 302
    asked = Disbursement.objects.get(fund=fund)
    assert (asked.cents, str(asked.payee), asked.requested_by) == (125_050, "Ficticia Law", asker)
    assert client_for(fund_member).get(url).status_code == 404  # a member sees, does not ask

    api = send(
        bearer(asker),
        "POST",
        f"/api/v1/funds/{fund.slug}/disbursements",
        {"cents": 5000, "category": "ride", "purpose": "Bus"},
    )
    assert api.status_code == 201
    assert api.json()["approvals_needed"] == 1
    listed = send(bearer(fund_member), "GET", f"/api/v1/funds/{fund.slug}/disbursements?state=waiting").json()
    assert listed["count"] == 2
    denied = send(
        bearer(fund_member),
        "POST",
        f"/api/v1/funds/{fund.slug}/disbursements",
        {"cents": 1, "category": "ride", "purpose": "x"},
    )
    assert denied.status_code == 404


def test_outsiders_get_404_on_every_request_page_and_operation(
    fund: Fund, asker: User, treasurer: User, outsider: User, coordinator: User
) -> None:
    asked = ask(fund, asker)
    pages = [
        ("get", reverse("funds:requests", kwargs={"fund": fund.slug})),
        ("get", reverse("funds:request-new", kwargs={"fund": fund.slug})),
        ("get", reverse("funds:request", kwargs={"disbursement": asked.uuid})),
        ("post", reverse("funds:request-approve", kwargs={"disbursement": asked.uuid})),
        ("post", reverse("funds:request-refuse", kwargs={"disbursement": asked.uuid})),
        ("post", reverse("funds:request-withdraw", kwargs={"disbursement": asked.uuid})),
        ("post", reverse("funds:request-pay", kwargs={"disbursement": asked.uuid})),
    ]
    calls = [
        ("GET", f"/api/v1/funds/{fund.slug}/disbursements"),
        ("POST", f"/api/v1/funds/{fund.slug}/disbursements"),
        ("GET", f"/api/v1/disbursements/{asked.uuid}"),
        ("POST", f"/api/v1/disbursements/{asked.uuid}/approve"),
        ("POST", f"/api/v1/disbursements/{asked.uuid}/refuse"),
        ("POST", f"/api/v1/disbursements/{asked.uuid}/withdraw"),
        ("POST", f"/api/v1/disbursements/{asked.uuid}/pay"),
    ]
    for stranger in (outsider, coordinator):
        client = client_for(stranger)
        for method, url in pages:
            assert getattr(client, method)(url).status_code == 404, url
        api = bearer(stranger)
        for verb, path in calls:
            assert send(api, verb, path, {"cents": 1, "category": "ride", "purpose": "x"}).status_code == 404, path
    asked.refresh_from_db()
    assert asked.state == RequestState.WAITING


def test_the_request_page_in_spanish(fund: Fund, asker: User, treasurer: User) -> None:
    asked = ask(fund, asker, 125_000)
    with translation.override("es"):
        url = reverse("funds:request", kwargs={"disbursement": asked.uuid})
    page = client_for(treasurer).get(url)
    shown = page.content.decode()
    assert page.status_code == 200
    assert "Aprobar" in shown
    assert "Solicitud de pago" in shown
