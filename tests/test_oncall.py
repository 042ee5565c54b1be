"""The on-call query: active, vetted, holding the skill now, on call now, in the zones asked; and daylight saving."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from solidarity.core import timers
from solidarity.core.services import get_network_settings
from solidarity.people.models import Person
from solidarity.people.oncall import on_call, on_call_ids, week_pieces
from solidarity.people.services import (
    Window,
    do_add_one_off_shift,
    do_grant_certification,
    do_leave,
    do_pause,
    do_set_shifts,
    do_update_person,
    do_withdraw_vouch,
)
from tests.factories.people import make_person, skill, vouched_for, zone

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
SPRING_FORWARD = date(2026, 3, 8)  # a Sunday: 02:00 EST becomes 03:00 EDT
FALL_BACK = date(2026, 11, 1)  # a Sunday: 02:00 EDT becomes 01:00 EST
SUNDAY = 6


@contextmanager
def at(moment: datetime) -> Iterator[None]:
    with time_machine.travel(moment, tick=False):
        yield


def found(slug: str = "naloxone", *zones: str) -> list[int]:
    return sorted(on_call_ids(slug, [zone(name) for name in zones or ("east-durham",)]))


def test_an_active_vetted_person_holding_the_skill_on_call_in_the_zone_is_found() -> None:
    rosa = make_person("Rosa Ejemplo", skills=["naloxone"])

    assert found() == [rosa.pk]
    assert found("naloxone", "walltown", "east-durham") == [rosa.pk]
    assert list(on_call("naloxone", [zone("east-durham")]).order_by("pk")) == [rosa]  # composable, for ranking
    assert on_call_ids("naloxone", []) == []


def test_someone_who_covers_only_other_zones_is_not_found() -> None:
    make_person("Rosa Ejemplo", zones=["walltown"], skills=["naloxone"])
    zone("east-durham")

    assert found() == []


def test_someone_who_did_not_agree_to_alerts_is_not_found_and_leaves_the_pool_when_they_withdraw() -> None:
    make_person("Sin Permiso", skills=["naloxone"], consent=False)
    rosa = make_person("Rosa Ejemplo", skills=["naloxone"])
    assert found() == [rosa.pk]

    do_update_person(rosa, consent={"alerts": False}, by=None)

    assert found() == []
    rosa.refresh_from_db()
    assert (rosa.consent_alerts, rosa.consent_trainings) == (False, True)
    assert rosa.consent_updated_at is not None


def test_someone_without_the_skill_is_not_found() -> None:
    make_person("Rosa Ejemplo", skills=["de-escalation"])

    assert found("naloxone") == []
    assert found("de-escalation") != []


def test_someone_not_vetted_is_not_found_until_enough_people_vouch_for_them() -> None:
    newcomer = make_person("Nuevo Ejemplo", skills=["naloxone"], vetted=False)
    assert get_network_settings().vouches_needed == 2

    vouched_for(newcomer, "Ana Ejemplo")
    assert found() == []
    vouched_for(newcomer, "Beto Ejemplo")
    assert found() == [newcomer.pk]


def test_a_vouch_withdrawn_while_a_person_is_on_call_takes_them_out_of_the_pool_at_once() -> None:
    newcomer = make_person("Nuevo Ejemplo", skills=["naloxone"], vetted=False)
    vouched_for(newcomer, "Ana Ejemplo", "Beto Ejemplo")
    assert found() == [newcomer.pk]

    do_withdraw_vouch(newcomer.vouches_received.first(), by=None)  # type: ignore[arg-type]  # there is one

    assert found() == []
    newcomer.refresh_from_db()
    assert (newcomer.vouch_count, newcomer.lost_vetting_reason) == (1, "vouch_withdrawn")


def test_a_voucher_who_leaves_takes_the_person_they_vouched_for_out_of_the_pool() -> None:
    newcomer = make_person("Nuevo Ejemplo", skills=["naloxone"], vetted=False)
    ana, _beto = vouched_for(newcomer, "Ana Ejemplo", "Beto Ejemplo")

    do_leave(ana, by=None)

    assert found() == []
    newcomer.refresh_from_db()
    assert newcomer.lost_vetting_reason == "voucher_left"


def test_someone_who_left_or_is_paused_is_not_found() -> None:
    leaving = make_person("Luis Ejemplo", skills=["naloxone"])
    pausing = make_person("Pau Ejemplo", skills=["naloxone"])
    staying = make_person("Rosa Ejemplo", skills=["naloxone"])

    do_leave(leaving, by=None)
    do_pause(pausing, (datetime.now(NEW_YORK) + timedelta(days=3)).date(), by=None)

    assert found() == [staying.pk]


def test_a_paused_person_comes_back_at_the_first_minute_of_their_date_network_time() -> None:
    with at(datetime(2026, 6, 1, 12, tzinfo=NEW_YORK)):
        pau = make_person("Pau Ejemplo", skills=["naloxone"])
        do_pause(pau, date(2026, 6, 5), by=None)

    with at(datetime(2026, 6, 4, 23, 59, tzinfo=NEW_YORK)):
        assert found() == []
        assert timers.run_once() == 0
    with at(datetime(2026, 6, 5, 0, 0, tzinfo=NEW_YORK)):
        assert found() == [pau.pk]  # before the timer runs: the query reads the date
        assert timers.run_once() == 1
    pau.refresh_from_db()
    assert (pau.state, pau.paused_until) == ("active", None)


def test_a_certification_lapses_at_midnight_network_time() -> None:
    with at(datetime(2026, 1, 10, 15, 0, tzinfo=NEW_YORK)):
        rosa = make_person("Rosa Ejemplo", skills=["naloxone"])  # 365 days

    with at(datetime(2027, 1, 9, 23, 59, 59, tzinfo=NEW_YORK)):
        assert found() == [rosa.pk]
    with at(datetime(2027, 1, 10, 0, 0, tzinfo=NEW_YORK)):
        assert found() == []


def test_a_lapsed_medic_is_not_dispatched_until_renewed() -> None:
    with at(datetime(2025, 1, 10, 15, 0, tzinfo=NEW_YORK)):
        rosa = make_person("Rosa Ejemplo", skills=["tourniquet-pressure-wrapping"])

    assert found("tourniquet-pressure-wrapping") == []
    do_grant_certification(rosa, skill("tourniquet-pressure-wrapping"), by=None)
    assert found("tourniquet-pressure-wrapping") == [rosa.pk]


def test_a_skill_that_needs_a_sign_off_counts_only_once_signed_off() -> None:
    rosa = make_person("Rosa Ejemplo", skills=["street-medic-basic"])
    assert found("street-medic-basic") == []

    do_grant_certification(rosa, skill("street-medic-basic"), by=None, signed_off=True)

    assert found("street-medic-basic") == [rosa.pk]


def test_someone_off_shift_is_not_found_and_one_off_changes_win() -> None:
    with at(datetime(2026, 6, 3, 12, 0, tzinfo=NEW_YORK)):  # a Wednesday
        rosa = make_person("Rosa Ejemplo", skills=["naloxone"], windows=[Window(0, time(18), 240)])  # Mondays 18-22
        assert found() == []
        noon = datetime(2026, 6, 3, 11, 0, tzinfo=NEW_YORK)
        do_add_one_off_shift(rosa, noon, noon + timedelta(hours=2), is_on_call=True, by=None)
        assert found() == [rosa.pk]

    with at(datetime(2026, 6, 8, 19, 0, tzinfo=NEW_YORK)):  # Monday 19:00: in the window
        assert found() == [rosa.pk]
        away = datetime(2026, 6, 8, 18, 30, tzinfo=NEW_YORK)
        do_add_one_off_shift(rosa, away, away + timedelta(hours=1), is_on_call=False, by=None)
        assert found() == []
    with at(datetime(2026, 6, 8, 19, 30, tzinfo=NEW_YORK)):  # the time away is over
        assert found() == [rosa.pk]


def test_a_window_runs_past_sunday_midnight_into_monday() -> None:
    with at(datetime(2026, 6, 8, 1, 59, tzinfo=NEW_YORK)):  # Monday 01:59
        rosa = make_person("Rosa Ejemplo", skills=["naloxone"], windows=[Window(SUNDAY, time(22), 240)])
        assert found() == [rosa.pk]
    with at(datetime(2026, 6, 8, 2, 0, tzinfo=NEW_YORK)):
        assert found() == []
    with at(datetime(2026, 6, 7, 21, 59, tzinfo=NEW_YORK)):  # Sunday, before it starts
        assert found() == []


def minutes_on_call(person: Person, start: datetime, hours: int) -> list[datetime]:
    """Every minute (UTC) from `start` over `hours` hours at which the person is on call."""
    on = []
    for minute in range(hours * 60):
        moment = start + timedelta(minutes=minute)
        with at(moment):
            if person.pk in found():
                on.append(moment)
    return on


@pytest.mark.parametrize("night", [SPRING_FORWARD, FALL_BACK], ids=["spring-forward", "fall-back"])
def test_a_0130_window_on_the_night_clocks_change_is_neither_lost_nor_doubled(night: date) -> None:
    rosa = make_person("Rosa Ejemplo", skills=["naloxone"], windows=[Window(SUNDAY, time(1, 30), 60)])
    midnight = datetime.combine(night, time(0), tzinfo=NEW_YORK)
    with at(midnight - timedelta(days=30)):
        do_grant_certification(rosa, skill("naloxone"), by=None)  # current on the night

    on = minutes_on_call(rosa, midnight.astimezone(UTC), hours=5)

    # One hour of real time, in one piece, from the first moment the clocks show 01:30.
    assert len(on) == 60
    assert on[-1] - on[0] == timedelta(minutes=59)
    assert on[0] == datetime.combine(night, time(1, 30), tzinfo=NEW_YORK).astimezone(UTC)


def test_a_window_that_starts_in_the_skipped_hour_starts_when_the_clocks_jump() -> None:
    rosa = make_person("Rosa Ejemplo", skills=["naloxone"], windows=[Window(SUNDAY, time(2, 30), 60)])
    midnight = datetime.combine(SPRING_FORWARD, time(0), tzinfo=NEW_YORK)
    with at(midnight - timedelta(days=30)):
        do_grant_certification(rosa, skill("naloxone"), by=None)

    on = minutes_on_call(rosa, midnight.astimezone(UTC), hours=6)

    # 02:30 read with the offset before the change (EST) is 03:30 EDT; it lasts its hour.
    assert len(on) == 60
    assert on[0] == datetime(2026, 3, 8, 3, 30, tzinfo=NEW_YORK).astimezone(UTC)


def test_windows_on_ordinary_nights_keep_the_clock_time() -> None:
    rosa = make_person("Rosa Ejemplo", skills=["naloxone"], windows=[Window(SUNDAY, time(1, 30), 60)])
    for night in (SPRING_FORWARD - timedelta(days=7), FALL_BACK + timedelta(days=7)):
        midnight = datetime.combine(night, time(0), tzinfo=NEW_YORK)
        with at(midnight - timedelta(days=30)):
            do_grant_certification(rosa, skill("naloxone"), by=None)
        on = minutes_on_call(rosa, midnight.astimezone(UTC), hours=4)
        assert len(on) == 60
        assert on[0] == datetime.combine(night, time(1, 30), tzinfo=NEW_YORK).astimezone(UTC)


def test_the_week_splits_where_the_clocks_change() -> None:
    pieces = week_pieces(datetime(2026, 3, 8, 12, tzinfo=NEW_YORK), NEW_YORK)
    # This week's windows split at Sunday 03:00 (the first minute of summer time); last week's are whole.
    assert [(p.low, p.high) for p in pieces if p.at < 10080] == [(0, 8819), (8820, 8820 + 9 * 60)]


def test_the_query_is_one_sql_statement_after_the_cached_settings() -> None:
    make_person("Rosa Ejemplo", skills=["naloxone"])
    zones = [zone("east-durham").pk]
    get_network_settings()  # the settings row is read once and cached, as in a running network

    with CaptureQueriesContext(connection) as queries:
        assert len(on_call_ids("naloxone", zones)) == 1

    people = [query["sql"] for query in queries.captured_queries if "solidarity_cache" not in query["sql"]]
    assert len(people) == 1
    assert len(queries) <= 2  # and the network settings, from the cache


def test_the_query_takes_a_skill_object_and_zone_objects_too() -> None:
    rosa = make_person("Rosa Ejemplo", zones=["walltown"], skills=["naloxone"])
    other = make_person("Beto Ejemplo", zones=["walltown"], skills=["naloxone"], windows=())

    assert on_call_ids(skill("naloxone"), [zone("walltown")]) == [rosa.pk]
    do_set_shifts(other, [Window(d, time(0), 1440) for d in range(7)], by=None)
    assert sorted(on_call_ids(skill("naloxone"), [zone("walltown")])) == sorted([rosa.pk, other.pk])
