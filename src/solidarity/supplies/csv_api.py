"""The supplies' spreadsheets in the JSON API, through the same services as the pages (supplies.csv_io).

A group's keepers upload a CSV (multipart, field `file`, `?sheet=items` or `stock`) to
`/groups/{slug}/supplies/imports`: it is staged and answers each row's outcome; they read it again, apply
it or discard it at `/supplies/imports/{supply_import}`. They read `/groups/{slug}/supplies/items.csv` and
`/groups/{slug}/supplies/stock.csv`: the items in the import's columns, the stock on hand per location and lot.
"""

from datetime import date
from typing import Any, Literal
from uuid import UUID

from django.http import HttpRequest, HttpResponse
from ninja import Field, File, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import StrictBool

from solidarity.accounts.access import signed_in
from solidarity.core.api import ErrorOut, api_permission
from solidarity.core.downloads import CSV, file_response
from solidarity.core.permissions import owner_role, role
from solidarity.people.sheets import refusals_as_conflict, staged_from_api
from solidarity.supplies.access import KEEPERS, access_supplies_group, access_supply_import_scoped, kept
from solidarity.supplies.csv_io import (
    Preview,
    Row,
    do_apply_import,
    do_discard_import,
    do_stage_import,
    export_name,
    export_sheet,
    preview_of,
)
from solidarity.supplies.csv_models import SheetKind, SupplyImport, SupplyImportState

router = Router(tags=["supplies"])

GROUP_KEEPER = role(*KEEPERS, kwarg="slug")
IMPORT_KEEPER = owner_role(*KEEPERS, access=access_supply_import_scoped, kwarg="supply_import")
CSV_ANSWER = {
    200: {
        "description": "CSV in UTF-8 with a byte-order mark; cells that start like a formula begin with '.",
        "content": {"text/csv": {"schema": {"type": "string"}}},
    }
}
APPLY_REFUSED = {
    "responses": {
        409: {
            "description": "Not applied, nothing written: `already_applied`; `rows_with_errors` (fix them, or apply "
            "with skip_errors); `far_above_need` (apply with accept_over_need); `refused` when a service refused a "
            "row meanwhile."
        }
    }
}


class SupplyImportErrorOut(Schema):
    column: str = Field(description="The column (code, category, location, expiry, quantity, ...), or empty.")
    code: str = Field(
        description="Stable: bad_yes_no, bad_number, bad_category, kept_by_another_group, repeated, invalid, "
        "unknown_location, unknown_item, bad_date, not_positive, prescription_only, too_long."
    )
    message: str = Field(description="In the caller's language, naming the column as the file names it.")


class SupplyImportRowOut(Schema):
    line: int = Field(description="The line of the file; the header is line 1.")
    code: str = Field(description="The item's code.")
    status: Literal["new", "changed", "unchanged", "receive", "error"]
    changes: list[str] = Field(description="For a changed item: the columns that change.")
    location: str | None = Field(description="For stock: the location's name.")
    lot_number: str | None = Field(description="For stock: the lot number (may be empty).")
    expires_on: date | None = Field(description="For stock: the expiry date, if any.")
    quantity: int | None = Field(description="For stock: the units received.")
    warning: str = Field(description="For stock: the receipt leaves the item far above need (in your language).")
    errors: list[SupplyImportErrorOut]


class SupplyImportOut(Schema):
    id: UUID
    group: str = Field(description="The slug of the working group whose supplies it changes.")
    sheet: Literal["items", "stock"]
    state: Literal["staged", "applied"]
    new: int
    changed: int
    unchanged: int
    received: int = Field(description="Stock rows: lots received (or to receive).")
    errors: int = Field(description="Rows with errors (left out if applied with skip_errors).")
    warnings: int = Field(description="Stock rows that leave an item far above need (apply with accept_over_need).")
    ignored_columns: list[str] = Field(description="Headers of columns nothing reads.")
    rows: list[SupplyImportRowOut] = Field(description="Each row, as it would be imported now; empty once applied.")


class SupplyImportApplyIn(Schema):
    skip_errors: StrictBool = Field(False, description="Import the good rows and leave the rows with errors out.")
    accept_over_need: StrictBool = Field(False, description="Receive stock even where it leaves an item above need.")


