"""People in from a spreadsheet: read a CSV, preview each row, then import the good ones as a job.

1. Read (read_sheet): the bytes as UTF-8 (with or without a BOM), UTF-16 with a BOM, or Windows-1252
   (what Excel saves); the delimiter sniffed among `,` `;` and tab; headers in English or Spanish, in
   any order (HEADERS). A column nothing reads (notes, addresses) is ignored, and the page says so:
   it is never stored. A cell the exporter escaped (a leading apostrophe before = + - @) is read back.
2. Preview (do_preview_import): each row is checked as do_create_person would check it, and looked up
   against the roster's blind indexes by phone and email: new, a duplicate of someone on the roster,
   a repeat of an earlier row of the file, or broken (with the reasons, by column). Nothing is written
   but the import itself: the file, encrypted (core.files), and per row its status and error codes.
3. Run (do_start_import, then the job run_import -> do_run_import): each row again, in order, through
   people.services: new people created, duplicates skipped or (if asked) given what they lack, broken
   rows listed. Progress goes out on the live channel `people-import:<uuid>` (ids only). Afterwards the
   file holds the broken rows alone, to fix and upload again; the import goes after two days (retention).

Audit: one entry for the preview, one for the run (counts), and each person's own entries from the
services. Never a name, a phone or an email in the audit, the rows' JSON, a log or a live event.
"""

import csv
import io
import re
import time
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypedDict
from uuid import UUID

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.http import Http404
from django.tasks import task
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from solidarity.accounts.models import User
from solidarity.core import audit, live
from solidarity.core.fields import BlindIndexField
from solidarity.core.models import AuditAction, Zone
from solidarity.core.permissions import AnyUser
from solidarity.people.access import ROSTER_KEEPER, keeps_roster
from solidarity.people.models import (
    CONSENTS,
    DISPLAY_NAME_LENGTH,
    MAX_IMPORT_BYTES,
    MAX_IMPORT_ROWS,
    Certification,
    Contact,
    ContactKind,
    ImportState,
    Language,
    Person,
    PersonImport,
    PersonState,
    Skill,
)
from solidarity.people.services import (
    MAX_CONTACTS,
    PersonValues,
    actor_of,
    check_still_here,
    clean_contact,
    do_create_person,
    do_mark_vetted_by_import,
    do_set_zones,
    grant,
    local_midnight,
    local_today,
)

FIELDS = ("display_name", "phone", "email", "language", "zones", "skills")
# Headers as people write them, compared without case, accents, spaces, dashes or underscores.
HEADERS = {
    "display_name": ("displayname", "name", "pseudonym", "nombre", "nombreparamostrar", "seudonimo", "alias"),
    "phone": ("phone", "phones", "phonenumber", "mobile", "cell", "telefono", "telefonos", "celular", "movil"),
    "email": ("email", "emails", "mail", "emailaddress", "correo", "correos", "correoelectronico"),
    "language": ("language", "preferredlanguage", "idioma", "lengua"),
    "zones": ("zones", "zone", "zonas", "zona"),
    "skills": ("skills", "skill", "habilidades", "habilidad"),
}
LANGUAGES = {
    "en": Language.EN,
    "english": Language.EN,
    "ingles": Language.EN,
    "es": Language.ES,
    "spanish": Language.ES,
    "espanol": Language.ES,
    "castellano": Language.ES,
}
SPLIT = re.compile(r"[;,\n]")
ESCAPED = re.compile(r"^'(?=[=+\-@\t\r])")  # the exporter's guard against formulas (people.exports)
CHANNEL = "people-import"
PROGRESS_EVERY = 0.5  # seconds between live events while an import runs
CHUNK = 500
PHONE, EMAIL = ContactKind.PHONE.value, ContactKind.EMAIL.value


class RowStatus:
    NEW = "new"
    DUPLICATE = "duplicate"  # of someone on the roster (by phone or email)
    REPEAT = "repeat"  # of an earlier row of the same file
    ERROR = "error"


