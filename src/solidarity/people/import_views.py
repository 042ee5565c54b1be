"""The roster's spreadsheet pages: import people from CSV (upload, preview, run, results), export the roster
to CSV, and merge two records of one person. For roster keepers alone (people.access).

An import's page works without JavaScript: while it runs it refreshes itself every few seconds; with
JavaScript, people/import.js listens to the import's live channel and fetches the progress section
when it moves (events carry the import's id only).
"""

from uuid import UUID

from asgiref.sync import sync_to_async
from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from solidarity.accounts.access import signed_in
from solidarity.core import live
from solidarity.core.permissions import anywhere, owner_role, permission
from solidarity.core.views import last_event_id
from solidarity.people.access import (
    ROSTER_KEEPER,
    access_person_scoped,
    contacts_seen_by,
    edited_person,
    roster,
)
from solidarity.people.exports import do_export_people, export_name
from solidarity.people.forms import RosterFilter, filtered
from solidarity.people.imports import (
    CHANNEL,
    ImportRefused,
    access_import,
    do_mark_imported_vetted,
    do_preview_import,
    do_start_import,
    people_by_contacts,
    preview_counts,
    preview_rows,
)
from solidarity.people.merge import check_mergeable, do_merge_people, merge_preview
from solidarity.people.models import MAX_IMPORT_BYTES, ContactKind, ImportState
from solidarity.people.services import clean_contact

KEEPER = anywhere(ROSTER_KEEPER)
EDITS_PERSON = owner_role(ROSTER_KEEPER, access=access_person_scoped, kwarg="person_id")
SHOWN_NEW = 20  # new rows listed by name on the preview; the problems are all listed


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        help_text=gettext_lazy("Up to 2 MB and 5,000 people. Save the spreadsheet as CSV (comma or semicolon)."),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]  # Django's own form arguments, passed on
        self.fields["file"].widget.attrs.update(accept=".csv,text/csv")


