"""The directory's spreadsheet pages: a group's keepers upload a CSV, see what each row would do, then import
or discard it (directory.csv_io); anyone downloads the resources they may see as CSV. No JavaScript needed."""

from pathlib import Path
from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from solidarity.accounts.access import signed_in
from solidarity.core.permissions import Role, permission, role
from solidarity.directory.access import (
    access_keeping_group,
    access_resource_import,
    filtered,
    is_network_member,
    visible_resources,
)
from solidarity.directory.csv_io import (
    EXPORT_COLUMNS,
    do_apply_import,
    do_discard_import,
    do_stage_import,
    export_csv,
    export_name,
    preview_of,
)
from solidarity.directory.csv_models import ResourceImportState
from solidarity.directory.forms import FilterForm
from solidarity.people.forms import GroupSheetForm
from solidarity.people.imports import ImportRefused
from solidarity.people.sheets import preview_context

SAMPLE = Path(__file__).resolve().parent / "sample_resources.csv"
COORDINATOR = role(Role.COORDINATOR)


def csv_answer(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
@permission(COORDINATOR)
def upload(request: HttpRequest, group: str) -> HttpResponse:
    """The upload form, with the columns explained; a file read well goes on to its preview."""
    user = signed_in(request)
    keeping = access_keeping_group(user, group)
    form = GroupSheetForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        found = form.staged(lambda data, name: do_stage_import(keeping, data, name, by=user))
        if found is not None:
            return redirect("directory:import-preview", group=keeping.slug, resource_import=found.uuid)
    context = {"form": form, "group": keeping, "columns": EXPORT_COLUMNS[:-1]}
    return render(request, "directory/import.html", context, status=400 if request.method == "POST" else 200)


@require_GET
@permission(COORDINATOR)
def sample(request: HttpRequest, group: str) -> HttpResponse:
    """An example file, with fictional organisations, to start from."""
    access_keeping_group(signed_in(request), group)
    return csv_answer(SAMPLE.read_bytes(), "sample-resources.csv")


@require_GET
@permission(COORDINATOR)
def preview(request: HttpRequest, group: str, resource_import: UUID) -> HttpResponse:
    """What each row would do (or did), with its errors in the reader's language, and the buttons."""
    found = access_resource_import(signed_in(request), group, resource_import)
    shown = preview_of(found) if found.state == ResourceImportState.STAGED else None
    context = preview_context(found, shown)
    return render(request, "directory/import_preview.html", context)


@require_POST
@permission(COORDINATOR)
def apply(request: HttpRequest, group: str, resource_import: UUID) -> HttpResponse:
    user = signed_in(request)
    found = access_resource_import(user, group, resource_import)
    try:
        done = do_apply_import(found, by=user, skip_errors=request.POST.get("skip_errors") == "yes")
    except ImportRefused as error:
        messages.error(request, " ".join(error.messages))
    else:
        total = done["new"] + done["changed"]
        text = ngettext("%(count)d resource was imported.", "%(count)d resources were imported.", total)
        messages.success(request, text % {"count": total})
    return redirect("directory:import-preview", group=group, resource_import=found.uuid)


@require_POST
@permission(COORDINATOR)
def discard(request: HttpRequest, group: str, resource_import: UUID) -> HttpResponse:
    user = signed_in(request)
    do_discard_import(access_resource_import(user, group, resource_import), by=user)
    messages.success(request, _("The file was discarded; nothing more was imported."))
    return redirect("directory:import", group=group)


@require_GET
@permission("public")
def export(request: HttpRequest) -> HttpResponse:
    """The resources the caller may see (the list's filters apply) as CSV, in the importer's columns."""
    chosen = FilterForm(request.GET).chosen()
    found = filtered(visible_resources(request.user), **chosen)
    if wanted := request.GET.get("group", "")[:60]:
        found = found.filter(group__slug=wanted)
    by = signed_in(request) if is_network_member(request.user) else None
    return csv_answer(export_csv(found, by=by), export_name())
