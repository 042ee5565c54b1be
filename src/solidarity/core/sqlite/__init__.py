"""Solidarity's SQLite engine (`base`), and a way to write without waiting for another writer (`at_once`)."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper


class Busy(OperationalError):
    """Another writer held the write lock: at once (`at_once`), or for longer than the database's timeout."""


@contextmanager
def at_once(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """Within: a transaction begun on this SQLite database while another writer holds its lock raises Busy at once.

    Any other database waits as it always does.
    """
    if not hasattr(connection, "waits"):
        yield
        return
    connection.waits = False
    try:
        yield
    finally:
        connection.waits = True
