"""Core jobs: the worker's heartbeat (which also keeps the live-event relay small), the audit head's anchor,
the retention purge and the sweep of fired timers."""

import logging
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.tasks import task
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from solidarity.core import audit, live, retention, timers
from solidarity.core.hooks import Hook
from solidarity.core.models import WorkerHeartbeat
from solidarity.core.services import get_network_settings

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


# Who receives the daily signed head, as (email, language): accounts answers with its coordinators and
# admins (core cannot import accounts).
AUDIT_HEAD_RECIPIENTS = Hook[Callable[[], list[tuple[str, str]]]]("core.audit-head-recipients")


@task()
def anchor_audit_head() -> None:
    """Daily (core.schedule): publish the audit chain's signed head, so that a rewrite can be proven later.

    The head goes out only for a chain that verifies; a broken chain is logged at ERROR with its
    first problem instead, and nothing is signed. The head goes to the operator's log (logger
    "solidarity.audit" at WARNING) and by mail, through the outbox, to the people accounts
    registers (coordinators and admins): copies held by several people are what a root user who
    rewrites the chain cannot reach. Takes no lock (audit.verify walks without one). Idempotent:
    a second run publishes the same or a later head.
    """
    result = audit.verify()
    if result.problem is not None:
        audit_log.error("audit chain broken at %s", result.problem)
        return
    head = audit.sign_head(result.tip)
    audit_log.warning("audit head %s", head)
    for email, language in AUDIT_HEAD_RECIPIENTS.get()():
        with translation.override(language or settings.LANGUAGE_CODE):
            subject = _("Today's audit head")
            body = _(
                "This line proves what the network's audit log held today. Keep this mail: if someone "
                "ever rewrites the log, the command `solidarity audit verify --head LINE` shows it.\n\n%(head)s\n"
            ) % {"head": head}
        EmailMessage(subject, body, to=[email], headers={"Auto-Submitted": "auto-generated"}).send()


AUDIT_LOG_DAYS = 365  # the default: an admin may change it (network settings' retention_days["core.audit-log"])


@task()
def prune_audit_log() -> None:
    """Daily (core.schedule): the audit log's own retention. The chain's start moves, and stays verifiable.

    A broken chain is never pruned (audit.prune refuses: that would erase the evidence); it is logged.
    """
    days = int(get_network_settings().retention_days.get("core.audit-log", AUDIT_LOG_DAYS))
    try:
        pruned = audit.prune(timezone.now() - timedelta(days=days))
    except audit.AuditChainBroken as problem:
        audit_log.error("audit log not pruned: the chain is broken at %s", problem)
        return
    if pruned:
        audit_log.info("audit log: %d entries older than %d days pruned", pruned, days)


@task()
def purge_expired() -> None:
    """Delete what the retention rules say is due (core.retention). Idempotent."""
    for result in retention.purge():
        if result.count:
            retention_log.info("%s: purged %d rows", result.rule, result.count)


@task()
def sweep_timers() -> None:
    """Hourly (core.schedule): delete fired timers after a day and failed ones after 30 (core.timers). Idempotent."""
    timers.sweep()
