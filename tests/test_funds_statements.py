"""A fund's monthly statement for its treasurers: every entry of the month, opening and closing balances that
add up, no names; as CSV, PDF and JSON; to anyone else the statements do not exist."""

import csv
import io
from datetime import UTC, date, datetime

import pypdfium2 as pdfium  # type: ignore[import-untyped]  # it ships no type hints
import pytest
import time_machine
from django.test import Client

from solidarity.accounts.models import User, WorkingGroup
from solidarity.core.permissions import Role
from solidarity.funds import ledger
from solidarity.funds.ledger import Line
from solidarity.funds.models import AccountKind, Category, Fund, Method, TransactionKind
from solidarity.funds.services import do_transfer
from solidarity.funds.statements import guarded
from tests.factories.accounts import client_for, make_member
from tests.factories.funds import give, make_fund

pytestmark = pytest.mark.django_db(transaction=False)
NOW = datetime(2026, 7, 15, 12, tzinfo=UTC)
DONOR = "Zelda Plantedname"


def busy_fund(funds: WorkingGroup, treasurer: User) -> Fund:
    fund = make_fund(funds, treasurer, "Statement Fund")
    give(fund, 50_000, treasurer, on=date(2026, 5, 20), donor_name=DONOR)  # before the month: the opening
    give(fund, 12_345, treasurer, on=date(2026, 6, 3), donor_name=DONOR, method=Method.CHECK)
    give(fund, 7_000, treasurer, on=date(2026, 6, 9), pledge=True)
    lines = [Line(fund, AccountKind.CASH, -20_000), Line(fund, AccountKind.PAID_OUT, 20_000)]
    ledger.post(TransactionKind.DISBURSEMENT, lines, on=date(2026, 6, 12), by=None, category=Category.LEGAL, note="=X")
    do_transfer(fund, make_fund(funds, treasurer, "Other Fund"), 1_000, on=date(2026, 6, 30), by=treasurer)
    give(fund, 99_999, treasurer, on=date(2026, 7, 1))  # after the month: not in it
    return fund


def cents(text: str) -> int:
    return round(float(text) * 100) if text else 0


def test_the_csv_has_the_months_entries_and_balances_that_add_up(funds: WorkingGroup, treasurer: User) -> None:
    fund = busy_fund(funds, treasurer)

    with time_machine.travel(NOW, tick=False):
        answer = client_for(treasurer).get(f"/en/funds/{fund.slug}/statements/2026-06.csv")

    assert answer.status_code == 200
    assert answer["Content-Disposition"] == f'attachment; filename="statement-{fund.slug}-2026-06.csv"'
    text = answer.content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    entries = [row for row in rows if row["record"] == "entry"]
    assert {row["kind"] for row in entries} == {"donation", "pledge", "disbursement", "transfer"}
    assert all(row["date"].startswith("2026-06") for row in entries)
    opening = {row["account"]: cents(row["balance"]) for row in rows if row["record"] == "opening"}
    closing = {row["account"]: cents(row["balance"]) for row in rows if row["record"] == "closing"}
    assert opening["cash"] == 50_000
    assert closing["cash"] == 50_000 + 12_345 - 20_000 - 1_000
    for account, start in opening.items():
        moved = sum(cents(row["debit"]) - cents(row["credit"]) for row in entries if row["account"] == account)
        assert start + moved == closing[account]
    assert sum(closing.values()) == 0
    assert rows[-1]["record"] == "check"
    assert rows[-1]["balance"] == "balanced"
    assert DONOR not in text
    assert "=X" not in text  # no note


def test_the_pdf_is_a_pdf_that_names_no_donor(funds: WorkingGroup, treasurer: User) -> None:
    fund = busy_fund(funds, treasurer)

    with time_machine.travel(NOW, tick=False):
        answer = client_for(treasurer).get(f"/es/funds/{fund.slug}/statements/2026-06.pdf")

    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/pdf"
    assert answer.content.startswith(b"%PDF")
    assert DONOR.encode() not in answer.content


def pdf_text(content: bytes) -> str:
    document = pdfium.PdfDocument(content)
    return "\n".join(page.get_textpage().get_text_range() for page in document)


