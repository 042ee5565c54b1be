"""The job and live-event seams, across real processes, on whichever backends this run uses.

On SQLite: the database queue and the polled event table. With SOLIDARITY_DATABASE_URL
set to PostgreSQL: the database queue and LISTEN/NOTIFY. With SOLIDARITY_REDIS_URL set:
RQ and Redis pub/sub. CI runs this module in both passes.
"""

import asyncio
import subprocess
import time

import pytest
from django.conf import settings
from django.db import connection
from django.test import override_settings

from solidarity.core import live
from solidarity.core.models import WorkerHeartbeat
from solidarity.core.tasks import heartbeat
from tests.conftest import alive, descendants_of, gone, require_services, solidarity, worker_env


def production_tasks() -> dict[str, object]:
    backend = "django_tasks_rq.RQBackend" if settings.REDIS_URL else "django_tasks_db.DatabaseBackend"
    return {"default": {"BACKEND": backend, "QUEUES": ["default"]}}


async def next_event(channel: str, started: asyncio.Event, timeout: float) -> live.Event:
    async def first() -> live.Event:
        subscription = live.hub.subscribe(channel)
        waiting = asyncio.ensure_future(anext(subscription))
        await live.hub.ready.wait()
        started.set()
        event = await waiting
        while event is None:  # keepalives
            event = await anext(subscription)
        await subscription.aclose()
        return event

    return await asyncio.wait_for(first(), timeout)


@pytest.mark.django_db(transaction=True)
def test_worker_process_runs_jobs_and_its_events_reach_web_processes(
    stop_processes: list[subprocess.Popen[str]],
) -> None:
    require_services()

    async def scenario() -> live.Event:
        started = asyncio.Event()
        listening = asyncio.ensure_future(next_event("dashboard", started, timeout=60))
        await started.wait()
        await asyncio.sleep(0.3)  # the backend's listener is subscribed before the worker speaks
        stop_processes.append(solidarity("worker", env=worker_env()))
        return await listening

    # Given a worker in its own process, when it beats, then this process hears it live.
    event = asyncio.run(scenario())
    assert event["event"] == "heartbeat"
    worker_id = event["data"]["worker"]
    assert WorkerHeartbeat.objects.filter(worker=worker_id).exists()

    # And a job enqueued here runs there.
    with override_settings(TASKS=production_tasks()):
        heartbeat.enqueue("enqueued-by-the-test")
    deadline = time.monotonic() + 30
    while not WorkerHeartbeat.objects.filter(worker="enqueued-by-the-test").exists():
        assert time.monotonic() < deadline, "the worker did not run a job enqueued by another process"
        time.sleep(0.2)

    # Killed outright, the worker takes every process it forked (RQ's job and scheduler processes) with it.
    [worker] = stop_processes
    family = descendants_of(worker.pid)
    worker.kill()
    worker.wait()
    assert gone(family), f"processes outlived their worker: {[pid for pid in family if alive(pid)]}"


@pytest.mark.django_db(transaction=True)
def test_events_published_in_a_rolled_back_transaction_are_never_sent() -> None:
    require_services()
    from django.db import transaction

    async def scenario() -> live.Event:
        started = asyncio.Event()
        listening = asyncio.ensure_future(next_event("probe", started, timeout=20))
        await started.wait()
        await asyncio.sleep(0.3)

        def publish_twice() -> None:
            try:
                with transaction.atomic():
                    live.publish("probe", "rolled-back", {})
                    raise RuntimeError
            except RuntimeError:
                pass
            with transaction.atomic():
                live.publish("probe", "committed", {})
            connection.close()  # this thread's connection, so the test database can be dropped

        from asgiref.sync import sync_to_async

        await sync_to_async(publish_twice)()
        return await listening

    assert asyncio.run(scenario())["event"] == "committed"
