"""A fund's public figures as charts people would rather look at than read (core.charts: SVG, no script).

Three bar charts, each a group per period (a month, or a quarter or year where small cells were grouped:
funds.public), newest first, each bar as long as its rounded amount against the chart's largest, with the
amount and the count in words beside it:
- raised: one bar a period (green);
- paid out by category: a bar per category (blue), "other" for what was grouped;
- bonds and bail: posted (red), and ended: back in the fund or kept by the court (green).
Each chart says every number in its <desc>; the page prints the same cells as a table. Nothing here reads
more than the cells funds.public lets out.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from solidarity.core.charts import BLUE, GREEN, RED, Chart, bar_chart, length
from solidarity.funds.models import Category
from solidarity.funds.money import money
from solidarity.funds.public import BACK, POSTED, RAISED, Cell, Disclosed, Period, PublicFigures, Span

SHOWN_MONTHS = 12  # the page shows the last year; the API every period


def period_name(period: Period) -> str:
    if period.span == Span.MONTH:
        return date_format(period.start, "YEAR_MONTH_FORMAT")
    last = date(period.start.year, period.start.month + 2, 1) if period.span == Span.QUARTER else None
    if last is not None:
        return _("%(first)s to %(last)s, grouped") % {
            "first": date_format(period.start, "F"),
            "last": date_format(last, "YEAR_MONTH_FORMAT"),
        }
    return _("%(year)d, grouped") % {"year": period.start.year}


def key_name(key: str) -> str:
    """What a cell counts, in the reader's language."""
    names = {
        RAISED: _("raised"),
        POSTED: _("bonds and bail posted"),
        BACK: _("bonds and bail ended"),
        "returned": _("bonds and bail back in the fund"),
        "not_returned": _("bonds and bail kept by the court"),
    }
    if key in names:
        return str(names[key])
    if key == Category.OTHER:
        return _("other, grouped")
    return str(Category(key).label) if key in Category.values else key


def bond_key_name(key: str) -> str:
    if key == Category.BOND:
        return _("immigration bonds posted")
    if key == Category.BAIL:
        return _("criminal bail posted")
    return key_name(key)


def gifts(count: int) -> str:
    return ngettext("%(count)d gift", "%(count)d gifts", count) % {"count": count}


def payments(count: int) -> str:
    return ngettext("%(count)d payment", "%(count)d payments", count) % {"count": count}


def bonds(count: int) -> str:
    return ngettext("%(count)d bond or bail", "%(count)d bonds and bail", count) % {"count": count}


def counted(key: str) -> Callable[[int], str]:
    """How a cell's records are counted in words: gifts, payments, or bonds and bail."""
    if key == RAISED:
        return gifts
    if key in (POSTED, BACK, "returned", "not_returned", Category.BOND, Category.BAIL):
        return bonds
    return payments


def cell_words(cell: Cell, name: str, count: Callable[[int], str] | None = None) -> str:
    """The cell in words: "legal fees: $1,200 (4 payments)"."""
    return _("%(what)s: %(amount)s (%(count)s)") % {
        "what": name,
        "amount": money(cell.cents, whole=True),
        "count": (count or counted(cell.key))(cell.count),
    }


@dataclass(frozen=True)
class Row:
    """A line of the page's table: the same cells the charts draw."""

    period: str
    what: str
    count: int
    amount: str


def recent(disclosed: Disclosed, since: date) -> list[Cell]:
    return [each for each in disclosed.cells if each.period.end > since]


def since_of(figures: PublicFigures) -> date:
    start = figures.through.replace(day=1)
    for _month in range(SHOWN_MONTHS - 1):
        start = (start.replace(day=1) - date.resolution).replace(day=1)
    return start


def chart_of(
    key: str,
    title: str,
    cells: list[Cell],
    colour: dict[str, str],
    name: dict[str, str] | None = None,
    count: Callable[[int], str] | None = None,
) -> Chart:
    names = name or {}
    largest = max((each.cents for each in cells), default=0)
    periods = sorted({each.period for each in cells}, key=lambda p: (p.start, p.end), reverse=True)
    groups: list[tuple[str, list[tuple[float, str, str, bool]]]] = []
    said = []
    for period in periods:
        here = [each for each in cells if each.period == period]
        words = [cell_words(each, names.get(each.key) or key_name(each.key), count) for each in here]
        bars = [
            (length(each.cents, largest), colour.get(each.key, BLUE), text, False)
            for each, text in zip(here, words, strict=True)
        ]
        groups.append((period_name(period), bars))
        said.append(f"{period_name(period)}: {'; '.join(words)}.")
    desc = " ".join(said) or _("Nothing to show yet.")
    return bar_chart(key, title, desc, groups, below=True)


@dataclass(frozen=True)
class PublicCharts:
    raised: Chart
    paid: Chart
    bonds: Chart
    rows: list[Row]
    raised_total: int  # the sums of the rounded cells shown (funds.public.total)
    paid_total: int


def public_charts(figures: PublicFigures) -> PublicCharts:
    """The page's three charts and its table, over the last SHOWN_MONTHS months."""
    since = since_of(figures)
    raised, paid, bonds = recent(figures.raised, since), recent(figures.paid, since), recent(figures.bonds, since)
    bond_names = {str(key): bond_key_name(key) for key in (Category.BOND, Category.BAIL)}
    rows = [
        Row(period_name(each.period), bond_names.get(each.key) or key_name(each.key), each.count,
            money(each.cents, whole=True))
        for each in sorted([*raised, *paid, *bonds], key=lambda c: (c.period.start, c.period.end), reverse=True)
    ]  # fmt: skip
    return PublicCharts(
        raised=chart_of("raised", _("Raised, month by month"), raised, {RAISED: GREEN}),
        paid=chart_of("paid", _("Paid out by category, month by month"), paid, {}, count=payments),
        bonds=chart_of(
            "bonds",
            _("Bonds and bail posted and ended, month by month"),
            bonds,
            {
                Category.BOND: RED,
                Category.BAIL: RED,
                POSTED: RED,
                "returned": GREEN,
                "not_returned": GREEN,
                BACK: GREEN,
            },
            bond_names,
        ),
        rows=rows,
        raised_total=sum(each.cents for each in raised),
        paid_total=sum(each.cents for each in paid),
    )
