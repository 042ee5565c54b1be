"""A big broadcast's enqueue job, killed half-way in a real `solidarity worker` and resumed by another.

This process sets the network up and presses Send (the job goes to the run's real queue: the database's,
or Redis on the scale path); a worker in its own process runs the job and is killed with SIGKILL once the
broadcast's cursor shows part of the audience done. Then the clock moves past the heartbeat's deadline, and
a second worker's periodic job takes the enqueue over from its cursor. Every recipient ends with exactly
one message, a person on both lists too. The same test runs on SQLite and on PostgreSQL + Redis.
"""

import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import TextIO

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone

from solidarity.accounts.models import User, WorkingGroup
from solidarity.core.models import ScheduledRun
from solidarity.lists import broadcasts
from solidarity.lists.broadcasts import do_send_broadcast
from solidarity.lists.models import AnnouncementList, Broadcast, Subscription, SubscriptionState
from solidarity.messaging.models import Channel, Message
from tests.conftest import ROOT, require_services, worker_env
from tests.factories.lists import draft, make_list
from tests.smtp import SmtpServer

EAST = 4000  # subscriptions on East; West has the first HALF of them again, and HALF of its own
BOTH = 500


def production_tasks() -> dict[str, object]:
    """The run's real queue, which the worker reads (the tests' own runs jobs at once, in this process)."""
    backend = "django_tasks_rq.RQBackend" if settings.REDIS_URL else "django_tasks_db.DatabaseBackend"
    return {"default": {"BACKEND": backend, "QUEUES": ["default"]}}


def confirmed(announcement_list: AnnouncementList, addresses: list[str]) -> None:
    """Confirmed email subscriptions, made in bulk (each address encrypted and indexed as a save does)."""
    now = timezone.now()
    Subscription.objects.bulk_create(
        [
            Subscription(
                uuid=uuid.uuid4(),
                announcement_list=announcement_list,
                channel=Channel.EMAIL,
                address=address,
                language="en",
                state=SubscriptionState.CONFIRMED,
                confirmed_at=now,
            )
            for address in addresses
        ],
        batch_size=1000,
    )


class Worker:
    """`solidarity worker` on this run's database, its output in a log file (a pipe nobody reads could fill)."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env = env
        self.log: TextIO = log.open("a")
        self.process: subprocess.Popen[str] | None = None

    def start(self) -> subprocess.Popen[str]:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "solidarity", "worker"],
            env=self.env,
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            text=True,
        )
        return self.process


def wait_until(condition: Callable[[], bool], what: str, worker: subprocess.Popen[str], timeout: float = 120) -> None:
    """Poll with a deadline: a hang fails the test rather than blocking the suite; no timing assert."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert worker.poll() is None, f"the worker ended ({worker.returncode}) before {what}"
        assert time.monotonic() < deadline, f"{what} (waited {timeout:.0f} s)"
        time.sleep(0.01)


@pytest.mark.django_db(transaction=True)
def test_a_killed_enqueue_job_is_resumed_by_another_worker_and_everyone_gets_exactly_one_message(
    medics: WorkingGroup,
    coordinator: User,
    tmp_path: Path,
    stop_processes: list[subprocess.Popen[str]],
) -> None:
    require_services()
    east = make_list(medics, coordinator, "east-durham")
    west = make_list(medics, coordinator, "west-durham")
    addresses = [f"neighbour{n}@example.org" for n in range(EAST)]
    confirmed(east, addresses)
    own = [f"west{n}@example.org" for n in range(BOTH)]
    confirmed(west, addresses[:BOTH] + own)  # after all of East's: the duplicates come in the last chunks
    expected = set(addresses + own)
    broadcast = draft(medics, [east, west], coordinator, [Channel.EMAIL])

    smtp = SmtpServer()
    smtp.start()
    try:
        env = worker_env() | {"SOLIDARITY_EMAIL_URL": f"smtp://127.0.0.1:{smtp.port}"}
        first = Worker(env, tmp_path / "worker.log").start()
        stop_processes.append(first)

        # Send: the request claims the broadcast and hands the enqueue to the worker's queue.
        with override_settings(TASKS=production_tasks()):
            assert do_send_broadcast(broadcast, by=coordinator) == 0
        assert broadcast.enqueuing
        assert broadcast.enqueue_total == EAST + 2 * BOTH

        def part_done() -> bool:
            broadcast.refresh_from_db()
            return 0 < broadcast.enqueue_done < broadcast.enqueue_total

        wait_until(part_done, "the enqueue started", first)
        first.kill()  # SIGKILL, mid-enqueue
        first.wait()
        broadcast.refresh_from_db()
        assert broadcast.enqueuing, "the enqueue finished before the kill: nothing was resumed"
        cut = broadcast.enqueue_done
        assert cut % broadcasts.CHUNK == 0  # whole chunks only: each is one transaction with its cursor
        assert Message.objects.filter(batch=broadcast.batch).count() == cut  # none of East's repeats yet

        # The clock passes the heartbeat's deadline, and the resuming job's next run is due.
        stale = timezone.now() - broadcasts.STALLED_AFTER - timedelta(seconds=5)
        Broadcast.objects.filter(pk=broadcast.pk).update(enqueue_beat=stale)
        ScheduledRun.objects.filter(name="lists.resume-broadcasts").update(next_run_at=timezone.now())
        second = Worker(env, tmp_path / "worker.log").start()
        stop_processes.append(second)

        def queued() -> bool:
            broadcast.refresh_from_db()
            return not broadcast.enqueuing

        wait_until(queued, "the second worker finished the enqueue", second)
    finally:
        smtp.stop()

    counts = Counter(str(message.to) for message in Message.objects.filter(batch=broadcast.batch))
    assert set(counts) == expected
    assert set(counts.values()) == {1}  # nobody twice: not across the kill, not for being on both lists
    assert broadcast.recipients == len(expected)
    assert broadcast.enqueue_done == broadcast.enqueue_total
    assert broadcast.enqueue_cursor == Subscription.objects.order_by("pk").values_list("pk", flat=True).last()
