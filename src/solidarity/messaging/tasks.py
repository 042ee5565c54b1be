"""Messaging's periodic jobs (registered in MessagingConfig.ready): the safety nets behind two after-commit steps.

Both steps normally happen at once: an outcome is told right after its change of state commits,
and the texts sealed while the keys were locked are routed when an operator unlocks them. A
process can die in between; these jobs, every minute, finish what it left. Both are idempotent:
each message or text is claimed by a conditional update before anything is done with it.
"""

import logging

from django.tasks import task

from solidarity.core import keyring
from solidarity.messaging import inbound, outcomes

log = logging.getLogger("solidarity.messaging")


@task()
def tell_outcomes() -> None:
    """Tell the outcome handlers of settled messages that were not told (a crash, a handler that raised)."""
    told = outcomes.tell()
    if told:
        log.info("messaging: %d outcomes told by the sweep", told)


@task()
def open_sealed() -> None:
    """Route the texts that arrived while the keys were locked, once they are unlocked (nothing while locked)."""
    if keyring.is_locked():
        return
    opened = inbound.do_open_sealed()
    if opened:
        log.info("messaging: %d texts received while locked were opened and routed", opened)