class RowResult:
    CREATED = "created"
    UPDATED = "updated"
    SKIPPED = "skipped"
    FAILED = "failed"


# What each error code says, in the reader's language (the column is named beside it).
MESSAGES = {
    "missing_name": gettext_lazy("Give a display name or a pseudonym."),
    "name_too_long": gettext_lazy("The name is too long (80 characters at most)."),
    "bad_phone": gettext_lazy("This is not a phone number."),
    "bad_email": gettext_lazy("This is not an email address."),
    "too_many_contacts": gettext_lazy("Too many phones and emails (10 at most)."),
    "bad_language": gettext_lazy("Write en or es (English or Spanish)."),
    "unknown_zone": gettext_lazy("No zone has this name or short name."),
    "unknown_skill": gettext_lazy("No skill has this short name."),
    "bad_date": gettext_lazy("Write the date a skill was granted as YYYY-MM-DD, after its short name and a colon."),
    "future_date": gettext_lazy("A skill's date cannot be in the future."),
    "extra_cells": gettext_lazy("This row has more cells than the header has columns (a comma in a name?)."),
    "left": gettext_lazy("The person on the roster with this phone or email has left the network."),
    "refused": gettext_lazy("The roster refused this row."),
}


class RowError(TypedDict):
    column: str  # a field of FIELDS, or "" for the whole row
    code: str  # a key of MESSAGES


class ImportRefused(ValidationError):
    """The file as a whole cannot be imported (too large, unreadable, no name column): nothing was kept."""


@dataclass
class Row:
    """One row of the sheet as read: its cells by field, what they mean, and what is wrong with them."""

    line: int  # the line of the file (the header is line 1)
    cells: list[str]
    values: dict[str, str]
    display_name: str = ""
    language: str = Language.EN
    phones: list[str] = field(default_factory=list)  # normalised (E.164)
    emails: list[str] = field(default_factory=list)
    zones: list[str] = field(default_factory=list)  # slugs
    skills: list[tuple[str, date | None]] = field(default_factory=list)  # (slug, granted on)
    errors: list[RowError] = field(default_factory=list)

    def error(self, column: str, code: str) -> None:
        if {"column": column, "code": code} not in self.errors:
            self.errors.append({"column": column, "code": code})

    @property
    def contacts(self) -> list[tuple[str, str]]:
        return [(PHONE, p) for p in self.phones] + [(EMAIL, e) for e in self.emails]


@dataclass
class Sheet:
    header: list[str]
    columns: dict[str, int]  # field -> index of its column
    ignored: list[str]
    delimiter: str
    rows: list[Row]


def plain(text: str) -> str:
    """A header or a word compared loosely: no case, accents, spaces, dashes or underscores."""
    folded = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(ch for ch in folded if ch.isalnum() and not unicodedata.combining(ch))


def decode(data: bytes) -> str:
    """The file's text: UTF-16 with a BOM, else UTF-8 (a BOM dropped), else Windows-1252 (what Excel saves)."""
    unreadable = _("This file could not be read as text. Save it as CSV and try again.")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise ImportRefused(unreadable, code="unreadable") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    if "\x00" in text:
        raise ImportRefused(unreadable, code="unreadable")
    return text


def sniff(text: str) -> str:
    first = text.split("\n", 1)[0]
    try:
        return csv.Sniffer().sniff(first, delimiters=",;\t").delimiter
    except csv.Error:
        counts = {delimiter: first.count(delimiter) for delimiter in ",;\t"}
        return max(counts, key=lambda delimiter: counts[delimiter]) if any(counts.values()) else ","


def unescape(cell: str) -> str:
    return ESCAPED.sub("", cell.strip())


