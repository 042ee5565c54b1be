"""Live progress of outbox batches: "messages of this batch moved", for the pages that show a batch's progress.

Messaging knows batches (`Message.batch`), not what a higher part groups under them (a broadcast
for lists): it publishes on the live channel `batch:<batch>` an event carrying the batch's id and
nothing else, and the page asks its own view for the counts (with its own permission check).

Throttled per process: at most one event per batch every THROTTLE_SECONDS, however fast its
messages go. The throttle keeps the first change of a window and drops the rest, so a page
fetches once more a moment after the last event it heard (lists' progress.js does): what
changed just after an event is then shown too.
"""

import math
import threading
import time
from collections.abc import Callable

from solidarity.core import live
from solidarity.core.hooks import Registry
from solidarity.core.permissions import AnyUser

EVENT = "progress"
THROTTLE_SECONDS = 0.5
REMEMBERED = 1000  # batches whose last event time this process keeps; older ones are forgotten first

_last: dict[str, float] = {}
_lock = threading.Lock()  # the worker's outbox loops (one per channel, more for email) share it


def channel(batch: str) -> str:
    """The live channel of a batch's progress."""
    return f"batch:{batch}"


# Who may hear a batch's progress: the part that made the batch knows. A batch is named
# `<kind>:<id>` ("lists.broadcast:<uuid>"); the part registers a check for its kind.
BATCH_READERS = Registry[str, Callable[[AnyUser, str], bool]]("messaging.batch-readers")


def may_hear_batch(user: AnyUser, batch: str) -> bool:
    """The `batch` live channel's check (core.live.CHANNELS): the batch's own part decides, else nobody."""
    kind, _sep, ident = batch.rpartition(":")
    check = BATCH_READERS.get(kind)
    return check is not None and check(user, ident)


def notify_batch(batch: str) -> bool:
    """Messages of `batch` changed state: tell its live pages, once the transaction commits. True if an event goes.

    No batch (a message of its own, not a broadcast's), or an event for this batch less than
    THROTTLE_SECONDS ago in this process: nothing is published.
    """
    if not batch:
        return False
    now = time.monotonic()
    with _lock:
        if now - _last.get(batch, -math.inf) < THROTTLE_SECONDS:
            return False
        _last.pop(batch, None)  # re-inserted last: the dict stays ordered oldest first
        _last[batch] = now
        while len(_last) > REMEMBERED:
            del _last[next(iter(_last))]
    live.publish(channel(batch), EVENT, {"batch": batch})
    return True


def notify_batches(batches: set[str] | list[str]) -> None:
    """notify_batch for each batch named (a delivery receipt, a cancellation: several messages at once)."""
    for batch in set(batches):
        notify_batch(batch)
