"""The funds' public figures and monthly statements in the JSON API, from the same functions as the pages.

`GET /funds/{fund}/public`: anyone, when the fund's public page is on (404 otherwise): the cells
funds.public lets out, every period (the page shows the last year). `GET /funds/{fund}/statements`: its
treasurers, the months with a statement; `GET /funds/{fund}/statements/{month}`: that month's balances,
entries and check as JSON; `.../{month}.csv` and `.../{month}.pdf`: the same as files.
"""

from datetime import date
from typing import Literal
from uuid import UUID

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from solidarity.accounts.access import signed_in
from solidarity.core.api import ApiError, api_permission
from solidarity.core.downloads import CSV, PDF, file_response
from solidarity.funds.access import FUND_TREASURER, TREASURERS, access_fund, public_fund
from solidarity.funds.public import Cell, Disclosed, public_figures
from solidarity.funds.statements import (
    Statement,
    month_start,
    statement_csv,
    statement_months,
    statement_name,
    statement_of,
    statement_pdf,
)

router = Router(tags=["funds"])

FILE_ANSWER = {
    200: {
        "description": "The statement: CSV (UTF-8 with a byte-order mark; cells that start like a formula begin "
        "with ') or PDF.",
        "content": {"text/csv": {"schema": {"type": "string"}}, "application/pdf": {"schema": {"type": "string"}}},
    }
}


class CellOut(Schema):
    period: str = Field(
        description="2026-03 (a month), 2026-Q1 (a quarter) or 2026 (a year): where cells were grouped."
    )
    starts_on: date
    ends_on: date = Field(description="The period's last day.")
    key: str = Field(
        description="raised; a category (bond, bail, legal, medical, ride, support, other: other holds what was "
        "grouped); for bonds: bond, bail, posted (both), returned, not_returned, back (both)."
    )
    count: int = Field(description="How many records: at least 3.")
    amount_cents: int = Field(description="Rounded: to 10 under 1,000, 100 under 100,000, 1,000 above (in cents).")


class DisclosedOut(Schema):
    cells: list[CellOut]
    withheld: bool = Field(description="Some records are in no cell yet: too few, or their quarter or year not over.")


class PublicFundOut(Schema):
    id: UUID
    slug: str
    name_en: str
    name_es: str
    about_en: str
    about_es: str
    give_url: str = Field(description="The network's own payment page: Solidarity takes no payments.")
    through: date = Field(description="The last day the figures cover: the end of the last complete month.")
    held_cents: int = Field(description="Cash and bank then, rounded to two significant figures.")
    out_cents: int | None = Field(description="Bonds and bail out then, rounded; null when fewer than 3 are out.")
    out_count: int | None
    raised: DisclosedOut
    paid: DisclosedOut = Field(description="Paid out by category (bonds and bail apart: they are lent).")
    bonds: DisclosedOut = Field(description="Bonds and bail posted and ended.")


def cell_out(cell: Cell) -> CellOut:
    last = date.fromordinal(cell.period.end.toordinal() - 1)
    return CellOut(
        period=cell.period.key,
        starts_on=cell.period.start,
        ends_on=last,
        key=cell.key,
        count=cell.count,
        amount_cents=cell.cents,
    )


def disclosed_out(disclosed: Disclosed) -> DisclosedOut:
    return DisclosedOut(cells=[cell_out(each) for each in disclosed.cells], withheld=disclosed.withheld)


@router.get(
    "/funds/{fund}/public",
    response=PublicFundOut,
    summary="A fund's public totals: rounded and grouped, naming no one",
    auth=None,
    openapi_extra={"security": []},
)
@api_permission("public")
def read_public_fund(request: HttpRequest, fund: str) -> PublicFundOut:
    """404 unless the fund's public page is on. Rules: funds.public (small cells grouped, amounts rounded)."""
    found = public_fund(fund)
    figures = public_figures(found)
    return PublicFundOut(
        id=found.uuid,
        slug=found.slug,
        name_en=found.name_en,
        name_es=found.name_es,
        about_en=found.about_en,
        about_es=found.about_es,
        give_url=found.give_url,
        through=figures.through,
        held_cents=figures.held.cash,
        out_cents=figures.held.out,
        out_count=figures.held.out_count,
        raised=disclosed_out(figures.raised),
        paid=disclosed_out(figures.paid),
        bonds=disclosed_out(figures.bonds),
    )


class StatementMonthOut(Schema):
    month: str = Field(description="yyyy-mm, in the network's calendar.")


class AccountLineOut(Schema):
    account: str
    opening_cents: int
    debit_cents: int
    credit_cents: int
    closing_cents: int


class EntryLineOut(Schema):
    occurred_on: date
    transaction: UUID
    kind: str
    category: str
    account: str
    debit_cents: int
    credit_cents: int


class StatementOut(Schema):
    month: str
    accounts: list[AccountLineOut]
    entries: list[EntryLineOut]
    balanced: bool = Field(description="Each account adds up, and the month's entries and balances sum to zero.")


@router.get(
    "/funds/{fund}/statements",
    response=list[StatementMonthOut],
    summary="The months a fund has a statement for, newest first",
)
@paginate
@api_permission(FUND_TREASURER)
def list_statements(request: HttpRequest, fund: str) -> list[StatementMonthOut]:
    found = access_fund(signed_in(request), fund, *TREASURERS)
    return [StatementMonthOut(month=f"{month:%Y-%m}") for month in statement_months(found)]


def statement_for(request: HttpRequest, fund: str, month: str) -> Statement:
    found = access_fund(signed_in(request), fund, *TREASURERS)
    start = month_start(month)
    if start is None:
        message = _("Write the month as yyyy-mm, for example 2026-03.")
        raise ApiError(422, "invalid_input", message, {"month": [message]})
    return statement_of(found, start)


@router.get(
    "/funds/{fund}/statements/{month}.{statement_format}",
    response={200: None},
    summary="A fund's monthly statement as CSV or PDF",
    openapi_extra={"responses": FILE_ANSWER},
)
@api_permission(FUND_TREASURER)
def statement_file(
    request: HttpRequest, fund: str, month: str, statement_format: Literal["csv", "pdf"]
) -> HttpResponse:
    """No donor, payee, purpose or note: dates, kinds, categories, accounts and amounts (funds.statements)."""
    statement = statement_for(request, fund, month)
    if statement_format == "pdf":
        return file_response(statement_pdf(statement), PDF, statement_name(statement, "pdf"))
    return file_response(statement_csv(statement), CSV, statement_name(statement, "csv"), attachment=True)


@router.get("/funds/{fund}/statements/{month}", response=StatementOut, summary="A fund's monthly statement")
@api_permission(FUND_TREASURER)
def read_statement(request: HttpRequest, fund: str, month: str) -> StatementOut:
    """Each account's opening, debits, credits and closing; every entry of the month; whether the books balance."""
    statement = statement_for(request, fund, month)
    return StatementOut(
        month=statement.key,
        accounts=[
            AccountLineOut(
                account=line.kind,
                opening_cents=line.opening,
                debit_cents=line.debits,
                credit_cents=line.credits,
                closing_cents=line.closing,
            )
            for line in statement.accounts
        ],
        entries=[
            EntryLineOut(
                occurred_on=entry.on,
                transaction=entry.transaction,
                kind=entry.kind,
                category=entry.category,
                account=entry.account,
                debit_cents=entry.debit,
                credit_cents=entry.credit,
            )
            for entry in statement.entries
        ],
        balanced=statement.balanced,
    )