def read_table(text: str, delimiter: str) -> list[list[str]]:
    """The file's rows of cells, blank rows left out; ImportRefused when it is not CSV or is empty."""
    try:
        table = [
            row for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter) if any(c.strip() for c in row)
        ]
    except csv.Error:
        message = _("This file could not be read as CSV. Save it as CSV and try again.")
        raise ImportRefused(message, code="unreadable") from None
    if not table:
        raise ImportRefused(_("The file is empty."), code="empty")
    return table


# A working group's spreadsheet (the directory's resources, the supplies' items and stock): smaller than the
# roster's, read the same way, its columns named loosely, applied at once after a preview.
GROUP_SHEET_BYTES = 1024 * 1024
GROUP_SHEET_ROWS = 1000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
YES = {"yes", "y", "si", "s", "true", "t", "1", "x", "verdadero", "v"}
NO = {"no", "n", "false", "f", "0", "", "falso"}


@dataclass
class Table:
    """A group's spreadsheet read (not yet checked): its header, the columns it has, and its rows."""

    header: list[str]
    columns: dict[str, int]  # column -> its index
    ignored: list[str]  # headers nothing reads
    rows: list[tuple[int, list[str]]]  # (line of the file, cells); the header is line 1

    def cell(self, cells: list[str], column: str) -> str | None:
        """A row's cell as written (without the export's guard against formulas); None: the file lacks the column."""
        index = self.columns.get(column)
        if index is None:
            return None
        return unescape(cells[index]) if index < len(cells) else ""

    def headers(self) -> dict[str, str]:
        """column -> the header as the file writes it."""
        return {column: self.header[index] for column, index in self.columns.items()}


def too_large() -> ImportRefused:
    return ImportRefused(_("The file is too large: 1 MB at most. Split it in parts and import each."), code="too_large")


def decode_group_sheet(data: bytes) -> str:
    if len(data) > GROUP_SHEET_BYTES:
        raise too_large()
    return decode(data)


def read_group_sheet(text: str, column_named: Callable[[str], str | None]) -> Table:
    """A group's spreadsheet by column (`column_named`: the column a header names, or None); ImportRefused
    when it cannot be read or is too long. The caller checks that the columns it needs are there."""
    table = read_table(text, sniff(text))
    header = [cell.strip() for cell in table[0]]
    columns: dict[str, int] = {}
    ignored: list[str] = []
    for index, name in enumerate(header):
        column = column_named(name)
        if column is None or column in columns:
            if name:
                ignored.append(name[:60])
        else:
            columns[column] = index
    if len(table) - 1 > GROUP_SHEET_ROWS:
        message = _("The file has too many rows: %(count)d at most. Split it in parts.")
        raise ImportRefused(message % {"count": GROUP_SHEET_ROWS}, code="too_many_rows")
    return Table(header, columns, ignored, list(enumerate(table[1:], start=2)))


def choice_names(choices: type[models.TextChoices]) -> dict[str, str]:
    """Every way a file may write one of `choices` (its code, its English or Spanish label), loosely, -> its code."""
    found: dict[str, str] = {}
    for code, label in choices.choices:
        found[plain(code)] = code
        for language in ("en", "es"):
            with translation.override(language):
                found.setdefault(plain(str(label)), code)
    return found


def formula_escaped(cell: str) -> str:
    """The cell as a spreadsheet shows it without running it (OWASP's CSV injection advice); `unescape` undoes it."""
    return f"'{cell}" if cell.startswith(FORMULA_STARTS) else cell


def yes_no(value: bool) -> str:
    return "yes" if value else "no"


