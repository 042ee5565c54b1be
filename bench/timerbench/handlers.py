"""The bench's timer handlers."""

from datetime import timedelta

from solidarity.core.timers import FiredTimer, set_timer

FIRE = "bench.fire"
FOLLOW_UP = "bench.follow-up"


def fire(timer: FiredTimer) -> None:
    """What an escalation does when its timer fires: set its next step (a read and a write of the timer table)."""
    set_timer(FOLLOW_UP, timer.key, timer.due_at + timedelta(days=1), {"n": timer.data["n"]})


def follow_up(timer: FiredTimer) -> None:
    """Never due within a bench run."""
