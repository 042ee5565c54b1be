"""The directory's spreadsheets in the JSON API, through the same services as the pages (directory.csv_io).

A group's keepers upload a CSV (multipart, field `file`) to `/groups/{slug}/resource-imports`: it is staged
and answers each row's outcome; they read it again, apply it or discard it at `/resource-imports/{id}`.
Anyone reads `/resources.csv`: the resources they may see (the public, those listed publicly), as CSV.
"""

from typing import Annotated, Literal
from uuid import UUID

from django.http import HttpRequest, HttpResponse
from ninja import Field, File, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import StrictBool

from solidarity.accounts.access import signed_in
from solidarity.core.api import ErrorOut, api_permission
from solidarity.core.permissions import Role, owner_role, role
from solidarity.directory.access import (
    access_keeping_group,
    access_resource_import_scoped,
    filtered,
    is_network_member,
    kept_import,
    visible_resources,
)
from solidarity.directory.api import NO_TOKEN, LanguageCode, ZoneSlug, reader
from solidarity.directory.csv_io import (
    Preview,
    do_apply_import,
    do_discard_import,
    do_stage_import,
    error_text,
    export_csv,
    export_name,
    preview_of,
)
from solidarity.directory.csv_models import ResourceImport, ResourceImportState
from solidarity.directory.models import Kind
from solidarity.people.sheets import refusals_as_conflict, staged_from_api

router = Router(tags=["directory"])

GroupSlug = Annotated[str, Field(min_length=1, max_length=60, description="A working group's slug.")]

GROUP_KEEPER = role(Role.COORDINATOR, kwarg="slug")
IMPORT_KEEPER = owner_role(Role.COORDINATOR, access=access_resource_import_scoped, kwarg="resource_import")
CSV_ANSWER = {
    200: {
        "description": "CSV in UTF-8 with a byte-order mark; cells that start like a formula begin with '.",
        "content": {"text/csv": {"schema": {"type": "string"}}},
    }
}
APPLY_REFUSED = {
    "responses": {
        409: {
            "description": "Not applied, nothing written: `already_applied`; `rows_with_errors` (fix them, or "
            "apply with skip_errors); `refused` when a row was refused meanwhile (another group took its slug)."
        }
    }
}


class ResourceImportErrorOut(Schema):
    column: str = Field(description="The column (slug, kind, phones, ...), or empty for the whole row.")
    code: str = Field(description="Stable: missing_slug, bad_kind, bad_yes_no, unknown_zone, bad_phone, ...")
    message: str = Field(description="In the caller's language, naming the column as the file names it.")


class ResourceImportRowOut(Schema):
    line: int = Field(description="The line of the file; the header is line 1.")
    slug: str
    status: Literal["new", "changed", "unchanged", "error"]
    changes: list[str] = Field(description="For a changed row: the columns that change.")
    errors: list[ResourceImportErrorOut]


class ResourceImportOut(Schema):
    id: UUID
    group: str = Field(description="The slug of the working group whose resources it creates or changes.")
    state: Literal["staged", "applied"]
    new: int
    changed: int
    unchanged: int
    errors: int = Field(description="Rows with errors (left out if applied with skip_errors).")
    ignored_columns: list[str] = Field(description="Headers of columns nothing reads.")
    rows: list[ResourceImportRowOut] = Field(description="Each row, as it would be imported now; empty once applied.")


class ResourceImportApplyIn(Schema):
    skip_errors: StrictBool = Field(False, description="Import the good rows and leave the rows with errors out.")


