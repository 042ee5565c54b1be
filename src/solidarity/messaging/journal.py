"""The sent journal: which messages of an email claim the mail server took, before the database is told.

Marking each message sent in a transaction of its own cost a quarter of the send-out's CPU, and
with two sending processes on SQLite most of its waiting: every mark queued for the one write
lock, and SQLite's busy handler sleeps 1, 2, 5 ms while another process holds it. So on SQLite a
sending loop marks its messages in groups (messaging.pump's `Marks`), and keeps the bound a
crash had: it re-sends at most the message in flight. Before the next message's data goes, the
last one is written to its claim's journal, a file of its own that outlives the process
(appended, not synced); the rescue of a dead claim (services.rescue_stalled) marks what the
journal lists as sent before it puts the rest back. A power cut can lose the last lines as it can
lose SQLite's last commits (WAL, synchronous=NORMAL).

A file a claim: `<database>-outbox/<lease token>.sent`, beside the SQLite file the claim was
made in (owner-only), a line `<message id> <backend> <provider id (the Message-ID)>` each: ids,
nothing personal. On PostgreSQL the processes may not share a disk, and a mark waits for no other writer's lock: each
commits at once, and there is no journal.
"""

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, cast
from uuid import UUID

from django.db.backends.base.base import BaseDatabaseWrapper

if TYPE_CHECKING:
    from django.db.backends.sqlite3.base import DatabaseWrapper as SqliteWrapper

SUFFIX = ".sent"

_made: set[Path] = set()  # folders this process has made (or found)


def folder(connection: BaseDatabaseWrapper) -> Path | None:
    """Where the claims made in this database keep their journals (None: no journal, each mark commits at once)."""
    if connection.vendor != "sqlite" or cast("SqliteWrapper", connection).is_in_memory_db():
        return None
    return Path(f"{connection.settings_dict['NAME']}-outbox")


def path(where: Path, token: UUID) -> Path:
    return where / f"{token.hex}{SUFFIX}"


class Journal:
    """One claim's journal, opened when its first message is written."""

    def __init__(self, where: Path, token: UUID) -> None:
        self.path = path(where, token)
        self.fd: int | None = None

    def write(self, pk: int, backend: str, provider_id: str) -> None:
        """`pk` was taken by the server: one line, in one write, before anything else is sent."""
        if self.fd is None:
            where = self.path.parent
            if where not in _made:
                where.mkdir(mode=0o700, exist_ok=True)
                _made.add(where)
            self.fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o600)
        os.write(self.fd, f"{pk} {backend} {provider_id}\n".encode())

    def remove(self) -> None:
        """Every mark it holds is committed: the journal goes."""
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
            self.path.unlink(missing_ok=True)


def read(where: Path, token: UUID) -> dict[int, tuple[str, str]]:
    """A dead claim's journal: the backend and provider id of each message the server took, by id ({}: none)."""
    try:
        text = path(where, token).read_text(encoding="ascii", errors="replace")
    except FileNotFoundError:
        return {}
    taken: dict[int, tuple[str, str]] = {}
    for line in text.splitlines(keepends=True):
        pk, backend, provider_id = [*line.strip().split(" ", 2), "", ""][:3]
        if line.endswith("\n") and pk.isdigit():  # a line cut short by a crash: not taken, as far as anyone knows
            taken[int(pk)] = (backend, provider_id)
    return taken


def forget(where: Path, token: UUID) -> None:
    path(where, token).unlink(missing_ok=True)


def old(where: Path, seconds: float) -> list[UUID]:
    """Claims whose journal was last written more than `seconds` ago (a process died after its last commit)."""
    found = []
    oldest = time.time() - seconds
    try:
        entries = list(os.scandir(where))
    except FileNotFoundError:
        return []
    for entry in entries:
        name = Path(entry.name)
        try:
            if name.suffix == SUFFIX and entry.stat().st_mtime < oldest:
                found.append(UUID(hex=name.stem))
        except (ValueError, FileNotFoundError):
            continue
    return found
