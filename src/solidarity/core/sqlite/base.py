"""Django's SQLite backend, whose writers in one process wait their turn on a lock instead of in SQLite.

Every transaction begins IMMEDIATE: it takes the database's one write lock at once. A writer that finds
the lock held is made to wait by SQLite's busy handler, which sleeps 1, 2, 5 ... up to 100 ms between tries
whatever happens meanwhile: with several threads of one process writing (the worker's senders, a big
broadcast's queueing job, a keeper's tap in the web process), most of the wait was sleep while the lock was
free, and a 20,000-message broadcast took longer queued and sent together than one after the other.

Here a thread first takes this process's writer lock (a Python lock, which wakes the next waiter the
moment it is released), then BEGIN IMMEDIATE; COMMIT or ROLLBACK releases it. Other processes still meet
in SQLite's busy handler. A thread never waits on the lock longer than SQLite's own timeout would have
let it: past that it goes on to BEGIN, and SQLite decides as before.
"""

import threading
from typing import Any

from django.db.backends.sqlite3 import base

WRITERS = threading.Lock()


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.holds_writers = False

    def _start_transaction_under_autocommit(self) -> None:
        timeout = float(self.settings_dict.get("OPTIONS", {}).get("timeout", 5))
        self.holds_writers = WRITERS.acquire(timeout=timeout)
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]  # Django's, not in its stubs
        except BaseException:
            self.release_writers()
            raise

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
