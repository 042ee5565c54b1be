"""The stock page's reading, in a fixed number of queries whatever the number of items, lots and kits.

services.par_status reads one item (three queries each); the group's page reads them all at once here, with
the same rules (tests/test_supplies_pages.py checks both agree), and derives the lot to take first, what
expires within 60 days and each kit's expiry and shortages from one read of the ledger (services.stock_by_lot).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Exists, Min, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from solidarity.accounts.models import Membership, WorkingGroup
from solidarity.supplies.access import group_items, group_kit_templates, group_locations
from solidarity.supplies.models import COUNT_EVERY_DAYS, Item, Location, LocationKind, Movement
from solidarity.supplies.services import SPENT, ParStatus, StockLine, history_start, judged, stock_by_lot

EXPIRING_DAYS = 60


def par_statuses(group: WorkingGroup, items: list[Item]) -> dict[int, ParStatus]:
    """services.par_status for many items: one query per distinct `history_months`, plus two."""
    today = timezone.localdate()
    ids = [item.pk for item in items]
    good = Q(lot__expires_on__isnull=True) | Q(lot__expires_on__gte=today)
    stock = dict(
        Movement.objects.filter(good, lot__item__in=ids, location__group=group)
        .values_list("lot__item")
        .annotate(total=Sum("quantity"))
        .order_by()
    )
    first = dict(
        Movement.objects.filter(lot__item__in=ids).values_list("lot__item").annotate(first=Min("at")).order_by()
    )
    spent: dict[int, int] = {}
    by_window: dict[int, list[Item]] = defaultdict(list)
    for item in items:
        by_window[item.history_months].append(item)
    for same in by_window.values():
        rows = (
            Movement.objects.filter(lot__item__in=[i.pk for i in same], kind__in=SPENT, at__gte=history_start(same[0]))
            .values_list("lot__item")
            .annotate(total=Sum("quantity"))
            .order_by()
        )
        spent.update(dict(rows))
    return {
        item.pk: judged(item, int(stock.get(item.pk) or 0), -(spent.get(item.pk) or 0), first.get(item.pk))
        for item in items
    }


@dataclass
class ItemHere:
    """An item at a location: its lots there (first expiry first), the count, and the lot to take first."""

    item: Item
    lines: list[StockLine] = field(default_factory=list)
    first: StockLine | None = None

    @property
    def total(self) -> int:
        return sum(line.quantity for line in self.lines)


@dataclass
class KitState:
    wanted: int
    packed: int
    item: Item

    @property
    def missing(self) -> int:
        return max(0, self.wanted - self.packed)


@dataclass
class Place:
    location: Location
    items: list[ItemHere] = field(default_factory=list)
    kit_expiry: date | None = None
    kit_lines: list[KitState] = field(default_factory=list)
    count_due: bool = False  # never counted, or not in COUNT_EVERY_DAYS

    @property
    def short(self) -> list[KitState]:
        return [line for line in self.kit_lines if line.missing]


@dataclass
class Overview:
    places: list[Place]
    statuses: list[ParStatus]
    expiring: list[StockLine]
    today: date
    lines: list[StockLine]  # everything in stock, every lot and location, first expiry first
    count_every_days: int = COUNT_EVERY_DAYS


def overview(group: WorkingGroup) -> Overview:
    """Each location with its items, counts and the lot to take first; every item against its use; what
    expires within 60 days (or has, still on a shelf); each kit's expiry and what it is short of."""
    today = timezone.localdate()
    lines = stock_by_lot(group=group)
    items = list(group_items(group))
    templates = {template.pk: template for template in group_kit_templates(group)}
    places = []
    for location in group_locations(group):
        here: dict[int, ItemHere] = {}
        mine = [line for line in lines if line.location.pk == location.pk]
        for line in mine:
            entry = here.setdefault(line.lot.item_id, ItemHere(line.lot.item))
            entry.lines.append(line)
            if entry.first is None and not line.lot.is_expired(today):
                entry.first = line
        place = Place(location, sorted(here.values(), key=lambda entry: entry.item.code))
        place.count_due = location.count_due()
        if location.kind == LocationKind.KIT:
            dates = [line.lot.expires_on for line in mine if line.lot.expires_on]
            place.kit_expiry = min(dates) if dates else None
            template = templates.get(location.template_id or 0)
            for kit_line in template.lines.all() if template else []:
                usable = sum(
                    line.quantity
                    for line in mine
                    if line.lot.item_id == kit_line.item_id and not line.lot.is_expired(today)
                )
                place.kit_lines.append(KitState(kit_line.quantity, usable, kit_line.item))
        places.append(place)
    statuses = par_statuses(group, items)
    until = today + timedelta(days=EXPIRING_DAYS)
    soon = [line for line in lines if line.lot.expires_on is not None and line.lot.expires_on <= until]
    return Overview(places, [statuses[item.pk] for item in items], soon, today, lines)


def with_supplies(memberships: QuerySet[Membership]) -> QuerySet[Membership]:
    """The caller's memberships, each with `keeps_supplies` (its group has a location), in the same query:
    the dashboard links to a group's supplies without one more query per group."""
    return memberships.annotate(keeps_supplies=Exists(Location.objects.filter(group=OuterRef("group"))))
