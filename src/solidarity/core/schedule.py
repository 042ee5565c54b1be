"""Periodic jobs: what runs how often, and the claim that enqueues each run once, however many workers tick.

core registers its own jobs here. A higher part registers its jobs from its AppConfig.ready with
`register(Periodic(...))` (core cannot import the parts above it); the worker's ticker enqueues
them all alike. A job's name is its ScheduledRun row: keep it stable across releases, and give a
part's jobs the part's prefix ("lists.settle-broadcasts").
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.tasks import Task
from django.utils import timezone

from solidarity.core.hooks import Registry
from solidarity.core.models import ScheduledRun
from solidarity.core.tasks import anchor_audit_head, prune_audit_log, purge_expired, sweep_timers


@dataclass(frozen=True)
class Periodic:
    name: str  # the ScheduledRun row's name: stable across releases
    task: Task[[], None]
    every: timedelta


# Every periodic job by name: core's own first, then the parts' in the order they registered.
JOBS = Registry[str, Periodic]("core.periodic-jobs")


def register(job: Periodic) -> None:
    """Add a job (from a part's AppConfig.ready). The same job again changes nothing; another of its name raises."""
    if job.every <= timedelta(0):
        raise ValueError(f"periodic job {job.name!r}: `every` must be positive")
    JOBS.register(job.name, job)


for core_job in (
    Periodic("anchor-audit-head", anchor_audit_head, timedelta(days=1)),
    Periodic("purge-expired", purge_expired, timedelta(days=1)),
    Periodic("prune-audit-log", prune_audit_log, timedelta(days=1)),
    Periodic("sweep-timers", sweep_timers, timedelta(hours=1)),
):
    register(core_job)


def jobs() -> list[Periodic]:
    return JOBS.values()


def claim(job: Periodic, now: datetime) -> bool:
    """Take the job's due run: a conditional UPDATE that moves next_run_at, so one caller per run wins.

    A new job is due at once. The next run is `every` after this claim, not after the missed
    due time, so a worker that was down does not replay the runs it missed.
    """
    ScheduledRun.objects.get_or_create(name=job.name, defaults={"next_run_at": now})
    due = ScheduledRun.objects.filter(name=job.name, next_run_at__lte=now)
    return due.update(next_run_at=now + job.every) == 1


def enqueue_due() -> list[str]:
    """Enqueue each periodic job that is due and return their names; the worker's ticker calls this.

    The claim and the enqueue share a transaction: on the database queue a run is enqueued exactly
    once. On Redis the push cannot roll back, so a failed commit may enqueue a run again: periodic
    jobs are idempotent.
    """
    now = timezone.now()
    enqueued = []
    for job in jobs():
        with transaction.atomic():
            if claim(job, now):
                job.task.enqueue()
                enqueued.append(job.name)
    return enqueued
