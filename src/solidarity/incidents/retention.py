"""How long incidents keep reports and their incidents (core.retention reads RULES).

What a report said, the photo and the contact go with the report; the number a text came from goes
much sooner (incidents.intake.forget_senders, after the hotline's `sender_hours`). An incident is kept
while it is open; once closed, with its timeline and alerts, for the days below.
"""

from django.db.models import Q

from solidarity.core.retention import Rule
from solidarity.incidents.models import OPEN_STATES, Incident, Report, ReportState

RULES = (
    Rule(
        name="incidents.dismissed-reports",
        model=Report,
        what="A report dismissed by a dispatcher (spam, a test), or never placed in an incident.",
        default_days=7,
        after="created_at",
        where=Q(state__in=(ReportState.DISMISSED, ReportState.FOR_REVIEW, ReportState.NEEDS_ZONE)),
    ),
    Rule(
        name="incidents.closed",
        model=Incident,
        what="A closed incident: its reports (what people saw, photos, contacts), timeline and alerts.",
        default_days=90,
        after="closed_at",
        where=~Q(state__in=OPEN_STATES),
    ),
)
