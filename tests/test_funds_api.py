"""Funds through the JSON API: a group's funds, a fund's settings and bands, its transactions (donors' names for
treasurers only), gifts, pledges, transfers and corrections."""

import json
from typing import Any
from uuid import uuid4

import pytest
from django.test import Client

from solidarity.accounts.models import User, WorkingGroup
from solidarity.accounts.services import do_create_token
from solidarity.core.permissions import Role
from solidarity.funds import ledger
from solidarity.funds.models import Donation, Fund
from tests.factories.accounts import make_member
from tests.factories.funds import give, make_fund

pytestmark = pytest.mark.django_db


def bearer(user: User) -> Client:
    return Client(headers={"authorization": f"Bearer {do_create_token(user, name=f'test-{uuid4().hex[:8]}').secret}"})


def send(client: Client, method: str, url: str, body: dict[str, Any] | None = None, **headers: str) -> Any:
    return client.generic(
        method, f"/api/v1{url}", json.dumps(body or {}), content_type="application/json", headers=headers
    )


@pytest.fixture
def fund(funds: WorkingGroup, treasurer: User) -> Fund:
    return make_fund(funds, treasurer, "Bond Fund")


@pytest.fixture
def fund_member(funds: WorkingGroup) -> User:
    return make_member("fe.fundmember", funds, Role.MEMBER)


def test_a_treasurer_makes_a_fund_and_reads_it(treasurer: User, funds: WorkingGroup) -> None:
    client = bearer(treasurer)
    made = send(
        client, "POST", f"/groups/{funds.slug}/funds", {"name_en": "Medical and Legal Fund", "kind": "medical_legal"}
    )
    assert made.status_code == 201
    body = made.json()
    assert (body["slug"], body["currency"], body["balances"]["cash"]) == ("medical-and-legal-fund", "USD", 0)
    assert [band["approvals"] for band in body["bands"]] == [1, 2]
    listed = send(client, "GET", f"/groups/{funds.slug}/funds").json()
    assert listed["count"] == 1
    assert listed["items"][0]["id"] == body["id"]


def test_a_fund_without_a_name_is_refused_with_the_error_shape(treasurer: User, funds: WorkingGroup) -> None:
    answer = send(
        bearer(treasurer), "POST", f"/groups/{funds.slug}/funds", {"kind": "bond"}, **{"accept-language": "es"}
    )
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["code"] == "invalid_input"
    assert "name_en" in error["fields"]
    assert "nombre" in error["message"]


def test_a_gift_is_recorded_in_cents_and_once_per_reference(treasurer: User, fund: Fund) -> None:
    client = bearer(treasurer)
    body = {"cents": 12_550, "method": "platform", "reference": "ch_1", "donor_name": "Dora Donor"}
    answer = send(client, "POST", f"/funds/{fund.slug}/donations", body)
    assert answer.status_code == 201
    assert (answer.json()["cents"], answer.json()["donor_name"], answer.json()["kind"]) == (
        12_550,
        "Dora Donor",
        "donation",
    )
    again = send(client, "POST", f"/funds/{fund.slug}/donations", body)
    assert again.status_code == 422
    assert "reference" in again.json()["error"]["fields"]
    assert ledger.held(fund) == 12_550


def test_a_bad_amount_is_refused_not_500(treasurer: User, fund: Fund) -> None:
    for cents in (0, -5, "12.50", 10**13):
        answer = send(bearer(treasurer), "POST", f"/funds/{fund.slug}/donations", {"cents": cents})
        assert answer.status_code == 422, cents


def test_members_read_transactions_without_donor_names_and_pages_count(
    treasurer: User, fund_member: User, fund: Fund
) -> None:
    for index in range(5):
        give(fund, 1_000 + index, by=treasurer, donor_name=f"Donor {index}", note="private")
    page = send(bearer(fund_member), "GET", f"/funds/{fund.slug}/transactions?limit=2&offset=1").json()
    assert page["count"] == 5
    assert len(page["items"]) == 2
    assert all(item["donor_name"] is None and item["note"] is None for item in page["items"])
    mine = send(bearer(treasurer), "GET", f"/funds/{fund.slug}/transactions?limit=10").json()
    assert {item["donor_name"] for item in mine["items"]} == {f"Donor {index}" for index in range(5)}
    member_view = send(bearer(fund_member), "GET", f"/funds/{fund.slug}")
    assert member_view.status_code == 200
    assert member_view.json()["balances"]["cash"] == 5_010


