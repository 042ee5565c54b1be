"""Lists' jobs: queuing a big broadcast's messages, and every minute settling the broadcasts that have gone out
and resuming an enqueue whose job stopped (both registered in ListsConfig.ready)."""

import logging
from uuid import UUID

from django.tasks import task

from solidarity.lists.broadcasts import do_enqueue_broadcast, do_resume_broadcasts, do_settle_broadcasts

log = logging.getLogger("solidarity.lists")


@task()
def settle_broadcasts() -> None:
    """Every minute (core.schedule's "lists.settle-broadcasts"): settle what has gone out, page or no page.

    A broadcast whose messages all reached a final state is marked sent and its report kept.

    Starts nothing: it only reads the outbox's states. Idempotent: each broadcast is settled by a
    conditional update, so two runs at once (two workers, a page view) settle it once.
    """
    settled = do_settle_broadcasts()
    if settled:
        log.info("lists: %d broadcasts settled", settled)


@task()
def enqueue_broadcast(broadcast_id: str, runner: str) -> None:
    """Queue a big broadcast's messages in committed chunks (do_enqueue_broadcast), enqueued by do_send_broadcast.

    Idempotent: only the run named `runner` moves the broadcast's cursor, one chunk at a time.
    """
    queued = do_enqueue_broadcast(UUID(broadcast_id), UUID(runner))
    log.info("lists: %d broadcast messages queued", queued)


@task()
def resume_broadcasts() -> None:
    """Every 30 s (core.schedule's "lists.resume-broadcasts"): an enqueue whose run stopped goes on from its cursor.

    Idempotent: each take-over is a conditional update on the run it replaces.
    """
    resumed = do_resume_broadcasts()
    if resumed:
        log.info("lists: %d broadcast enqueues resumed", resumed)
