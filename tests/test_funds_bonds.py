"""Bonds followed to the end: forward steps, hearings, the money back in the fund (or not) with the ledger
balanced, the overdue reminder to the treasurers, the pages and the API, and outsiders kept out."""

import json
from datetime import date, datetime
from typing import Any
from uuid import uuid4

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation

from solidarity.accounts.models import User, WorkingGroup
from solidarity.accounts.services import do_create_token
from solidarity.core.permissions import Role
from solidarity.core.services import network_timezone
from solidarity.core.timers import find_timer, fire_due
from solidarity.funds import ledger
from solidarity.funds.bonds import BOND_TIMER, StepValues, do_record_bond_step
from solidarity.funds.models import AccountKind, Bond, BondState, Category, Fund, Obligor, TransactionKind
from solidarity.funds.requests import PayValues, RequestValues, do_approve_disbursement, do_pay_disbursement
from solidarity.funds.requests import do_request_disbursement as ask
from tests.factories.accounts import client_for, make_member
from tests.factories.funds import give, make_fund
from tests.factories.messaging import deliver

pytestmark = pytest.mark.django_db
POSTED = date(2026, 12, 1)


@pytest.fixture
def second(funds: WorkingGroup) -> User:
    return make_member("tomas.treasurer", funds, Role.TREASURER)


@pytest.fixture
def fund(funds: WorkingGroup, treasurer: User) -> Fund:
    made = make_fund(funds, treasurer, "Bond Fund")
    give(made, 2_000_000, treasurer)
    return made


def posted(
    fund: Fund, by: User, approver: User, category: str = Category.BOND, cents: int = 500_000, **pay: Any
) -> Bond:
    """Asked by the group's coordinator, approved by `by` and `approver` (as the band needs), paid by `by`."""
    asker = User.objects.filter(username="coco.coordinator").first() or make_member(
        "coco.coordinator", fund.group, Role.COORDINATOR
    )
    asked = ask(fund, RequestValues(cents=cents, category=category, purpose="Bond for a detained father"), by=asker)
    for each in (by, approver)[: asked.approvals_needed]:
        do_approve_disbursement(asked, by=each)
    do_pay_disbursement(asked, PayValues(on=POSTED, **pay), by=by)
    return Bond.objects.get(disbursement=asked)


def step(bond: Bond, state: str, on: date, by: User, **more: Any) -> None:
    do_record_bond_step(bond, StepValues(state=state, on=on, **more), by=by)
    bond.refresh_from_db()


def bearer(user: User) -> Client:
    return Client(headers={"authorization": f"Bearer {do_create_token(user, name=f't-{uuid4().hex[:8]}').secret}"})


def test_a_bond_followed_to_its_refund_back_in_the_fund_with_the_books_balanced(
    fund: Fund, treasurer: User, second: User
) -> None:
    bond = posted(fund, treasurer, second, obligor=Obligor.ORGANISATION, obligor_name="Ficticia Bond Project")
    assert (bond.state, bond.obligor, bond.obligor_name) == (
        BondState.POSTED,
        Obligor.ORGANISATION,
        "Ficticia Bond Project",
    )
    assert ledger.balances(fund)[AccountKind.BONDS_OUT] == 500_000

    step(bond, BondState.POSTED, date(2026, 12, 10), treasurer, hearing_on=date(2027, 2, 3), note="Master calendar")
    assert bond.next_hearing_on == date(2027, 2, 3)
    step(bond, BondState.CONDITIONS_MET, date(2027, 6, 1), treasurer)
    with pytest.raises(ValidationError) as backwards:
        step(bond, BondState.POSTED, date(2027, 6, 2), treasurer)
    assert "forward" in str(backwards.value)
    step(bond, BondState.CASE_CLOSED, date(2027, 7, 1), treasurer, note="I-391 received")
    step(bond, BondState.REFUND_REQUESTED, date(2027, 7, 5), treasurer, next_step_on=date(2027, 9, 5))
    step(bond, BondState.RETURNED, date(2027, 9, 1), treasurer)
    assert (bond.state, bond.closed_on, bond.next_step_on) == (BondState.RETURNED, date(2027, 9, 1), None)

    balances = ledger.balances(fund)
    assert balances[AccountKind.BONDS_OUT] == 0
    assert balances[AccountKind.CASH] == 2_000_000
    assert sum(balances.values()) == 0
    assert find_timer(BOND_TIMER, str(bond.uuid)) is None
    with pytest.raises(ValidationError):
        step(bond, BondState.NOT_RETURNED, date(2027, 9, 2), treasurer)  # over
    assert [each.state for each in bond.steps.all()] == [
        "posted",
        "posted",
        "conditions_met",
        "case_closed",
        "refund_requested",
        "returned",
    ]


