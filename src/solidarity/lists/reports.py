"""Reports: where a broadcast's messages are, from the outbox while it goes out, then from the report it keeps."""

from collections import Counter
from dataclasses import asdict, dataclass, replace
from typing import Any

from solidarity.lists.models import Broadcast
from solidarity.messaging import reasons
from solidarity.messaging import services as messaging
from solidarity.messaging.models import State

WAITING = (State.QUEUED, State.SENDING, State.HELD)
FAILED = (State.FAILED, State.BOUNCED, State.DEAD)


@dataclass(frozen=True)
class Progress:
    queued: int
    sent: int
    delivered: int
    failed: int
    cancelled: int
    # A big broadcast's subscriptions its job has not queued yet (`queuing`): messages to come, about one each.
    to_queue: int = 0

    @property
    def total(self) -> int:
        return self.queued + self.sent + self.delivered + self.failed + self.cancelled

    @property
    def done(self) -> int:
        return self.total - self.queued

    @property
    def percent(self) -> int:
        """How much of the broadcast has left the queue, counting what is still to be queued: 100 only when all has."""
        expected = self.total + self.to_queue
        return 100 if not expected else round(100 * self.done / expected)

    @classmethod
    def from_states(cls, counts: dict[str, int]) -> "Progress":
        return cls(
            queued=sum(counts.get(state, 0) for state in WAITING),
            sent=counts.get(State.SENT, 0),
            delivered=counts.get(State.DELIVERED, 0),
            failed=sum(counts.get(state, 0) for state in FAILED),
            cancelled=counts.get(State.CANCELLED, 0),
        )


@dataclass(frozen=True)
class Queuing:
    """How far the background enqueue of a big broadcast got: subscriptions worked through, of its audience."""

    done: int
    total: int

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, round(100 * self.done / self.total))


def queuing(broadcast: Broadcast) -> Queuing | None:
    """While its messages are still being queued (lists.broadcasts.do_enqueue_broadcast); None once they all are."""
    if not broadcast.enqueuing:
        return None
    # Someone confirmed since it was sent may join the end of the audience: the bar never runs past its end.
    return Queuing(done=broadcast.enqueue_done, total=max(broadcast.enqueue_total, broadcast.enqueue_done))


def broadcast_progress(broadcast: Broadcast) -> Progress:
    """Where its messages are, from the outbox (or from its report, once the outbox has forgotten them)."""
    if broadcast.report:
        counts: Counter[str] = Counter()
        for row in broadcast.report.get("rows", []):
            counts[row["state"]] += row["count"]
        return Progress.from_states(dict(counts))
    found = Progress.from_states(messaging.batch_counts(broadcast.batch))
    coming = queuing(broadcast)
    return found if coming is None else replace(found, to_queue=coming.total - coming.done)


def report_rows(broadcast: Broadcast) -> list[dict[str, Any]]:
    if broadcast.report:
        return list(broadcast.report.get("rows", []))
    return [asdict(row) for row in messaging.batch_report(broadcast.batch)]


@dataclass(frozen=True)
class ReasonCount:
    slug: str
    text: str
    count: int


@dataclass(frozen=True)
class Report:
    progress: Progress
    by_channel: dict[str, Progress]
    reasons: list[ReasonCount]  # why messages failed or were cancelled, most frequent first


def broadcast_report(broadcast: Broadcast) -> Report:
    rows = report_rows(broadcast)
    per_channel: dict[str, Counter[str]] = {}
    why: Counter[str] = Counter()
    for row in rows:
        per_channel.setdefault(row["channel"], Counter())[row["state"]] += row["count"]
        if row["state"] in (*FAILED, State.CANCELLED) and row["reason"]:
            why[row["reason"]] += row["count"]
    everything: Counter[str] = Counter()
    for counts in per_channel.values():
        everything.update(counts)
    return Report(
        progress=Progress.from_states(dict(everything)),
        by_channel={channel: Progress.from_states(dict(counts)) for channel, counts in sorted(per_channel.items())},
        reasons=[ReasonCount(slug, str(reasons.explain(slug).text), count) for slug, count in why.most_common()],
    )
