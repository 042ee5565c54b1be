"""The funds' everyday pages: a group's funds, a fund's page, and its treasurers' forms."""

from datetime import date

import pytest
from django.test import Client
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from solidarity.accounts import demo as accounts_demo
from solidarity.accounts.models import User, WorkingGroup
from solidarity.core.permissions import Role
from solidarity.funds import demo as funds_demo
from solidarity.funds import ledger
from solidarity.funds.models import AccountKind, Band, Donation, Fund, Transaction, TransactionKind
from tests.factories.accounts import client_for, make_member
from tests.factories.funds import give, make_fund

pytestmark = pytest.mark.django_db


@pytest.fixture
def fund(funds: WorkingGroup, treasurer: User) -> Fund:
    return make_fund(funds, treasurer, "Bond Fund")


@pytest.fixture
def fund_member(funds: WorkingGroup) -> User:
    return make_member("fe.fundmember", funds, Role.MEMBER)


def test_a_treasurer_records_a_gift_typed_as_people_type_it(treasurer: User, fund: Fund) -> None:
    response = client_for(treasurer).post(
        f"/en/funds/{fund.slug}/gifts/new/",
        {
            "amount": "$ 1,250.50",
            "on": "2026-03-02",
            "method": "cash",
            "donor_name": "Dora Donor",
            "note": "at the fair",
        },
    )
    assert response.status_code == 302
    gift = Donation.objects.get(fund=fund)
    assert gift.donor_name == "Dora Donor"
    assert gift.transaction.occurred_on == date(2026, 3, 2)
    assert ledger.held(fund) == 125_050


def test_a_treasurer_records_a_gift_in_spanish(treasurer: User, fund: Fund) -> None:
    client = client_for(treasurer)
    page = client.get(f"/es/funds/{fund.slug}/gifts/new/")
    assert "Registrar una donación" in page.text
    response = client.post(
        f"/es/funds/{fund.slug}/gifts/new/",
        {"amount": "250", "on": "2026-03-02", "method": "platform", "reference": "ch_1"},
    )
    assert response.status_code == 302
    assert ledger.held(fund) == 25_000
    comma = {"amount": "1250,50", "on": "2026-03-02", "method": "cash"}  # a decimal comma, as many write it
    assert client.post(f"/es/funds/{fund.slug}/gifts/new/", comma).status_code == 302
    assert ledger.held(fund) == 25_000 + 125_050


def test_a_bad_amount_is_refused_in_the_users_language_and_keeps_what_was_typed(treasurer: User, fund: Fund) -> None:
    typed = {"amount": "doscientos", "on": "2026-03-02", "method": "cash", "donor_name": "Dora Donor", "note": "n"}
    response = client_for(treasurer).post(f"/es/funds/{fund.slug}/gifts/new/", typed)
    assert response.status_code == 400
    assert "Escriba una cantidad" in response.text
    assert 'value="doscientos"' in response.text
    assert 'value="Dora Donor"' in response.text
    assert not Donation.objects.exists()


def test_a_member_sees_the_fund_without_donor_names(treasurer: User, fund_member: User, fund: Fund) -> None:
    give(fund, 10_000, by=treasurer, donor_name="Dora Donor", note="secret note")
    page = client_for(fund_member).get(f"/en/funds/{fund.slug}/")
    assert page.status_code == 200
    assert "$100.00" in page.text
    assert "Dora Donor" not in page.text
    assert "secret note" not in page.text
    assert "Record a gift" not in page.text
    mine = client_for(treasurer).get(f"/en/funds/{fund.slug}/")
    assert "Dora Donor" in mine.text
    assert "secret note" in mine.text


