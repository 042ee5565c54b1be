"""Solidarity's SQLite engine (`base`), a way to write without waiting for another writer (`at_once`), and a
way to hear of another connection's commit without reading a table (`data_version`)."""

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


def data_version(connection: BaseDatabaseWrapper) -> int | None:
    """A number that moves whenever another connection (another process's too) commits to this SQLite database.

    SQLite answers it without reading a table (PRAGMA data_version), so an idle loop can ask it
    often and look for work only when something changed. It compares only with another answer
    from the same connection, kept open between. None on any other database.
    """
    if connection.vendor != "sqlite":
        return None
    connection.ensure_connection()
    # On the driver's connection: a third of the cost through Django's cursor, asked 50 times a second.
    return int(connection.connection.execute("PRAGMA data_version").fetchone()[0])