def read_sheet(data: bytes) -> Sheet:
    """The file's rows, cells by field (not yet checked). ImportRefused when it cannot be imported at all."""
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportRefused(_("The file is too large: 2 MB at most. Split it in parts and import each."))
    text = decode(data)
    delimiter = sniff(text)
    table = read_table(text, delimiter)
    header = [cell.strip() for cell in table[0]]
    columns: dict[str, int] = {}
    ignored: list[str] = []
    for index, name in enumerate(header):
        wanted = next((key for key, names in HEADERS.items() if plain(name) in names), None)
        if wanted is None or wanted in columns:
            if name:
                ignored.append(name[:60])
        else:
            columns[wanted] = index
    if "display_name" not in columns:
        raise ImportRefused(
            _("The first row must name the columns, one of them display_name (or nombre) for each person's name.")
        )
    if len(table) - 1 > MAX_IMPORT_ROWS:
        raise ImportRefused(
            _("The file has too many rows: %(count)d people at most. Split it in parts.") % {"count": MAX_IMPORT_ROWS}
        )
    rows = []
    for number, cells in enumerate(table[1:], start=2):
        values = {name: unescape(cells[index]) if index < len(cells) else "" for name, index in columns.items()}
        row = Row(line=number, cells=cells, values=values)
        if len(cells) > len(header) and any(cell.strip() for cell in cells[len(header) :]):
            row.error("", "extra_cells")
        rows.append(row)
    return Sheet(header=header, columns=columns, ignored=ignored, delimiter=delimiter, rows=rows)


@dataclass
class Catalogue:
    """The network's zones and skills, by every name a sheet may use for them."""

    zones: dict[str, str]
    skills: dict[str, str]

    @classmethod
    def load(cls) -> "Catalogue":
        zones: dict[str, str] = {}
        for zone in Zone.objects.order_by("pk"):
            for name in (zone.name_es, zone.name_en, zone.slug):
                if name:
                    zones[plain(name)] = zone.slug
        skills: dict[str, str] = {}
        for skill in Skill.objects.order_by("pk"):
            for name in (skill.name_es, skill.name_en, skill.slug):
                if name:
                    skills[plain(name)] = skill.slug
        return cls(zones, skills)


def items(cell: str) -> list[str]:
    return [part.strip() for part in SPLIT.split(cell) if part.strip()]


def check_row(row: Row, catalogue: Catalogue) -> None:
    """Fill the row's meaning from its cells, and its errors (as do_create_person would refuse it)."""
    name = " ".join(row.values.get("display_name", "").split())
    if not name:
        row.error("display_name", "missing_name")
    elif len(name) > DISPLAY_NAME_LENGTH:
        row.error("display_name", "name_too_long")
    row.display_name = name
    for column, kind, code, into in (
        ("phone", ContactKind.PHONE, "bad_phone", row.phones),
        ("email", ContactKind.EMAIL, "bad_email", row.emails),
    ):
        for value in items(row.values.get(column, "")):
            try:
                cleaned = clean_contact(kind, value)
            except ValidationError:
                row.error(column, code)
            else:
                if cleaned not in into:
                    into.append(cleaned)
    if len(row.phones) + len(row.emails) > MAX_CONTACTS:
        row.error("phone", "too_many_contacts")
    language = plain(row.values.get("language", ""))
    if language:
        if language in LANGUAGES:
            row.language = LANGUAGES[language]
        else:
            row.error("language", "bad_language")
    for value in items(row.values.get("zones", "")):
        slug = catalogue.zones.get(plain(value))
        if slug is None:
            row.error("zones", "unknown_zone")
        elif slug not in row.zones:
            row.zones.append(slug)
    for value in items(row.values.get("skills", "")):
        check_skill(row, value, catalogue)


def check_skill(row: Row, value: str, catalogue: Catalogue) -> None:
    """A skill written `slug` or `slug:YYYY-MM-DD` (the day it was granted)."""
    name, _colon, when = value.partition(":")
    slug = catalogue.skills.get(plain(name))
    granted: date | None = None
    if when.strip():
        try:
            granted = date.fromisoformat(when.strip())
        except ValueError:
            row.error("skills", "bad_date")
            return
        if granted > local_today():
            row.error("skills", "future_date")
            return
    if slug is None:
        row.error("skills", "unknown_skill")
    elif slug not in [known for known, _when in row.skills]:
        row.skills.append((slug, granted))


