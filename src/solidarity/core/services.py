"""Core services: network settings, the network's time zone and the health of the running system."""

import logging
import zoneinfo
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import lru_cache
from typing import TypedDict

from django.core.cache import cache
from django.db import DatabaseError, connection
from django.utils import timezone

from solidarity.core import keyring
from solidarity.core.hooks import Hook
from solidarity.core.models import NetworkSettings, WorkerHeartbeat

log = logging.getLogger("solidarity.core")

HEARTBEAT_FRESH = timedelta(seconds=60)
SETTINGS_CACHE_KEY = "network-settings"


def get_network_settings() -> NetworkSettings:
    """The one settings row, cached; created with defaults on first use."""
    found = cache.get(SETTINGS_CACHE_KEY)
    if isinstance(found, NetworkSettings):
        return found
    found, _ = NetworkSettings.objects.get_or_create(pk=1, defaults={"languages": ["en", "es"]})
    cache.set(SETTINGS_CACHE_KEY, found, 300)
    return found


def network_timezone() -> zoneinfo.ZoneInfo:
    """The network's time zone (its settings' `time_zone`), wherever the code runs: a page, a worker's job, a command.

    Pages get it activated by core.middleware; a job that writes a local time into a message
    (a reminder, a deadline) has no request, so it asks here, or formats with `local()`, or
    renders inside `timezone.override(network_timezone())`. A zone name this machine's time
    zone database does not know falls back to UTC, logged.
    """
    return zone_named(get_network_settings().time_zone)


@lru_cache(maxsize=8)
def zone_named(name: str) -> zoneinfo.ZoneInfo:
    """The zone by name, or UTC when this machine does not know it (logged once per name, not per page)."""
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        log.warning("the network's time zone %r is unknown on this machine: times are shown in UTC", name)
        return zoneinfo.ZoneInfo("UTC")


def local(moment: datetime) -> datetime:
    """`moment` (aware) in the network's time zone: what a person in the network reads on a clock."""
    if timezone.is_naive(moment):
        raise ValueError("local() needs an aware datetime, not a naive one")
    return timezone.localtime(moment, network_timezone())


class NetworkValues(TypedDict):
    name: str
    time_zone: str
    phone_region: str
    currency: str
    languages: list[str]
    hotline: str
    clear_mail_when_key_expired: bool
    expected_population: int
    welcome_en: str
    welcome_es: str


def network_values() -> NetworkValues:
    """The settings an admin edits, as the settings form and the API name them."""
    current = get_network_settings()
    return {
        "name": current.name,
        "time_zone": current.time_zone,
        "phone_region": current.phone_region,
        "currency": current.currency,
        "languages": current.languages,
        "hotline": current.hotline,
        "clear_mail_when_key_expired": current.clear_mail_when_key_expired,
        "expected_population": current.expected_population,
        "welcome_en": current.welcome_en,
        "welcome_es": current.welcome_es,
    }


def do_update_network_settings(
    *,
    name: str,
    time_zone: str,
    phone_region: str,
    languages: list[str],
    currency: str | None = None,
    hotline: str = "",
    clear_mail_when_key_expired: bool = False,
    expected_population: int = 5000,
    welcome_en: str | None = None,
    welcome_es: str | None = None,
    mark_configured: bool = True,
) -> NetworkSettings:
    """Save the settings an admin edits; a welcome left as None (not asked for) stays as it is.

    Only these fields are written, on the row as the database has it (not the cached copy): a
    setting another part keeps (people's `vouches_needed`) is never put back to a stale value.
    """
    get_network_settings()  # the row exists
    settings_row = NetworkSettings.objects.get(pk=1)
    changed = {
        "expected_population": expected_population,
        "hotline": hotline,
        "clear_mail_when_key_expired": clear_mail_when_key_expired,
        "name": name,
        "time_zone": time_zone,
        "phone_region": phone_region.upper(),
        "languages": languages,
        "is_configured": settings_row.is_configured or mark_configured,
    }
    if currency is not None:
        changed["currency"] = currency.upper()
    if welcome_en is not None:
        changed["welcome_en"] = welcome_en
    if welcome_es is not None:
        changed["welcome_es"] = welcome_es
    for field, value in changed.items():
        setattr(settings_row, field, value)
    settings_row.save(update_fields=[*changed, "updated_at"])
    cache.delete(SETTINGS_CACHE_KEY)
    return settings_row


class Check(TypedDict, total=False):
    ok: bool
    last_heartbeat: datetime | None
    age_seconds: float | None


class Keys(TypedDict):
    ok: bool
    mode: str


class BackendState(TypedDict):
    name: str  # "twilio", "android:kitchen": shown to dispatchers already, nothing secret
    is_down: bool


class Sms(TypedDict):
    configured: bool
    ok: bool  # no configured backend is down (texts may still go out through the next one)
    backends: list[str]
    down: list[str]


class Node(TypedDict):
    status: str
    database: Check
    worker: Check
    keys: Keys


class Health(Node):
    sms: Sms


def key_custody() -> Keys:
    if keyring.is_locked():
        return {"ok": False, "mode": "sealed-locked"}
    return {"ok": True, "mode": "sealed" if keyring.is_sealed() else "standard"}


def last_heartbeat() -> datetime | None:
    return WorkerHeartbeat.objects.order_by("-beat_at").values_list("beat_at", flat=True).first()


def health() -> Health:
    """The node's health (node_health) and the state of its SMS backends: what /healthz answers."""
    return Health(**node_health(), sms=sms_configured())


def node_health() -> Node:
    """Whether the database answers, a worker ran a job lately and the keys are unlocked (the status)."""
    try:
        connection.ensure_connection()
        beat = last_heartbeat()
        database: Check = {"ok": True}
    except DatabaseError:
        return {
            "status": "fail",
            "database": {"ok": False},
            "worker": {"ok": False},
            "keys": key_custody(),
        }
    age = (timezone.now() - beat).total_seconds() if beat else None
    worker: Check = {
        "ok": age is not None and age < HEARTBEAT_FRESH.total_seconds(),
        "last_heartbeat": beat,
        "age_seconds": round(age, 1) if age is not None else None,
    }
    keys = key_custody()
    status = "locked" if not keys["ok"] else "ok" if worker["ok"] else "fail"
    return {"status": status, "database": database, "worker": worker, "keys": keys}


# The SMS backends configured now and whether each is down: messaging answers (core cannot import
# messaging). The backends come from the environment or from what an admin saved.
SMS_BACKENDS = Hook[Callable[[], list[BackendState]]]("core.sms-backends")


def sms_configured() -> Sms:
    """Whether SMS can go out at all, and which backends are down now.

    Not configured is said rather than pretended, and is not a failure (a network may run on
    email alone); a backend that is down is not one either for the node: texts fail over, and
    /healthz stays 200 so a load balancer keeps a node whose web and worker are fine. Only the
    names and up or down: never a provider's error text, which may repeat a phone number.
    """
    try:
        states = SMS_BACKENDS.get()()
    except DatabaseError:
        states = []  # the saved settings cannot be read: the database check already says so
    down = [state["name"] for state in states if state["is_down"]]
    return {"configured": bool(states), "ok": not down, "backends": [state["name"] for state in states], "down": down}
