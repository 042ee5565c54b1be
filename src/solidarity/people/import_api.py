"""The roster's spreadsheets and merges, for scripts: what the import, export and merge pages do
(people.import_views), through the same services. For roster keepers alone (people.access).

An import is addressed by its uuid (`/people/imports/{import_id}`): upload a CSV (multipart, field
`file`) and read each row's status; run it; read its progress and results. Registered before
people_api's router, whose `/people/{person_id}` would otherwise take `/people/imports`.
"""

from typing import Literal
from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import StrictBool

from solidarity.accounts.access import signed_in
from solidarity.core.api import ApiError, ErrorOut, api_permission
from solidarity.core.permissions import anywhere
from solidarity.people.access import ROSTER_KEEPER, access_person_scoped, edited_person, roster
from solidarity.people.exports import do_export_people, export_name
from solidarity.people.forms import filter_roster
from solidarity.people.imports import (
    ImportRefused,
    access_import,
    do_mark_imported_vetted,
    do_preview_import,
    do_start_import,
    error_text,
    preview_counts,
)
from solidarity.people.merge import do_merge_people
from solidarity.people.models import MAX_IMPORT_BYTES, ImportState, PersonImport
from solidarity.people.people_api import PersonOut, RosterQuery, person_out

Consent = Literal["alerts", "trainings", "announcements"]  # people.models.CONSENTS

router = Router(tags=["people"])

