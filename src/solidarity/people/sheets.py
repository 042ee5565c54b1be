"""A working group's spreadsheet staged for import (the directory's resources, the supplies' items and stock):
kept as text, previewed, then applied in one transaction, or discarded. The steps every such sheet shares;
each part says what its rows mean and do (directory.csv_io, supplies.csv_io).

Not the roster's import (people.imports): that one is encrypted and runs as a job with consent and vetting;
a group's sheet holds no one's personal data but who uploaded it, and is applied at once.
"""

import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja.files import UploadedFile

from solidarity.accounts.models import User, WorkingGroup
from solidarity.core import audit
from solidarity.core.api import ApiError
from solidarity.core.models import AuditAction
from solidarity.people.imports import (
    GROUP_SHEET_BYTES,
    NO,
    YES,
    ImportRefused,
    decode_group_sheet,
    plain,
    too_large,
)


class SheetState(models.TextChoices):
    STAGED = "staged", gettext_lazy("waiting for your confirmation")
    APPLIED = "applied", gettext_lazy("imported")


class StagedSheet(models.Model):
    """An uploaded CSV of a group's things, kept as text until a keeper applies or discards it.

    What each row would do is worked out again whenever it is shown (the group's things may have changed
    since), in the reader's language; `result` keeps the counts once applied. Each part's retention rule
    deletes it after a day, applied or not.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    group = models.ForeignKey(WorkingGroup, on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    name = models.CharField(gettext_lazy("file name"), max_length=100, blank=True)
    text = models.TextField()
    state = models.CharField(gettext_lazy("state"), max_length=8, choices=SheetState.choices, default=SheetState.STAGED)
    applied_at = models.DateTimeField(null=True, blank=True)
    result = models.JSONField(default=dict, blank=True)  # counts by what the rows did, and "skipped"

    class Meta:
        abstract = True


@dataclass
class RowError:
    column: str  # a column of the sheet, or "" for the whole row
    code: str  # stable snake_case, for the API
    message: str  # in the reader's language


class Checked(Protocol):
    """A row as a part checked it."""

    line: int
    status: str
    errors: list[RowError]

    def error(self, column: str, code: str, message: str) -> None: ...


def checked_values[V](
    row: Checked, values: dict[str, Any], make: Callable[..., V], check: Callable[[V], None], columns: dict[str, str]
) -> V | None:
    """The row's values made (`make(**values)`) and checked by the part's service (`check`); None, the row an
    error, when a cell had an error or the service refuses them (`columns`: column -> the field it fills)."""
    if row.errors:
        row.status = "error"
        return None
    made = make(**values)
    try:
        check(made)
    except ValidationError as error:
        note_refusal(row, error, columns)
        return None
    return made


def yes_or_no(row: Checked, column: str, text: str) -> bool | None:
    """A yes/no cell (also sí, true, false, 1, 0, x; blank is no), or None with its error noted on the row."""
    answer = plain(text)
    if answer not in YES and answer not in NO:
        row.error(column, "bad_yes_no", _("Write yes or no."))
        return None
    return answer in YES


def one_of(row: Checked, column: str, text: str, names: dict[str, str], code: str, message: str) -> str | None:
    """The code a cell names among `names` (people.imports.choice_names), or None with `message` noted."""
    found = names.get(plain(text))
    if found is None:
        row.error(column, code, message)
    return found


def note_refusal(row: Checked, error: ValidationError, columns: dict[str, str]) -> None:
    """A service's refusal noted on the row, each message under the column that fills its field (`columns`:
    column -> field); the row is then an error."""
    for name, messages in error.message_dict.items():
        column = next((col for col, fills in columns.items() if fills == name), "")
        row.error(column, "invalid", " ".join(messages))
    row.status = "error"


@dataclass
class SheetPreview[R: Checked]:
    """What each row of a staged sheet would do, as checked now, in the reader's language."""

    rows: list[R]
    headers: dict[str, str]  # column -> the header as the file writes it
    ignored: list[str]  # headers nothing reads

    statuses: ClassVar[tuple[str, ...]] = ("new", "changed", "unchanged", "error")  # what a row may do

    def count(self, status: str) -> int:
        return sum(1 for row in self.rows if row.status == status)

    def counts(self) -> dict[str, int]:
        return {status: self.count(status) for status in self.statuses}

    def error_text(self, error: RowError) -> str:
        """An error in the reader's language, naming the column as the file names it."""
        return f"{self.headers.get(error.column, error.column)}: {error.message}" if error.column else error.message


