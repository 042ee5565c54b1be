"""The test app's timer handlers: each firing leaves a row, so a test (or another process) can count them."""

import time

from django.utils import timezone

from solidarity.core.timers import FiredTimer
from tests.testapp.models import TimerFiring

RECORD = "testapp.record"
SLOW = "testapp.slow"


def record(timer: FiredTimer) -> None:
    TimerFiring.objects.create(
        kind=timer.kind,
        key=timer.key,
        token=timer.token,
        due_at=timer.due_at,
        attempt=timer.attempt,
        ran_at=timezone.now(),
    )


def record_slowly(timer: FiredTimer) -> None:
    """Records, then, the first time, takes `data["seconds"]` before its transaction commits: a worker can be
    killed mid-fire."""
    record(timer)
    if timer.attempt == 1:
        time.sleep(float(timer.data.get("seconds", 0)))
