"""A fund's public page (anyone, when the fund has one), and its monthly statements (its treasurers)."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from solidarity.accounts.access import signed_in
from solidarity.core.downloads import CSV, PDF, file_response
from solidarity.core.permissions import permission
from solidarity.funds.access import FUND_TREASURER, TREASURERS, access_fund, public_fund
from solidarity.funds.charts import public_charts
from solidarity.funds.money import money
from solidarity.funds.public import public_figures
from solidarity.funds.statements import (
    Statement,
    month_start,
    statement_csv,
    statement_months,
    statement_name,
    statement_of,
    statement_pdf,
)


@require_GET
@permission("public")
def public_page(request: HttpRequest, fund: str) -> HttpResponse:
    """Raised, paid out by category, bonds posted and ended, month by month, rounded and grouped so that no
    one can be traced (funds.public); 404 unless the fund's public page is on."""
    found = public_fund(fund)
    figures = public_figures(found)
    charts = public_charts(figures)
    context = {
        "fund": found,
        "name": found.name(get_language()),
        "about": found.about(get_language()),
        "figures": figures,
        "charts": charts,
        "raised_total": money(charts.raised_total, whole=True),
        "paid_total": money(charts.paid_total, whole=True),
        "held": money(figures.held.cash, whole=True),
        "out": None if figures.held.out is None else money(figures.held.out, whole=True),
    }
    return render(request, "funds/public.html", context)


@require_GET
@permission(FUND_TREASURER)
def statements(request: HttpRequest, fund: str) -> HttpResponse:
    """The months with a statement to download, newest first."""
    found = access_fund(signed_in(request), fund, *TREASURERS)
    return render(
        request,
        "funds/statements.html",
        {"fund": found, "name": found.name(get_language()), "months": statement_months(found)},
    )


def month_statement(request: HttpRequest, fund: str, month: str) -> Statement:
    found = access_fund(signed_in(request), fund, *TREASURERS)
    start = month_start(month)
    if start is None:
        raise Http404
    return statement_of(found, start)


@require_GET
@permission(FUND_TREASURER)
def statement_pdf_file(request: HttpRequest, fund: str, month: str) -> HttpResponse:
    """The month's statement on paper: balances, the check, every entry. No names."""
    statement = month_statement(request, fund, month)
    return file_response(statement_pdf(statement), PDF, statement_name(statement, "pdf"))


@require_GET
@permission(FUND_TREASURER)
def statement_csv_file(request: HttpRequest, fund: str, month: str) -> HttpResponse:
    """The month's statement as CSV for the network's accounts (funds.statements)."""
    statement = month_statement(request, fund, month)
    return file_response(statement_csv(statement), CSV, statement_name(statement, "csv"), attachment=True)
