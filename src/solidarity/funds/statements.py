"""A fund's monthly statement for the network's accounts, for its treasurers: JSON, CSV and PDF.

For one month (in the network's calendar: a transaction's date is the day it happened there): each
account's opening balance, its debits and credits in the month and its closing balance; every entry of
every transaction dated in the month (date, transaction id, kind, category, account, debit, credit); and
the check that the books balance: each account's opening plus the month's movement is its closing, and
the month's entries and the closing balances each sum to zero.

Nothing personal: no donor's name, no payee, no purpose and no note (they may name people; the
treasurers read them on the fund's pages). Transaction ids are the ledger's opaque uuids. The CSV is
UTF-8 with a byte-order mark, every cell guarded against formulas (people.imports.formula_escaped)
except the amounts we write, plain numbers with a dot ("1250.00", "-3.05") that any spreadsheet adds up.
"""

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING
from uuid import UUID

from django.db.models import Min
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from solidarity.core.flyers import FONT, Paper, latin1, page_size
from solidarity.core.services import network_timezone
from solidarity.funds.ledger import balances
from solidarity.funds.models import AccountKind, Category, Entry, Fund, TransactionKind
from solidarity.funds.money import money
from solidarity.funds.public import next_month
from solidarity.people.imports import formula_escaped

if TYPE_CHECKING:
    from fpdf import FPDF

MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
AMOUNT = re.compile(r"^-?\d+\.\d{2}$")


def month_start(text: str) -> date | None:
    """The first day of the month "2026-03"; None for anything else."""
    found = MONTH.match(text)
    if found is None or not 1970 <= int(found.group(1)) <= 9000:  # far from date.max: next_month stays a date
        return None
    return date(int(found.group(1)), int(found.group(2)), 1)


def this_month() -> date:
    return timezone.localtime(timezone.now(), network_timezone()).date().replace(day=1)


def statement_months(fund: Fund) -> list[date]:
    """The first day of every month from the fund's first transaction (or this month) to this one, newest first."""
    first = Entry.objects.filter(account__fund=fund).aggregate(first=Min("transaction__occurred_on"))["first"]
    now = this_month()
    start = min(first.replace(day=1), now) if first is not None else now
    months = []
    while start <= now:
        months.append(start)
        start = next_month(start)
    return months[::-1]


@dataclass(frozen=True)
class AccountLine:
    kind: str
    opening: int
    debits: int
    credits: int  # a positive number: what went out of the account
    closing: int

    @property
    def adds_up(self) -> bool:
        return self.opening + self.debits - self.credits == self.closing


@dataclass(frozen=True)
class EntryLine:
    on: date
    transaction: UUID
    kind: str
    category: str
    account: str
    debit: int
    credit: int


@dataclass(frozen=True)
class Statement:
    fund: Fund
    month: date  # its first day
    accounts: list[AccountLine]
    entries: list[EntryLine]

    @property
    def last_day(self) -> date:
        return next_month(self.month) - timedelta(days=1)

    @property
    def balanced(self) -> bool:
        """Each account adds up, the month's entries sum to zero, and so do the closing balances."""
        moved = sum(line.debit - line.credit for line in self.entries)
        return all(line.adds_up for line in self.accounts) and moved == 0 and sum(a.closing for a in self.accounts) == 0

    @property
    def key(self) -> str:
        return f"{self.month:%Y-%m}"


def statement_of(fund: Fund, month: date) -> Statement:
    """The fund's statement for the month starting on `month` (module doc)."""
    last = next_month(month) - timedelta(days=1)
    opening = balances(fund, until=month - timedelta(days=1))
    closing = balances(fund, until=last)
    rows = (
        Entry.objects.filter(account__fund=fund, transaction__occurred_on__range=(month, last))
        .order_by("transaction__occurred_on", "transaction_id", "pk")
        .values_list(
            "transaction__occurred_on", "transaction__uuid", "transaction__kind", "transaction__category",
            "account__kind", "cents",
        )
    )  # fmt: skip
    entries = [
        EntryLine(on, uuid, kind, category, account, max(cents, 0), max(-cents, 0))
        for on, uuid, kind, category, account, cents in rows
    ]
    accounts = []
    for kind in AccountKind:
        debits = sum(line.debit for line in entries if line.account == kind)
        credits = sum(line.credit for line in entries if line.account == kind)
        accounts.append(AccountLine(str(kind), opening[kind], debits, credits, closing[kind]))
    return Statement(fund, month, accounts, entries)


def kind_name(kind: str) -> str:
    return str(TransactionKind(kind).label) if kind in TransactionKind.values else kind


def category_name(category: str) -> str:
    return str(Category(category).label) if category in Category.values else ""


def account_name(kind: str) -> str:
    return str(AccountKind(kind).label) if kind in AccountKind.values else kind


def plain(cents: int) -> str:
    """Cents as a plain number for a spreadsheet: 1250.00, -3.05."""
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


