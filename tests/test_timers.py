"""Durable one-off timers: each fires once at its due time, never when replaced or cancelled, and survives restarts."""

import logging
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from solidarity.core import timers
from solidarity.core.hooks import NotRegistered
from solidarity.core.models import Timer, TimerState, WorkerHeartbeat
from solidarity.core.timers import TIMER_HANDLERS, FiredTimer, cancel_timer, fire_due, set_timer
from tests.conftest import in_threads, require_services, solidarity, worker_env
from tests.factories.people import holds_a_number
from tests.testapp.models import TimerFiring
from tests.testapp.timers import RECORD, SLOW, record

START = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
FLAKY = "tests.flaky"


def at(seconds: float) -> "time_machine.travel":
    """The clock `seconds` after START, held still."""
    return time_machine.travel(START + timedelta(seconds=seconds), tick=False)


def firings() -> list[tuple[str, int]]:
    return list(TimerFiring.objects.order_by("pk").values_list("key", "attempt"))


@pytest.fixture
def handler() -> Iterator[Callable[[Callable[[FiredTimer], None]], None]]:
    """Register a test's own handler under FLAKY for the length of the test."""

    def register(function: Callable[[FiredTimer], None]) -> None:
        TIMER_HANDLERS.register(FLAKY, function)

    yield register
    TIMER_HANDLERS.unregister(FLAKY)


@pytest.mark.django_db
def test_a_timer_fires_once_when_due_and_not_before() -> None:
    with at(0):
        token = set_timer(RECORD, "AB42", START + timedelta(minutes=3), {"step": 2})
        set_timer(RECORD, "later", START + timedelta(minutes=10))
        assert fire_due() == 0

    with at(179):
        assert fire_due() == 0
    with at(180):
        assert fire_due() == 1
        assert fire_due() == 0
    assert firings() == [("AB42", 1)]
    fired = Timer.objects.get(key="AB42")
    assert (fired.state, fired.token, fired.data) == (TimerState.FIRED, token, {"step": 2})
    assert fired.fired_at == START + timedelta(minutes=3)

    with at(600):
        assert fire_due() == 1
    assert firings() == [("AB42", 1), ("later", 1)]


@pytest.mark.django_db
def test_setting_a_timer_again_replaces_it_with_a_new_token() -> None:
    with at(0):
        first = set_timer(RECORD, "AB42", START + timedelta(minutes=3))
        second = set_timer(RECORD, "AB42", START + timedelta(minutes=5))

    assert first != second
    with at(180):
        assert fire_due() == 0
    with at(300):
        assert fire_due() == 1
    assert list(TimerFiring.objects.values_list("token", flat=True)) == [second]
    assert Timer.objects.count() == 1


@pytest.mark.django_db
def test_a_fire_already_under_way_when_the_timer_is_set_again_does_nothing() -> None:
    with at(0):
        set_timer(RECORD, "AB42", START)
        lease_token, claimed = timers.claim(timezone.now())
        # Between the worker's claim and its fire, the part sets the timer again.
        new_token = set_timer(RECORD, "AB42", START + timedelta(minutes=3))

        assert timers.fire(lease_token, claimed) == 0
    assert firings() == []
    waiting = Timer.objects.get()
    assert (waiting.state, waiting.token, waiting.lease_token) == (TimerState.PENDING, new_token, None)
    with at(180):
        assert fire_due() == 1
    assert list(TimerFiring.objects.values_list("token", flat=True)) == [new_token]


@pytest.mark.django_db
def test_a_timer_set_after_it_fired_is_a_new_one() -> None:
    with at(0):
        set_timer(RECORD, "AB42", START)
        fire_due()
        set_timer(RECORD, "AB42", START + timedelta(minutes=3))
    with at(180):
        fire_due()
    assert firings() == [("AB42", 1), ("AB42", 1)]
    assert sorted(Timer.objects.values_list("state", flat=True)) == [TimerState.FIRED, TimerState.FIRED]


@pytest.mark.django_db
def test_a_cancelled_timer_never_fires() -> None:
    with at(0):
        set_timer(RECORD, "AB42", START + timedelta(minutes=3))
        assert cancel_timer(RECORD, "AB42") is True
        assert cancel_timer(RECORD, "AB42") is False
    with at(180):
        assert fire_due() == 0
    assert firings() == []
    assert not Timer.objects.exists()


@pytest.mark.django_db
def test_a_timer_is_set_in_the_callers_transaction() -> None:
    def change_that_fails() -> None:
        with transaction.atomic():
            set_timer(RECORD, "AB42", START)
            raise RuntimeError("the caller's change failed")

    with at(0):
        with pytest.raises(RuntimeError):
            change_that_fails()
        assert fire_due() == 0
    assert not Timer.objects.exists()


