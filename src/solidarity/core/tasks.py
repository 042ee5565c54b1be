"""Core jobs: the worker's heartbeat, which also keeps the live-event relay small."""

from datetime import timedelta

from django.tasks import task
from django.utils import timezone

from solidarity.core import live
from solidarity.core.models import WorkerHeartbeat


@task()
def heartbeat(worker: str) -> None:
    """Record that `worker` is running jobs, and tell the dashboards. Idempotent."""
    now = timezone.now()
    WorkerHeartbeat.objects.update_or_create(worker=worker, defaults={"beat_at": now})
    WorkerHeartbeat.objects.filter(beat_at__lt=now - timedelta(days=1)).delete()
    live.prune_events()
    live.publish("dashboard", "heartbeat", {"worker": worker, "at": now.isoformat()})
