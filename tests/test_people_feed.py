"""A volunteer's secret calendar feed: their weekly shifts across a clocks change, one-off changes, a pause,
what a higher part adds, nobody else's data, and a new link that revokes the old."""

import logging
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from icalendar import Calendar, Event, Timezone

from solidarity.people.feeds import CALENDAR_EVENTS, CalendarEvent, do_make_calendar_feed, feed_path
from solidarity.people.models import Person
from solidarity.people.services import Window, do_add_one_off_shift, do_leave, do_pause
from tests.factories.people import make_person
from tests.factories.self_service import signed_in_as

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
SUNDAY = 6
# Clocks fall back on Sunday 2026-11-01 at 02:00 (01:00 to 01:59 happen twice) in New York.
BEFORE_FALL_BACK = datetime(2026, 10, 20, 12, 0, tzinfo=NEW_YORK)
NIGHT_SHIFT = Window(weekday=SUNDAY, starts=time(1, 30), duration_minutes=8 * 60)


@pytest.fixture
def october() -> Iterator[None]:
    with time_machine.travel(BEFORE_FALL_BACK, tick=False):
        yield


@pytest.fixture
def rosa() -> Person:
    return make_person("Rosa Ejemplo", phones=["+19195550123"], windows=(NIGHT_SHIFT,), language="es")


def fetch(token: str) -> tuple[int, bytes, str]:
    response = Client().get(feed_path(token))
    return response.status_code, response.content, response.get("Content-Type", "")


def parsed(token: str) -> Calendar:
    status, body, content_type = fetch(token)
    assert (status, content_type) == (200, "text/calendar; charset=utf-8")
    return Calendar.from_ical(body)


def events(calendar: Calendar) -> list[Event]:
    return [component for component in calendar.walk("VEVENT") if isinstance(component, Event)]


def prop(event: Event, name: str) -> Any:
    """A property's value as icalendar parsed it (its own classes: vRecur, vDDDLists...)."""
    return event[name]


def occurrence(event: Event, weeks: int) -> datetime:
    """The weekly event's start `weeks` after DTSTART, by RFC 5545: the same local time, its first occurrence."""
    start: datetime = event.decoded("dtstart")
    local = start.replace(tzinfo=None) + timedelta(weeks=weeks)
    return local.replace(tzinfo=start.tzinfo, fold=0)


def test_a_weekly_0130_shift_keeps_its_local_start_and_real_length_across_the_clocks_change(
    rosa: Person, october: None
) -> None:
    calendar = parsed(do_make_calendar_feed(rosa, by=None))

    (shift,) = [event for event in events(calendar) if "RRULE" in event]
    start: datetime = shift.decoded("dtstart")
    assert (start.time(), str(shift["DTSTART"].params["TZID"])) == (time(1, 30), "America/New_York")
    assert shift.decoded("duration") == timedelta(hours=8)
    assert dict(prop(shift, "RRULE")) == {"FREQ": ["WEEKLY"]}
    # The feed's own VTIMEZONE says the clocks go from -04:00 to -05:00 at 02:00 on 2026-11-01.
    (zone,) = [component for component in calendar.walk("VTIMEZONE") if isinstance(component, Timezone)]
    assert str(zone["TZID"]) == "America/New_York"
    feed_tz = zone.to_tz()
    assert datetime(2026, 11, 1, 0, 30, tzinfo=feed_tz).utcoffset() == timedelta(hours=-4)
    assert datetime(2026, 11, 1, 3, 0, tzinfo=feed_tz).utcoffset() == timedelta(hours=-5)
    # Each Sunday's 01:30 is the first one: the night of the change is neither lost nor doubled.
    starts = {occurrence(shift, weeks).date(): occurrence(shift, weeks).astimezone(UTC) for weeks in range(6)}
    assert starts[date(2026, 10, 25)] == datetime(2026, 10, 25, 5, 30, tzinfo=UTC)
    assert starts[date(2026, 11, 1)] == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 01:30 EDT
    assert starts[date(2026, 11, 8)] == datetime(2026, 11, 8, 6, 30, tzinfo=UTC)
    assert str(shift["SUMMARY"]) == "De guardia"


