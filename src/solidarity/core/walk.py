"""core's objects for the URL walk (core.permissions.WALK_FILLERS): a zone."""

from solidarity.core.permissions import WALK_FILLERS, WalkWorld
from solidarity.core.zones import ZoneValues, do_create_zone, zone_by_slug


def a_zone(world: WalkWorld) -> str:
    found = zone_by_slug("walk-zone") or do_create_zone(
        ZoneValues(name_en="Walk zone"), slug="walk-zone", actor="system"
    )
    return found.slug


def register() -> None:
    WALK_FILLERS.register("zone", a_zone)