@require_http_methods(["GET", "POST"])
@permission(KEEPER)
def upload(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        uploaded = form.cleaned_data["file"]
        if uploaded.size > MAX_IMPORT_BYTES:
            form.add_error("file", _("The file is too large: 2 MB at most. Split it in parts and import each."))
        else:
            try:
                found = do_preview_import(uploaded.read(), uploaded.name or "", by=user, role=ROSTER_KEEPER)
            except ImportRefused as error:
                form.add_error("file", error.messages)
            else:
                return redirect("people:import-detail", import_id=found.uuid)
    status = 400 if request.method == "POST" else 200
    return render(request, "people/import.html", {"form": form}, status=status)


@require_GET
@permission(KEEPER)
def import_page(request: HttpRequest, import_id: UUID) -> HttpResponse:
    """The preview and its Import button; then the progress (live); then the results."""
    found = access_import(signed_in(request), import_id)
    rows = preview_rows(found, with_names=found.state == ImportState.PREVIEW)
    problems = [row for row in rows if row.status != "new" or row.result == "failed"]
    context = {
        "found": found,
        "counts": preview_counts(found),
        "problems": problems,
        "new_rows": [row for row in rows if row.status == "new"][:SHOWN_NEW],
        "going": found.state in (ImportState.QUEUED, ImportState.RUNNING),
    }
    template = "people/_import_progress.html" if getattr(request, "htmx", False) else "people/import_detail.html"
    return render(request, template, context)


@require_POST
@permission(KEEPER)
def run_import(request: HttpRequest, import_id: UUID) -> HttpResponse:
    user = signed_in(request)
    found = access_import(user, import_id)
    update_existing = request.POST.get("update_existing") == "on"
    consent = request.POST.getlist("consent")
    if not do_start_import(found, update_existing=update_existing, by=user, role=ROSTER_KEEPER, consent=consent):
        messages.error(request, _("This import was already started."))
    return redirect("people:import-detail", import_id=found.uuid)


@require_GET
@permission(KEEPER)
async def import_live(request: HttpRequest, import_id: UUID) -> HttpResponseBase:
    """Server-Sent Events while the import runs (ids only); 204 when it is not running."""
    going = await sync_to_async(import_going)(request, import_id)
    if not going:
        return HttpResponse(status=204)
    channel = f"{CHANNEL}:{import_id}"
    return live.sse_response(channel, user=await request.auser(), last_event_id=last_event_id(request))


def import_going(request: HttpRequest, import_id: UUID) -> bool:
    found = access_import(signed_in(request), import_id)
    return found.state in (ImportState.QUEUED, ImportState.RUNNING)


@require_GET
@permission(KEEPER)
def broken_rows(request: HttpRequest, import_id: UUID) -> HttpResponse:
    """The rows that were not imported, as the file had them, to fix and upload again."""
    found = access_import(signed_in(request), import_id)
    if found.state != ImportState.DONE or not found.file:
        messages.info(request, _("This import has no rows to fix."))
        return redirect("people:import-detail", import_id=found.uuid)
    response = HttpResponse(found.file.read_plain(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="broken-rows.csv"'
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@permission(KEEPER)
def mark_vetted(request: HttpRequest, import_id: UUID) -> HttpResponse:
    user = signed_in(request)
    found = access_import(user, import_id)
    marked = do_mark_imported_vetted(found, by=user, role=ROSTER_KEEPER)
    text = ngettext("%(count)d person was marked vetted.", "%(count)d people were marked vetted.", marked)
    messages.success(request, text % {"count": marked})
    return redirect("people:import-detail", import_id=found.uuid)


@require_GET
@permission(KEEPER)
def export(request: HttpRequest) -> HttpResponse:
    """The roster as CSV, narrowed by the roster page's filters; audited."""
    user = signed_in(request)
    form = RosterFilter(request.GET or None)
    people = filtered(roster(user), form)
    filters = {name: request.GET.get(name, "")[:60] for name in ("zone", "skill", "state", "vetted")}
    content = do_export_people(people, by=user, role=ROSTER_KEEPER, filters=filters)
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{export_name()}"'
    response["Cache-Control"] = "no-store"
    return response


# Merging two records of one person.


@require_http_methods(["GET", "POST"])
@permission(EDITS_PERSON)
def merge_pick(request: HttpRequest, person_id: UUID) -> HttpResponse:
    """Find the other record by one of its phones or emails (names are encrypted: no search by name).

    The search is a POST: a phone or an email never goes into a URL (logs, history).
    """
    user = signed_in(request)
    keep = edited_person(user, person_id)
    wanted = request.POST.get("contact", "").strip()[:254]
    found, searched = [], bool(wanted)
    if wanted:
        kind = ContactKind.EMAIL if "@" in wanted else ContactKind.PHONE
        try:
            value = clean_contact(kind, wanted)
        except ValidationError:
            value = ""
        if value:
            found = [p for p in people_by_contacts([(kind.value, value)]).values() if p.pk != keep.pk]
    context = {"person": keep, "found": found, "searched": searched, "wanted": wanted}
    return render(request, "people/merge.html", context)


@require_http_methods(["GET", "POST"])
@permission(EDITS_PERSON)
def merge_confirm(request: HttpRequest, person_id: UUID, gone_id: UUID) -> HttpResponse:
    """What the kept record will have, and one button; the other record is deleted."""
    user = signed_in(request)
    keep = edited_person(user, person_id)
    gone = edited_person(user, gone_id)
    problem = ""
    try:
        check_mergeable(keep, gone)
        if request.method == "POST":
            do_merge_people(keep, gone, by=user, role=ROSTER_KEEPER)
            messages.success(request, _("The two records are one now."))
            return redirect("people:person", person_id=keep.uuid)
    except ValidationError as error:
        problem = " ".join(error.messages)
    context = {
        "person": keep,
        "gone": gone,
        "problem": problem,
        "merged": merge_preview(keep, gone),
        "contacts": contacts_seen_by(user, access_person_scoped(user, keep.uuid)),
        "gone_contacts": contacts_seen_by(user, access_person_scoped(user, gone.uuid)),
        "now": timezone.now(),
    }
    return render(request, "people/merge_confirm.html", context, status=409 if problem else 200)
