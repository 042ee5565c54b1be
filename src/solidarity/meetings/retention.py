"""How long meetings keep who was there (core.retention reads RULES).

The agenda, decisions and minutes are the network's record and stay. Who was in the room is not:
someone who joined with the code or by text (a chosen name, perhaps a number) is gone a week
after the meeting, once the minutes' amendment window has passed; an account's attendance (and
its speaking turns) after a year.
"""

from django.db.models import Q

from solidarity.core.retention import Rule
from solidarity.meetings.models import Participant

RULES = (
    Rule(
        name="meetings.guests",
        model=Participant,
        what="Someone who joined a meeting with its code or by text (their name, number and turns), after it began.",
        default_days=7,
        after="meeting__starts_at",
        where=Q(user__isnull=True),
    ),
    Rule(
        name="meetings.attendance",
        model=Participant,
        what="An account's attendance at a meeting (said it would come, was there, its speaking turns), after it.",
        default_days=365,
        after="meeting__starts_at",
        where=Q(user__isnull=False),
    ),
)
