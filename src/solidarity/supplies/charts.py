"""Charts a coordinator would rather look at than read, drawn on the server as SVG (core.charts): no script.

- Stock against par over time, one item: units on hand at the end of each of the last twelve months (a
  solid line with a dot a month), its par level then (dashed) and the line above which stock is far above
  need (dotted), each judged from the use of the months before that point, by the same rule as today's
  status (supplies.services.judged). The lines differ by dash as well as colour.
- Expiry in the next months, a group: for the stock already expired and still on a shelf, then each of
  the next six months, a bar per item as long as the share of the item's stock that expires then, with
  its count in words ("NLX: 6 of 10 doses").

Both charts say every number in their <desc> for screen readers; the pages also print them as text.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from xml.sax.saxutils import escape

from django.db.models import Min
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from solidarity.core.bilingual import text_of
from solidarity.core.charts import BLUE, GREY, INK, PAD, RED, WIDTH, Chart, bar_chart, length, svg
from solidarity.supplies.models import Item, Movement
from solidarity.supplies.services import SPENT, ParState, ParStatus, StockLine, history_start, judged

HISTORY_MONTHS = 12
EXPIRY_MONTHS = 6


@dataclass(frozen=True)
class MonthPoint:
    """An item at the end of a month (today, for this month): on hand, its par level and the stock above
    which it is far above need (both 0 without use), and the state then."""

    month: date  # the month's first day
    on_hand: int
    par_level: int
    far_above: int
    state: str
    status: ParStatus  # the whole judgement at that point (the last point's is today's par_status)


def month_starts(today: date, months: int) -> list[date]:
    """The first days of the last `months` months, this one last."""
    starts = [today.replace(day=1)]
    while len(starts) < months:
        starts.insert(0, (starts[0] - timedelta(days=1)).replace(day=1))
    return starts


def next_month(first: date) -> date:
    return (first + timedelta(days=32)).replace(day=1)


def stock_history(item: Item, months: int = HISTORY_MONTHS) -> list[MonthPoint]:
    """The item at the end of each of the last `months` months, from one read of its ledger."""
    now = timezone.now()
    rows = list(
        Movement.objects.filter(lot__item=item, location__group_id=item.group_id).values_list(
            "at", "quantity", "kind", "lot__expires_on"
        )
    )
    first = Movement.objects.filter(lot__item=item).aggregate(first=Min("at"))["first"]
    points = []
    for start in month_starts(timezone.localdate(now), months):
        end = min(now, timezone.make_aware(datetime.combine(next_month(start), time.min)))
        day = timezone.localdate(end - timedelta(microseconds=1))
        stock = sum(q for at, q, _kind, expires in rows if at < end and (expires is None or expires >= day))
        window = history_start(item, end)
        spent = -sum(q for at, q, kind, _expires in rows if window <= at < end and kind in SPENT)
        status = judged(item, stock, spent, first if first is not None and first < end else None, end)
        far = round(status.monthly_use * item.far_above_months) if status.monthly_use > 0 else 0
        points.append(MonthPoint(start, stock, status.par_level, far, status.state, status))
    return points


# Stock against par: a line chart.

LEFT = 40  # the axis' numbers
TOP = PAD + 3 * 20 + 8  # under the legend's three lines
PLOT = 150
BOTTOM = 22  # the months' names


def nice_top(largest: int) -> int:
    """The axis' top: 1, 2 or 5 times a power of ten, at least `largest`."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= largest:
                return max(step * factor, 1)
        step *= 10


def in_words(point: MonthPoint) -> str:
    month = date_format(point.month, "YEAR_MONTH_FORMAT")
    held = ngettext("%(count)d on hand", "%(count)d on hand", point.on_hand) % {"count": point.on_hand}
    if point.state == ParState.NO_USE_YET or (point.par_level == 0 and point.far_above == 0):
        return _("%(month)s: %(held)s, no use to set a par level") % {"month": month, "held": held}
    return _("%(month)s: %(held)s, par %(par)d, far above need over %(far)d") % {
        "month": month,
        "held": held,
        "par": point.par_level,
        "far": point.far_above,
    }


def legend() -> str:
    lines = (
        (BLUE, "", 3, _("On hand at the end of the month")),
        (RED, ' stroke-dasharray="7 4"', 2, _("Par level")),
        (GREY, ' stroke-dasharray="2 3"', 2, _("Far above need")),
    )
    parts = []
    for index, (colour, dash, stroke, words) in enumerate(lines):
        y = PAD + 10 + index * 20
        parts.append(
            f'<line x1="{PAD}" y1="{y}" x2="{PAD + 30}" y2="{y}" stroke="{colour}" stroke-width="{stroke}"{dash}/>'
            f'<text x="{PAD + 38}" y="{y + 5}" font-size="13" fill="{INK}">{escape(words)}</text>'
        )
    return f'<g aria-hidden="true">{"".join(parts)}</g>'


