"""A group's supplies in and out of a spreadsheet: its keepers import and export items and stock as CSV.

Two sheets, each imported in three steps, as the directory's (directory.csv_io):
1. Stage (do_stage_import): the file is read (people.imports: UTF-8 or Windows-1252, comma, semicolon or
   tab, headers in English or Spanish) and kept as text (SupplyImport). A file too large, too long or
   without its key columns is refused whole, and nothing is kept.
2. Preview (preview_of): each row is checked by the services' own rules (supplies.services check_item,
   check_quantity, check_prescription, par_status) and says what it would do, or its errors by column in
   the reader's language. Worked out again each time: the supplies may have changed since the upload.
3. Apply (do_apply_import): in one transaction, through supplies.services (audited there). With errors,
   nothing is imported unless the keeper says to import the good rows (`skip_errors`).

- items: a row whose code is one of the group's items changes it ("changed" naming the columns, or
  "unchanged"); a new code creates one ("new"); a code another group keeps is an error. A column the file
  lacks is left as it is on an existing item (the form's default on a new one).
- stock: each row receives its quantity into a lot (the item's lot with that number and expiry, or a new
  one) at a location of the group, by do_receive, so the ledger records it ("receive"). A receipt that
  would leave an item far above need is flagged; applying it needs `accept_over_need`, as on the form.

Export: items in the import's columns (an export imports back unchanged); stock on hand per location and
lot (stock_by_lot), nothing about people. Cells that a spreadsheet would run as a formula get a leading
apostrophe, which the importer takes off again.
"""

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from solidarity.accounts.models import User, WorkingGroup
from solidarity.people.imports import (
    ImportRefused,
    Table,
    choice_names,
    formula_escaped,
    plain,
    read_group_sheet,
    yes_no,
)
from solidarity.people.sheets import (
    RowError,
    SheetPreview,
    apply_rows,
    checked_values,
    do_apply_sheet,
    do_discard_sheet,
    do_stage_sheet,
    one_of,
    yes_or_no,
)
from solidarity.supplies.access import item_in
from solidarity.supplies.csv_models import SheetKind, SupplyImport
from solidarity.supplies.models import Category, Item, Location
from solidarity.supplies.services import (
    ItemValues,
    ParState,
    acting_role,
    check_item,
    check_prescription,
    check_quantity,
    do_receive,
    do_save_item,
    item_values_of,
    par_status,
    stock_by_lot,
)

# The items sheet: column -> the ItemValues field it fills, and the other names a header may give it.
ITEM_COLUMNS: dict[str, str] = {
    "code": "code",
    "name_en": "name_en",
    "name_es": "name_es",
    "unit_en": "unit_en",
    "unit_es": "unit_es",
    "category": "category",
    "storage_en": "storage_en",
    "storage_es": "storage_es",
    "prescription": "is_prescription",
    "never_linked": "is_never_linked",
    "request_limit": "request_limit",
    "safety_margin_months": "safety_margin_months",
    "history_months": "history_months",
    "far_above_months": "far_above_months",
}
ITEM_ALIASES: dict[str, tuple[str, ...]] = {
    "code": ("codigo", "clave"),
    "name_en": ("nombre_en", "nombre_ingles", "nombre_en_ingles", "name"),
    "name_es": ("nombre_es", "nombre_espanol", "nombre_en_espanol", "nombre"),
    "unit_en": ("unidad_en", "unidad_ingles", "unidad_en_ingles", "unit"),
    "unit_es": ("unidad_es", "unidad_espanol", "unidad_en_espanol", "unidad"),
    "category": ("categoria",),
    "storage_en": ("almacenamiento_en", "almacenamiento_ingles", "storage"),
    "storage_es": ("almacenamiento_es", "almacenamiento_espanol", "almacenamiento"),
    "prescription": ("receta", "con_receta", "solo_con_receta", "prescription_only"),
    "never_linked": ("nunca_vinculado", "nunca_vinculado_a_una_persona"),
    "request_limit": ("limite", "limite_por_pedido", "limit_per_request"),
    "safety_margin_months": ("margen_de_seguridad", "margen_de_seguridad_meses", "safety_margin"),
    "history_months": ("meses_de_uso", "meses_de_historial", "meses_de_uso_a_promediar"),
    "far_above_months": ("muy_por_encima_meses", "meses_muy_por_encima", "far_above_need_months"),
}
BOOLEANS = {"prescription", "never_linked"}
NUMBERS = {"request_limit", "safety_margin_months", "history_months", "far_above_months"}