CELL_SIZE, SMALLEST_SIZE = 8.0, 6.0  # a PDF table cell's font, in points
CSV_COLUMNS = ("record", "date", "transaction", "kind", "category", "account", "debit", "credit", "balance")


def statement_csv(statement: Statement) -> bytes:
    """One row per account's opening balance, per entry, per account's closing balance, and the check:
    `record` says which (opening, entry, closing, check). Codes in `kind`, `category` and `account` are the
    API's, so a script reads them; amounts in the currency with a dot."""
    rows: list[list[str]] = []
    first, last = statement.month.isoformat(), statement.last_day.isoformat()
    for line in statement.accounts:
        rows.append(["opening", first, "", "", "", line.kind, "", "", plain(line.opening)])
    for entry in statement.entries:
        rows.append(
            ["entry", entry.on.isoformat(), str(entry.transaction), entry.kind, entry.category, entry.account,
             plain(entry.debit) if entry.debit else "", plain(entry.credit) if entry.credit else "", ""]
        )  # fmt: skip
    for line in statement.accounts:
        rows.append(
            ["closing", last, "", "", "", line.kind, plain(line.debits), plain(line.credits), plain(line.closing)]
        )
    rows.append(["check", last, "", "", "", "", "", "", "balanced" if statement.balanced else "NOT BALANCED"])
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows([guarded(cell) for cell in row] for row in rows)
    return ("\ufeff" + out.getvalue()).encode()


def guarded(cell: str) -> str:
    """A cell a spreadsheet cannot run: an amount we wrote (-500.00 is a number, not a formula) as it is, any
    other cell through people.imports.formula_escaped."""
    return cell if AMOUNT.match(cell) else formula_escaped(cell)


def statement_name(statement: Statement, extension: str) -> str:
    return f"statement-{statement.fund.slug}-{statement.key}.{extension}"


def statement_pdf(statement: Statement, paper: Paper = Paper.LETTER) -> bytes:
    """The statement on paper: the accounts' balances, the check, then every entry of the month."""
    from fpdf import FPDF  # here, not at the top: fpdf and its fontTools cost every process some 17 MB

    month = date_format(statement.month, "YEAR_MONTH_FORMAT")
    title = latin1(_("Statement of %(fund)s, %(month)s") % {"fund": statement.fund.name(), "month": month})
    pdf = FPDF(unit="mm", format=page_size(paper))
    pdf.set_title(title)
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font(FONT, style="B", size=15)
    pdf.multi_cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=9)
    pdf.multi_cell(0, 5, latin1(_("Amounts in cents are exact. Debits go into an account, credits out of it.")))
    pdf.ln(3)
    table(
        pdf,
        (56, 34, 34, 34, 34),
        (_("Account"), _("Opening"), _("Debits"), _("Credits"), _("Closing")),
        [
            (account_name(a.kind), money(a.opening), money(a.debits), money(a.credits), money(a.closing))
            for a in statement.accounts
        ],
    )
    pdf.ln(2)
    pdf.set_font(FONT, style="B", size=11)
    verdict = (
        _("The books balance.") if statement.balanced else _("The books do NOT balance: tell the network's admins.")
    )
    pdf.multi_cell(0, 6, latin1(verdict), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font(FONT, style="B", size=12)
    pdf.multi_cell(0, 7, latin1(_("Transactions of the month")), new_x="LMARGIN", new_y="NEXT")
    if not statement.entries:
        pdf.set_font(FONT, size=10)
        pdf.multi_cell(0, 6, latin1(_("No transactions this month.")))
    else:
        table(
            pdf,
            (20, 16, 30, 36, 46, 24, 24),
            (_("Date"), _("Id"), _("Kind"), _("Category"), _("Account"), _("Debit"), _("Credit")),
            [
                (
                    entry.on.strftime("%Y-%m-%d"),
                    str(entry.transaction)[:8],
                    kind_name(entry.kind),
                    category_name(entry.category),
                    account_name(entry.account),
                    money(entry.debit) if entry.debit else "",
                    money(entry.credit) if entry.credit else "",
                )
                for entry in statement.entries
            ],
        )
    return bytes(pdf.output())


def table(pdf: "FPDF", widths: tuple[int, ...], heads: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    pdf.set_font(FONT, style="B", size=8)
    for width, head in zip(widths, heads, strict=True):
        pdf.cell(width, 6, latin1(str(head)), border=1)
    pdf.ln()
    for row in rows:
        for width, text in zip(widths, row, strict=True):
            fitted(pdf, width, latin1(text))
        pdf.ln()


def fitted(pdf: "FPDF", width: int, text: str) -> None:
    """One cell whose text fits its width: in a smaller font when needed (a Spanish label is longer), cut
    only when even that does not fit."""
    room = width - 2 * pdf.c_margin
    size = CELL_SIZE
    pdf.set_font(FONT, size=size)
    while size > SMALLEST_SIZE and pdf.get_string_width(text) > room:
        size -= 0.5
        pdf.set_font(FONT, size=size)
    while text and pdf.get_string_width(text) > room:
        text = text[:-1]
    pdf.cell(width, 6, text, border=1)