def people_by_contacts(contacts: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Person]:
    """{(kind, normalised value): the person holding it} for these contacts, through the blind index in a few
    queries. People who left have no contacts (leaving erases them)."""
    index = Contact._meta.get_field("value_index")
    assert isinstance(index, BlindIndexField)  # noqa: S101  (a declaration error, caught in tests)
    wanted = set(contacts)
    candidates = sorted({candidate for _kind, value in wanted for candidate in index.candidates(value)})
    found: dict[tuple[str, str], Person] = {}
    for start in range(0, len(candidates), CHUNK):
        rows = Contact.objects.filter(value_index__in=candidates[start : start + CHUNK]).select_related("person")
        for contact in rows:
            key = (contact.kind, index.normalise(str(contact.value)))
            if key in wanted and contact.person.state != PersonState.LEFT:
                found.setdefault(key, contact.person)
    return found


def classify(rows: list[Row]) -> list[dict[str, Any]]:
    """Each row's status for the preview: errors first, then the roster, then the rows above it."""
    on_roster = people_by_contacts(contact for row in rows if not row.errors for contact in row.contacts)
    first_line: dict[tuple[str, str], int] = {}
    statuses: list[dict[str, Any]] = []
    for row in rows:
        status: dict[str, Any] = {"line": row.line, "status": RowStatus.NEW, "errors": list(row.errors)}
        if row.errors:
            status["status"] = RowStatus.ERROR
        elif person := next((on_roster[c] for c in row.contacts if c in on_roster), None):
            status.update(status=RowStatus.DUPLICATE, person=str(person.uuid))
        elif line := next((first_line[c] for c in row.contacts if c in first_line), None):
            status.update(status=RowStatus.REPEAT, of_line=line)
        if not row.errors:
            for contact in row.contacts:
                first_line.setdefault(contact, row.line)
        statuses.append(status)
    return statuses


def read_rows(data: bytes) -> Sheet:
    """The sheet with every row checked against the network's zones and skills."""
    sheet = read_sheet(data)
    catalogue = Catalogue.load()
    for row in sheet.rows:
        check_row(row, catalogue)
    return sheet


def counts(statuses: list[dict[str, Any]]) -> dict[str, int]:
    found = {RowStatus.NEW: 0, RowStatus.DUPLICATE: 0, RowStatus.REPEAT: 0, RowStatus.ERROR: 0}
    for status in statuses:
        found[status["status"]] += 1
    return found


def do_preview_import(data: bytes, name: str, *, by: User, role: str = "") -> PersonImport:
    """Read an uploaded sheet and keep it, encrypted, with each row's status: nothing else is written.

    ImportRefused (a ValidationError, in the caller's language) when the file as a whole cannot be
    imported; then nothing is kept.
    """
    sheet = read_rows(data)
    statuses = classify(sheet.rows)
    with transaction.atomic():
        found = PersonImport(
            created_by=by,
            columns={key: sheet.header[index][:60] for key, index in sheet.columns.items()},
            ignored_columns=sheet.ignored,
            rows=statuses,
            total=len(statuses),
        )
        found.file = ContentFile(data, name=(name or "people.csv")[-100:])
        found.save()
        audit.record(
            actor=actor_of(by),
            role=role,
            action=AuditAction.CREATED,
            object_type="people.personimport",
            object_ids=[found.uuid],
            detail={"rows": len(statuses), **counts(statuses)},
        )
    return found