KEEPER = anywhere(ROSTER_KEEPER)
CSV_ANSWER = {
    "responses": {
        200: {
            "description": "CSV in UTF-8 with a byte-order mark; cells that start like a formula begin with '.",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    }
}
ALREADY_STARTED = {"responses": {409: {"description": "The import was already started (`already_started`)."}}}
MERGE_REFUSED = {
    "responses": {
        409: {
            "description": "The two cannot be merged (`refused`): the same record twice, someone who left, "
            "or each with an account of their own."
        }
    }
}


class ImportErrorOut(Schema):
    column: str = Field(description="The field (display_name, phone, email, language, zones, skills), or empty.")
    code: str = Field(description="Stable: missing_name, bad_phone, unknown_zone, ...")
    message: str = Field(description="In the caller's language, naming the column as the file names it.")


class ImportRowOut(Schema):
    line: int = Field(description="The line of the file; the header is line 1.")
    status: Literal["new", "duplicate", "repeat", "error"] = Field(
        description="What the preview found: someone new, someone on the roster (same phone or email), "
        "the same person as an earlier line, or a row that cannot be imported."
    )
    result: Literal["", "created", "updated", "skipped", "failed"] = Field(
        description="What the import did with it; empty until it ran."
    )
    errors: list[ImportErrorOut]
    person: UUID | None = Field(description="The person on the roster it duplicates, or the one it created.")
    repeat_of: int | None = Field(description="The earlier line of the same person.")


class ImportOut(Schema):
    id: UUID
    state: Literal["preview", "queued", "running", "done"]
    total: int = Field(description="Rows in the file.")
    done: int = Field(description="Rows imported so far.")
    new: int
    duplicates: int
    repeats: int
    errors: int
    created: int
    updated: int
    skipped: int
    failed: int
    columns: dict[str, str] = Field(description="Each field read, with the header the file gives it.")
    ignored_columns: list[str] = Field(description="Headers of columns nothing reads: never stored.")
    update_existing: bool = Field(description="Duplicates are given what they lack.")
    consent: list[Consent] = Field(description="What the people it adds agreed to be contacted about.")
    vetted: bool = Field(description="The people it created were marked vetted.")
    has_broken_rows: bool = Field(description="The rows not imported can be downloaded (for two days).")
    rows: list[ImportRowOut]


class RunIn(Schema):
    update_existing: StrictBool = Field(
        False, description="Give people already on the roster the phones, emails, zones and skills they lack."
    )
    consent: list[Consent] = Field(
        [],
        description="What the people it adds agreed to be contacted about (alerts, trainings, announcements), as "
        "you checked with them; none: they get no alerts until their record says they agreed. People already on "
        "the roster keep what they agreed to.",
    )


class VettedOut(Schema):
    marked: int = Field(description="How many people were marked vetted now.")


class MergeIn(Schema):
    keep: UUID = Field(description="The person kept.")
    gone: UUID = Field(description="The person merged into it, then deleted.")


def import_out(found: PersonImport) -> ImportOut:
    counts = preview_counts(found)
    return ImportOut(
        id=found.uuid,
        state=found.state,  # type: ignore[arg-type]  # an ImportState value
        total=found.total,
        done=found.done,
        new=counts["new"],
        duplicates=counts["duplicate"],
        repeats=counts["repeat"],
        errors=counts["error"],
        created=found.created_count,
        updated=found.updated_count,
        skipped=found.skipped_count,
        failed=found.failed_count,
        columns=found.columns,
        ignored_columns=found.ignored_columns,
        update_existing=found.update_existing,
        consent=found.consent,
        vetted=found.vetted_at is not None,
        has_broken_rows=found.state == ImportState.DONE and bool(found.file),
        rows=[
            ImportRowOut(
                line=row["line"],
                status=row["status"],
                result=row.get("result", ""),
                errors=[
                    ImportErrorOut(column=e["column"], code=e["code"], message=error_text(e, found.columns))
                    for e in row.get("errors", [])
                ],
                person=row.get("person"),
                repeat_of=row.get("of_line"),
            )
            for row in found.rows
        ],
    )


@router.post(
    "/imports",
    response={201: ImportOut, 400: ErrorOut},
    summary="Upload a CSV of people: a preview, nothing imported yet",
)
@api_permission(KEEPER)
def create_import(request: HttpRequest, file: File[UploadedFile]) -> Status[ImportOut]:
    """Multipart, field `file`: up to 2 MB and 5,000 rows; headers in English or Spanish. Each row comes back
    with its status; a file that cannot be read at all is refused (422 on `file`) and nothing is kept."""
    user = signed_in(request)
    if (file.size or 0) > MAX_IMPORT_BYTES:
        message = _("The file is too large: 2 MB at most. Split it in parts and import each.")
        raise ApiError(422, "invalid_input", message, {"file": [message]})
    try:
        found = do_preview_import(file.read(), file.name or "", by=user, role=ROSTER_KEEPER)
    except ImportRefused as error:
        raise ApiError(422, "invalid_input", error.messages[0], {"file": error.messages}) from None
    return Status(201, import_out(found))


@router.get("/imports/{import_id}", response=ImportOut, summary="An import: its rows, progress and results")
@api_permission(KEEPER)
def read_import(request: HttpRequest, import_id: UUID) -> ImportOut:
    return import_out(access_import(signed_in(request), import_id))


@router.post(
    "/imports/{import_id}/run",
    response={200: ImportOut, 409: ErrorOut},
    summary="Run a previewed import",
    openapi_extra=ALREADY_STARTED,
)
@api_permission(KEEPER)
def run_import(request: HttpRequest, import_id: UUID, payload: RunIn) -> ImportOut:
    """It runs as a job: read the import until its state is `done`. Broken rows are left out and listed."""
    user = signed_in(request)
    found = access_import(user, import_id)
    if not do_start_import(
        found, update_existing=payload.update_existing, by=user, role=ROSTER_KEEPER, consent=payload.consent
    ):
        raise ApiError(409, "already_started", _("This import was already started."))
    return import_out(found)


@router.post(
    "/imports/{import_id}/mark-vetted",
    response={200: VettedOut},
    summary="Mark the people an import created as vetted, in one audited step",
)
@api_permission(KEEPER)
def mark_vetted(request: HttpRequest, import_id: UUID) -> VettedOut:
    """For a network that vetted its people before: 0 when the import has not finished or was marked already."""
    user = signed_in(request)
    return VettedOut(marked=do_mark_imported_vetted(access_import(user, import_id), by=user, role=ROSTER_KEEPER))


@router.get(
    "/imports/{import_id}/broken-rows",
    response={200: None, 409: ErrorOut},
    summary="The rows an import left out, as the file had them",
    openapi_extra={"responses": {**CSV_ANSWER["responses"], 409: {"description": "It has not run yet (`not_run`)."}}},
)
@api_permission(KEEPER)
def broken_rows(request: HttpRequest, import_id: UUID) -> HttpResponse:
    """404 when there are none: every row was imported."""
    found = access_import(signed_in(request), import_id)
    if found.state != ImportState.DONE:
        raise ApiError(409, "not_run", _("This import has not run yet."))
    if not found.file:
        raise Http404
    return csv_response(found.file.read_plain(), "broken-rows.csv")


@router.get("/export", response={200: None}, summary="The roster as CSV, filtered", openapi_extra=CSV_ANSWER)
@api_permission(KEEPER)
def export_people(request: HttpRequest, filters: Query[RosterQuery]) -> HttpResponse:
    """The importer's columns, so a file goes out and comes back in; people who left are not in it. Audited."""
    user = signed_in(request)
    people = filter_roster(
        roster(user),
        zone=filters.zone or "",
        skill=filters.skill or "",
        state=filters.state or "",
        vetted=filters.vetted,
    )
    named = {"zone": filters.zone or "", "skill": filters.skill or "", "state": filters.state or ""}
    named["vetted"] = "" if filters.vetted is None else str(filters.vetted).lower()
    return csv_response(do_export_people(people, by=user, role=ROSTER_KEEPER, filters=named), export_name())


def csv_response(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


@router.post(
    "/merge",
    response={200: PersonOut, 409: ErrorOut},
    summary="Merge two records of one person",
    openapi_extra=MERGE_REFUSED,
)
@api_permission(KEEPER)
def merge_people(request: HttpRequest, payload: MergeIn) -> PersonOut:
    """`gone`'s contacts, zones, certifications, vouches, shifts and account move to `keep`; `gone` is deleted.
    Answers the kept record."""
    user = signed_in(request)
    keep, gone = edited_person(user, payload.keep), edited_person(user, payload.gone)
    try:
        do_merge_people(keep, gone, by=user, role=ROSTER_KEEPER)
    except ValidationError as error:
        raise ApiError(409, "refused", error.messages[0]) from None
    return person_out(request, access_person_scoped(user, keep.uuid))
