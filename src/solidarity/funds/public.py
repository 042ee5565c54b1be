"""A fund's public totals: what it raised, paid out and has out in bonds, month by month, naming no one.

Pure reads of the ledger (nothing here writes). The public page and the public API show what
`public_figures` returns and nothing else, so the rules below are the whole of what the public learns.

Disclosure control, as a statistical office does it for a table of small counts:

1. Only whole, finished periods are published. The figures stop at the end of the last complete month
   in the network's time zone (core.services.network_timezone); a quarter's or a year's grouped cell is
   published only once that quarter or year is over. A published cell never changes afterwards (unless a
   treasurer back-dates an entry), so someone who reads the page every day cannot learn a payment by
   watching a number grow by it.
2. Every payment, gift, bond posted or bond returned is one record in exactly one published cell (or in
   none): cells never overlap, so no cell can be subtracted from another to isolate a record.
3. A cell is safe when it holds at least K (= 3) records and its largest record is at most 80% of its total
   (the dominance rule: a cell of one 10,000 bond and two 20 rides would otherwise show the bond). An
   unsafe cell is folded, in this order:
   a. a category of a month (legal fees in March) into the month's "other";
   b. the month's "other" (or a month's raised, or bonds posted) into its quarter, shown once the quarter
      is over;
   c. the quarter's into its year, shown once the year is over;
   d. a year still unsafe is withheld: counted in no total, and the page says some amounts are not shown.
4. Every amount shown is rounded (ROUNDING): to the nearest 10 of the currency under 1,000, to the nearest
   100 under 100,000, to the nearest 1,000 above; what the fund holds (a single number anyone can watch)
   to two significant figures, at least to the nearest 100. Totals are sums of the rounded cells shown,
   never of the records, so a total minus the cells shown is zero, not the withheld records.
5. No name, purpose, note, payee, donor or case is ever read here: only dates, kinds, categories and cents.

What is left (said, not hidden): what the fund holds at the end of each month is public, so someone who
writes it down every month can learn a month's net movement to within the rounding (two significant
figures); withheld records are not in any total, so the sum of the cells need not match what the fund
holds. Bonds and bail are lent, not spent: they are shown apart from "paid out", as posted and returned.
Raised is donations and pledges once collected (a pledge promised is not money yet); transfers between the
network's funds are neither raised nor paid out. A transaction later corrected (reversed) counts nowhere.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from django.utils import timezone

from solidarity.core.services import network_timezone
from solidarity.funds.models import HELD, AccountKind, Category, Entry, Fund, TransactionKind

K = 3  # the fewest records a published cell may hold
DOMINANCE = 0.8  # the largest share of a cell's total one record may have
CURRENCY = 100  # cents in one unit of the currency

RAISED = "raised"
POSTED = "posted"  # bonds and bail posted (lent out)
BACK = "back"  # bonds and bail ended: money back in the fund, or kept by the court
OUT_KINDS = (AccountKind.BONDS_OUT, AccountKind.BAIL_OUT)


class Span(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


@dataclass(frozen=True, order=True)
class Period:
    """A month, a quarter or a year: its first day and the first day after it."""

    start: date
    end: date
    span: Span

    @property
    def key(self) -> str:
        """2026-03, 2026-Q1 or 2026."""
        if self.span == Span.MONTH:
            return f"{self.start:%Y-%m}"
        if self.span == Span.QUARTER:
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        return str(self.start.year)


def month_of(day: date) -> Period:
    start = day.replace(day=1)
    return Period(start, next_month(start), Span.MONTH)


def quarter_of(day: date) -> Period:
    start = day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    end = next_month(next_month(next_month(start)))
    return Period(start, end, Span.QUARTER)


def year_of(day: date) -> Period:
    return Period(date(day.year, 1, 1), date(day.year + 1, 1, 1), Span.YEAR)


def next_month(first: date) -> date:
    return (first.replace(day=1) + timedelta(days=32)).replace(day=1)


@dataclass(frozen=True)
class Record:
    """One payment, gift, bond posted or bond ended: its day, what it is (a category, or RAISED...) and cents."""

    on: date
    key: str
    cents: int


@dataclass(frozen=True)
class Cell:
    """What the public sees: a period, a key (a category, "other", RAISED...), how many records and their
    rounded total. `exact` is kept for the tests' checks and never shown."""

    period: Period
    key: str
    count: int
    cents: int  # rounded (round_public)
    exact: int = field(repr=False, compare=False)


