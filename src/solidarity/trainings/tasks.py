"""Trainings' jobs: the hourly safety net that erases health answers of sessions over (TrainingsConfig.ready)."""

import logging

from django.tasks import task

from solidarity.trainings.services import erase_past_health

log = logging.getLogger("solidarity.trainings")


@task()
def erase_health() -> None:
    """Hourly ("trainings.erase-health"): the health answers of every session that has ended are erased.

    The end's timer does it at the end; this catches a timer that failed. Idempotent.
    """
    erased = erase_past_health()
    if erased:
        log.info("trainings: %d health answers erased", erased)
