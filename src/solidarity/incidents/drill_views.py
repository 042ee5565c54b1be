"""Drills' pages: the drills (past and running) with the form that starts one, and a drill's report.

For dispatchers and coordinators (drills.DRILL_KEEPERS). The report shows counts and times only,
never a name; the drill's incident page (for dispatchers) is where its people are, as for any incident.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from solidarity.accounts.access import signed_in
from solidarity.core.forms import refuse_on
from solidarity.core.permissions import permission
from solidarity.incidents.drill_chart import drill_charts
from solidarity.incidents.drill_forms import DrillForm
from solidarity.incidents.drills import (
    DRILL_KEEPERS,
    DrillValues,
    access_drill,
    do_start_drill,
    drill_report,
    drills_for,
)
from solidarity.incidents.services import IncidentError
from solidarity.incidents.timeline import is_dispatcher

LISTED = 50  # the newest drills on the page


def drills_page(request: HttpRequest, *, status: int = 200, form: DrillForm | None = None) -> HttpResponse:
    user = signed_in(request)
    context = {
        "drills": list(drills_for(user)[:LISTED]),
        "form": form or DrillForm(auto_id="id_drill_%s"),
        "is_dispatcher": is_dispatcher(user),
    }
    return render(request, "incidents/drills.html", context, status=status)


@require_http_methods(["GET", "POST"])
@never_cache
@permission(DRILL_KEEPERS)
def drills(request: HttpRequest) -> HttpResponse:
    """The drills, newest first, and the form that starts one (it runs as a real incident would, marked)."""
    user = signed_in(request)
    if request.method == "GET":
        return drills_page(request)
    form = DrillForm(request.POST, auto_id="id_drill_%s")
    if not form.is_valid():
        return drills_page(request, status=400, form=form)
    data = form.cleaned_data
    values = DrillValues(data["type"], form.chosen_zone(), data["scenario"], data["stage"], (get_language() or "")[:2])
    try:
        started = do_start_drill(values, by=user)
    except ValidationError as error:
        refuse_on(form, error)
        return drills_page(request, status=400, form=form)
    except IncidentError as error:
        form.add_error(None, error.message)
        return drills_page(request, status=409, form=form)
    messages.success(
        request, _("Drill %(code)s started. Every message it sends starts DRILL / SIMULACRO.") % {"code": started.code}
    )
    return redirect("incidents:drill", started.code)


@require_GET
@never_cache
@permission(DRILL_KEEPERS)
def drill(request: HttpRequest, drill: str) -> HttpResponse:
    """A drill's report: per zone and role, asked, answered, said GO, times, the gaps in words; tables and charts."""
    user = signed_in(request)
    report = drill_report(access_drill(user, drill))
    context = {"report": report, "charts": drill_charts(report), "is_dispatcher": is_dispatcher(user)}
    return render(request, "incidents/drill.html", context)