def test_a_groups_funds_page_lists_them_and_offers_a_new_one_to_treasurers(
    treasurer: User, fund_member: User, fund: Fund, funds: WorkingGroup
) -> None:
    give(fund, 5_000, by=treasurer)
    page = client_for(fund_member).get(f"/en/groups/{funds.slug}/funds/")
    assert "Bond Fund" in page.text
    assert "$50.00" in page.text
    assert "/funds/new/" not in page.text
    assert "/funds/new/" in client_for(treasurer).get(f"/en/groups/{funds.slug}/funds/").text


def test_a_treasurer_makes_a_fund(treasurer: User, funds: WorkingGroup) -> None:
    response = client_for(treasurer).post(
        f"/en/groups/{funds.slug}/funds/new/", {"name_en": "Medical and Legal Fund", "kind": "medical_legal"}
    )
    assert response.status_code == 302
    assert Fund.objects.get(group=funds).slug == "medical-and-legal-fund"


def test_a_pledge_is_collected(treasurer: User, fund: Fund) -> None:
    pledge = give(fund, 3_000, by=treasurer, pledge=True)
    assert ledger.held(fund) == 0
    response = client_for(treasurer).post(
        f"/en/funds/{fund.slug}/gifts/{pledge.uuid}/collect/", {"on": timezone.localdate().isoformat()}
    )
    assert response.status_code == 302
    assert ledger.held(fund) == 3_000


def test_money_moves_to_another_fund_the_treasurer_keeps(treasurer: User, fund: Fund, funds: WorkingGroup) -> None:
    other = make_fund(funds, treasurer, "Medical Fund")
    give(fund, 10_000, by=treasurer)
    response = client_for(treasurer).post(
        f"/en/funds/{fund.slug}/transfer/", {"target": other.slug, "amount": "40", "on": "2026-03-02"}
    )
    assert response.status_code == 302
    assert (ledger.held(fund), ledger.held(other)) == (6_000, 4_000)


def test_a_transfer_beyond_what_the_fund_holds_is_refused_on_the_form(
    treasurer: User, fund: Fund, funds: WorkingGroup
) -> None:
    other = make_fund(funds, treasurer, "Medical Fund")
    response = client_for(treasurer).post(
        f"/en/funds/{fund.slug}/transfer/", {"target": other.slug, "amount": "40", "on": "2026-03-02"}
    )
    assert response.status_code == 400
    assert "not enough" in response.text


def test_a_correction_adds_a_reversing_entry(treasurer: User, fund: Fund) -> None:
    gift = give(fund, 10_000, by=treasurer)
    client = client_for(treasurer)
    page = client.get(f"/en/funds/{fund.slug}/transactions/{gift.transaction.uuid}/correct/")
    assert "Nothing is ever erased" in page.text
    response = client.post(
        f"/en/funds/{fund.slug}/transactions/{gift.transaction.uuid}/correct/",
        {"reason": "typed twice", "on": "2026-03-03"},
    )
    assert response.status_code == 302
    reversal = Transaction.objects.get(kind=TransactionKind.REVERSAL)
    assert reversal.reverses == gift.transaction
    assert reversal.note == "typed twice"
    assert ledger.held(fund) == 0


def test_the_settings_and_bands_are_saved(treasurer: User, fund: Fund) -> None:
    client = client_for(treasurer)
    response = client.post(
        f"/en/funds/{fund.slug}/settings/",
        {"name_en": "Bond Fund", "name_es": "Fondo de fianzas", "kind": "bond", "slug": "bonds", "is_public": "on"},
    )
    assert response.status_code == 302
    fund.refresh_from_db()
    assert (fund.slug, fund.is_public, fund.name_es) == ("bonds", True, "Fondo de fianzas")
    response = client.post(
        "/en/funds/bonds/bands/", {"from_0": "0", "approvals_0": "1", "from_1": "1,000", "approvals_1": "3"}
    )
    assert response.status_code == 302
    assert [(band.from_cents, band.approvals) for band in Band.objects.filter(fund=fund)] == [(0, 1), (100_000, 3)]


