"""How long jail support keeps what it keeps (core.retention; read by core.retention through events.retention.RULES).

The services do most of it on time (events.jail): a released person's arrest plan goes the moment their support
ends, the plans not linked to an arrest go a day after the action, and an arrest's support name, note and where
go 30 days after its support ended (the arrest's state and dates stay for the debrief's counts). These rules are
the safety net behind those timers, and the end of an arrest's record a year after.
"""

from django.db.models import Q

from solidarity.core.retention import Rule
from solidarity.events.models import Arrest, ArrestPlan

JAIL_RULES = (
    Rule(
        name="events.arrest-plans-unlinked",
        model=ArrestPlan,
        what="An arrest plan for an action (who to call, medication, pets and car, bail wishes) not linked to an "
        "arrest, a day after the action ended.",
        default_days=1,
        after="action__ends_at",
        where=Q(arrest__isnull=True),
    ),
    Rule(
        name="events.arrest-plans-ended",
        model=ArrestPlan,
        what="An arrest plan linked to an arrest, once that person's jail support ended.",
        default_days=0,
        after="arrest__support_ended_at",
    ),
    Rule(
        name="events.arrests",
        model=Arrest,
        what="An arrest on an action's jail-support board (by then only its state and dates: its support name, "
        "note and where went 30 days after its support ended), a year after its support ended or the action.",
        default_days=365,
        after=("support_ended_at", "action__ends_at"),
    ),
)
