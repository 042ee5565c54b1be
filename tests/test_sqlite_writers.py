"""On SQLite, the writers of one process take turns on a Python lock (core.sqlite) before BEGIN IMMEDIATE,
instead of sleeping in SQLite's busy handler while the database's write lock is often free."""

import threading

import pytest
from django.db import connection, transaction

from solidarity.core.models import LiveEvent
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
