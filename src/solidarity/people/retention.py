"""How long people keep personal data (core.retention reads RULES)."""

from django.db.models import Q

from solidarity.core.retention import Rule
from solidarity.people.models import CalendarFeed, ContactTest, Person, PersonImport, PersonState, RecordLink

RULES = (
    Rule(
        # Leaving already erased the name and contacts; the stub keeps who vouched for whom and which
        # certifications they held, for coordinators looking back at an infiltration, then goes.
        name="people.left",
        model=Person,
        what="What is left of a person who left the network (their vouches and certifications), after they left.",
        default_days=180,
        after="left_at",
        where=Q(state=PersonState.LEFT),
    ),
    Rule(
        # The uploaded spreadsheet (encrypted) and, once it ran, the rows that were not imported: kept
        # long enough to fix and upload again, then gone. Whoever was imported is on the roster.
        name="people.imports",
        model=PersonImport,
        what="A spreadsheet of people uploaded for import (encrypted) and its rows' results, after it was uploaded.",
        default_days=2,
        after="created_at",
    ),
    Rule(
        # A link works for 15 minutes; the row (the person's id and a hash) is kept a day for the audit's sake.
        name="people.record-links",
        model=RecordLink,
        what="Links that opened a volunteer's own record (a hash of each, never the link), once expired.",
        default_days=1,
        after="expires_at",
    ),
    Rule(
        name="people.contact-tests",
        model=ContactTest,
        what="Test messages to a person's contacts (their code, a hash of their link), once expired.",
        default_days=7,
        after="expires_at",
    ),
    Rule(
        name="people.left-calendar-feeds",
        model=CalendarFeed,
        what="The calendar feed (a hash of its address) of a person who left the network.",
        default_days=0,
        after="person__left_at",
        where=Q(person__state=PersonState.LEFT),
    ),
)
