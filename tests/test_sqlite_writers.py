"""On SQLite, the writers of one process take turns on a Python lock (core.sqlite) before BEGIN IMMEDIATE,
instead of sleeping in SQLite's busy handler while the database's write lock is often free."""

import sqlite3
import threading

import pytest
from django.db import connection, transaction

from solidarity.core.models import LiveEvent
from solidarity.core.sqlite import Busy, at_once
from solidarity.core.sqlite.base import WRITERS

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def sqlite_only() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("the writer lock is SQLite's")


def test_a_transaction_holds_the_writer_lock_until_it_commits_or_rolls_back() -> None:
    assert not WRITERS.locked()
    with transaction.atomic():
        assert WRITERS.locked()
        with transaction.atomic():  # a savepoint: the same turn
            LiveEvent.objects.create(channel="probe", event="one", data={})
        assert WRITERS.locked()
    assert not WRITERS.locked()

    def fails() -> None:
        with transaction.atomic():
            LiveEvent.objects.create(channel="probe", event="rolled back", data={})
            raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        fails()
    assert not WRITERS.locked()
    assert list(LiveEvent.objects.values_list("event", flat=True)) == ["one"]


def test_a_second_thread_begins_once_the_first_has_committed_and_sees_its_row() -> None:
    begun, seen = threading.Event(), []

    def second() -> None:
        try:
            begun.wait(10)
            with transaction.atomic():  # waits for the first thread's turn to end
                seen.append(LiveEvent.objects.filter(channel="probe").count())
                LiveEvent.objects.create(channel="probe", event="second", data={})
        finally:
            connection.close()

    other = threading.Thread(target=second)
    other.start()
    with transaction.atomic():
        begun.set()
        other.join(0.3)  # the second thread is still waiting for its turn
        assert other.is_alive()
        LiveEvent.objects.create(channel="probe", event="first", data={})
    other.join(10)
    assert seen == [1]
    assert list(LiveEvent.objects.order_by("pk").values_list("event", flat=True)) == ["first", "second"]
    assert not WRITERS.locked()


def test_at_once_a_writer_gives_up_while_another_process_holds_the_lock_and_writes_once_it_is_free() -> None:
    other = sqlite3.connect(connection.settings_dict["NAME"], timeout=0, isolation_level=None)  # another process's
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(Busy), at_once(connection), transaction.atomic():
            LiveEvent.objects.create(channel="probe", event="too soon", data={})
        assert not WRITERS.locked()
        assert connection.get_autocommit()
        assert not connection.in_atomic_block
    finally:
        other.execute("ROLLBACK")
        other.close()

    with at_once(connection), transaction.atomic():
        LiveEvent.objects.create(channel="probe", event="now", data={})
    assert list(LiveEvent.objects.values_list("event", flat=True)) == ["now"]
    assert connection.connection.execute("PRAGMA busy_timeout").fetchone()[0] == 20_000  # waits again as set


def test_at_once_a_writer_gives_up_while_another_thread_of_this_process_writes() -> None:
    with WRITERS:
        with pytest.raises(Busy), at_once(connection), transaction.atomic():
            LiveEvent.objects.create(channel="probe", event="too soon", data={})
        assert WRITERS.locked()  # still the other thread's
    assert not LiveEvent.objects.exists()


def test_a_writer_waits_for_another_process_to_let_go_of_the_lock_then_writes() -> None:
    """BEGIN is tried again while another connection holds the lock (core.sqlite), not given up at the first try."""
    other = sqlite3.connect(connection.settings_dict["NAME"], timeout=0, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    let_go = threading.Event()

    def let_go_of_it() -> None:
        let_go.set()
        other.execute("ROLLBACK")

    letting_go = threading.Timer(0.3, let_go_of_it)
    letting_go.start()
    try:
        with transaction.atomic():
            assert let_go.is_set()  # begun only once the other let go
            LiveEvent.objects.create(channel="probe", event="after", data={})
    finally:
        letting_go.join()
        other.close()
    assert list(LiveEvent.objects.values_list("event", flat=True)) == ["after"]
    assert connection.connection.execute("PRAGMA busy_timeout").fetchone()[0] == 20_000
