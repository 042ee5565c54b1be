"""A spreadsheet of resources on its way in (directory.csv_io): staged, previewed, then applied or discarded.

The people part's import (people.models.PersonImport) is not reused: it is the network's roster, encrypted,
run as a job with consent and vetting; this one belongs to a working group, holds organisations' public
facts only, and is applied at once, in one transaction (people.sheets: the steps every group's sheet shares).
"""

from django.utils.translation import gettext_lazy as _

from solidarity.people.sheets import SheetState, StagedSheet

ResourceImportState = SheetState


class ResourceImport(StagedSheet):
    """An uploaded CSV of a group's resources, kept as text until its keeper applies or discards it.

    `result` keeps {"new", "changed", "unchanged", "skipped"} once applied. Gone after a day (retention
    `directory.imports`), applied or not.
    """

    class Meta:
        verbose_name = _("import of resources")
        verbose_name_plural = _("imports of resources")

    def __str__(self) -> str:
        return f"resource import {self.uuid} ({self.state})"
