"""The directory's jobs: the daily reminder to keepers of stale resources (DirectoryConfig.ready)."""

import logging

from django.tasks import task

from solidarity.directory.reminders import remind_keepers

log = logging.getLogger("solidarity.directory")


@task()
def remind_stale() -> None:
    """Daily ("directory.remind-keepers"): keepers of resources gone stale get one email each. Idempotent."""
    told = remind_keepers()
    if told:
        log.info("directory: %d keepers reminded of stale resources", told)
