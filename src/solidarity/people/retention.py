"""How long people keep personal data (core.retention reads RULES)."""

from django.db.models import Q

from solidarity.core.retention import Rule
from solidarity.people.models import Person, PersonImport, PersonState

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
)
