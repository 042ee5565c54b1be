"""The directory in and out of a spreadsheet: a working group's keepers import resources from CSV, anyone exports.

Import, in three steps, as the people part's (people.imports) but applied at once:
1. Stage (do_stage_import): the file is read (UTF-8 with or without a BOM, else Windows-1252, what Excel
   saves; comma, semicolon or tab), its header checked and the file kept as text (ResourceImport). A file
   too large, with too many rows or without a `slug` column is refused whole, and nothing is kept.
2. Preview (preview_of): each row, checked by the rules of the keepers' form (directory.services
   check_values, clean_languages, e164, the network's zones), is "new", "changed" (which columns),
   "unchanged", or an error naming the column, in the reader's language. Worked out again each time it is
   shown: the directory may have changed since the upload.
3. Apply (do_apply_import): in one transaction, through directory.services (audited there), the group's
   resources are created or changed by slug; a row's phones replace the resource's. A row whose slug is
   another group's resource is an error. With errors, nothing is imported unless the keeper says to import
   the good rows (`skip_errors`): a careful keeper expects the file they checked to land whole, or to
   decide knowingly which rows stay out; leaving rows out silently would leave the directory half filled.

A column the file lacks is left as it is on an existing resource (a default on a new one); a blank cell
is a value (no, empty, 90 days). Sessions are not in the CSV, nor phone labels (kept when the number
stays). Columns (English headers, any order, case and underscores ignored): see COLUMNS.

Export (export_csv): the same columns plus `group` (who keeps it), so an export imports back unchanged.
Cells a spreadsheet would run as a formula (= + - @, tab, carriage return) get a leading apostrophe
(OWASP), which the importer takes off again; a phones cell that is a plain list of E.164 numbers (which
start with +) is left as it is: nothing in it can be a formula.
"""

