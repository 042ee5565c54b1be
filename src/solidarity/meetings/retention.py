"""How long meetings keep who was there (core.retention reads RULES).

The agenda, decisions and minutes are the network's record and stay. Who was in the room is not:
someone who joined with the code or by text (a chosen name, perhaps a number) is gone a week
after the meeting, once the minutes' amendment window has passed; an account's attendance (and
its speaking turns) after a year. An amendment proposed to the minutes names its author: it goes some
weeks after it was proposed (the minutes keep what was accepted, without the author).
"""

from django.db.models import Q

from solidarity.core.retention import Rule
from solidarity.meetings.models import Amendment, Participant

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
    Rule(
        name="meetings.amendments",
        model=Amendment,
        what="An amendment proposed to a meeting's minutes (its text and who proposed it), accepted or not, after "
        "it was proposed: the minutes keep what was accepted.",
        default_days=90,
        after="created_at",
    ),
)
