"""Core jobs: the worker's heartbeat (which also keeps the live-event relay small), the audit head's anchor,
and the retention purge."""

import logging
from datetime import timedelta

from django.tasks import task
from django.utils import timezone

from solidarity.core import audit, live, retention
from solidarity.core.models import WorkerHeartbeat

audit_log = logging.getLogger("solidarity.audit")
retention_log = logging.getLogger("solidarity.retention")


@task()
def heartbeat(worker: str) -> None:
    """Record that `worker` is running jobs, and tell the dashboards. Idempotent."""
    now = timezone.now()
    WorkerHeartbeat.objects.update_or_create(worker=worker, defaults={"beat_at": now})
    WorkerHeartbeat.objects.filter(beat_at__lt=now - timedelta(days=1)).delete()
    live.prune_events()
    live.publish("dashboard", "heartbeat", {"worker": worker, "at": now.isoformat()})


@task()
def anchor_audit_head() -> None:
    """Daily (core.schedule): publish the audit chain's signed head, so that a rewrite can be proven later.

    The head goes out only for a chain that verifies; a broken chain is logged at ERROR with its
    first problem instead, and nothing is signed. Until the messaging part exists the destination
    is the operator's log (logger "solidarity.audit" at WARNING, shown under the default level);
    the messaging issue will send the same line to the coordinators through the outbox. Takes no
    lock (audit.verify walks without one). Idempotent: a second run publishes the same or a later head.
    """
    result = audit.verify()
    if result.problem is not None:
        audit_log.error("audit chain broken at %s", result.problem)
        return
    audit_log.warning("audit head %s", audit.sign_head(result.tip))


@task()
def purge_expired() -> None:
    """Delete what the retention rules say is due (core.retention). Idempotent."""
    for result in retention.purge():
        if result.count:
            retention_log.info("%s: purged %d rows", result.rule, result.count)
