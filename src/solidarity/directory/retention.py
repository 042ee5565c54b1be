"""How long the directory keeps what it keeps only for a while (core.retention reads RULES)."""

from solidarity.core.retention import Rule
from solidarity.directory.csv_models import ResourceImport

RULES = (
    Rule(
        # An uploaded spreadsheet waits a day for its keeper to check and confirm it; once applied, its
        # rows are in the directory and the file has no use.
        name="directory.imports",
        model=ResourceImport,
        what="A spreadsheet of resources uploaded for import, applied or not, after it was uploaded.",
        default_days=1,
        after="created_at",
    ),
)
