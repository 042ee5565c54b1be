"""A fictional street-medics depot and a medic bag: items, lots (one expiring soon, one expired), a kit per pair,
and some months of use so the par levels mean something. Nobody is named: use is counted by zone only."""

from datetime import timedelta

from django.utils import timezone

from solidarity.accounts.models import User, WorkingGroup
from solidarity.core import demo as core_demo
from solidarity.core.zones import zones_by_slug
from solidarity.supplies.models import Brand, Item, LocationKind, Movement, ReversalSource
from solidarity.supplies.reversals import ReversalValues, do_report_reversal
from solidarity.supplies.services import (
    ItemValues,
    LocationValues,
    do_distribute,
    do_move,
    do_pack_kit,
    do_receive,
    do_save_item,
    do_save_kit_template,
    do_save_location,
    do_use,
)

GROUP, KEEPER, MEDIC = "street-medics-committee", "lupe.demo", "jordan.sample"

ITEMS = [
    ItemValues(
        code="NLX",
        name_en="Naloxone nasal spray (demo)",
        name_es="Naloxona en aerosol nasal (demo)",
        unit_en="dose",
        unit_es="dosis",
        category="harm_reduction",
        storage_en="Below 25 °C, never frozen",
        storage_es="Por debajo de 25 °C, nunca congelada",
        request_limit=2,
    ),
    ItemValues(
        code="GAUZE",
        name_en="Gauze pads (demo)",
        name_es="Gasas (demo)",
        unit_en="pack",
        unit_es="paquete",
        category="wound_care",
    ),
    ItemValues(
        code="IBU",
        name_en="Ibuprofen 200 mg, 10 tablets (demo)",
        name_es="Ibuprofeno 200 mg, 10 tabletas (demo)",
        unit_en="pack",
        unit_es="paquete",
        category="medicine",
        storage_en="Dry, below 30 °C",
        storage_es="En lugar seco, por debajo de 30 °C",
    ),
    ItemValues(
        code="WATER",
        name_en="Sterile water, 250 ml (demo)",
        name_es="Agua estéril, 250 ml (demo)",
        unit_en="bottle",
        unit_es="botella",
        category="wound_care",
    ),
    ItemValues(
        code="EC",
        name_en="Emergency contraception (demo)",
        name_es="Anticoncepción de emergencia (demo)",
        unit_en="dose",
        unit_es="dosis",
        category="reproductive_health",
        is_never_linked=True,
        request_limit=2,
    ),
]

# (code, units, expires in N days or None, lot number), stocked eight months ago
LOTS = [
    ("NLX", 20, 300, "NX-2207"),
    ("NLX", 3, -10, "NX-1711"),  # expired: donate it while still usable
    ("GAUZE", 60, None, ""),
    ("IBU", 30, 400, "IB-88"),
    ("WATER", 24, 200, "SW-12"),
    ("EC", 10, 500, "EC-5"),
]

# Donated last month, after the months of use: expiring soon, used first and packed in the kit.
LATE_LOT = ("NLX", 3, 20, "NX-1904")

KIT = {"NLX": 2, "GAUZE": 4, "WATER": 2, "IBU": 1}

# Use in each of the last six months, oldest first: naloxone runs below par, ibuprofen far above need.
USE = {
    "NLX": [3, 3, 2, 4, 3, 3],
    "GAUZE": [5, 6, 4, 5, 5, 5],
    "IBU": [1, 0, 1, 0, 0, 1],
    "WATER": [2, 1, 2, 2, 1, 2],
    "EC": [1, 1, 1, 0, 1, 1],
}
GIVEN_OUT = {"IBU", "EC"}  # distributed, one request at a time; the rest used by the medics


def load() -> int:
    """Add the demo's supplies when they are missing (after the accounts' demo); how many items were added."""
    group = WorkingGroup.objects.filter(slug=GROUP).first()
    keeper = User.objects.filter(username=KEEPER).first()
    medic = User.objects.filter(username=MEDIC).first() or keeper
    if group is None or keeper is None or medic is None or Item.objects.filter(code="NLX").exists():
        return 0
    core_demo.load_zones()
    zone = next(iter(zones_by_slug(["east-durham"])), None)
    now, today = timezone.now(), timezone.localdate()
    items = {values.code: do_save_item(group, values, by=keeper) for values in ITEMS}
    depot = do_save_location(group, LocationValues(name="Depot (demo)"), by=keeper)
    bag_values = LocationValues(name="Medic bag, pair 1 (demo)", kind=LocationKind.MEDIC_BAG, refill_contact=keeper)
    bag = do_save_location(group, bag_values, by=keeper)
    received = []
    for code, units, days, number in LOTS:
        expires = None if days is None else today + timedelta(days=days)
        move = do_receive(
            depot, items[code], units, by=keeper, expires_on=expires, lot_number=number, accept_over_need=True
        )
        received.append(move.pk)
    Movement.objects.filter(pk__in=received).update(at=now - timedelta(days=240))
    for code, months in USE.items():
        record = do_distribute if code in GIVEN_OUT else do_use
        for index, units in enumerate(months):
            when = now - timedelta(days=30 * (len(months) - index) - 10)
            # Given out one request at a time; used by the medics a month's worth at once.
            for count in [1] * units if code in GIVEN_OUT else [units] if units else []:
                moves = record(depot, items[code], count, by=medic, zone=zone)
                Movement.objects.filter(pk__in=[move.pk for move in moves]).update(at=when)
    code, units, days, number = LATE_LOT
    late = do_receive(depot, items[code], units, by=keeper, expires_on=today + timedelta(days=days), lot_number=number)
    Movement.objects.filter(pk=late.pk).update(at=now - timedelta(days=25))
    do_move(depot, bag, items["GAUZE"], 4, by=keeper)
    template = do_save_kit_template(
        group,
        {items[code]: units for code, units in KIT.items()},
        by=keeper,
        name_en="Street-medic kit per pair (demo)",
        name_es="Botiquín de brigadistas de salud, uno por pareja (demo)",
    )
    packed = do_pack_kit(template, depot, by=keeper, name="Kit 1 (demo)")
    # Naloxone reversals: one last month that named no kit, one this week from the kit, waiting for a refill.
    do_report_reversal(ReversalValues(today - timedelta(days=30), 1, Brand.OTHER, zone), source=ReversalSource.SMS)
    from_kit = ReversalValues(today - timedelta(days=2), 2, zone=zone, kit=packed.kit)
    do_report_reversal(from_kit, source=ReversalSource.WEB)
    return len(items)
