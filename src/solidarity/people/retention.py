"""How long people keep personal data (core.retention reads RULES)."""

from django.db.models import Q

from solidarity.core.retention import Rule
from solidarity.people.models import Person, PersonState

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
)
