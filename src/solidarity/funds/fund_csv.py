"""Gifts in from a payment platform's export, with a preview before anything is recorded.

1. Stage (do_stage_import): the file is read (UTF-8 with or without a BOM, else Windows-1252; comma,
   semicolon or tab), its header checked (it needs date, amount and reference), and kept encrypted
   (FundImport: donors' names may be in it; gone after a day). A file that cannot be read is refused whole.
2. Preview (preview_of): each row is "new" (a gift to record), "recorded" (its platform reference is one
   of the fund's gifts already: skipped, so that an export imported twice records each gift once), or an
   error naming the column, in the reader's language. Worked out again each time it is shown.
3. Apply (do_apply_import): in one transaction, each new row through funds.services.do_record_donation
   (audited there). With errors, nothing is recorded unless the treasurer says to record the good rows.

Columns (English or Spanish headers, any order; see COLUMNS): date, amount, name (the donor's, optional:
blank is an anonymous gift), reference (the platform's id of the gift), method (optional, a payment
platform unless it says), note.
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from solidarity.accounts.models import User
from solidarity.core.models import AuditAction
from solidarity.funds.csv_models import FundImport
from solidarity.funds.models import NAME_LENGTH, SHORT_TEXT, Donation, Fund, Method
from solidarity.funds.money import money, parse_cents
from solidarity.funds.services import DonationValues, check_donation, do_record_donation
from solidarity.people.imports import ImportRefused, Table, choice_names, decode_group_sheet, plain, read_group_sheet
from solidarity.people.sheets import (
    RowError,
    SheetPreview,
    apply_rows,
    audited,
    checked_values,
    do_apply_sheet,
    do_discard_sheet,
    one_of,
)

ROLE = "treasurer"
# column -> the other names a header may give it (English and Spanish, loosely compared).
COLUMNS: dict[str, tuple[str, ...]] = {
    "date": ("date", "fecha", "created", "created at", "paid at"),
    "amount": ("amount", "monto", "cantidad", "importe", "gross", "total"),
    "name": ("name", "nombre", "donor", "donante", "donor name"),
    "reference": ("reference", "referencia", "id", "transaction id", "payment id"),
    "method": ("method", "metodo", "forma de pago"),
    "note": ("note", "nota", "memo"),
}
NEEDED = ("date", "amount", "reference")
FIELDS = {"amount": "cents", "date": "on", "method": "method", "reference": "reference", "name": "donor_name"}
SAMPLE = (
    "date,amount,name,reference,method,note\r\n"
    "2026-03-02,25.00,Ada Example,ch_EXAMPLE0001,platform,monthly gift\r\n"
    "2026-03-03,100,,ch_EXAMPLE0002,platform,\r\n"
    '2026-03-05,"1,250.50",Friends of the Fund (fictional),ch_EXAMPLE0003,,for the bond fund\r\n'
)


class Status:
    NEW = "new"
    RECORDED = "recorded"  # its reference is a gift of the fund's already
    ERROR = "error"


@dataclass
class Row:
    """One row of the file: the gift it would record."""

    line: int
    reference: str
    donor: str  # the donor's name, as written ("" anonymous)
    cents: int | None = None
    on: date | None = None
    method: str = Method.PLATFORM
    status: str = Status.NEW
    errors: list[RowError] = field(default_factory=list)
    values: DonationValues | None = None

    @property
    def key(self) -> str:
        return self.reference

    @property
    def name(self) -> str:
        """What the preview shows by the reference: the amount, and the donor (treasurers only see it)."""
        return " · ".join(part for part in (money(self.cents) if self.cents else "", self.donor) if part)

    def error(self, column: str, code: str, message: str) -> None:
        self.errors.append(RowError(column, code, message))


class Preview(SheetPreview[Row]):
    statuses: ClassVar[tuple[str, ...]] = (Status.NEW, Status.RECORDED, Status.ERROR)


def column_named(header: str) -> str | None:
    wanted = plain(header)
    for column, names in COLUMNS.items():
        if wanted in {plain(name) for name in names}:
            return column
    return None


def read_sheet(text: str) -> Table:
    """The rows of the file by column (not yet checked); ImportRefused when it cannot be imported at all."""
    sheet = read_group_sheet(text, column_named)
    missing = [column for column in NEEDED if column not in sheet.columns]
    if missing:
        message = _("The first row must name the columns, among them date, amount and reference. Missing: %(names)s.")
        raise ImportRefused(message % {"names": ", ".join(missing)}, code="missing_columns")
    return sheet


def date_in(text: str) -> date | None:
    """A date as platforms write it: 2026-03-31 (maybe with a time after it), 03/31/2026 or 31/03/2026."""
    cell = text.strip()
    if re.match(r"\d{4}-\d{2}-\d{2}", cell):
        try:
            return date.fromisoformat(cell[:10])
        except ValueError:
            return None
    for shape in ("%m/%d/%Y", "%d/%m/%Y", "%m/%d/%y"):
        try:
            return datetime.strptime(cell.split(" ")[0], shape).date()  # noqa: DTZ007  (a date: no zone)
        except ValueError:
            continue
    return None


@dataclass
class Context:
    fund: Fund
    recorded: set[str]  # the fund's references already recorded
    methods: dict[str, str]
    seen: dict[str, int] = field(default_factory=dict)  # reference -> the line that had it first


def check_row(line: int, cells: list[str], sheet: Table, context: Context) -> Row:
    """What one row would record, or why not (by column, in the active language)."""

    def cell(column: str) -> str:
        return (sheet.cell(cells, column) or "").strip()

    reference, name = cell("reference"), cell("name")
    row = Row(line=line, reference=reference[:80], donor=name[:NAME_LENGTH])
    values: dict[str, Any] = {"cents": 0, "on": None, "method": Method.PLATFORM, "donor_name": name}
    values |= {"reference": reference, "note": cell("note")}
    if not reference:
        row.error("reference", "missing_reference", _("Give each gift the platform's reference."))
    elif len(reference) > 80:
        row.error("reference", "too_long", _("Too long: %(count)d characters at most.") % {"count": 80})
    elif reference in context.seen:
        message = _("Line %(line)d has this reference already.") % {"line": context.seen[reference]}
        row.error("reference", "repeated", message)
    else:
        context.seen[reference] = line
    if len(name) > NAME_LENGTH:
        row.error("name", "too_long", _("Too long: %(count)d characters at most.") % {"count": NAME_LENGTH})
    if len(values["note"]) > SHORT_TEXT:
        row.error("note", "too_long", _("Too long: %(count)d characters at most.") % {"count": SHORT_TEXT})
    row.on = values["on"] = date_in(cell("date"))
    if row.on is None:
        row.error("date", "bad_date", _("Write a date such as 2026-03-31 or 03/31/2026."))
    try:
        row.cents = values["cents"] = parse_cents(cell("amount"), "en")
    except ValidationError as error:
        row.error("amount", "bad_amount", " ".join(error.messages))
    if method := cell("method"):
        message = _("Choose cash, check, transfer, platform or other.")
        row.method = values["method"] = one_of(row, "method", method, context.methods, "bad_method", message) or ""
    if reference in context.recorded and not row.errors:
        row.status = Status.RECORDED
        return row
    row.values = checked_values(row, values, DonationValues, lambda made: check_donation(context.fund, made), FIELDS)
    return row


def preview_of(found: FundImport) -> Preview:
    """Each row of a staged import, checked against the fund's gifts as they are now, in the active language."""
    sheet = read_sheet(found.text)
    fund = found.fund
    references = set(Donation.objects.filter(fund=fund).exclude(reference="").values_list("reference", flat=True))
    context = Context(fund, references, choice_names(Method))
    rows = [check_row(line, cells, sheet, context) for line, cells in sheet.rows]
    return Preview(rows, sheet.headers(), sheet.ignored)


