"""How long the supplies part keeps what it keeps only for a while (core.retention reads RULES)."""

from solidarity.core.retention import Rule
from solidarity.supplies.csv_models import SupplyImport

RULES = (
    Rule(
        # An uploaded spreadsheet waits a day for its keeper to check and confirm it; once applied, its rows
        # are items and ledger movements, and the file has no use.
        name="supplies.imports",
        model=SupplyImport,
        what="A spreadsheet of supply items or stock uploaded for import, applied or not, after it was uploaded.",
        default_days=1,
        after="created_at",
    ),
)
