"""How long trainings keep sign-ups (core.retention reads RULES).

Health answers go much sooner: erased at the session's end (trainings.services.OVER_TIMER, with an
hourly safety net), not by a rule here.
"""

from django.db.models import Q

from solidarity.core.retention import Rule
from solidarity.trainings.models import SignUp, SignUpState

RULES = (
    Rule(
        name="trainings.never-confirmed",
        model=SignUp,
        what="A public training sign-up (its answers) never confirmed, after it was made.",
        default_days=14,
        after="created_at",
        where=Q(state=SignUpState.PENDING),
    ),
    Rule(
        # Attendance has already granted its certification (people keeps that); who came to which
        # session, and what they answered, is not needed long after.
        name="trainings.past-sessions",
        model=SignUp,
        what="A training sign-up (who signed up, attendance, answers), after the session ended.",
        default_days=365,
        after="session__ends_at",
    ),
)
