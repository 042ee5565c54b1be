"""Django's SQLite backend, whose writers wait their turn without sleeping while the lock is free.

Every transaction begins IMMEDIATE: it takes the database's one write lock at once. A writer that finds
the lock held is made to wait by SQLite's busy handler, which sleeps 1, 2, 5 ... up to 100 ms between tries
whatever happens meanwhile: with several threads of one process writing (the worker's senders, a big
broadcast's queueing job, a keeper's tap in the web process), most of the wait was sleep while the lock was
free, and a 20,000-message broadcast took longer queued and sent together than one after the other.

Here a thread first takes this process's writer lock (a Python lock, which wakes the next waiter the
moment it is released), then BEGIN IMMEDIATE; COMMIT or ROLLBACK releases it. While another process holds
the database's lock, BEGIN is tried again after 0.2, 0.4, 0.8 ms and then every 2 ms: two processes sending
mail spent a fifth of their time in the busy handler's sleeps, for locks held about a millisecond. Past
SQLite's own timeout (OPTIONS' timeout) the writer gives up with `Busy`, a "database is locked" error.
A statement outside a transaction still waits in SQLite's busy handler.
"""

import sqlite3
import threading
import time
from functools import cached_property
from typing import Any

from django.db import OperationalError
from django.db.backends.sqlite3 import base

from solidarity.core.sqlite import Busy

WRITERS = threading.Lock()
FIRST_PAUSE = 0.0002  # seconds; SQLite's busy handler sleeps 1, 2, 5, 10 ... 100 ms, whatever happens meanwhile
LONGEST_PAUSE = 0.002


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.holds_writers = False
        self.waits = True  # False within solidarity.core.sqlite.at_once

    def _start_transaction_under_autocommit(self) -> None:
        if not self.waits:
            if not WRITERS.acquire(blocking=False):
                raise Busy("database is locked")
        elif not WRITERS.acquire(timeout=self.timeout):
            super()._start_transaction_under_autocommit()  # type: ignore[misc]  # SQLite decides, as it would have
            return
        self.holds_writers = True
        try:
            self.begin_soon(self.timeout if self.waits else 0.0)
        except BaseException:
            self.release_writers()
            raise

    def begin_soon(self, timeout: float) -> None:
        """BEGIN IMMEDIATE, trying again after 0.2, 0.4 ... 2 ms while another process writes; Busy after `timeout`."""
        deadline = time.monotonic() + timeout
        pause = FIRST_PAUSE
        while not self.try_begin():
            if time.monotonic() + pause > deadline:
                raise Busy("database is locked")
            time.sleep(pause)
            pause = min(pause * 2, LONGEST_PAUSE)

    def try_begin(self) -> bool:
        """BEGIN IMMEDIATE if no other process holds the write lock now (True), without waiting."""
        raw = self.connection
        raw.execute("PRAGMA busy_timeout = 0")
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]  # Django's, not in its stubs
        except OperationalError as error:
            cause = error.__cause__
            if isinstance(cause, sqlite3.OperationalError) and cause.sqlite_errorcode == sqlite3.SQLITE_BUSY:
                return False
            raise
        finally:
            raw.execute(f"PRAGMA busy_timeout = {int(self.timeout * 1000)}")  # a statement outside a transaction
        return True

    @cached_property
    def timeout(self) -> float:
        """OPTIONS' timeout, in seconds: how long a writer waits for the lock (Django passes it to sqlite3)."""
        return float(self.settings_dict.get("OPTIONS", {}).get("timeout", 5))

    def release_writers(self) -> None:
        if self.holds_writers:
            self.holds_writers = False
            WRITERS.release()

    def _commit(self) -> None:
        try:
            super()._commit()  # type: ignore[misc]  # Django's, not in its stubs
        finally:
            self.release_writers()

    def _rollback(self) -> None:
        try:
            super()._rollback()  # type: ignore[misc]  # Django's, not in its stubs
        finally:
            self.release_writers()

    def _close(self) -> None:
        try:
            super()._close()  # type: ignore[misc]  # Django's, not in its stubs
        finally:
            self.release_writers()