import csv
import io
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from solidarity.accounts.models import User, WorkingGroup
from solidarity.core import audit
from solidarity.core.models import AuditAction, Zone
from solidarity.directory.csv_models import ResourceImport
from solidarity.directory.models import NAME_LENGTH, TEXT_LENGTH, Kind, Resource
from solidarity.directory.services import (
    ROLE,
    ResourceValues,
    check_values,
    clean_languages,
    do_add_phone,
    do_remove_phone,
    do_save_resource,
    e164,
    values_of,
)
from solidarity.people.imports import (
    ImportRefused,
    Table,
    choice_names,
    formula_escaped,
    plain,
    read_group_sheet,
    unescape,
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

# column -> the field of ResourceValues it fills ("phones" and "group" are the importer's own).
COLUMNS: dict[str, str] = {
    "slug": "slug",
    "kind": "kind",
    "name_en": "name_en",
    "name_es": "name_es",
    "offers_en": "offers_en",
    "offers_es": "offers_es",
    "free": "is_free",
    "sliding_scale": "is_sliding_scale",
    "no_id_asked": "no_id_asked",
    "walk_in": "is_walk_in",
    "languages": "languages",
    "web_address": "web_address",
    "zones": "zones",
    "hours_en": "hours_en",
    "hours_es": "hours_es",
    "public": "is_public",
    "congregation_agreed": "congregation_agreed",
    "check_every_days": "check_every_days",
    "phones": "phones",
}
EXPORT_COLUMNS = (*COLUMNS, "group")
BOOLEANS = {"free", "sliding_scale", "no_id_asked", "walk_in", "public", "congregation_agreed"}
LENGTHS = {"name_en": NAME_LENGTH, "name_es": NAME_LENGTH, "web_address": 300}
LENGTHS |= dict.fromkeys(("offers_en", "offers_es", "hours_en", "hours_es"), TEXT_LENGTH)
MAX_PHONES = 10
DEFAULT_CHECK_DAYS = 90
PHONE_LIST = re.compile(r"\+\d{6,15}( 24h)?(; \+\d{6,15}( 24h)?)*")
ALL_DAY = re.compile(r"\s*\(?\b24\s*h(ours|oras)?\)?\s*$", re.IGNORECASE)


class Status:
    NEW = "new"
    CHANGED = "changed"
    UNCHANGED = "unchanged"
    ERROR = "error"


@dataclass
class Row:
    """One row of the file: what it would do to the group's resources."""

    line: int  # of the file; the header is line 1
    slug: str
    name: str
    status: str = Status.NEW
    changes: list[str] = field(default_factory=list)  # the columns a "changed" row changes
    errors: list[RowError] = field(default_factory=list)
    values: ResourceValues | None = None
    phones: list[tuple[str, bool]] | None = None  # (E.164, answered 24 hours); None: the file has no phones
    existing: Resource | None = None

    @property
    def key(self) -> str:
        return self.slug

    def error(self, column: str, code: str, message: str) -> None:
        self.errors.append(RowError(column, code, message))


class Preview(SheetPreview[Row]):
    """Each row of a staged import of resources: new, changed, unchanged, or an error."""


# Reading the file.


def column_named(header: str) -> str | None:
    """The column a header names: its English name, or the field it fills, ignoring case, spaces and underscores."""
    wanted = plain(header)
    for column, name in (*COLUMNS.items(), ("group", "group")):
        if wanted in (plain(column), plain(name)):
            return column
    return None


def read_sheet(text: str) -> Table:
    """The rows of the file, by column (not yet checked); ImportRefused when it cannot be imported at all."""
    sheet = read_group_sheet(text, column_named)
    if "slug" not in sheet.columns:
        raise ImportRefused(
            _("The first row must name the columns, one of them slug (each resource's short name)."), code="no_slug"
        )
    return sheet


# Reading a row's cells.


def zone_names() -> dict[str, str]:
    """Every way a file may name a zone (its slug, its English or Spanish name), loosely, -> its slug."""
    found: dict[str, str] = {}
    for zone in Zone.objects.order_by("pk"):
        for name in (zone.slug, zone.name_en, zone.name_es):
            if name:
                found.setdefault(plain(name), zone.slug)
    return found


def zones_in(cell: str, names: dict[str, str]) -> tuple[list[str], list[str]]:
    """(the zones' slugs, what names no zone): items separated by commas or semicolons; an item that names no
    zone whole may be several slugs separated by spaces (as the export writes them)."""
    slugs: list[str] = []
    unknown: list[str] = []
    for item in (part.strip() for part in re.split(r"[,;]", cell)):
        if not item:
            continue
        parts = [item] if plain(item) in names else item.split()
        for part in parts:
            slug = names.get(plain(part))
            if slug is None:
                unknown.append(part[:40])
            elif slug not in slugs:
                slugs.append(slug)
    return slugs, unknown


def phones_in(cell: str) -> tuple[list[tuple[str, bool]], list[str]]:
    """(the numbers in E.164 with their 24-hour flag, what is not a number): separated by semicolons or new
    lines, each maybe followed by "24h" for a line answered 24 hours a day."""
    found: dict[str, bool] = {}
    bad: list[str] = []
    for item in (part.strip() for part in re.split(r"[;\n]", cell)):
        if not item:
            continue
        number = ALL_DAY.sub("", item)
        try:
            normalised = e164(number)
        except ValidationError:
            bad.append(item[:40])
            continue
        found[normalised] = found.get(normalised, False) or number != item
    return list(found.items()), bad


@dataclass
class Context:
    """What checking rows needs, read once per preview."""

    group: WorkingGroup
    resources: dict[str, Resource]  # by slug, every group's (a slug is the network's)
    kinds: dict[str, str]
    zones: dict[str, str]
    seen: dict[str, int] = field(default_factory=dict)  # slug -> the line that had it first


def check_row(line: int, cells: list[str], sheet: Table, context: Context) -> Row:
    """What one row would do, with its errors (by column, in the active language)."""

    def cell(column: str) -> str | None:
        return sheet.cell(cells, column)

    slug = cell("slug") or ""
    names = (cell("name_es"), cell("name_en"))
    names = names if translation.get_language() == "es" else names[::-1]
    row = Row(line=line, slug=slug[:60], name=(names[0] or names[1] or "")[:NAME_LENGTH])
    if not slug:
        row.error("slug", "missing_slug", _("Give each resource a short name."))
    else:
        try:
            validate_slug(slug)
            if len(slug) > 60:
                raise ValidationError("too long")
        except ValidationError:
            row.error("slug", "bad_slug", _("A short name has letters, numbers, - or _ only (60 at most)."))
    existing = context.resources.get(slug)
    if existing is not None and existing.group_id != context.group.pk:
        row.error("slug", "kept_by_another_group", _("Another working group keeps a resource with this short name."))
        existing = None
    if slug in context.seen:
        message = _("Line %(line)d has this short name already.") % {"line": context.seen[slug]}
        row.error("slug", "repeated", message)
    elif slug:
        context.seen[slug] = line
    if (group := cell("group")) and group != context.group.slug:
        row.error("group", "another_group", _("This row is another working group's: import it from its page."))
    row.existing = existing
    current = values_of(existing) if existing is not None else ResourceValues(slug=slug, kind="")
    values: dict[str, Any] = asdict(current) | {"slug": slug}
    for column, name in COLUMNS.items():
        text = cell(column)
        if text is None or column in ("slug", "phones"):
            continue
        read_cell(row, column, name, text, values, context)
    phones = cell("phones")
    if phones is not None:
        row.phones, bad = phones_in(phones)
        if bad:
            message = _("Not a phone number: %(numbers)s. Write it such as +1 919 555 0100.")
            row.error("phones", "bad_phone", message % {"numbers": ", ".join(bad)})
        elif len(row.phones) > MAX_PHONES:
            row.error("phones", "too_many_phones", _("At most %(count)d phone numbers.") % {"count": MAX_PHONES})
    row.values = checked_values(row, values, ResourceValues, check_values, COLUMNS)
    if row.values is None:
        return row
    if existing is None:
        row.status = Status.NEW
    else:
        row.changes = changes(current, row.values, existing, row.phones, sheet)
        row.status = Status.CHANGED if row.changes else Status.UNCHANGED
    return row


def read_cell(row: Row, column: str, name: str, text: str, values: dict[str, Any], context: Context) -> None:
    """Read one cell into `values` (a ResourceValues' fields), or note its error on the row."""
    if column in LENGTHS and len(text) > LENGTHS[column]:
        message = _("Too long: %(count)d characters at most.") % {"count": LENGTHS[column]}
        row.error(column, "too_long", message)
    elif column == "kind":
        message = _("Choose a kind from the list (such as clinic, dental or legal_aid).")
        if kind := one_of(row, column, text, context.kinds, "bad_kind", message):
            values[name] = kind
    elif column in BOOLEANS:
        if (answer := yes_or_no(row, column, text)) is not None:
            values[name] = answer
    elif column == "languages":
        try:
            values[name] = tuple(clean_languages(tuple(re.split(r"[\s,;]+", text))))
        except ValidationError as error:
            row.error(column, "bad_language", " ".join(error.messages))
    elif column == "zones":
        slugs, unknown = zones_in(text, context.zones)
        if unknown:
            message = _("No zone has this name or short name: %(zones)s.") % {"zones": ", ".join(unknown)}
            row.error(column, "unknown_zone", message)
        values[name] = tuple(slugs)
    elif column == "check_every_days":
        try:
            values[name] = int(text) if text else DEFAULT_CHECK_DAYS
        except ValueError:
            row.error(column, "bad_number", _("Write a number of days, between 1 and 730."))
    elif column == "web_address":
        values[name] = text if not text or "://" in text else f"https://{text}"
    else:
        values[name] = text


def same(before: object, after: object) -> bool:
    if isinstance(before, str) and isinstance(after, str):
        return before.strip() == after.strip()
    return before == after


def changes(
    current: ResourceValues,
    wanted: ResourceValues,
    existing: Resource,
    phones: list[tuple[str, bool]] | None,
    sheet: Table,
) -> list[str]:
    """The columns of the file whose values differ from the resource's."""
    found = []
    for column, name in COLUMNS.items():
        if column not in sheet.columns or column in ("slug", "phones"):
            continue
        before, after = getattr(current, name), getattr(wanted, name)
        if name == "zones":
            before, after = sorted(before), sorted(after)
        if not same(before, after):
            found.append(column)
    if phones is not None and dict(phones) != {phone.number: phone.is_24h for phone in existing.phones.all()}:
        found.append("phones")
    return found


def preview_of(found: ResourceImport) -> Preview:
    """Each row of a staged import, checked against the directory as it is now, in the active language."""
    sheet = read_sheet(found.text)
    slugs = [
        unescape(cells[sheet.columns["slug"]]) for _line, cells in sheet.rows if sheet.columns["slug"] < len(cells)
    ]
    resources = Resource.objects.filter(slug__in=slugs).prefetch_related("phones", "zones")
    context = Context(found.group, {item.slug: item for item in resources}, choice_names(Kind), zone_names())
    rows = [check_row(line, cells, sheet, context) for line, cells in sheet.rows]
    return Preview(rows, sheet.headers(), sheet.ignored)


def error_text(error: RowError, preview: Preview) -> str:
    return preview.error_text(error)


# Staging, applying, discarding.


def do_stage_import(group: WorkingGroup, data: bytes, name: str, *, by: User) -> ResourceImport:
    """Keep an uploaded CSV for `group`'s keepers to preview; ImportRefused (nothing kept) when it cannot be read."""
    return do_stage_sheet(ResourceImport, group, data, name or "resources.csv", by=by, role=ROLE, read=read_sheet)


def do_apply_import(found: ResourceImport, *, by: User, skip_errors: bool = False) -> dict[str, int]:
    """Create or change the group's resources as the rows say, in one transaction; the counts.

    The import is claimed under a row lock and its rows checked again against the directory as it is now.
    ImportRefused, with nothing written: `already_applied`; `rows_with_errors` unless `skip_errors`; or
    `refused` naming the line when a service refuses a row meanwhile (another group took its slug).
    """

    def run(locked: ResourceImport) -> dict[str, int]:
        preview = preview_of(locked)
        apply_rows(preview.rows, lambda row: apply_row(row, locked.group, by), skip_errors=skip_errors)
        counts = preview.counts()
        return {
            "new": counts[Status.NEW],
            "changed": counts[Status.CHANGED],
            "unchanged": counts[Status.UNCHANGED],
            "skipped": counts[Status.ERROR],
        }

    return do_apply_sheet(found, run, by=by, role=ROLE)


def apply_row(row: Row, group: WorkingGroup, by: User) -> None:
    """One good row through the services: the resource saved (if a column changed), its phones made the row's."""
    if row.status not in (Status.NEW, Status.CHANGED) or row.values is None:
        return
    resource = row.existing
    if resource is None or set(row.changes) - {"phones"}:
        resource = do_save_resource(group, row.values, by=by, resource=row.existing)
    if row.phones is not None:
        replace_phones(resource, row.phones, by)


def replace_phones(resource: Resource, wanted: list[tuple[str, bool]], by: User) -> None:
    """Make the resource's phones those wanted; a number kept keeps its labels (the CSV has none)."""
    flags = dict(wanted)
    labels: dict[str, tuple[str, str]] = {}
    current = {phone.number: phone for phone in resource.phones.all()}
    for number, phone in current.items():
        if flags.get(number) != phone.is_24h:
            labels[number] = (phone.label_en, phone.label_es)
            do_remove_phone(phone, by=by)
    for number, is_24h in wanted:
        if number not in current or number in labels:
            label_en, label_es = labels.get(number, ("", ""))
            do_add_phone(resource, number, by=by, is_24h=is_24h, label_en=label_en, label_es=label_es)


def do_discard_import(found: ResourceImport, *, by: User) -> None:
    """Delete a staged (or applied) import: the file is gone. Audited."""
    do_discard_sheet(found, by=by, role=ROLE)


# Export.


def escaped(cell: str, column: str) -> str:
    """The cell as a spreadsheet shows it without running it; a plain list of phone numbers is left as it is."""
    if column == "phones" and PHONE_LIST.fullmatch(cell):
        return cell
    return formula_escaped(cell)


def row_of(resource: Resource) -> list[str]:
    phones = sorted(resource.phones.all(), key=lambda phone: phone.created_at)
    cells = {
        "slug": resource.slug,
        "kind": resource.kind,
        "name_en": resource.name_en,
        "name_es": resource.name_es,
        "offers_en": resource.offers_en,
        "offers_es": resource.offers_es,
        "free": yes_no(resource.is_free),
        "sliding_scale": yes_no(resource.is_sliding_scale),
        "no_id_asked": yes_no(resource.no_id_asked),
        "walk_in": yes_no(resource.is_walk_in),
        "languages": " ".join(resource.languages),
        "web_address": resource.web_address,
        "zones": " ".join(sorted(zone.slug for zone in resource.zones.all())),
        "hours_en": resource.hours_en,
        "hours_es": resource.hours_es,
        "public": yes_no(resource.is_public),
        "congregation_agreed": yes_no(resource.congregation_agreed),
        "check_every_days": str(resource.check_every_days),
        "phones": "; ".join(f"{phone.number} 24h" if phone.is_24h else phone.number for phone in phones),
        "group": resource.group.slug,
    }
    return [escaped(cells[column], column) for column in EXPORT_COLUMNS]


def export_csv(resources: QuerySet[Resource], *, by: User | None = None) -> bytes:
    """The resources (already narrowed to what the caller may see) as CSV in UTF-8 with a BOM (Excel reads the
    accents). Public facts; an export with members-only resources is audited (who, how many), never its rows."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    count = members_only = 0
    for resource in resources.select_related("group").prefetch_related("phones", "zones"):
        writer.writerow(row_of(resource))
        count += 1
        members_only += not resource.is_listed_publicly
    if by is not None and members_only:
        audit.record(
            actor=str(by.uuid),
            role="member",
            action=AuditAction.EXPORTED,
            object_type="directory.resource",
            object_ids=[],
            detail={"rows": count, "members_only": members_only},
        )
    return ("\ufeff" + out.getvalue()).encode()


def export_name() -> str:
    return f"resources-{timezone.localdate().isoformat()}.csv"