def test_a_pledge_is_collected_and_a_second_collection_conflicts(treasurer: User, fund: Fund) -> None:
    pledge = give(fund, 3_000, by=treasurer, pledge=True)
    client = bearer(treasurer)
    url = f"/funds/{fund.slug}/donations/{pledge.uuid}/collect"
    assert send(client, "POST", url, {}).json()["kind"] == "pledge_paid"
    again = send(client, "POST", url, {})
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "not_a_pledge"
    assert ledger.held(fund) == 3_000


def test_a_transfer_moves_cash_and_refuses_more_than_held(treasurer: User, fund: Fund, funds: WorkingGroup) -> None:
    other = make_fund(funds, treasurer, "Medical Fund")
    give(fund, 10_000, by=treasurer)
    client = bearer(treasurer)
    moved = send(client, "POST", f"/funds/{fund.slug}/transfers", {"to": other.slug, "cents": 4_000})
    assert moved.status_code == 201
    assert moved.json()["cents"] == -4_000
    too_much = send(client, "POST", f"/funds/{fund.slug}/transfers", {"to": other.slug, "cents": 7_000})
    assert too_much.status_code == 409
    assert too_much.json()["error"]["code"] == "not_enough"
    assert (ledger.held(fund), ledger.held(other)) == (6_000, 4_000)


def test_a_correction_reverses_once(treasurer: User, fund: Fund) -> None:
    gift = give(fund, 10_000, by=treasurer)
    client = bearer(treasurer)
    url = f"/funds/{fund.slug}/transactions/{gift.transaction.uuid}/correct"
    made = send(client, "POST", url, {"reason": "typed twice"})
    assert made.status_code == 201
    assert (made.json()["kind"], made.json()["cents"]) == ("reversal", -10_000)
    again = send(client, "POST", url, {"reason": "again"})
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "corrected"
    assert ledger.held(fund) == 0


def test_settings_and_bands_change(treasurer: User, fund: Fund) -> None:
    client = bearer(treasurer)
    changed = send(client, "PATCH", f"/funds/{fund.slug}", {"is_public": True, "name_es": "Fondo de fianzas"})
    assert changed.status_code == 200
    assert changed.json()["is_public"] is True
    bands = send(
        client,
        "PUT",
        f"/funds/{fund.slug}/bands",
        {"bands": [{"from_cents": 0, "approvals": 1}, {"from_cents": 200_000, "approvals": 3}]},
    )
    assert bands.status_code == 200
    assert bands.json()[1] == {"from_cents": 200_000, "approvals": 3}
    no_zero = send(client, "PUT", f"/funds/{fund.slug}/bands", {"bands": [{"from_cents": 100, "approvals": 1}]})
    assert no_zero.status_code == 422


def test_a_member_may_not_record(fund_member: User, fund: Fund) -> None:
    answer = send(bearer(fund_member), "POST", f"/funds/{fund.slug}/donations", {"cents": 100})
    assert answer.status_code in (403, 404)
    assert not Donation.objects.exists()


def test_an_outsider_gets_404_on_every_operation(outsider: User, treasurer: User, fund: Fund) -> None:
    gift = give(fund, 1_000, by=treasurer)
    client = bearer(outsider)
    group = fund.group.slug
    calls: list[tuple[str, str, dict[str, Any]]] = [
        ("GET", f"/groups/{group}/funds", {}),
        ("POST", f"/groups/{group}/funds", {"name_en": "X"}),
        ("GET", f"/funds/{fund.slug}", {}),
        ("PATCH", f"/funds/{fund.slug}", {"is_public": True}),
        ("PUT", f"/funds/{fund.slug}/bands", {"bands": [{"from_cents": 0, "approvals": 1}]}),
        ("GET", f"/funds/{fund.slug}/transactions", {}),
        ("POST", f"/funds/{fund.slug}/donations", {"cents": 100}),
        ("POST", f"/funds/{fund.slug}/donations/{gift.uuid}/collect", {}),
        ("POST", f"/funds/{fund.slug}/transfers", {"to": fund.slug, "cents": 100}),
        ("POST", f"/funds/{fund.slug}/transactions/{gift.transaction.uuid}/correct", {"reason": "x"}),
        ("GET", f"/funds/{fund.slug}/imports/{uuid4()}", {}),
        ("POST", f"/funds/{fund.slug}/imports/{uuid4()}/apply", {}),
        ("DELETE", f"/funds/{fund.slug}/imports/{uuid4()}", {}),
    ]
    for method, url, body in calls:
        answer = send(client, method, url, body)
        assert answer.status_code == 404, (method, url)
        assert answer.json()["error"]["code"] == "not_found"
    assert ledger.held(fund) == 1_000