def test_the_spanish_pdf_writes_every_label_whole_and_no_donor(funds: WorkingGroup, treasurer: User) -> None:
    fund = busy_fund(funds, treasurer)
    lines = [Line(fund, AccountKind.CASH, -30_000), Line(fund, AccountKind.BONDS_OUT, 30_000)]
    ledger.post(TransactionKind.DISBURSEMENT, lines, on=date(2026, 6, 20), by=None, category=Category.BOND)

    with time_machine.travel(NOW, tick=False):
        answer = client_for(treasurer).get(f"/es/funds/{fund.slug}/statements/2026-06.pdf")

    text = pdf_text(answer.content)
    assert "Los libros cuadran." in text
    assert "pago fianza de inmigración fianzas de inmigración pagadas $300.00" in text  # category and account whole
    assert DONOR not in text


def test_the_statements_page_lists_the_months(funds: WorkingGroup, treasurer: User) -> None:
    fund = busy_fund(funds, treasurer)

    with time_machine.travel(NOW, tick=False):
        page = client_for(treasurer).get(f"/en/funds/{fund.slug}/statements/")
        spanish = client_for(treasurer).get(f"/es/funds/{fund.slug}/statements/")

    assert page.status_code == 200
    text = page.content.decode()
    for month in ("2026-05", "2026-06", "2026-07"):
        assert f"/en/funds/{fund.slug}/statements/{month}.csv" in text
    assert "/statements/2026-04.csv" not in text
    assert f'href="/en/funds/{fund.slug}/"' in text  # back to the fund
    assert "Estados de cuenta mensuales" in spanish.content.decode()


def test_the_api_answers_the_same_figures(funds: WorkingGroup, treasurer: User) -> None:
    fund = busy_fund(funds, treasurer)
    client = client_for(treasurer)

    with time_machine.travel(NOW, tick=False):
        months = client.get(f"/api/v1/funds/{fund.slug}/statements").json()
        june = client.get(f"/api/v1/funds/{fund.uuid}/statements/2026-06").json()
        as_csv = client.get(f"/api/v1/funds/{fund.slug}/statements/2026-06.csv")
        as_pdf = client.get(f"/api/v1/funds/{fund.slug}/statements/2026-06.pdf")
        bad = client.get(f"/api/v1/funds/{fund.slug}/statements/2026-13")

    assert months == {"items": [{"month": "2026-07"}, {"month": "2026-06"}, {"month": "2026-05"}], "count": 3}
    assert june["balanced"] is True
    cash = next(line for line in june["accounts"] if line["account"] == "cash")
    assert (cash["opening_cents"], cash["closing_cents"]) == (50_000, 41_345)
    assert len({entry["transaction"] for entry in june["entries"]}) == 4
    assert as_csv.status_code == 200
    assert as_csv.content.decode("utf-8-sig").startswith("record,date,transaction")
    assert as_pdf.content.startswith(b"%PDF")
    assert bad.status_code == 422
    assert bad.json()["error"]["fields"]["month"]


def test_a_bad_month_is_not_found(funds: WorkingGroup, treasurer: User) -> None:
    fund = busy_fund(funds, treasurer)
    client = client_for(treasurer)
    for month in ("2026-13", "26-06", "2026-6", "x"):
        assert client.get(f"/en/funds/{fund.slug}/statements/{month}.csv").status_code == 404


def test_outsiders_and_plain_members_get_nothing(funds: WorkingGroup, treasurer: User, outsider: User) -> None:
    fund = busy_fund(funds, treasurer)
    member = make_member("pat.plain", funds, Role.MEMBER)
    urls = [
        f"/en/funds/{fund.slug}/statements/",
        f"/en/funds/{fund.slug}/statements/2026-06.csv",
        f"/en/funds/{fund.slug}/statements/2026-06.pdf",
        f"/api/v1/funds/{fund.slug}/statements",
        f"/api/v1/funds/{fund.slug}/statements/2026-06",
        f"/api/v1/funds/{fund.slug}/statements/2026-06.csv",
    ]
    for user in (outsider, member):
        client = client_for(user)
        assert all(client.get(url).status_code == 404 for url in urls), user
    anonymous = Client()
    assert anonymous.get(urls[1]).status_code == 302
    assert anonymous.get(urls[4]).status_code == 401


def test_a_csv_cell_that_looks_like_a_formula_is_escaped_but_amounts_stay_numbers() -> None:
    assert guarded("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert guarded("-2+3") == "'-2+3"
    assert guarded("-500.00") == "-500.00"
    assert guarded("1250.05") == "1250.05"
