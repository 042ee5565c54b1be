"""How long an action's sign-ups are kept (core.retention; read by core.retention through events.retention.RULES).

A sign-up links a person to an action, a role and a shift: who was where. The debrief reads turnout from them
(events.signups.turnout), so they stay a year after the action ended, long enough to look back on it and plan
the next one; then they go, counts and all.
"""

from solidarity.core.retention import Rule
from solidarity.events.models import SignUp

RULES = (
    Rule(
        name="events.sign-ups",
        model=SignUp,
        what="Who signed up for which slot of an action (a person's id, their code, check-in and check-out "
        "times, attended or not), after the action ended.",
        default_days=365,
        after="slot__action__ends_at",
    ),
)
