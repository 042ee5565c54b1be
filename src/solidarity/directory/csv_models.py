"""A spreadsheet of resources on its way in (directory.csv_io): staged, previewed, then applied or discarded.

The people part's import (people.models.PersonImport) is not reused: it is the network's roster, encrypted,
run as a job with consent and vetting; this one belongs to a working group, holds organisations' public
facts only, and is applied at once, in one transaction.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from solidarity.accounts.models import WorkingGroup

MAX_CSV_BYTES = 1024 * 1024
MAX_CSV_ROWS = 1000


class ResourceImportState(models.TextChoices):
    STAGED = "staged", _("waiting for your confirmation")
    APPLIED = "applied", _("imported")


class ResourceImport(models.Model):
    """An uploaded CSV of a group's resources, kept as text until its keeper applies or discards it.

    What each row would do is worked out again whenever it is shown (the directory may have changed since),
    in the reader's language; `result` keeps the counts once applied. Gone after a day (retention
    `directory.imports`), applied or not.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    group = models.ForeignKey(WorkingGroup, on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    name = models.CharField(_("file name"), max_length=100, blank=True)
    text = models.TextField()
    state = models.CharField(
        _("state"), max_length=8, choices=ResourceImportState.choices, default=ResourceImportState.STAGED
    )
    applied_at = models.DateTimeField(null=True, blank=True)
    result = models.JSONField(default=dict, blank=True)  # {"new": n, "changed": n, "unchanged": n, "skipped": n}

    class Meta:
        verbose_name = _("import of resources")
        verbose_name_plural = _("imports of resources")

    def __str__(self) -> str:
        return f"resource import {self.uuid} ({self.state})"