@pytest.mark.django_db
def test_a_handler_that_sets_its_own_timer_again_fires_again() -> None:
    def escalate(timer: FiredTimer) -> None:
        record(timer)
        if timer.data["step"] < 3:  # nobody answered: ask the next responder, and look again in 3 minutes
            set_timer(FLAKY, timer.key, timer.due_at + timedelta(minutes=3), {"step": timer.data["step"] + 1})

    TIMER_HANDLERS.register(FLAKY, escalate)
    try:
        with at(0):
            set_timer(FLAKY, "AB42", START, {"step": 1})
            assert fire_due() == 1
        with at(180):
            assert fire_due() == 1
        with at(360):
            assert fire_due() == 1
        with at(540):
            assert fire_due() == 0
    finally:
        TIMER_HANDLERS.unregister(FLAKY)
    assert firings() == [("AB42", 1), ("AB42", 1), ("AB42", 1)]
    assert [(timer.state, timer.data) for timer in Timer.objects.all()] == [(TimerState.FIRED, {"step": 3})]


@pytest.mark.django_db
def test_a_failing_handler_is_retried_with_backoff_then_kept_failed_and_logged_without_its_message(
    handler: Callable[[Callable[[FiredTimer], None]], None], caplog: pytest.LogCaptureFixture
) -> None:
    def failing(timer: FiredTimer) -> None:
        record(timer)  # rolled back with the failure
        raise ValueError("+1 555 0100 did not answer")  # an error message may quote personal data

    handler(failing)
    with at(0):
        set_timer(FLAKY, "AB42", START)
    # Tried at once, then after 5, 10, 20 and 40 seconds.
    for moment in (0, 5, 15, 35, 75):
        with at(moment - 0.001):
            assert fire_due() == 0, moment
        with at(moment):
            assert fire_due() == 1, moment
    with at(3600):
        assert fire_due() == 0

    failed = Timer.objects.get()
    assert (failed.state, failed.attempts, failed.last_error) == (TimerState.FAILED, 5, "ValueError")
    assert failed.failed_at == START + timedelta(seconds=75)
    assert not TimerFiring.objects.exists()
    logged = [record.getMessage() for record in caplog.records if record.name == "solidarity.timers"]
    assert len(logged) == 5
    assert all("tests.flaky:AB42" in line and "ValueError" in line for line in logged)
    assert "failed after 5 attempts" in logged[-1]
    assert caplog.records[-1].levelno == logging.ERROR
    assert not any(holds_a_number(line) for line in caplog.messages)


@pytest.mark.django_db
def test_a_handler_that_fails_once_fires_on_its_next_attempt(
    handler: Callable[[Callable[[FiredTimer], None]], None],
) -> None:
    def flaky(timer: FiredTimer) -> None:
        if timer.attempt == 1:
            raise ConnectionError("a blip")
        record(timer)

    handler(flaky)
    with at(0):
        set_timer(FLAKY, "AB42", START)
        fire_due()
    with at(5):
        fire_due()
    assert firings() == [("AB42", 2)]
    fired = Timer.objects.get()
    assert (fired.state, fired.attempts) == (TimerState.FIRED, 2)


@pytest.mark.django_db
def test_one_failing_handler_does_not_hold_back_the_others_of_its_claim(
    handler: Callable[[Callable[[FiredTimer], None]], None],
) -> None:
    def failing(timer: FiredTimer) -> None:
        raise ValueError("broken")

    handler(failing)
    with at(0):
        set_timer(RECORD, "first", START)
        set_timer(FLAKY, "broken", START)
        set_timer(RECORD, "third", START)
        assert fire_due() == 3
    assert firings() == [("first", 1), ("third", 1)]


@pytest.mark.django_db
def test_a_timer_of_a_kind_nobody_handles_fails_loudly_and_is_kept(caplog: pytest.LogCaptureFixture) -> None:
    with pytest.raises(NotRegistered):
        set_timer("tests.misspelt", "AB42", START)

    # A timer whose kind lost its handler (set by a newer version, or a part since removed).
    TIMER_HANDLERS.register("tests.removed", record)
    with at(0):
        set_timer("tests.removed", "AB42", START)
    TIMER_HANDLERS.unregister("tests.removed")
    for moment in (0, 5, 15, 35, 75):
        with at(moment):
            fire_due()

    kept = Timer.objects.get()
    assert (kept.state, kept.last_error) == (TimerState.FAILED, "NotRegistered")
    assert [record.levelno for record in caplog.records if record.name == "solidarity.timers"] == [logging.ERROR] * 5
    assert "tests.removed:AB42" in caplog.messages[0]
    assert not TimerFiring.objects.exists()


