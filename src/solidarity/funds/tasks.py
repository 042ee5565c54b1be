"""The funds' jobs (FundsConfig.ready): bond requests that waited for a bond fund are picked up."""

import logging

from django.tasks import task

from solidarity.funds.requests import pick_up_waiting

log = logging.getLogger("solidarity.funds")


@task()
def pick_up_bond_requests() -> None:
    """Every few minutes ("funds.bond-requests"): a case's bond request made while the network had no bond fund
    (or whose hand-over failed) becomes a waiting payment of the bond fund. Idempotent: a request is picked up
    once (core.bonds.do_pick_up is a conditional update)."""
    taken = pick_up_waiting()
    if taken:
        log.info("funds: %d bond requests picked up", taken)