def test_a_member_may_not_record_or_change(fund_member: User, fund: Fund) -> None:
    client = client_for(fund_member)
    for url in ("gifts/new/", "transfer/", "settings/", "bands/", "import/"):
        assert client.get(f"/en/funds/{fund.slug}/{url}").status_code in (403, 404)


def test_an_outsider_gets_404_on_every_page_and_operation(outsider: User, treasurer: User, fund: Fund) -> None:
    gift = give(fund, 1_000, by=treasurer)
    client = client_for(outsider)
    group = fund.group.slug
    pages = [
        f"/en/groups/{group}/funds/",
        f"/en/groups/{group}/funds/new/",
        f"/en/funds/{fund.slug}/",
        f"/en/funds/{fund.slug}/gifts/new/",
        f"/en/funds/{fund.slug}/gifts/{gift.uuid}/collect/",
        f"/en/funds/{fund.slug}/transfer/",
        f"/en/funds/{fund.slug}/transactions/{gift.transaction.uuid}/correct/",
        f"/en/funds/{fund.slug}/settings/",
        f"/en/funds/{fund.slug}/bands/",
        f"/en/funds/{fund.slug}/import/",
        f"/en/funds/{fund.slug}/import/sample.csv",
    ]
    for url in pages:
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"amount": "10", "on": "2026-03-02", "reason": "x"}).status_code in (404, 405), url
    assert ledger.held(fund) == 1_000


def test_the_fund_page_reads_in_a_fixed_number_of_queries(
    treasurer: User,
    fund: Fund,
    django_assert_num_queries: DjangoAssertNumQueries,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    for index in range(3):
        give(fund, 1_000 + index, by=treasurer, donor_name=f"Donor {index}")
    client = client_for(treasurer)
    client.get(f"/en/funds/{fund.slug}/")  # sessions and caches warm
    with django_assert_max_num_queries(QUERIES) as first:
        client.get(f"/en/funds/{fund.slug}/")
    for index in range(5):
        give(fund, 2_000 + index, by=treasurer, pledge=index % 2 == 0)
    with django_assert_num_queries(len(first.captured_queries)):
        assert client.get(f"/en/funds/{fund.slug}/").status_code == 200


# Session, user, roles, second factor, fund, balances, transactions, entries; and the network's settings from the
# cache (SQLite's tests keep the cache in the database: 4 more queries there, none with Redis).
QUERIES = 12


def test_an_account_balance_matches_the_page(treasurer: User, fund: Fund) -> None:
    give(fund, 7_000, by=treasurer, pledge=True)
    assert ledger.balances(fund)[AccountKind.PLEDGES] == 7_000
    assert "$70.00" in client_for(treasurer).get(f"/en/funds/{fund.slug}/").text


def test_anonymous_is_sent_to_sign_in(fund: Fund) -> None:
    assert Client().get(f"/en/funds/{fund.slug}/").status_code == 302


def test_the_demo_fills_two_funds_once() -> None:
    accounts_demo.load()
    assert funds_demo.load() == 12
    assert funds_demo.load() == 0
    bond = Fund.objects.get(slug="demo-bond-fund")
    medical = Fund.objects.get(slug="demo-medical-legal-fund")
    assert ledger.balances(bond)[AccountKind.PLEDGES] == 100_000
    assert ledger.held(medical) == 4_000 + 20_000 + 15_000 + 2_000 + 20_000
    assert Donation.objects.filter(reference="ch_DEMO0001").exists()


def test_the_dashboard_links_to_a_groups_funds(treasurer: User, fund_member: User, funds: WorkingGroup) -> None:
    link = f'href="/en/groups/{funds.slug}/funds/"'
    assert link in client_for(treasurer).get("/en/dashboard/").text  # a treasurer may make the first fund
    assert link not in client_for(fund_member).get("/en/dashboard/").text
    make_fund(funds, treasurer, "Bond Fund")
    assert link in client_for(fund_member).get("/en/dashboard/").text