# The stock sheet: location, item and quantity are needed; the names are the export's, for people to read.
STOCK_COLUMNS = ("location", "item", "name_en", "name_es", "lot", "expiry", "quantity")
STOCK_ALIASES: dict[str, tuple[str, ...]] = {
    "location": ("location_name", "ubicacion", "lugar", "nombre_de_la_ubicacion"),
    "item": ("item_code", "code", "articulo", "codigo", "codigo_del_articulo"),
    "name_en": ("nombre_en", "nombre_ingles"),
    "name_es": ("nombre_es", "nombre_espanol"),
    "lot": ("lot_number", "lote", "numero_de_lote"),
    "expiry": ("expiry_date", "expires_on", "expires", "vencimiento", "fecha_de_vencimiento", "caducidad"),
    "quantity": ("count", "on_hand", "cantidad", "unidades"),
}
LOT_LENGTH = 40
MAX_NUMBER = 1_000_000
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y")


class Status:
    NEW = "new"
    CHANGED = "changed"
    UNCHANGED = "unchanged"
    RECEIVE = "receive"
    ERROR = "error"


STATUSES = (Status.NEW, Status.CHANGED, Status.UNCHANGED, Status.RECEIVE, Status.ERROR)


@dataclass
class Row:
    """One row of the file: what it would do to the group's supplies."""

    line: int  # of the file; the header is line 1
    code: str  # the item's code
    name: str = ""  # the item's name in the reader's language, or the location's for stock
    status: str = Status.NEW
    changes: list[str] = field(default_factory=list)  # the columns a "changed" row changes
    errors: list[RowError] = field(default_factory=list)
    warning: str = ""  # a receipt that would leave the item far above need
    values: ItemValues | None = None
    existing: Item | None = None
    item: Item | None = None
    location: Location | None = None
    lot_number: str = ""
    expires_on: date | None = None
    quantity: int = 0

    @property
    def key(self) -> str:
        return self.code

    def error(self, column: str, code: str, message: str) -> None:
        self.errors.append(RowError(column, code, message))


@dataclass
class Preview(SheetPreview[Row]):
    sheet: str = SheetKind.ITEMS
    statuses: ClassVar[tuple[str, ...]] = STATUSES

    def warnings(self) -> int:
        return sum(1 for row in self.rows if row.warning and row.status != Status.ERROR)


# Reading the file.


def namer(aliases: dict[str, tuple[str, ...]]) -> Callable[[str], str | None]:
    """The column a header names: its name or one of its aliases, ignoring case, accents, spaces and underscores."""
    names = {plain(alias): column for column, more in aliases.items() for alias in (column, *more)}
    return lambda header: names.get(plain(header))


def read_sheet(text: str, sheet: str) -> Table:
    """The file's rows by column (not yet checked); ImportRefused when it cannot be imported at all."""
    if sheet == SheetKind.ITEMS:
        found = read_group_sheet(text, namer(ITEM_ALIASES))
        if "code" not in found.columns:
            message = _("The first row must name the columns, one of them code (each item's code).")
            raise ImportRefused(message, code="no_code")
    else:
        found = read_group_sheet(text, namer(STOCK_ALIASES))
        if not {"location", "item", "quantity"} <= set(found.columns):
            message = _("The first row must name the columns, among them location, item and quantity.")
            raise ImportRefused(message, code="no_columns")
    return found


def whole_number(text: str) -> int | None:
    """A whole number of at most MAX_NUMBER (a database column holds it), commas allowed; None otherwise."""
    try:
        number = int(text.strip().replace(",", ""))
    except ValueError:
        return None
    return number if abs(number) <= MAX_NUMBER else None


def date_in(text: str) -> date | None:
    """A date written as 2027-03-31 or 31/03/2027 (day first); None when it is neither."""
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(text.strip(), pattern).date()  # noqa: DTZ007  # a calendar date, no time
        except ValueError:
            continue
    return None


def field_length(name: str) -> int | None:
    length = getattr(Item._meta.get_field(name), "max_length", None)
    return int(length) if length else None


# Checking the items sheet.


def check_item_row(
    line: int, cells: list[str], table: Table, group: WorkingGroup, items: dict[str, Item], seen: dict[str, int]
) -> Row:
    """What one row of the items sheet would do, with its errors by column, in the active language."""
    code = (table.cell(cells, "code") or "").strip().upper()
    row = Row(line=line, code=code[:20])
    existing = items.get(code)
    if existing is not None and existing.group_id != group.pk:
        row.error("code", "kept_by_another_group", _("Another working group keeps an item with this code."))
        existing = None
    if code in seen:
        row.error("code", "repeated", _("Line %(line)d has this code already.") % {"line": seen[code]})
    elif code:
        seen[code] = line
    current = item_values_of(existing) if existing is not None else ItemValues(code=code)
    values: dict[str, Any] = {name: getattr(current, name) for name in ITEM_COLUMNS.values()} | {"code": code}
    kinds = choice_names(Category)
    for column, name in ITEM_COLUMNS.items():
        text = table.cell(cells, column)
        if text is not None and column != "code":
            read_item_cell(row, column, name, text.strip(), values, kinds)
    names = (values["name_es"], values["name_en"])
    row.name = (names if translation.get_language() == "es" else names[::-1])[0] or names[0] or names[1]
    row.values = checked_values(row, values, ItemValues, check_item, ITEM_COLUMNS)
    if row.values is None:
        return row
    row.existing = existing
    if existing is None:
        row.status = Status.NEW
    else:
        row.changes = [
            column
            for column, name in ITEM_COLUMNS.items()
            if column in table.columns and getattr(current, name) != getattr(row.values, name)
        ]
        row.status = Status.CHANGED if row.changes else Status.UNCHANGED
    return row


