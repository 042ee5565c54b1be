"""A payment platform's export on its way into a fund (funds.fund_csv): staged, previewed, then applied or
discarded (people.sheets: the steps every group's sheet shares).

Unlike a group's other sheets, this one names people: a donor's name may be in any row. The file is kept
encrypted (`text`) and gone after a day (retention `funds.imports`), applied or not.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from solidarity.core.fields import EncryptedTextField
from solidarity.core.permissions import sensitive
from solidarity.people.sheets import SheetState, StagedSheet

FundImportState = SheetState


@sensitive
class FundImport(StagedSheet):
    """An uploaded CSV of gifts to one fund, kept until a treasurer applies or discards it.

    `result` keeps {"new", "recorded", "skipped"} once applied."""

    fund = models.ForeignKey("funds.Fund", on_delete=models.CASCADE, related_name="imports")
    text = EncryptedTextField(context="funds.fundimport.text")

    class Meta:
        verbose_name = _("import of gifts")
        verbose_name_plural = _("imports of gifts")

    def __str__(self) -> str:
        return f"fund import {self.uuid} ({self.state})"
