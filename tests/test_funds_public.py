"""A fund's public page and API: honest totals that name no one, rounded, with small cells grouped so that no
published number can be traced to one payment (funds.public)."""

import re
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.test import Client
from hypothesis import given, settings
from hypothesis import strategies as st

from solidarity.accounts.models import User, WorkingGroup
from solidarity.funds import ledger
from solidarity.funds.ledger import Line
from solidarity.funds.models import AccountKind, Category, Fund, Method, TransactionKind
from solidarity.funds.public import (
    DOMINANCE,
    RAISED,
    Disclosed,
    K,
    Record,
    Span,
    disclose,
    public_figures,
    round_held,
    round_public,
    to_other,
)
from tests.factories.accounts import client_for
from tests.factories.funds import give, make_fund

pytestmark = pytest.mark.django_db(transaction=False)
NOW = datetime(2026, 7, 15, 12, tzinfo=UTC)  # figures through the end of June 2026
DONOR = "Zelda Plantedname"
CASE = "Quentin Secretcase"


def pay(fund: Fund, cents: int, category: str, on: date, account: AccountKind = AccountKind.PAID_OUT) -> None:
    """A payment, posted straight to the ledger (the requests' services make them in the app)."""
    lines = [Line(fund, AccountKind.CASH, -cents), Line(fund, account, cents)]
    ledger.post(TransactionKind.DISBURSEMENT, lines, on=on, by=None, category=category, note=f"for {CASE}")


def public_fund_of(funds: WorkingGroup, treasurer: User) -> Fund:
    fund = make_fund(
        funds,
        treasurer,
        "Bail Out Fund",
        is_public=True,
        about_en="We pay bail and lawyers.",
        about_es="Pagamos fianzas y abogados.",
        give_url="https://give.example.org/bail",
    )
    for day in (3, 9, 17, 24):
        give(fund, 2_500_000 + day, treasurer, on=date(2026, 5, day), donor_name=DONOR, method=Method.TRANSFER)
    return fund


def test_the_public_page_shows_rounded_totals_and_names_no_one(funds: WorkingGroup, treasurer: User) -> None:
    fund = public_fund_of(funds, treasurer)
    for day in (4, 11, 18):
        pay(fund, 41_237 + day, Category.LEGAL, date(2026, 5, day))
    pay(fund, 1_234_567, Category.MEDICAL, date(2026, 6, 2))  # alone in its month: must not stand out

    with time_machine.travel(NOW, tick=False):
        page = Client().get(f"/en/funds/{fund.slug}/public/")

    assert page.status_code == 200
    text = page.content.decode()
    assert "Bail Out Fund" in text
    assert "We pay bail and lawyers." in text
    assert 'href="https://give.example.org/bail"' in text
    assert "Solidarity takes no payments" in text
    assert DONOR not in text
    assert "Zelda" not in text
    assert CASE not in text
    assert "$100,000" in text  # raised in May: 100,000.46 rounded to the nearest 1,000
    assert "legal fees: $1,200 (3 payments)" in text  # the three legal fees (1,237.44) to the nearest 100
    assert "12,345" not in text
    assert "12,346" not in text
    assert "12,350" not in text
    assert "medicine and care" not in text  # its category-month is grouped, and its quarter is not over
    assert "<script" not in text
    assert "<title" in text


def test_a_category_with_fewer_than_k_payments_is_folded_into_other(funds: WorkingGroup, treasurer: User) -> None:
    fund = public_fund_of(funds, treasurer)
    for day in (2, 3, 4):
        pay(fund, 10_000, Category.LEGAL, date(2026, 4, day))
    pay(fund, 9_000, Category.MEDICAL, date(2026, 4, 5))
    pay(fund, 8_000, Category.RIDE, date(2026, 4, 6))
    pay(fund, 7_000, Category.SUPPORT, date(2026, 4, 7))

    figures = public_figures(fund, today=date(2026, 7, 15))

    shown = {(cell.period.key, cell.key): (cell.count, cell.cents) for cell in figures.paid.cells}
    assert shown == {("2026-04", "legal"): (3, 30_000), ("2026-04", "other"): (3, 24_000)}


def test_a_lone_payment_is_grouped_over_the_quarter_once_it_is_over(funds: WorkingGroup, treasurer: User) -> None:
    fund = public_fund_of(funds, treasurer)
    pay(fund, 30_000, Category.MEDICAL, date(2026, 4, 5))
    pay(fund, 25_000, Category.RIDE, date(2026, 5, 6))
    pay(fund, 21_000, Category.SUPPORT, date(2026, 6, 7))

    during = public_figures(fund, today=date(2026, 6, 15))  # the quarter is not over: nothing shown
    after = public_figures(fund, today=date(2026, 7, 1))

    assert during.paid.cells == []
    assert during.paid.withheld
    [grouped] = after.paid.cells
    assert (grouped.period.span, grouped.period.key) == (Span.QUARTER, "2026-Q2")
    assert (grouped.key, grouped.count) == ("other", 3)
    assert grouped.cents == 76_000