def do_start_import(
    found: PersonImport, *, update_existing: bool, by: User, role: str = "", consent: Iterable[str] = ()
) -> bool:
    """Confirm a previewed import: it runs as a job (run_import). False when it was already confirmed.

    `consent`: what the people it adds agreed to be contacted about (some of CONSENTS), as the roster
    keeper confirms it for the whole file; people already on the roster keep what they agreed to.
    """
    agreed = [what for what in CONSENTS if what in set(consent)]
    with transaction.atomic():
        changed = PersonImport.objects.filter(pk=found.pk, state=ImportState.PREVIEW).update(
            state=ImportState.QUEUED, update_existing=update_existing, consent=agreed
        )
        if not changed:
            return False
        audit.record(
            actor=actor_of(by),
            role=role,
            action=AuditAction.CHANGED,
            object_type="people.personimport",
            object_ids=[found.uuid],
            detail={"state": ImportState.QUEUED, "update_existing": update_existing, "consent": agreed},
        )
        import_id = str(found.uuid)
        transaction.on_commit(lambda: run_import.enqueue(import_id))
    found.refresh_from_db()
    return True


@task()
def run_import(import_id: str) -> None:
    """Run a confirmed import (do_run_import). Idempotent: only a queued import is claimed, once."""
    do_run_import(UUID(import_id))


def do_run_import(import_id: UUID) -> bool:  # wired: the job run_import, enqueued by do_start_import
    """Import the rows of a queued import, in order; False when it was not queued (claimed already).

    Claimed by a conditional update (queued -> running). Each row is its own transaction through
    people.services, so a broken row loses nothing else. Rows are checked again against the roster as
    it is now: a later row with the phone of a person an earlier row created is that person's duplicate.
    """
    if not PersonImport.objects.filter(uuid=import_id, state=ImportState.QUEUED).update(
        state=ImportState.RUNNING, started_at=timezone.now()
    ):
        return False
    found = PersonImport.objects.select_related("created_by").get(uuid=import_id)
    by = found.created_by
    role = str(ROSTER_KEEPER)  # only roster keepers confirm imports (people.access)
    language = (by.language if by is not None else "") or "en"
    sheet = read_rows(found.file.read_plain())
    results: list[dict[str, Any]] = []
    tally = {RowResult.CREATED: 0, RowResult.UPDATED: 0, RowResult.SKIPPED: 0, RowResult.FAILED: 0}
    imported: list[str] = []
    last = time.monotonic()
    channel = f"{CHANNEL}:{found.uuid}"
    with translation.override(language):
        for done, row in enumerate(sheet.rows, start=1):
            result = import_row(row, found.update_existing, by=by, role=role, consent=found.consent)
            tally[result["result"]] += 1
            if result["result"] == RowResult.CREATED:
                imported.append(result["person"])
            results.append(result)
            if time.monotonic() - last >= PROGRESS_EVERY:
                last = time.monotonic()
                PersonImport.objects.filter(pk=found.pk).update(done=done)
                live.publish(channel, "progress", {"import": str(found.uuid)})
    broken = [row for row, result in zip(sheet.rows, results, strict=True) if result["result"] == RowResult.FAILED]
    with transaction.atomic():
        locked = PersonImport.objects.select_for_update().get(pk=found.pk)
        locked.file = ContentFile(broken_csv(sheet, broken), name="broken-rows.csv") if broken else None
        locked.rows, locked.imported, locked.done = results, imported, len(results)
        locked.created_count, locked.updated_count = tally[RowResult.CREATED], tally[RowResult.UPDATED]
        locked.skipped_count, locked.failed_count = tally[RowResult.SKIPPED], tally[RowResult.FAILED]
        locked.state, locked.finished_at = ImportState.DONE, timezone.now()
        locked.save()
        audit.record(
            actor=actor_of(by),
            role=role,
            action=AuditAction.CREATED,
            object_type="people.personimport",
            object_ids=[found.uuid],
            detail={"state": ImportState.DONE, "rows": len(results), **tally},
        )
        live.publish(channel, "settled", {"import": str(found.uuid)})
    return True


