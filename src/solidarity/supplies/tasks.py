"""The supplies' jobs: the weekly digest to each location's keepers (SuppliesConfig.ready)."""

import logging

from django.tasks import task

from solidarity.supplies.digest import send_weekly_digest

log = logging.getLogger("solidarity.supplies")


@task()
def weekly_digest() -> None:
    """Weekly ("supplies.weekly-digest"): keepers hear of par, expiry and counts due. Idempotent per week."""
    told = send_weekly_digest()
    if told:
        log.info("supplies: %d keepers sent their weekly digest", told)
