"""Lists' jobs: settling the broadcasts that have gone out, every minute (registered in ListsConfig.ready)."""

import logging

from django.tasks import task

from solidarity.lists.broadcasts import do_settle_broadcasts

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
