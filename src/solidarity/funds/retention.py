"""How long the funds part keeps what it keeps only for a while (core.retention reads RULES)."""

from solidarity.core.retention import Rule
from solidarity.funds.csv_models import FundImport

RULES = (
    Rule(
        # An uploaded export waits a day for its treasurer to check and confirm it; once applied, its rows are
        # gifts in the ledger, and the file (donors' names in it) has no use.
        name="funds.imports",
        model=FundImport,
        what="A payment platform's export of gifts uploaded for import (donors' names), applied or not, after it "
        "was uploaded.",
        default_days=1,
        after="created_at",
    ),
)