def import_row(
    row: Row, update_existing: bool, *, by: User | None, role: str, consent: Iterable[str] = ()
) -> dict[str, Any]:
    """One row through the services: what became of it ({"line", "result", "errors", "person"})."""
    result: dict[str, Any] = {"line": row.line, "errors": list(row.errors)}
    if row.errors:
        return {**result, "status": RowStatus.ERROR, "result": RowResult.FAILED}
    on_roster = people_by_contacts(row.contacts)
    existing = next((on_roster[c] for c in row.contacts if c in on_roster), None)
    try:
        if existing is None:
            person = create_from_row(row, by=by, role=role, consent=consent)
            return {**result, "status": RowStatus.NEW, "result": RowResult.CREATED, "person": str(person.uuid)}
        result.update(status=RowStatus.DUPLICATE, person=str(existing.uuid))
        if update_existing and add_from_row(existing, row, on_roster, by=by, role=role):
            return {**result, "result": RowResult.UPDATED}
        return {**result, "result": RowResult.SKIPPED}
    except ValidationError as error:
        column = next(iter(error.message_dict), "") if hasattr(error, "error_dict") else ""
        column = {"phones": "phone", "emails": "email"}.get(column, column)
        return {**result, "status": RowStatus.ERROR, "result": RowResult.FAILED, "errors": [refusal(column)]}


def refusal(column: str) -> RowError:
    return {"column": column if column in FIELDS else "", "code": "refused"}


def create_from_row(row: Row, *, by: User | None, role: str, consent: Iterable[str] = ()) -> Person:
    """A new person from a checked row; skills with a date are granted from that date (one audit entry each)."""
    agreed = set(consent)
    undated = tuple(slug for slug, when in row.skills if when is None)
    values = PersonValues(
        display_name=row.display_name,
        language=row.language,
        phones=tuple(row.phones),
        emails=tuple(row.emails),
        zones=tuple(row.zones),
        skills=undated,
        consent_alerts="alerts" in agreed,
        consent_trainings="trainings" in agreed,
        consent_announcements="announcements" in agreed,
    )
    with transaction.atomic():
        person = do_create_person(values, by=by, role=role, source="import")
        grant_dated(person, [(slug, when) for slug, when in row.skills if when is not None], by=by, role=role)
    return person


def grant_dated(person: Person, skills: list[tuple[str, date]], *, by: User | None, role: str) -> None:
    found = {skill.slug: skill for skill in Skill.objects.filter(slug__in=[slug for slug, _when in skills])}
    for slug, when in skills:
        certification, is_new = grant(person, found[slug], now=local_midnight(when), by=by, source="import")
        audit.record(
            actor=actor_of(by),
            role=role,
            action=AuditAction.CREATED if is_new else AuditAction.CHANGED,
            object_type="people.certification",
            object_ids=[certification.uuid, person.uuid],
            detail={"skill": slug, "renewed": not is_new, "source": "import", "granted_on": when.isoformat()},
        )


def add_from_row(
    person: Person, row: Row, on_roster: dict[tuple[str, str], Person], *, by: User | None, role: str
) -> bool:
    """Give a person on the roster what the row has and they lack: contacts nobody else holds, zones, skills.

    Skills they hold already are left as they are (an import never renews). True when anything was added.
    """
    check_still_here(person)
    with transaction.atomic():
        new_contacts = [c for c in row.contacts if c not in on_roster]
        added = add_contacts(person, new_contacts, by=by, role=role)
        zones = {zone.slug for zone in person.zones.all()}
        if set(row.zones) - zones:
            do_set_zones(person, [*sorted(zones), *[z for z in row.zones if z not in zones]], by=by, role=role)
            added = True
        held = set(Certification.objects.filter(person=person).values_list("skill__slug", flat=True))
        missing = [(slug, when) for slug, when in row.skills if slug not in held]
        if missing:
            today = local_today()
            grant_dated(person, [(slug, when or today) for slug, when in missing], by=by, role=role)
            added = True
    return added


