"""The network's time zone, read the same way by a page and by a worker's job (which has no request)."""

import logging
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.utils import timezone

from solidarity.core.models import NetworkSettings
from solidarity.core.services import (
    SETTINGS_CACHE_KEY,
    do_update_network_settings,
    local,
    network_timezone,
    zone_named,
)

NOON_UTC = datetime(2026, 12, 7, 18, 0, tzinfo=UTC)


def set_zone(name: str) -> None:
    do_update_network_settings(name="Red", time_zone=name, phone_region="US", languages=["en", "es"])


@pytest.mark.django_db
def test_a_job_without_a_request_reads_the_network_time_zone() -> None:
    set_zone("America/Chicago")

    # As in a worker: no request, no middleware, Django's own zone (UTC) active.
    with timezone.override(None):
        assert timezone.get_current_timezone_name() == "UTC"
        assert network_timezone() == ZoneInfo("America/Chicago")
        assert local(NOON_UTC).strftime("%H:%M %Z") == "12:00 CST"


@pytest.mark.django_db
def test_a_new_time_zone_is_seen_at_once() -> None:
    set_zone("America/Chicago")
    assert local(NOON_UTC).hour == 12
    set_zone("America/Los_Angeles")
    assert local(NOON_UTC).hour == 10


def test_a_local_time_needs_an_aware_one() -> None:
    with pytest.raises(ValueError, match="naive"):
        local(datetime(2026, 12, 7, 18, 0))  # noqa: DTZ001  (the mistake under test)


@pytest.mark.django_db
def test_a_zone_this_machine_does_not_know_falls_back_to_utc_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    zone_named.cache_clear()
    NetworkSettings.objects.update_or_create(pk=1, defaults={"time_zone": "Mars/Olympus_Mons"})
    cache.delete(SETTINGS_CACHE_KEY)

    assert network_timezone() == ZoneInfo("UTC")
    assert network_timezone() == ZoneInfo("UTC")
    assert [record.levelno for record in caplog.records] == [logging.WARNING]
    assert "Mars/Olympus_Mons" in caplog.messages[0]