def import_out(found: SupplyImport) -> SupplyImportOut:
    fields: dict[str, Any] = {"id": found.uuid, "group": found.group.slug, "sheet": found.sheet, "state": found.state}
    if found.state == SupplyImportState.APPLIED:
        done = found.result
        counts = {"received": done["received"], "errors": done["skipped"], "warnings": 0}
        fields |= {name: done[name] for name in ("new", "changed", "unchanged")} | counts
        return SupplyImportOut(**fields, ignored_columns=[], rows=[])
    preview = preview_of(found)
    done = preview.counts()
    counts = {"received": done["receive"], "errors": done["error"], "warnings": preview.warnings()}
    fields |= {name: done[name] for name in ("new", "changed", "unchanged")} | counts
    stock = found.sheet == SheetKind.STOCK
    rows = [row_out(row, preview, stock) for row in preview.rows]
    return SupplyImportOut(**fields, ignored_columns=preview.ignored, rows=rows)


def row_out(row: Row, preview: Preview, stock: bool) -> SupplyImportRowOut:
    return SupplyImportRowOut(
        line=row.line,
        code=row.code,
        status=row.status,  # type: ignore[arg-type]  # a csv_io.Status value
        changes=row.changes,
        location=row.name if stock else None,
        lot_number=row.lot_number if stock else None,
        expires_on=row.expires_on,
        quantity=row.quantity if stock else None,
        warning=row.warning,
        errors=[
            SupplyImportErrorOut(column=error.column, code=error.code, message=preview.error_text(error))
            for error in row.errors
        ],
    )


@router.post(
    "/groups/{slug}/supplies/imports",
    response={201: SupplyImportOut, 400: ErrorOut},
    summary="Upload a CSV of a group's supply items or stock: a preview, nothing imported yet",
)
@api_permission(GROUP_KEEPER)
def create_supply_import(
    request: HttpRequest, slug: str, sheet: Literal["items", "stock"], file: File[UploadedFile]
) -> Status[SupplyImportOut]:
    """Multipart, field `file`: up to 1 MB and 1,000 rows; `sheet` says which. Items need a `code` column;
    stock needs `location`, `item` and `quantity`. Each row comes back with what it would do; a file that
    cannot be read at all is refused (422 on `file`) and nothing is kept."""
    user = signed_in(request)
    group = access_supplies_group(user, slug, keeper=True)
    found = staged_from_api(file, lambda data, name: do_stage_import(group, sheet, data, name, by=user))
    return Status(201, import_out(found))


@router.get("/supplies/imports/{supply_import}", response=SupplyImportOut, summary="A staged import of supplies")
@api_permission(IMPORT_KEEPER)
def read_supply_import(request: HttpRequest, supply_import: UUID) -> SupplyImportOut:
    """Each row checked again against the group's supplies as they are now, in the caller's language."""
    return import_out(kept(access_supply_import_scoped(signed_in(request), supply_import)))


@router.post(
    "/supplies/imports/{supply_import}/apply",
    response={200: SupplyImportOut, 409: ErrorOut},
    summary="Import a staged CSV of supplies, in one transaction",
    openapi_extra=APPLY_REFUSED,
)
@api_permission(IMPORT_KEEPER)
def apply_supply_import(request: HttpRequest, supply_import: UUID, payload: SupplyImportApplyIn) -> SupplyImportOut:
    user = signed_in(request)
    found = kept(access_supply_import_scoped(user, supply_import))
    with refusals_as_conflict():
        do_apply_import(found, by=user, skip_errors=payload.skip_errors, accept_over_need=payload.accept_over_need)
    return import_out(found)


@router.delete("/supplies/imports/{supply_import}", response={204: None}, summary="Discard a staged import of supplies")
@api_permission(IMPORT_KEEPER)
def discard_supply_import(request: HttpRequest, supply_import: UUID) -> Status[None]:
    user = signed_in(request)
    do_discard_import(kept(access_supply_import_scoped(user, supply_import)), by=user)
    return Status(204, None)


@router.get(
    "/groups/{slug}/supplies/{supplies_sheet}.csv",
    response={200: None},
    summary="A group's supply items, or its stock on hand, as CSV",
    openapi_extra={"responses": CSV_ANSWER},
)
@api_permission(GROUP_KEEPER)
def export_supplies(request: HttpRequest, slug: str, supplies_sheet: Literal["items", "stock"]) -> HttpResponse:
    """`items.csv`: the items import's columns (a file goes out and comes back in unchanged). `stock.csv`: per
    location, item and lot: location, item (its code), name_en, name_es, lot, expiry, quantity on hand."""
    group = access_supplies_group(signed_in(request), slug, keeper=True)
    content = export_sheet(group, supplies_sheet)
    return file_response(content, CSV, export_name(group, supplies_sheet), attachment=True)
