"""The demo network's settings: only when the operator has not set up a real network yet."""

from solidarity.core.services import do_update_network_settings, get_network_settings


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
