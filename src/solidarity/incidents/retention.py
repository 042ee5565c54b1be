"""How long incidents keep reports and their incidents (core.retention reads RULES).

What a report said, the photo and the contact go with the report; the number a text came from goes
much sooner (incidents.intake.forget_senders, after the hotline's `sender_hours`). An incident is kept
while it is open; once closed, with its timeline and alerts, for the days below.

A family-support case is kept while it is open, whatever becomes of its incident; once closed (its
identifiers went at once: incidents.cases.do_close_case), with its needs, tasks, notes and hearings, for
the days below. Its bond requests (core.bonds) kept their amounts and dates only: their notes went at closing.
"""

from django.db.models import Q

from solidarity.core.retention import Rule
from solidarity.incidents.case_models import Case, CaseState
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
    Rule(
        name="incidents.closed-cases",
        model=Case,
        what="A closed family-support case: who it was for, the family's contact, needs, tasks, notes and the "
        "legal path (the identifiers to find a detained person went when it closed).",
        default_days=90,
        after="closed_at",
        where=Q(state=CaseState.CLOSED),
    ),
)