@dataclass(frozen=True)
class Disclosed:
    cells: list[Cell]
    withheld: bool  # some records are in no cell: too few or too dominant, or their quarter/year is not over


def round_public(cents: int) -> int:
    """Cents rounded for the public (rule 4): nearest 10 under 1,000, 100 under 100,000, 1,000 above; half up."""
    size = abs(cents)
    unit = 10 if size < 1_000 * CURRENCY else 100 if size < 100_000 * CURRENCY else 1_000
    return rounded_to(cents, unit * CURRENCY)


def round_held(cents: int) -> int:
    """What the fund holds, rounded to two significant figures, at least to the nearest 100 (rule 4)."""
    unit = 100 * CURRENCY
    while abs(cents) >= unit * 100:
        unit *= 10
    return rounded_to(cents, unit)


def rounded_to(cents: int, unit: int) -> int:
    sign = -1 if cents < 0 else 1
    return sign * ((abs(cents) + unit // 2) // unit) * unit


def is_safe(records: list[Record]) -> bool:
    """At least K records, none above DOMINANCE of their total (rule 3)."""
    total = sum(record.cents for record in records)
    return len(records) >= K and total > 0 and max(record.cents for record in records) <= DOMINANCE * total


def cell(period: Period, key: str, records: list[Record]) -> Cell:
    exact = sum(record.cents for record in records)
    return Cell(period, key, len(records), round_public(exact), exact)


def disclose(records: Iterable[Record], fold: Callable[[str], str], through: date) -> Disclosed:
    """The cells the public may see of `records` up to `through` (the last day of a complete month), each
    unsafe cell folded as the module says: key → fold(key) in its month → its quarter → its year → withheld.
    `fold(key) == key` for a key with nothing to fold into within a month (raised, "other")."""
    wanted = [record for record in records if record.on <= through and record.cents > 0]
    cells: list[Cell] = []
    withheld = False
    by_month: dict[Period, dict[str, list[Record]]] = defaultdict(lambda: defaultdict(list))
    for record in wanted:
        by_month[month_of(record.on)][record.key].append(record)
    quarter_pool: dict[tuple[Period, str], list[Record]] = defaultdict(list)
    for month, keys in sorted(by_month.items()):
        pooled: dict[str, list[Record]] = defaultdict(list)
        for key, found in sorted(keys.items()):
            if fold(key) != key and is_safe(found):
                cells.append(cell(month, key, found))
            else:
                pooled[fold(key)].extend(found)
        for key, found in sorted(pooled.items()):
            if is_safe(found):
                cells.append(cell(month, key, found))
            else:
                quarter_pool[quarter_of(month.start), key].extend(found)
    year_pool: dict[tuple[Period, str], list[Record]] = defaultdict(list)
    for (quarter, key), found in sorted(quarter_pool.items()):
        if quarter.end > through + timedelta(days=1):
            withheld = True  # not over yet: shown once it is
        elif is_safe(found):
            cells.append(cell(quarter, key, found))
        else:
            year_pool[year_of(quarter.start), key].extend(found)
    for (year, key), found in sorted(year_pool.items()):
        if year.end <= through + timedelta(days=1) and is_safe(found):
            cells.append(cell(year, key, found))
        else:
            withheld = True
    return Disclosed(sorted(cells, key=lambda each: (each.period.start, each.period.end, each.key)), withheld)


def to_other(key: str) -> str:
    return Category.OTHER.value


def as_is(key: str) -> str:
    return key


def bonds_together(key: str) -> str:
    """Bond and bail posted fold into both posted; returned and kept by the court into both ended."""
    return POSTED if key in (Category.BOND, Category.BAIL) else BACK


# Reading the ledger: dates, kinds, categories and cents only.


@dataclass
class Ledger:
    raised: list[Record]
    paid: list[Record]  # key: the payment's category
    bonds: list[Record]  # key: bond or bail (posted), returned or not_returned (ended)


def records_of(fund: Fund) -> Ledger:
    """Every gift (donations and pledges collected, into cash), payment (out of cash into paid out) and bond
    movement of `fund`, from one read of its entries. A transaction and its correction cancel each other out:
    neither is counted."""
    rows = list(
        Entry.objects.filter(account__fund=fund).values_list(
            "transaction_id",
            "transaction__kind",
            "transaction__category",
            "transaction__occurred_on",
            "transaction__reverses_id",
            "account__kind",
            "cents",
        )
    )
    reversed_ids = {row[4] for row in rows if row[1] == TransactionKind.REVERSAL and row[4] is not None}
    ledger = Ledger([], [], [])
    for pk, kind, category, on, _reverses, account, cents in rows:
        if kind == TransactionKind.REVERSAL or pk in reversed_ids:
            continue
        if kind in (TransactionKind.DONATION, TransactionKind.PLEDGE_PAID) and account == AccountKind.CASH:
            ledger.raised.append(Record(on, RAISED, cents))
        elif kind == TransactionKind.DISBURSEMENT and account == AccountKind.PAID_OUT:
            ledger.paid.append(Record(on, category if category in Category.values else Category.OTHER, cents))
        elif kind == TransactionKind.DISBURSEMENT and account in OUT_KINDS:
            key = Category.BAIL if account == AccountKind.BAIL_OUT else Category.BOND
            ledger.bonds.append(Record(on, key, cents))
        elif kind in (TransactionKind.RETURNED, TransactionKind.NOT_RETURNED) and account in OUT_KINDS:
            ledger.bonds.append(Record(on, str(kind), -cents))
    return ledger


def last_complete_day(today: date | None = None) -> date:
    """The last day of the last complete month, in the network's time zone."""
    day = today or timezone.localtime(timezone.now(), network_timezone()).date()
    return day.replace(day=1) - timedelta(days=1)


@dataclass(frozen=True)
class Held:
    cash: int  # rounded (round_held)
    out: int | None  # bonds and bail out, rounded; None when fewer than K are out (not shown)
    out_count: int | None  # how many are out; None when fewer than K


@dataclass(frozen=True)
class PublicFigures:
    """What the public page and the public API show of a fund (module doc)."""

    fund: Fund
    through: date  # the last day the figures cover
    raised: Disclosed
    paid: Disclosed
    bonds: Disclosed
    held: Held

    @property
    def withheld(self) -> bool:
        return self.raised.withheld or self.paid.withheld or self.bonds.withheld

    @property
    def months(self) -> list[Period]:
        """Every period with a cell, in order."""
        cells = [*self.raised.cells, *self.paid.cells, *self.bonds.cells]
        return sorted({each.period for each in cells}, key=lambda period: (period.start, period.end))


def held_at(fund: Fund, through: date) -> Held:
    """Cash at the end of `through`, rounded; bonds and bail out then, when at least K are out (counted as
    postings less endings in the ledger)."""
    rows = Entry.objects.filter(
        account__fund=fund, account__kind__in=HELD, transaction__occurred_on__lte=through
    ).values_list("account__kind", "cents", "transaction__kind")
    cash = out = count = 0
    for account, cents, kind in rows:
        if account == AccountKind.CASH:
            cash += cents
        elif account in OUT_KINDS:
            out += cents
            if kind != TransactionKind.REVERSAL:
                count += 1 if cents > 0 else -1
    shown = count >= K
    return Held(round_held(cash), round_held(out) if shown else None, count if shown else None)


def public_figures(fund: Fund, today: date | None = None) -> PublicFigures:
    """The fund's public figures up to the end of the last complete month (module doc)."""
    through = last_complete_day(today)
    ledger = records_of(fund)
    return PublicFigures(
        fund=fund,
        through=through,
        raised=disclose(ledger.raised, as_is, through),
        paid=disclose(ledger.paid, to_other, through),
        bonds=disclose(ledger.bonds, bonds_together, through),
        held=held_at(fund, through),
    )


def total(disclosed: Disclosed, keys: Iterable[str] | None = None) -> int:
    """The sum of the rounded cells shown (of `keys`): never of the records (rule 4)."""
    wanted = set(keys) if keys is not None else None
    return sum(each.cents for each in disclosed.cells if wanted is None or each.key in wanted)