def read_item_cell(row: Row, column: str, name: str, text: str, values: dict[str, Any], kinds: dict[str, str]) -> None:
    """Read one cell into `values` (an ItemValues' fields), or note its error on the row."""
    length = field_length(name) if name not in NUMBERS and column not in BOOLEANS else None
    if length and len(text) > length:
        row.error(column, "too_long", _("Too long: %(count)d characters at most.") % {"count": length})
    elif column == "category":
        message = _("Choose a category from the list (such as medicine or hygiene).")
        if text and (category := one_of(row, column, text, kinds, "bad_category", message)):
            values[name] = category
    elif column in BOOLEANS:
        if (answer := yes_or_no(row, column, text)) is not None:
            values[name] = answer
    elif column in NUMBERS:
        if not text:
            values[name] = None if column == "request_limit" else getattr(ItemValues(code=""), name)
        elif (number := whole_number(text)) is None:
            row.error(column, "bad_number", _("Write a whole number, at most 1,000,000."))
        else:
            values[name] = number
    elif column in ("unit_en", "unit_es") and not text:
        values[name] = getattr(ItemValues(code=""), name)
    else:
        values[name] = text


# Checking the stock sheet.


def check_stock_row(
    line: int,
    cells: list[str],
    table: Table,
    group: WorkingGroup,
    places: dict[str, Location],
    adding: dict[int, int],
) -> Row:
    """What one row of the stock sheet would receive, with its errors by column, in the active language.

    `adding`: units of each item the rows before this one receive (the far-above-need warning counts them)."""
    code = (table.cell(cells, "item") or "").strip().upper()
    place = (table.cell(cells, "location") or "").strip()
    row = Row(line=line, code=code[:20], name=place[:120], status=Status.RECEIVE)
    row.location = places.get(place.casefold())
    if row.location is None:
        row.error("location", "unknown_location", _("The group has no location with this name."))
    try:
        row.item = item_in(group, code)
    except ValidationError as error:
        row.error("item", "unknown_item", " ".join(error.messages))
    row.lot_number = (table.cell(cells, "lot") or "").strip()
    if len(row.lot_number) > LOT_LENGTH:
        row.error("lot", "too_long", _("Too long: %(count)d characters at most.") % {"count": LOT_LENGTH})
    expiry = (table.cell(cells, "expiry") or "").strip()
    row.expires_on = date_in(expiry) if expiry else None
    if expiry and row.expires_on is None:
        row.error("expiry", "bad_date", _("Write the date as 2027-03-31 or 31/03/2027."))
    quantity = whole_number(table.cell(cells, "quantity") or "")
    if quantity is None:
        row.error("quantity", "bad_number", _("Write a whole number, at most 1,000,000."))
    else:
        row.quantity = quantity
        try:
            check_quantity(quantity)
        except ValidationError as error:
            row.error("quantity", "not_positive", " ".join(error.messages))
    if row.item is not None and row.location is not None:
        try:
            check_prescription(row.item, row.location)
        except ValidationError as error:
            row.error("item", "prescription_only", " ".join(error.messages))
    if row.errors or row.item is None:
        row.status = Status.ERROR
        return row
    adding[row.item.pk] = adding.get(row.item.pk, 0) + row.quantity
    status = par_status(row.item, adding=adding[row.item.pk])
    if status.state == ParState.FAR_ABOVE_NEED:
        row.warning = status.advice()
    return row


def preview_of(found: SupplyImport) -> Preview:
    """Each row of a staged import, checked against the group's supplies as they are now, in the active language."""
    table = read_sheet(found.text, found.sheet)
    group = found.group
    if found.sheet == SheetKind.ITEMS:
        codes = [(table.cell(cells, "code") or "").strip().upper() for _line, cells in table.rows]
        items = {item.code: item for item in Item.objects.filter(code__in=codes)}
        seen: dict[str, int] = {}
        rows = [check_item_row(line, cells, table, group, items, seen) for line, cells in table.rows]
    else:
        places: dict[str, Location] = {}
        for place in Location.objects.filter(group=group).order_by("pk"):
            places.setdefault(place.name.strip().casefold(), place)
        adding: dict[int, int] = {}
        rows = [check_stock_row(line, cells, table, group, places, adding) for line, cells in table.rows]
    return Preview(rows, table.headers(), table.ignored, found.sheet)


