"""The test app's retention rule (core.retention reads RULES, as for any part)."""

from solidarity.core.retention import Rule
from tests.testapp.models import Dossier

RULES = (
    Rule(
        name="testapp.closed-dossiers",
        model=Dossier,
        what="A test dossier, once closed.",
        default_days=30,
        after="closed_at",
    ),
)