def do_stage_import(fund: Fund, data: bytes, name: str, *, by: User) -> FundImport:
    """Keep an uploaded export, encrypted, for the fund's treasurers to preview; ImportRefused (nothing kept)
    when it cannot be read. Audited (ids only)."""
    text = decode_group_sheet(data)
    read_sheet(text)
    with transaction.atomic():
        found = FundImport.objects.create(
            group=fund.group, fund=fund, created_by=by, name=(name or "gifts.csv")[-100:], text=text
        )
        audited(found, by, ROLE, AuditAction.CREATED, fund=str(fund.uuid))
    return found


def do_apply_import(found: FundImport, *, by: User, skip_errors: bool = False) -> dict[str, int]:
    """Record each new row's gift, in one transaction; the counts {"new", "recorded", "skipped"}.

    Claimed under a row lock, its rows checked again. ImportRefused, nothing recorded: `already_applied`;
    `rows_with_errors` unless `skip_errors`; `refused` naming the line when a service refuses a row meanwhile."""

    def run(locked: FundImport) -> dict[str, int]:
        preview = preview_of(locked)
        fund = locked.fund

        def apply_row(row: Row) -> None:
            if row.status == Status.NEW and row.values is not None:
                do_record_donation(fund, row.values, by=by)

        apply_rows(preview.rows, apply_row, skip_errors=skip_errors)
        counts = preview.counts()
        return {"new": counts[Status.NEW], "recorded": counts[Status.RECORDED], "skipped": counts[Status.ERROR]}

    return do_apply_sheet(found, run, by=by, role=ROLE)


def do_discard_import(found: FundImport, *, by: User) -> None:
    """Delete a staged (or applied) import: the file is gone. Audited."""
    do_discard_sheet(found, by=by, role=ROLE)