def test_the_feed_has_no_name_or_contact_and_nobody_else(rosa: Person, october: None) -> None:
    make_person("Otra Persona", phones=["+19195550124"], windows=(Window(0, time(9), 60),))
    _status, body, _type = fetch(do_make_calendar_feed(rosa, by=None))

    text = body.decode()
    for needle in ("Rosa", "Ejemplo", "5550123", "Otra", "Persona", "5550124"):
        assert needle not in text
    assert text.count("BEGIN:VEVENT") == 1


def test_away_periods_and_the_pause_leave_out_the_shifts_they_cover(rosa: Person, october: None) -> None:
    away_from = datetime(2026, 11, 7, 12, 0, tzinfo=NEW_YORK)
    do_add_one_off_shift(rosa, away_from, away_from + timedelta(days=2), is_on_call=False, by=None)
    extra = datetime(2026, 10, 28, 18, 0, tzinfo=NEW_YORK)
    do_add_one_off_shift(rosa, extra, extra + timedelta(hours=4), is_on_call=True, by=None)
    do_pause(rosa, date(2026, 10, 27), by=None)  # covers Sunday the 25th

    calendar = parsed(do_make_calendar_feed(rosa, by=None))

    (shift,) = [event for event in events(calendar) if "RRULE" in event]
    excluded = sorted(moment.dt for moment in prop(shift, "EXDATE").dts)
    assert [moment.astimezone(UTC) for moment in excluded] == [
        datetime(2026, 10, 25, 5, 30, tzinfo=UTC),
        datetime(2026, 11, 8, 6, 30, tzinfo=UTC),
    ]
    summaries = sorted(str(event["SUMMARY"]) for event in events(calendar))
    assert summaries == ["De guardia", "De guardia (turno extra)", "En pausa: sin alertas", "Fuera: sin guardia"]


def test_a_higher_part_adds_its_events_through_the_hook(rosa: Person, october: None) -> None:
    day = datetime(2026, 11, 14, 10, 0, tzinfo=NEW_YORK)

    def sign_ups(person: Person) -> list[CalendarEvent]:
        return [
            CalendarEvent(
                f"training-signup-{person.uuid}", day, day + timedelta(hours=3), "Taller", "Sala 2", "Traer agua"
            )
        ]

    CALENDAR_EVENTS.register("tests.trainings", sign_ups)
    try:
        calendar = parsed(do_make_calendar_feed(rosa, by=None))
    finally:
        CALENDAR_EVENTS.unregister("tests.trainings")

    (added,) = [event for event in events(calendar) if str(event["UID"]).startswith("training-signup-")]
    assert (str(added["SUMMARY"]), str(added["LOCATION"]), str(added["DESCRIPTION"])) == (
        "Taller",
        "Sala 2",
        "Traer agua",
    )
    assert added.decoded("dtstart").astimezone(UTC) == day.astimezone(UTC)


def test_a_failing_part_leaves_the_shifts_in_and_no_token_in_the_log(
    rosa: Person, october: None, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(person: Person) -> list[CalendarEvent]:
        raise RuntimeError("boom")

    token = do_make_calendar_feed(rosa, by=None)
    CALENDAR_EVENTS.register("tests.broken", broken)
    try:
        with caplog.at_level(logging.DEBUG):
            calendar = parsed(token)
            assert fetch("x" * 43)[0] == 404
    finally:
        CALENDAR_EVENTS.unregister("tests.broken")

    assert len(events(calendar)) == 1
    assert "calendar events from tests.broken failed (RuntimeError)" in caplog.text
    assert token not in caplog.text


def test_a_new_link_revokes_the_old_and_leaving_closes_it(rosa: Person, october: None) -> None:
    old = do_make_calendar_feed(rosa, by=None)
    new = do_make_calendar_feed(rosa, by=None)

    assert len(new) >= 43  # 256 bits, URL-safe base64
    assert fetch(old)[0] == 404
    assert fetch(new)[0] == 200
    do_leave(rosa, by=None)
    assert fetch(new)[0] == 404


def test_the_own_page_shows_the_address_once(rosa: Person, client: Client, loopback: Path) -> None:
    signed_in_as(client, loopback)

    made = client.post("/es/me/calendar/").content.decode()

    found = re.search(r'value="(http[^"]+/calendar/([A-Za-z0-9_-]+)\.ics)"', made)
    assert found is not None
    assert fetch(found.group(2))[0] == 200
    assert found.group(2) not in client.get("/es/me/record/").content.decode()