def add_contacts(person: Person, contacts: list[tuple[str, str]], *, by: User | None, role: str) -> bool:
    """Add normalised contacts to a person (the first of a kind they lack becomes primary); one audit entry."""
    have = {(c.kind, str(c.value)) for c in Contact.objects.filter(person=person)}
    wanted = [c for c in dict.fromkeys(contacts) if c not in have]
    if not wanted:
        return False
    primary = {kind for kind, _value in have}
    rows = []
    for kind, value in wanted:
        rows.append(Contact(person=person, kind=kind, value=value, is_primary=kind not in primary))
        primary.add(kind)
    for contact in rows:
        contact.save()
    audit.record(
        actor=actor_of(by),
        role=role,
        action=AuditAction.CHANGED,
        object_type="people.person",
        object_ids=[person.uuid, *(contact.uuid for contact in rows)],
        detail={"fields": ["contacts"], "added": len(rows)},
    )
    return True


def broken_csv(sheet: Sheet, rows: list[Row]) -> bytes:
    """The header and these rows, as the file had them (UTF-8 with a BOM, so Excel reads the accents)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=sheet.delimiter, lineterminator="\r\n")
    writer.writerow(sheet.header)
    for row in rows:
        writer.writerow(row.cells)
    return ("\ufeff" + out.getvalue()).encode()


def do_mark_imported_vetted(found: PersonImport, *, by: User, role: str = "") -> int:
    """Mark the people an import created as vetted, in one audited step (do_mark_vetted_by_import); how many."""
    if found.state != ImportState.DONE:
        return 0
    with transaction.atomic():
        if not PersonImport.objects.filter(pk=found.pk, vetted_at__isnull=True).update(vetted_at=timezone.now()):
            return 0
        people = Person.objects.filter(uuid__in=found.imported)
        marked = do_mark_vetted_by_import(people, by=by, role=role)
    found.refresh_from_db()
    return marked


# What a page or the API shows of an import.


def error_text(error: RowError, columns: dict[str, str]) -> str:
    """An error in the reader's language, naming the column as the file names it."""
    message = str(MESSAGES.get(error["code"], MESSAGES["refused"]))
    column = error["column"]
    return f"{columns.get(column, column)}: {message}" if column else message


@dataclass(frozen=True)
class PreviewRow:
    line: int
    status: str
    result: str
    name: str  # the display name as the sheet has it (decrypted for the page, never stored in clear)
    errors: list[str]
    person: str  # the uuid of the person on the roster it duplicates (or that it created)
    of_line: int | None


def preview_rows(found: PersonImport, *, with_names: bool) -> list[PreviewRow]:
    """Each row with its status and errors in the active language; names read from the encrypted file."""
    names: dict[int, str] = {}
    if with_names and found.file:
        try:
            sheet = read_sheet(found.file.read_plain())
        except ImportRefused:
            sheet = None
        if sheet is not None and found.state != ImportState.DONE:
            names = {row.line: row.values.get("display_name", "") for row in sheet.rows}
    return [
        PreviewRow(
            line=int(status["line"]),
            status=str(status["status"]),
            result=str(status.get("result", "")),
            name=names.get(int(status["line"]), ""),
            errors=[error_text(error, found.columns) for error in status.get("errors", [])],
            person=str(status.get("person", "")),
            of_line=status.get("of_line"),
        )
        for status in found.rows
    ]


def preview_counts(found: PersonImport) -> dict[str, int]:
    return counts(found.rows)


def access_import(user: AnyUser, import_id: str | UUID) -> PersonImport:
    """An import, for a roster keeper (any of them: the roster is the network's); Http404 for anyone else."""
    if not keeps_roster(user):
        raise Http404
    try:
        wanted = import_id if isinstance(import_id, UUID) else UUID(str(import_id))
    except ValueError:
        raise Http404 from None
    found = PersonImport.objects.filter(uuid=wanted).first()
    if found is None:
        raise Http404
    return found


def may_hear_import(user: AnyUser, rest: str) -> bool:
    """The live channel `people-import:<uuid>` (core.live.CHANNELS): roster keepers."""
    return keeps_roster(user)