def test_the_public_page_is_small_and_works_in_spanish(funds: WorkingGroup, treasurer: User) -> None:
    fund = public_fund_of(funds, treasurer)
    for month in range(1, 13):  # a busy year: every category every month
        for category in Category.values:
            for day in (1, 2, 3):
                pay(fund, 5_000 + day, category, date(2025, month, day))

    with time_machine.travel(datetime(2026, 1, 10, 12, tzinfo=UTC), tick=False):
        english = Client().get(f"/en/funds/{fund.slug}/public/")
        spanish = Client().get(f"/es/funds/{fund.slug}/public/")

    assert english.status_code == spanish.status_code == 200
    assert len(english.content) < 100_000
    assert len(spanish.content) < 100_000
    text = spanish.content.decode()
    assert "Fondo Bail Out Fund" in text
    assert "Pagamos fianzas y abogados." in text
    assert 'lang="es"' in text
    assert "Pagado por categoría" in text
    assert re.search(r"<svg[^>]*role=\"img\"", text)
    assert '<title id="paid-title">' in text
    assert "funds/funds.css" in text  # the charts take the phone's whole width


def test_a_private_funds_public_page_does_not_exist(funds: WorkingGroup, treasurer: User, outsider: User) -> None:
    private = make_fund(funds, treasurer, "Quiet Fund")
    give(private, 10_000, treasurer)

    assert Client().get(f"/en/funds/{private.slug}/public/").status_code == 404
    assert client_for(treasurer).get(f"/en/funds/{private.slug}/public/").status_code == 404
    assert Client().get("/en/funds/no-such-fund/public/").status_code == 404
    assert Client().get(f"/api/v1/funds/{private.slug}/public").status_code == 404


def test_the_public_api_answers_anyone_with_the_same_cells(funds: WorkingGroup, treasurer: User) -> None:
    fund = public_fund_of(funds, treasurer)
    for day in (4, 11, 18):
        pay(fund, 100_000 + day, Category.BOND, date(2026, 5, day), AccountKind.BONDS_OUT)

    with time_machine.travel(NOW, tick=False):
        answer = Client().get(f"/api/v1/funds/{fund.uuid}/public")

    assert answer.status_code == 200
    body = answer.json()
    assert body["through"] == "2026-06-30"
    assert body["give_url"] == "https://give.example.org/bail"
    assert body["raised"]["cells"][0] | {"starts_on": None} == {
        "period": "2026-05",
        "starts_on": None,
        "ends_on": "2026-05-31",
        "key": RAISED,
        "count": 4,
        "amount_cents": 10_000_000,
    }
    assert [(c["key"], c["count"], c["amount_cents"]) for c in body["bonds"]["cells"]] == [("bond", 3, 300_000)]
    assert body["out_count"] == 3
    assert body["out_cents"] == 300_000
    assert DONOR not in answer.content.decode()
    assert "100004" not in answer.content.decode()


def test_rounding_is_to_tens_hundreds_or_thousands_by_size() -> None:
    cents = (449, 500, 99_949, 123_449, 9_999_949, 12_345_678)
    assert [round_public(c) for c in cents] == [0, 1_000, 100_000, 120_000, 10_000_000, 12_300_000]
    assert [round_held(c) for c in (123_456, 1_234_567, 98_765_432)] == [120_000, 1_200_000, 99_000_000]


# The property: whatever the payments, no published cell holds fewer than K of them or one that dominates it,
# every record is in at most one cell, and every amount shown is rounded.

records = st.lists(
    st.builds(
        Record,
        on=st.dates(min_value=date(2025, 1, 1), max_value=date(2026, 12, 31)),
        key=st.sampled_from(Category.values),
        cents=st.integers(min_value=1, max_value=5_000_000),
    ),
    max_size=60,
)


def rounded(cents: int) -> bool:
    return cents == round_public(cents) and cents % 1_000 == 0


def check(disclosed: Disclosed, given_records: list[Record], through: date) -> None:
    covered = 0
    for cell in disclosed.cells:
        assert cell.count >= K
        assert rounded(cell.cents)
        assert cell.cents == round_public(cell.exact)
        assert cell.period.end <= date.fromordinal(through.toordinal() + 1)  # only finished periods
        inside = [r for r in given_records if cell.period.start <= r.on < cell.period.end]
        assert len(inside) >= cell.count
        covered += cell.count
    assert covered <= len([r for r in given_records if r.on <= through])


@given(records, st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 3, 1)))
@settings(max_examples=150, deadline=None)
def test_no_public_cell_reveals_fewer_than_k_payments(given_records: list[Record], today: date) -> None:
    through = today.replace(day=1) - date.resolution
    disclosed = disclose(given_records, to_other, through)
    check(disclosed, given_records, through)
    # The dominance rule and the partition, against the records themselves: rebuild each cell from its records.
    for cell in disclosed.cells:
        if cell.period.span == Span.MONTH and cell.key != Category.OTHER:
            mine = [r for r in given_records if r.key == cell.key and cell.period.start <= r.on < cell.period.end]
            assert len(mine) == cell.count
            assert sum(r.cents for r in mine) == cell.exact
            assert max(r.cents for r in mine) <= DOMINANCE * cell.exact
