"""Periodic jobs: what runs how often, and the claim that enqueues each run once, however many workers tick."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.tasks import Task
from django.utils import timezone

from solidarity.core.models import ScheduledRun
from solidarity.core.tasks import anchor_audit_head, prune_audit_log, purge_expired


@dataclass(frozen=True)
class Periodic:
    name: str  # the ScheduledRun row's name: stable across releases
    task: Task[[], None]
    every: timedelta


PERIODIC = (
    Periodic("anchor-audit-head", anchor_audit_head, timedelta(days=1)),
    Periodic("purge-expired", purge_expired, timedelta(days=1)),
    Periodic("prune-audit-log", prune_audit_log, timedelta(days=1)),
)


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
    for job in PERIODIC:
        with transaction.atomic():
            if claim(job, now):
                job.task.enqueue()
                enqueued.append(job.name)
    return enqueued