def preview_context(found: StagedSheet, preview: SheetPreview[Any] | None) -> dict[str, Any]:
    """What people/_sheet_preview.html shows of a staged sheet (`preview`: None once applied)."""
    rows = [(row, [preview.error_text(error) for error in row.errors]) for row in preview.rows] if preview else []
    return {
        "found": found,
        "preview": preview,
        "rows": rows,
        "counts": preview.counts() if preview else {},
        "good": sum(1 for _row, errors in rows if not errors),
    }


def audited(found: StagedSheet, by: User, role: str, action: AuditAction, **detail: Any) -> None:
    audit.record(
        actor=str(by.uuid),
        role=role,
        action=action,
        object_type=f"{found._meta.app_label}.{found._meta.model_name}",
        object_ids=[found.uuid],
        detail={"group": found.group.slug, **detail},
    )


def do_stage_sheet[S: StagedSheet](
    model: type[S],
    group: WorkingGroup,
    data: bytes,
    name: str,
    *,
    by: User,
    role: str,
    read: Callable[[str], object],
    **more: str,
) -> S:
    """Keep an uploaded CSV for `group`'s keepers to preview; ImportRefused (nothing kept) when `read` (the
    part's reading of the text) or the decoding refuses it. `more`: the part's own fields. Audited (`role`:
    the uploader's in the group)."""
    text = decode_group_sheet(data)
    read(text)
    with transaction.atomic():
        found = model._default_manager.create(
            group=group, created_by=by, name=(name or "sheet.csv")[-100:], text=text, **more
        )
        audited(found, by, role, AuditAction.CREATED, **more)
    return found


def do_apply_sheet[S: StagedSheet](
    found: S, run: Callable[[S], dict[str, int]], *, by: User, role: str
) -> dict[str, int]:
    """Claim a staged sheet under a row lock and `run` it (the part's rows checked again and applied, in this
    transaction; the counts); ImportRefused with nothing written when it was applied already or `run` refuses."""
    with transaction.atomic():
        locked = type(found)._default_manager.select_for_update().filter(pk=found.pk).select_related("group").first()
        if locked is None or locked.state != SheetState.STAGED:
            raise ImportRefused(_("This file was imported already."), code="already_applied")
        locked.result = run(locked)
        locked.state, locked.applied_at = SheetState.APPLIED, timezone.now()
        locked.save(update_fields=["result", "state", "applied_at"])
        audited(locked, by, role, AuditAction.CHANGED, state=SheetState.APPLIED, **locked.result)
    found.refresh_from_db()
    return dict(found.result)


def apply_rows[R: Checked](rows: Iterable[R], apply_row: Callable[[R], None], *, skip_errors: bool) -> None:
    """Each good row through `apply_row` (a part's services); ImportRefused naming the line when one refuses,
    and `rows_with_errors` before anything when a row has errors and the keeper did not say to skip them."""
    rows = list(rows)
    if not skip_errors and any(row.errors for row in rows):
        message = _("Some rows have errors: fix them and upload the file again, or import the good rows only.")
        raise ImportRefused(message, code="rows_with_errors")
    for row in rows:
        if row.errors:
            continue
        try:
            apply_row(row)
        except ValidationError as error:
            message = _("Line %(line)d: %(reason)s") % {"line": row.line, "reason": " ".join(error.messages)}
            raise ImportRefused(message, code="refused") from None


def do_discard_sheet(found: StagedSheet, *, by: User, role: str) -> None:
    """Delete a staged (or applied) sheet: the file is gone. Audited."""
    with transaction.atomic():
        audited(found, by, role, AuditAction.DELETED)
        found.delete()


def staged_in[S: StagedSheet](model: type[S], group: WorkingGroup, wanted: str | UUID) -> S:
    """One of the group's staged sheets (the caller reached the group through its part's access); Http404 otherwise."""
    try:
        key = wanted if isinstance(wanted, UUID) else UUID(str(wanted))
    except ValueError:
        raise Http404 from None
    found = model._default_manager.filter(group=group, uuid=key).select_related("group").first()
    if found is None:
        raise Http404
    return found


@contextmanager
def refusals_as_conflict() -> Iterator[None]:
    """An API call's ImportRefused answered 409 with its code."""
    try:
        yield
    except ImportRefused as error:
        raise ApiError(409, error.code or "refused", error.messages[0]) from None


def staged_from_api[S: StagedSheet](file: UploadedFile, stage: Callable[[bytes, str], S]) -> S:
    """An API upload staged by `stage` (bytes, file name); a refusal answers 422 on `file`."""
    try:
        if (file.size or 0) > GROUP_SHEET_BYTES:
            raise too_large()
        return stage(file.read(), file.name or "")
    except ImportRefused as error:
        raise ApiError(422, "invalid_input", error.messages[0], {"file": error.messages}) from None