def test_part_of_a_bail_back_the_rest_not_returned_in_its_own_accounts(
    fund: Fund, treasurer: User, second: User
) -> None:
    bail = posted(fund, treasurer, second, Category.BAIL, 100_000)
    with pytest.raises(ValidationError):
        step(bail, BondState.CONDITIONS_MET, date(2026, 12, 9), treasurer)  # an immigration bond's step
    step(bail, BondState.CASE_CLOSED, date(2026, 12, 10), treasurer)
    step(bail, BondState.RETURNED, date(2026, 12, 20), treasurer, returned_cents=80_000)
    balances = ledger.balances(fund)
    assert (balances[AccountKind.BAIL_OUT], balances[AccountKind.BONDS_OUT]) == (0, 0)
    assert balances[AccountKind.NOT_RETURNED] == 20_000
    assert balances[AccountKind.CASH] == 2_000_000 - 20_000
    kinds = sorted(fund.accounts.get(kind=AccountKind.NOT_RETURNED).entries.values_list("transaction__kind", flat=True))
    assert kinds == [TransactionKind.NOT_RETURNED]


def test_a_bond_not_returned_is_an_expense(fund: Fund, treasurer: User, second: User) -> None:
    bond = posted(fund, treasurer, second, cents=300_000)
    answer = bearer(treasurer).post(
        f"/api/v1/bonds/{bond.uuid}/steps",
        json.dumps({"state": "not_returned", "on": "2027-03-01", "note": "Breached"}),
        content_type="application/json",
    )
    assert answer.status_code == 201
    assert answer.json()["state"] == "not_returned"
    balances = ledger.balances(fund)
    assert (balances[AccountKind.BONDS_OUT], balances[AccountKind.NOT_RETURNED]) == (0, 300_000)
    back = bearer(treasurer).post(
        f"/api/v1/bonds/{bond.uuid}/steps", json.dumps({"state": "returned"}), content_type="application/json"
    )
    assert back.status_code == 422


def test_an_overdue_next_step_mails_the_treasurers_the_day_after(fund: Fund, treasurer: User, second: User) -> None:
    treasurer.email, second.email, second.language = "tere@example.org", "tomas@example.org", "es"
    treasurer.save()
    second.save()
    make_member("fabi.member", fund.group).__class__.objects.filter(username="fabi.member").update(
        email="fabi@example.org"
    )
    bond = posted(fund, treasurer, second, next_step_on=date(2027, 1, 10))
    timer = find_timer(BOND_TIMER, str(bond.uuid))
    assert timer is not None
    assert timer.due_at == datetime(2027, 1, 11, 9, 0, tzinfo=network_timezone())

    with time_machine.travel(datetime(2027, 1, 11, 8, 59, tzinfo=network_timezone()), tick=False):
        fire_due()
    assert deliver() == []
    with time_machine.travel(datetime(2027, 1, 11, 9, 0, tzinfo=network_timezone()), tick=False):
        fire_due()
        fire_due()
        sent = deliver()
    assert sorted(address for mail in sent for address in mail.to) == ["tere@example.org", "tomas@example.org"]
    assert all(f"/funds/bonds/{bond.uuid}/" in str(mail.body) for mail in sent)
    assert all("father" not in str(mail.body) for mail in sent)

    with time_machine.travel(datetime(2027, 1, 12, 10, 0, tzinfo=network_timezone()), tick=False):
        shown = client_for(treasurer).get(reverse("funds:bonds", kwargs={"fund": fund.slug})).content.decode()
    assert "next step overdue since" in shown


