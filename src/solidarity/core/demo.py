"""The demo network's settings (only when the operator has not set up a real network yet) and its zones."""

from decimal import Decimal

from solidarity.core import audit
from solidarity.core.services import do_update_network_settings, get_network_settings
from solidarity.core.zones import ZoneValues, do_create_zone, zone_named


def load() -> int:
    if get_network_settings().is_configured:
        return 0
    do_update_network_settings(
        name="Vecinos Unidos (demo)",
        time_zone="America/New_York",
        phone_region="US",
        languages=["en", "es"],
        hotline="+1 919-555-0100",  # 555-01xx: reserved for fiction
        mark_configured=False,
    )
    return 1


# The demo's zones: neighbourhoods by name, centres rounded to a neighbourhood's middle.
DEMO_ZONES = [
    ZoneValues(
        name_en="East Durham", name_es="Este de Durham", latitude=Decimal("35.985"), longitude=Decimal("-78.876")
    ),
    ZoneValues(name_en="Walltown", name_es="Walltown", latitude=Decimal("36.018"), longitude=Decimal("-78.918")),
    ZoneValues(
        name_en="Old North Durham",
        name_es="Old North Durham",
        latitude=Decimal("36.005"),
        longitude=Decimal("-78.896"),
        neighbours=("east-durham", "walltown"),
    ),
]


def load_zones() -> int:
    """Add the demo's zones that are missing (whatever the settings: lists' demo needs them); how many now."""
    added = 0
    for values in DEMO_ZONES:
        if zone_named(values.name_en) is None:
            do_create_zone(values, actor=audit.CLI)
            added += 1
    return added