def par_chart(item: Item, points: list[MonthPoint]) -> SafeString:
    """Stock against par over the months of `points` (module doc)."""
    top = nice_top(max((max(p.on_hand, p.par_level, p.far_above) for p in points), default=0))
    inner = WIDTH - LEFT - PAD - 8
    step = inner / max(len(points) - 1, 1)

    def x(index: int) -> float:
        return LEFT + index * step

    def y(value: int) -> float:
        return TOP + PLOT - PLOT * value / top

    parts = []
    for value in (0, top // 2, top) if top > 1 else (0, top):
        parts.append(
            f'<line x1="{LEFT}" y1="{y(value):.1f}" x2="{WIDTH - PAD}" y2="{y(value):.1f}" stroke="#ccc"/>'
            f'<text x="{LEFT - 6}" y="{y(value) + 4:.1f}" font-size="12" text-anchor="end" fill="{INK}">{value}</text>'
        )
    for index, point in enumerate(points):
        name = escape(date_format(point.month, "M"))
        parts.append(
            f'<text x="{x(index):.1f}" y="{TOP + PLOT + 16}" font-size="11" text-anchor="middle" fill="{INK}">'
            f"{name}</text>"
        )

    def polyline(values: list[int], colour: str, extra: str) -> str:
        drawn = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
        return f'<polyline points="{drawn}" fill="none" stroke="{colour}"{extra}/>'

    if any(p.far_above for p in points):
        parts.append(polyline([p.far_above for p in points], GREY, ' stroke-width="2" stroke-dasharray="2 3"'))
    if any(p.par_level for p in points):
        parts.append(polyline([p.par_level for p in points], RED, ' stroke-width="2" stroke-dasharray="7 4"'))
    parts.append(polyline([p.on_hand for p in points], BLUE, ' stroke-width="3"'))
    parts.extend(
        f'<circle cx="{x(i):.1f}" cy="{y(p.on_hand):.1f}" r="3.5" fill="{BLUE}"/>' for i, p in enumerate(points)
    )
    title = _("Stock of %(item)s against its par level, month by month") % {"item": text_of(item, "name")}
    desc = " ".join(in_words(point) + "." for point in points)
    return svg("par", title, desc, TOP + PLOT + BOTTOM, legend() + "".join(parts))


# Expiry in the next months: bars.


@dataclass(frozen=True)
class Expiring:
    item: Item
    quantity: int  # units expiring in the month
    held: int  # all the item's stock, every lot


@dataclass(frozen=True)
class ExpiryMonth:
    month: date | None  # its first day; None for stock already expired
    items: list[Expiring]


def expiry_by_month(lines: list[StockLine], months: int = EXPIRY_MONTHS) -> list[ExpiryMonth]:
    """What expires in each of the next `months` months (this one first), after what has already expired and
    is still on a shelf; per item, with the item's whole stock to compare. `lines`: a group's stock
    (services.stock_by_lot), read once by the page that shows it."""
    today = timezone.localdate()
    starts = month_starts(today, 1)
    while len(starts) < months:
        starts.append(next_month(starts[-1]))
    held: dict[int, int] = defaultdict(int)
    due: dict[tuple[date | None, int], int] = defaultdict(int)
    items: dict[int, Item] = {}
    for line in lines:
        item = line.lot.item
        items[item.pk] = item
        held[item.pk] += line.quantity
        expires = line.lot.expires_on
        if expires is None or expires >= next_month(starts[-1]):
            continue
        due[(None if expires < today else expires.replace(day=1), item.pk)] += line.quantity
    found = []
    for month in [None, *starts]:
        here = [Expiring(items[pk], quantity, held[pk]) for (when, pk), quantity in due.items() if when == month]
        if month is None and not here:
            continue
        found.append(ExpiryMonth(month, sorted(here, key=lambda entry: entry.item.code)))
    return found


def expiry_words(entry: Expiring) -> str:
    return _("%(code)s: %(count)d of %(held)d") % {"code": entry.item.code, "count": entry.quantity, "held": entry.held}


def month_name(month: date | None) -> str:
    return _("Expired, still on a shelf") if month is None else date_format(month, "YEAR_MONTH_FORMAT")


def expiry_chart(months: list[ExpiryMonth]) -> Chart:
    """A group per month, a bar per item as long as the share of its stock expiring then (module doc)."""
    groups: list[tuple[str, list[tuple[float, str, str, bool]]]] = []
    words = []
    for month in months:
        colour = RED if month.month is None else BLUE
        bars = [(length(e.quantity, e.held), colour, expiry_words(e), False) for e in month.items]
        name = month_name(month.month)
        if not bars:
            name = _("%(month)s: nothing expires") % {"month": name}
        groups.append((name, bars))
        said = "; ".join(expiry_words(e) for e in month.items) or _("nothing expires")
        words.append(f"{month_name(month.month)}: {said}.")
    title = _("Stock expiring in the next months, as a share of each item's stock")
    return bar_chart("expiry", title, " ".join(words), groups, below=False)