@pytest.mark.django_db
def test_a_failed_timer_set_again_is_tried_afresh(handler: Callable[[Callable[[FiredTimer], None]], None]) -> None:
    handler(lambda timer: None)
    Timer.objects.create(
        kind=FLAKY, key="AB42", due_at=START, next_attempt_at=START, set_at=START, state=TimerState.FAILED, attempts=5
    )
    with at(0):
        set_timer(FLAKY, "AB42", START + timedelta(minutes=1))
    again = Timer.objects.get()
    assert (again.state, again.attempts, again.last_error) == (TimerState.PENDING, 0, "")


@pytest.mark.django_db
def test_a_timer_held_by_a_worker_that_died_fires_after_its_lease_alone() -> None:
    with at(0):
        for key in ("AB42", "CD17", "EF93"):
            set_timer(RECORD, key, START)
        # A worker claims the three and dies before it fires them.
        _dead, claimed = timers.claim(timezone.now())
        assert len(claimed) == 3
        assert fire_due() == 0  # held by the dead worker's lease

    with at(timers.lease().total_seconds()):
        # They go one by one: were one of them what killed the worker, it alone would count it.
        lease_token, alone = timers.claim(timezone.now())
        assert [timer.key for timer in alone] == ["AB42"]
        timers.fire(lease_token, alone)
        assert fire_due() == 2
    assert firings() == [("AB42", 2), ("CD17", 2), ("EF93", 2)]


@pytest.mark.django_db
def test_a_timer_that_kills_every_worker_that_fires_it_is_given_up() -> None:
    with at(0):
        set_timer(RECORD, "AB42", START)
    lease = timers.lease().total_seconds()
    for death in range(timers.MAX_ATTEMPTS):
        with at(death * lease):
            assert len(timers.claim(timezone.now())[1]) == 1
    with at(timers.MAX_ATTEMPTS * lease):
        assert fire_due() == 0

    kept = Timer.objects.get()
    assert (kept.state, kept.attempts, kept.last_error) == (TimerState.FAILED, 5, "LeaseExpired")
    assert firings() == []


