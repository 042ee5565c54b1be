"""A spreadsheet of a group's supplies on its way in (supplies.csv_io): staged, previewed, then applied or
discarded (people.sheets: the steps every group's sheet shares). Two sheets: `items` (what the group keeps,
by code) and `stock` (lots received at its locations).

Nothing about a person is in either sheet; the only account named is who uploaded it (`created_by`).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from solidarity.people.sheets import SheetState, StagedSheet

SupplyImportState = SheetState


class SheetKind(models.TextChoices):
    ITEMS = "items", _("items")
    STOCK = "stock", _("stock")


class SupplyImport(StagedSheet):
    """An uploaded CSV of a group's items or stock, kept as text until a keeper applies or discards it.

    `result` keeps {"new", "changed", "unchanged", "received", "skipped"} once applied. Gone after a day
    (retention `supplies.imports`), applied or not.
    """

    sheet = models.CharField(_("sheet"), max_length=8, choices=SheetKind.choices)

    class Meta:
        verbose_name = _("import of supplies")
        verbose_name_plural = _("imports of supplies")

    def __str__(self) -> str:
        return f"supply import {self.uuid} ({self.sheet}, {self.state})"
