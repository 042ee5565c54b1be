"""The supplies' spreadsheet pages: a group's keepers upload a CSV of items or stock, see what each row would
do, then import or discard it (supplies.csv_io); they download the items and the stock on hand as CSV.
No JavaScript needed."""

from pathlib import Path
from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from solidarity.accounts.access import signed_in
from solidarity.core.downloads import CSV, file_response
from solidarity.core.permissions import permission, role
from solidarity.people.forms import GroupSheetForm
from solidarity.people.imports import ImportRefused
from solidarity.people.sheets import preview_context
from solidarity.supplies.access import KEEPERS, access_supplies_group, access_supply_import
from solidarity.supplies.csv_io import (
    ITEM_COLUMNS,
    STOCK_COLUMNS,
    do_apply_import,
    do_discard_import,
    do_stage_import,
    export_name,
    export_sheet,
    preview_of,
)
from solidarity.supplies.csv_models import SheetKind, SupplyImportState

SAMPLES = {sheet: Path(__file__).resolve().parent / f"sample_{sheet}.csv" for sheet in SheetKind.values}
GROUP_KEEPER = role(*KEEPERS)


@require_http_methods(["GET", "POST"])
@permission(GROUP_KEEPER)
def upload(request: HttpRequest, group: str, sheet: str) -> HttpResponse:
    """The upload form for one sheet, with its columns explained; a file read well goes on to its preview."""
    user = signed_in(request)
    keeping = access_supplies_group(user, group, keeper=True)
    form = GroupSheetForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        found = form.staged(lambda data, name: do_stage_import(keeping, sheet, data, name, by=user))
        if found is not None:
            return redirect("supplies:import-preview", group=keeping.slug, supply_import=found.uuid)
    columns = ITEM_COLUMNS if sheet == SheetKind.ITEMS else STOCK_COLUMNS
    context = {"form": form, "group": keeping, "sheet": sheet, "columns": list(columns)}
    return render(request, "supplies/import.html", context, status=400 if request.method == "POST" else 200)


@require_GET
@permission(GROUP_KEEPER)
def sample(request: HttpRequest, group: str, sheet: str) -> HttpResponse:
    """An example file, with fictional supplies, to start from."""
    access_supplies_group(signed_in(request), group, keeper=True)
    return file_response(SAMPLES[sheet].read_bytes(), CSV, f"sample-supplies-{sheet}.csv", attachment=True)


@require_GET
@permission(GROUP_KEEPER)
def preview(request: HttpRequest, group: str, supply_import: UUID) -> HttpResponse:
    """What each row would do (or did), with its errors in the reader's language, and the buttons."""
    found = access_supply_import(signed_in(request), group, supply_import)
    shown = preview_of(found) if found.state == SupplyImportState.STAGED else None
    context = preview_context(found, shown) | {"warnings": shown.warnings() if shown else 0}
    context["row_detail"] = "supplies/_import_row.html"
    return render(request, "supplies/import_preview.html", context)


@require_POST
@permission(GROUP_KEEPER)
def apply(request: HttpRequest, group: str, supply_import: UUID) -> HttpResponse:
    user = signed_in(request)
    found = access_supply_import(user, group, supply_import)
    try:
        done = do_apply_import(
            found,
            by=user,
            skip_errors=request.POST.get("skip_errors") == "yes",
            accept_over_need=request.POST.get("accept_over_need") == "yes",
        )
    except ImportRefused as error:
        messages.error(request, " ".join(error.messages))
    else:
        total = done["new"] + done["changed"] + done["received"]
        text = ngettext("%(count)d row was imported.", "%(count)d rows were imported.", total)
        messages.success(request, text % {"count": total})
    return redirect("supplies:import-preview", group=group, supply_import=found.uuid)


@require_POST
@permission(GROUP_KEEPER)
def discard(request: HttpRequest, group: str, supply_import: UUID) -> HttpResponse:
    user = signed_in(request)
    found = access_supply_import(user, group, supply_import)
    do_discard_import(found, by=user)
    messages.success(request, _("The file was discarded; nothing more was imported."))
    return redirect("supplies:setup", group=group)


@require_GET
@permission(GROUP_KEEPER)
def export(request: HttpRequest, group: str, sheet: str) -> HttpResponse:
    """The group's items (the import's columns), or its stock on hand per location and lot, as CSV."""
    found = access_supplies_group(signed_in(request), group, keeper=True)
    content = export_sheet(found, sheet)
    return file_response(content, CSV, export_name(found, sheet), attachment=True)