# Staging, applying, discarding.


def do_stage_import(group: WorkingGroup, sheet: str, data: bytes, name: str, *, by: User) -> SupplyImport:
    """Keep an uploaded CSV of `group`'s items or stock for its keepers to preview; ImportRefused (nothing
    kept) when it cannot be read."""
    if sheet not in SheetKind.values:
        raise ImportRefused(_("Choose the items sheet or the stock sheet."), code="bad_sheet")
    return do_stage_sheet(
        SupplyImport,
        group,
        data,
        name or f"{sheet}.csv",
        by=by,
        role=acting_role(by, group),
        read=lambda text: read_sheet(text, sheet),
        sheet=sheet,
    )


def do_apply_import(
    found: SupplyImport, *, by: User, skip_errors: bool = False, accept_over_need: bool = False
) -> dict[str, int]:
    """Import the rows, in one transaction, through supplies.services; the counts.

    The import is claimed under a row lock and its rows checked again against the supplies as they are now.
    ImportRefused, with nothing written: `already_applied`; `rows_with_errors` unless `skip_errors`;
    `far_above_need` when a receipt would leave an item far above need, unless `accept_over_need`; or
    `refused` naming the line when a service refuses a row meanwhile.
    """

    def run(locked: SupplyImport) -> dict[str, int]:
        preview = preview_of(locked)
        if preview.warnings() and not accept_over_need:
            message = _("Some rows would leave an item far above need: say that you mean to receive them.")
            raise ImportRefused(message, code="far_above_need")
        apply_rows(preview.rows, lambda row: apply_row(row, locked.group, by), skip_errors=skip_errors)
        counts = preview.counts()
        return {
            "new": counts[Status.NEW],
            "changed": counts[Status.CHANGED],
            "unchanged": counts[Status.UNCHANGED],
            "received": counts[Status.RECEIVE],
            "skipped": counts[Status.ERROR],
        }

    return do_apply_sheet(found, run, by=by, role=acting_role(by, found.group))


def apply_row(row: Row, group: WorkingGroup, by: User) -> None:
    """One good row through the services: an item saved, or a lot received (over need accepted by the caller)."""
    if row.status in (Status.NEW, Status.CHANGED) and row.values is not None:
        do_save_item(group, row.values, by=by, item=row.existing)
    elif row.status == Status.RECEIVE and row.item is not None and row.location is not None:
        do_receive(
            row.location,
            row.item,
            row.quantity,
            by=by,
            expires_on=row.expires_on,
            lot_number=row.lot_number,
            accept_over_need=True,
        )


def do_discard_import(found: SupplyImport, *, by: User) -> None:
    """Delete a staged (or applied) import: the file is gone. Audited."""
    do_discard_sheet(found, by=by, role=acting_role(by, found.group))


# Export.


def csv_bytes(header: tuple[str, ...], rows: list[list[str]]) -> bytes:
    """CSV in UTF-8 with a BOM (Excel reads the accents), every cell guarded against formulas."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([formula_escaped(cell) for cell in row] for row in rows)
    return ("\ufeff" + out.getvalue()).encode()


def item_cells(item: Item) -> list[str]:
    values = item_values_of(item)
    cells = []
    for column, name in ITEM_COLUMNS.items():
        value = getattr(values, name)
        cells.append(yes_no(value) if column in BOOLEANS else "" if value is None else str(value))
    return cells


def export_items(group: WorkingGroup) -> bytes:
    """The group's items in the import's columns: an export imports back unchanged."""
    items = Item.objects.filter(group=group).order_by("code")
    return csv_bytes(tuple(ITEM_COLUMNS), [item_cells(item) for item in items])


def export_stock(group: WorkingGroup) -> bytes:
    """What the group has on hand, per location, item and lot (from the ledger), with the item's names."""
    lines = sorted(
        stock_by_lot(group=group), key=lambda line: (line.location.name.casefold(), line.item.code, line.lot.pk)
    )
    rows = [
        [
            line.location.name,
            line.item.code,
            line.item.name_en,
            line.item.name_es,
            line.lot.lot_number,
            line.lot.expires_on.isoformat() if line.lot.expires_on else "",
            str(line.quantity),
        ]
        for line in lines
    ]
    return csv_bytes(STOCK_COLUMNS, rows)


def export_sheet(group: WorkingGroup, sheet: str) -> bytes:
    return export_items(group) if sheet == SheetKind.ITEMS else export_stock(group)


def export_name(group: WorkingGroup, sheet: str) -> str:
    return f"supplies-{sheet}-{group.slug}-{timezone.localdate().isoformat()}.csv"