def import_out(found: ResourceImport) -> ResourceImportOut:
    if found.state == ResourceImportState.APPLIED:
        done = found.result
        counts = {"new": done["new"], "changed": done["changed"], "unchanged": done["unchanged"]}
        return ResourceImportOut(
            id=found.uuid,
            group=found.group.slug,
            state="applied",
            errors=done["skipped"],
            ignored_columns=[],
            rows=[],
            **counts,
        )
    preview: Preview = preview_of(found)
    counts = preview.counts()
    return ResourceImportOut(
        id=found.uuid,
        group=found.group.slug,
        state="staged",
        new=counts["new"],
        changed=counts["changed"],
        unchanged=counts["unchanged"],
        errors=counts["error"],
        ignored_columns=preview.ignored,
        rows=[
            ResourceImportRowOut(
                line=row.line,
                slug=row.slug,
                status=row.status,  # type: ignore[arg-type]  # a csv_io.Status value
                changes=row.changes,
                errors=[
                    ResourceImportErrorOut(column=error.column, code=error.code, message=error_text(error, preview))
                    for error in row.errors
                ],
            )
            for row in preview.rows
        ],
    )


@router.post(
    "/groups/{slug}/resource-imports",
    response={201: ResourceImportOut, 400: ErrorOut},
    summary="Upload a CSV of a group's resources: a preview, nothing imported yet",
)
@api_permission(GROUP_KEEPER)
def create_resource_import(request: HttpRequest, slug: str, file: File[UploadedFile]) -> Status[ResourceImportOut]:
    """Multipart, field `file`: up to 1 MB and 1,000 rows, a `slug` column. Each row comes back with what it would
    do; a file that cannot be read at all is refused (422 on `file`) and nothing is kept."""
    user = signed_in(request)
    group = access_keeping_group(user, slug)
    found = staged_from_api(file, lambda data, name: do_stage_import(group, data, name, by=user))
    return Status(201, import_out(found))


@router.get("/resource-imports/{resource_import}", response=ResourceImportOut, summary="A staged import of resources")
@api_permission(IMPORT_KEEPER)
def read_resource_import(request: HttpRequest, resource_import: UUID) -> ResourceImportOut:
    """Each row checked again against the directory as it is now, in the caller's language."""
    return import_out(kept_import(access_resource_import_scoped(signed_in(request), resource_import)))


@router.post(
    "/resource-imports/{resource_import}/apply",
    response={200: ResourceImportOut, 409: ErrorOut},
    summary="Import a staged CSV of resources, in one transaction",
    openapi_extra=APPLY_REFUSED,
)
@api_permission(IMPORT_KEEPER)
def apply_resource_import(
    request: HttpRequest, resource_import: UUID, payload: ResourceImportApplyIn
) -> ResourceImportOut:
    user = signed_in(request)
    found = kept_import(access_resource_import_scoped(user, resource_import))
    with refusals_as_conflict():
        do_apply_import(found, by=user, skip_errors=payload.skip_errors)
    return import_out(found)


@router.delete("/resource-imports/{resource_import}", response={204: None}, summary="Discard a staged import")
@api_permission(IMPORT_KEEPER)
def discard_resource_import(request: HttpRequest, resource_import: UUID) -> Status[None]:
    user = signed_in(request)
    do_discard_import(kept_import(access_resource_import_scoped(user, resource_import)), by=user)
    return Status(204, None)


@router.get(
    "/resources.csv",
    response={200: None},
    summary="The directory's resources as CSV",
    auth=None,
    openapi_extra={**NO_TOKEN, "responses": CSV_ANSWER},
)
@api_permission("public")
def export_resources(
    request: HttpRequest,
    kind: Kind | None = None,
    zone: ZoneSlug | None = None,
    language: LanguageCode | None = None,
    group: GroupSlug | None = None,
) -> HttpResponse:
    """The import's columns plus `group`, so a file goes out and comes back in. Public resources for anyone; a
    member of the network signed in (by a token or the browser's session) also gets the members-only ones."""
    user = reader(request)
    found = filtered(visible_resources(user), kind or "", zone or "", language or "")
    if group:
        found = found.filter(group__slug=group)
    member = signed_in(request) if is_network_member(user) else None
    response = HttpResponse(export_csv(found, by=member), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{export_name()}"'
    response["Cache-Control"] = "no-store"
    return response
