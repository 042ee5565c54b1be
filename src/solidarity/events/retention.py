"""How long an action keeps what it keeps only for a while.

What an action holds that may point at a person is small: the organisers' lessons from the debrief (encrypted,
free text that may name someone) and the public contact address (meant to be a group's, but it may be a
person's email or number). Both go a year after the action ended, once it is over (done or cancelled): the
daily "events.forget-old-actions" job (registered in EventsConfig.ready) empties those two fields, and the
audit log records how many actions it emptied (never what they said). A network may set another period under
the name "events.old-actions" in its retention settings, as for core.retention's rules.

What stays: the action itself (its public texts, times, gathering place, zone, state and the debrief's counts),
because it was published for anyone to read and the next organisers learn from it. Sign-ups, the jail-support
board and arrest plans have their own rules, in the modules that keep them.

core.retention deletes whole rows; this empties two fields of a row that stays, so it is a job, not a Rule.
RULES holds jail support's rules (events.jail_retention), the safety net behind its own timers, and the
sign-ups' (events.signup_retention).
"""

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.tasks import task
from django.utils import timezone

from solidarity.core import audit
from solidarity.core.models import AuditAction
from solidarity.core.retention import Rule
from solidarity.core.services import get_network_settings
from solidarity.events.jail_retention import JAIL_RULES
from solidarity.events.models import Action, ActionState
from solidarity.events.signup_retention import RULES as SIGN_UP_RULES

log = logging.getLogger("solidarity.events")

RULES: tuple[Rule, ...] = (*JAIL_RULES, *SIGN_UP_RULES)
PERIOD_NAME = "events.old-actions"
DEFAULT_DAYS = 365
FORGOTTEN = ("lessons", "contact")


def period() -> timedelta:
    return timedelta(days=int(get_network_settings().retention_days.get(PERIOD_NAME, DEFAULT_DAYS)))


def do_forget_old_actions(now: datetime | None = None) -> int:
    """Empty the lessons and the contact address of every action over whose end is older than the period;
    returns how many actions were emptied. Idempotent: an emptied action is not found again."""
    cutoff = (now or timezone.now()) - period()
    with transaction.atomic():
        due = Action.objects.select_for_update().filter(
            state__in=[ActionState.DONE, ActionState.CANCELLED], ends_at__lt=cutoff
        )
        emptied = []
        for action in due:
            if not action.lessons and not action.contact:  # an encrypted field compares to nothing in SQL
                continue
            # Row by row: an encrypted value is bound to its row, and "" is what an empty field holds.
            action.lessons, action.contact = "", ""
            action.save(update_fields=[*FORGOTTEN, "updated_at"])
            emptied.append(action.uuid)
        if emptied:
            audit.record(
                actor=audit.SYSTEM,
                action=AuditAction.PURGED,
                object_type="events.action",
                object_ids=[],
                detail={"fields": list(FORGOTTEN), "count": len(emptied)},
            )
    return len(emptied)


@task()
def forget_old_actions() -> None:
    """Daily ("events.forget-old-actions"): old actions lose their lessons and contact address."""
    emptied = do_forget_old_actions()
    if emptied:
        log.info("events: %d old actions emptied of their lessons and contact", emptied)