@pytest.mark.django_db
def test_a_claim_that_takes_too_long_gives_the_rest_back(
    handler: Callable[[Callable[[FiredTimer], None]], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(timers, "BATCH_SECONDS", 0.0)  # every claim has used up its time after its first handler
    handler(record)
    with at(0):
        for key in ("AB42", "CD17", "EF93"):
            set_timer(FLAKY, key, START)
        lease_token, claimed = timers.claim(timezone.now())
        assert timers.fire(lease_token, claimed) == 1
        left = Timer.objects.filter(state=TimerState.PENDING).order_by("key")
        given_back = [(timer.key, timer.lease_token, timer.attempts) for timer in left]
        assert given_back == [("CD17", None, 0), ("EF93", None, 0)]
        assert fire_due() == 2
    assert sorted(firings()) == [("AB42", 1), ("CD17", 1), ("EF93", 1)]


@pytest.mark.django_db(transaction=True)
def test_two_workers_claiming_together_never_fire_one_timer_twice() -> None:
    with at(0):
        for n in range(300):
            set_timer(RECORD, f"T{n}", START + timedelta(milliseconds=n))
    with time_machine.travel(START + timedelta(seconds=1), tick=True):
        tried = in_threads(2, lambda _: fire_due())

    assert sum(tried) == 300
    assert sorted(key for key, _attempt in firings()) == sorted(f"T{n}" for n in range(300))
    assert set(Timer.objects.values_list("state", flat=True)) == {TimerState.FIRED}


@pytest.mark.django_db(transaction=True)
def test_parts_setting_one_timer_together_leave_one_timer() -> None:
    with at(0):
        tokens = in_threads(4, lambda n: set_timer(RECORD, "AB42", START + timedelta(minutes=n + 1)))

    [timer] = Timer.objects.all()
    assert timer.token in tokens
    assert timer.due_at == START + timedelta(minutes=tokens.index(timer.token) + 1)


@pytest.mark.django_db
def test_the_worker_sleeps_until_the_next_timer_but_looks_again_within_a_second() -> None:
    with at(0):
        assert timers.seconds_to_next(timezone.now()) == timers.IDLE_SECONDS
        set_timer(RECORD, "soon", START + timedelta(seconds=0.2))
        assert timers.seconds_to_next(timezone.now()) == pytest.approx(0.2)
        cancel_timer(RECORD, "soon")
        set_timer(RECORD, "later", START + timedelta(hours=1))
        assert timers.seconds_to_next(timezone.now()) == timers.IDLE_SECONDS
    assert timers.IDLE_SECONDS < 1


@pytest.mark.django_db
def test_fired_timers_go_after_a_day_and_failed_ones_after_a_month() -> None:
    with at(0):
        set_timer(RECORD, "fired", START)
        set_timer(RECORD, "waiting", START + timedelta(days=60))
        fire_due()
    Timer.objects.create(
        kind=RECORD, key="failed", due_at=START, next_attempt_at=START, set_at=START, state=TimerState.FAILED,
        failed_at=START,
    )  # fmt: skip
    with at(timers.FIRED_KEEP.total_seconds() + 1):
        assert timers.sweep() == 1
    with at(timers.FAILED_KEEP.total_seconds() + 1):
        assert timers.sweep() == 1
    assert list(Timer.objects.values_list("key", flat=True)) == ["waiting"]


@pytest.mark.django_db
def test_a_timer_carries_ids_not_contents() -> None:
    with pytest.raises(ValueError, match="aware"):
        set_timer(RECORD, "AB42", datetime(2026, 12, 7, 9, 0))  # noqa: DTZ001  (the mistake under test)
    with pytest.raises(ValueError, match="at most 1000 bytes"):
        set_timer(RECORD, "AB42", START, {"note": "x" * 1000})
    with pytest.raises(ValueError, match="key"):
        set_timer(RECORD, "", START)
    assert not Timer.objects.exists()


# The real worker.


def wait_until(condition: Callable[[], bool], what: str, process: subprocess.Popen[str], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert process.poll() is None, f"the worker ended ({process.returncode}) before {what}"
        assert time.monotonic() < deadline, f"{what} (waited {timeout:.0f} s)"
        time.sleep(0.05)


def start_worker(stop_processes: list[subprocess.Popen[str]]) -> subprocess.Popen[str]:
    """A real `solidarity worker` with the test app's timer handlers, running: its heartbeat is in."""
    process = solidarity("worker", env=worker_env() | {"DJANGO_SETTINGS_MODULE": "tests.worker_settings"})
    stop_processes.append(process)
    name = f"{socket.gethostname()}:{process.pid}"
    wait_until(lambda: WorkerHeartbeat.objects.filter(worker=name).exists(), "the worker started", process)
    return process


def kill(process: subprocess.Popen[str]) -> None:
    process.kill()
    process.wait()


@pytest.mark.django_db(transaction=True)
def test_a_timer_fires_once_across_a_worker_restart(stop_processes: list[subprocess.Popen[str]]) -> None:
    require_services()
    first = start_worker(stop_processes)

    # Given a timer set a few seconds ahead while a worker runs, and the worker killed before it is due.
    due = timezone.now() + timedelta(seconds=3)
    token = set_timer(RECORD, "restart", due)
    kill(first)
    assert timezone.now() < due
    assert not TimerFiring.objects.exists()

    # When a worker starts again.
    second = start_worker(stop_processes)
    wait_until(lambda: Timer.objects.filter(state=TimerState.FIRED).exists(), "the timer did not fire", second)

    # Then the timer fired once, on time or later, never before.
    [fired] = TimerFiring.objects.all()
    assert (fired.key, fired.token, fired.attempt) == ("restart", token, 1)
    assert fired.ran_at >= due
    assert Timer.objects.get().attempts == 1


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_timer_whose_worker_is_killed_mid_fire_fires_once_from_the_next(
    stop_processes: list[subprocess.Popen[str]],
) -> None:
    require_services()
    first = start_worker(stop_processes)

    # Given a worker killed while it fires a timer (its handler is slow the first time).
    set_timer(SLOW, "mid-fire", timezone.now(), {"seconds": 60})
    wait_until(lambda: Timer.objects.filter(lease_token__isnull=False).exists(), "the timer was not claimed", first)
    time.sleep(0.5)  # into the handler's minute
    kill(first)
    held = Timer.objects.get()
    assert (held.state, held.attempts) == (TimerState.PENDING, 1)
    assert not TimerFiring.objects.exists()  # what the handler wrote was rolled back with it

    # When another worker starts, its lease runs out (tests.worker_settings: 2 s) and the timer fires, once.
    second = start_worker(stop_processes)
    wait_until(lambda: Timer.objects.filter(state=TimerState.FIRED).exists(), "the timer did not fire", second)
    assert firings() == [("mid-fire", 2)]
