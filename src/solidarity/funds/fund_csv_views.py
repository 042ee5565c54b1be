"""A fund's treasurers import gifts from a payment platform's export: upload, see what each row would record
(rows already recorded are skipped), then record or discard it (funds.fund_csv). No JavaScript needed."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from solidarity.accounts.access import signed_in
from solidarity.core.downloads import CSV, file_response
from solidarity.core.permissions import Role, permission
from solidarity.funds.access import FUND_TREASURER, access_fund
from solidarity.funds.csv_models import FundImportState
from solidarity.funds.fund_access import fund_import_of
from solidarity.funds.fund_csv import SAMPLE, do_apply_import, do_discard_import, do_stage_import, preview_of
from solidarity.people.forms import GroupSheetForm
from solidarity.people.imports import ImportRefused
from solidarity.people.sheets import preview_context


@require_http_methods(["GET", "POST"])
@permission(FUND_TREASURER)
def upload(request: HttpRequest, fund: str) -> HttpResponse:
    """The upload form, with the columns explained; a file read well goes on to its preview."""
    user = signed_in(request)
    found = access_fund(user, fund, Role.TREASURER)
    form = GroupSheetForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        staged = form.staged(lambda data, name: do_stage_import(found, data, name, by=user))
        if staged is not None:
            return redirect("funds:import-preview", fund=found.slug, fund_import=staged.uuid)
    status = 400 if request.method == "POST" else 200
    return render(request, "funds/csv_upload.html", {"fund": found, "form": form}, status=status)


@require_GET
@permission(FUND_TREASURER)
def sample(request: HttpRequest, fund: str) -> HttpResponse:
    """An example export, with fictional gifts, to start from."""
    access_fund(signed_in(request), fund, Role.TREASURER)
    return file_response(SAMPLE.encode(), CSV, "sample-gifts.csv", attachment=True)


@require_GET
@permission(FUND_TREASURER)
def preview(request: HttpRequest, fund: str, fund_import: str) -> HttpResponse:
    """What each row would record (or did), with its errors in the reader's language, and the buttons."""
    found = fund_import_of(access_fund(signed_in(request), fund, Role.TREASURER), fund_import)
    shown = preview_of(found) if found.state == FundImportState.STAGED else None
    context = preview_context(found, shown) | {"fund": found.fund, "row_detail": "funds/csv_row.html"}
    return render(request, "funds/csv_preview.html", context)


@require_POST
@permission(FUND_TREASURER)
def apply(request: HttpRequest, fund: str, fund_import: str) -> HttpResponse:
    user = signed_in(request)
    found = fund_import_of(access_fund(user, fund, Role.TREASURER), fund_import)
    try:
        done = do_apply_import(found, by=user, skip_errors=request.POST.get("skip_errors") == "yes")
    except ImportRefused as error:
        messages.error(request, " ".join(error.messages))
    else:
        text = ngettext("%(count)d gift was recorded.", "%(count)d gifts were recorded.", done["new"])
        messages.success(request, text % {"count": done["new"]})
    return redirect("funds:import-preview", fund=found.fund.slug, fund_import=found.uuid)


@require_POST
@permission(FUND_TREASURER)
def discard(request: HttpRequest, fund: str, fund_import: str) -> HttpResponse:
    user = signed_in(request)
    found = fund_import_of(access_fund(user, fund, Role.TREASURER), fund_import)
    do_discard_import(found, by=user)
    messages.success(request, _("The file was discarded; nothing more was recorded."))
    return redirect("funds:fund", fund=found.fund.slug)