def test_a_step_recorded_in_time_cancels_the_reminder(fund: Fund, treasurer: User, second: User) -> None:
    treasurer.email = "tere@example.org"
    treasurer.save()
    bond = posted(fund, treasurer, second, next_step_on=date(2027, 1, 10))
    step(bond, BondState.CONDITIONS_MET, date(2027, 1, 9), treasurer)
    assert find_timer(BOND_TIMER, str(bond.uuid)) is None
    with time_machine.travel(datetime(2027, 1, 11, 9, 0, tzinfo=network_timezone()), tick=False):
        fire_due()
        assert deliver() == []


def test_the_bond_pages_list_what_is_out_and_record_a_step(fund: Fund, treasurer: User, second: User) -> None:
    bond = posted(fund, treasurer, second)
    member = make_member("fabi.member", fund.group)
    listed = client_for(member).get(reverse("funds:bonds", kwargs={"fund": fund.slug}))
    assert listed.status_code == 200
    assert "$5,000.00" in listed.content.decode()
    seen = client_for(member).get(reverse("funds:bond", kwargs={"bond": bond.uuid})).content.decode()
    assert "I-391" in seen
    assert "I-305" in seen
    assert "never a family member" in seen
    assert "Record the next step" not in seen
    denied = client_for(member).post(reverse("funds:bond-step", kwargs={"bond": bond.uuid}), {"state": "case_closed"})
    assert denied.status_code == 403 or denied.status_code == 404

    url = reverse("funds:bond-step", kwargs={"bond": bond.uuid})
    bad = client_for(treasurer).post(url, {"state": "set", "on": "2026-12-09"})
    assert bad.status_code == 400
    done = client_for(treasurer).post(url, {"state": "conditions_met", "on": "2026-12-09", "note": "All hearings"})
    assert done.status_code == 302
    bond.refresh_from_db()
    assert bond.state == BondState.CONDITIONS_MET

    api = bearer(member).get(f"/api/v1/funds/{fund.slug}/bonds?out=true").json()
    assert api["count"] == 1
    assert api["items"][0]["steps"][-1]["note"] == ""  # notes are the treasurers'
    assert bearer(treasurer).get(f"/api/v1/bonds/{bond.uuid}").json()["steps"][-1]["note"] == "All hearings"


def test_outsiders_get_404_on_every_bond_page_and_operation(
    fund: Fund, treasurer: User, second: User, outsider: User, coordinator: User
) -> None:
    bond = posted(fund, treasurer, second)
    for stranger in (outsider, coordinator):
        client, api = client_for(stranger), bearer(stranger)
        assert client.get(reverse("funds:bonds", kwargs={"fund": fund.slug})).status_code == 404
        assert client.get(reverse("funds:bond", kwargs={"bond": bond.uuid})).status_code == 404
        assert client.post(reverse("funds:bond-step", kwargs={"bond": bond.uuid}), {}).status_code == 404
        assert api.get(f"/api/v1/funds/{fund.slug}/bonds").status_code == 404
        assert api.get(f"/api/v1/bonds/{bond.uuid}").status_code == 404
        body = json.dumps({"state": "case_closed"})
        assert api.post(f"/api/v1/bonds/{bond.uuid}/steps", body, content_type="application/json").status_code == 404
    bond.refresh_from_db()
    assert bond.state == BondState.POSTED


def test_the_bond_page_in_spanish(fund: Fund, treasurer: User, second: User) -> None:
    bond = posted(fund, treasurer, second)
    with translation.override("es"):
        url = reverse("funds:bond", kwargs={"bond": bond.uuid})
    shown = client_for(treasurer).get(url).content.decode()
    assert "Fianza de inmigración" in shown or "fianza de inmigración" in shown
    assert "Registrar el siguiente paso" in shown
