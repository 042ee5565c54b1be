"""Incidents' jobs: the sweep that forgets the numbers reports were texted from (IncidentsConfig.ready)."""

import logging

from django.tasks import task

from solidarity.incidents import intake

log = logging.getLogger("solidarity.incidents")


@task()
def forget_senders() -> None:
    """Every 15 minutes ("incidents.forget-senders"): numbers kept past the hotline's `sender_hours` are blanked.

    Kept only for a report whose sender asked to hear the outcome. Idempotent.
    """
    forgotten = intake.forget_senders()
    if forgotten:
        log.info("incidents: the numbers of %d texted reports forgotten", forgotten)
