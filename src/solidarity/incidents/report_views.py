"""Taking reports on the web: the public form (no account), its confirmation, and the hotline-taker's form.

The public form never refuses and never loses a report: over the rate limits a report is kept for a
person to review (`for_review`) instead of being grouped. The confirmation page is reached by the
reference alone (no personal data in any URL) and shows nothing but the reference and what happens
next: it does not even look the reference up, so it tells nobody whether a reference exists.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from solidarity.accounts.access import signed_in
from solidarity.core.codes import is_code
from solidarity.core.forms import refuse_on
from solidarity.core.middleware import PERMISSIONS_POLICY
from solidarity.core.permissions import permission
from solidarity.core.phones import dialable
from solidarity.core.public import Verdict, public_form
from solidarity.core.services import get_network_settings
from solidarity.incidents.intake import do_take_report
from solidarity.incidents.models import PHOTO_BYTES, Source
from solidarity.incidents.report_forms import HotlineReportForm, PublicReportForm
from solidarity.incidents.timeline import DISPATCH

SCOPE = "incidents.report"  # the form and the API share one global cap
PER_CLIENT = "6/m"  # with a solved proof of work, or through the API
WITHOUT_POW = "3/m"
OVERALL = "200/m"
MAX_BYTES = 2 * PHOTO_BYTES  # a photo over PHOTO_BYTES gets the form's own message; far over it, a 413
TEMPLATE = "incidents/report_form.html"
LOCATING = PERMISSIONS_POLICY.replace("geolocation=()", "geolocation=(self)")


def incident_url(code: str) -> str:
    """The incident's page (`incidents:incident`)."""
    try:
        return reverse("incidents:incident", args=[code])
    except NoReverseMatch:  # the incident pages are not in this build yet: their path, all the same
        return f"/{(get_language() or 'en')[:2]}/incidents/{code}/"


@require_http_methods(["GET", "POST"])
@permission("public")
def report(request: HttpRequest) -> HttpResponse:
    """The public report form: works without JavaScript; over the limits it keeps the report for review."""
    view = public_form(
        PublicReportForm.with_request(request),
        scope=SCOPE,
        template=TEMPLATE,
        per_client=PER_CLIENT,
        without_pow=WITHOUT_POW,
        overall=OVERALL,
        max_bytes=MAX_BYTES,
        accept_over_limit=True,
    )(taken)
    response = view(request)
    response["Permissions-Policy"] = LOCATING  # "use my location" (locate.js), on this page alone
    return response


def taken(request: HttpRequest, form: PublicReportForm, verdict: Verdict) -> HttpResponse:
    try:
        kept = do_take_report(form.values(), source=Source.WEB, for_review=verdict.for_review)
    except ValidationError as error:
        refuse_on(form, error)
        return render(request, TEMPLATE, {"form": form}, status=400)
    return redirect("reports:thanks", report=kept.code)


@require_GET
@never_cache
@permission("public")
def thanks(request: HttpRequest, report: str) -> HttpResponse:
    """The confirmation: the reference and what happens next. It reads nothing of the report."""
    reference = report.strip().upper()
    if not is_code(reference):
        raise Http404
    network = get_network_settings()
    hotline = dialable(network.hotline, network.phone_region) if network.hotline else None
    return render(request, "incidents/report_thanks.html", {"reference": reference, "hotline": hotline})


@require_http_methods(["GET", "POST"])
@permission(DISPATCH)
def hotline(request: HttpRequest) -> HttpResponse:
    """A dispatcher's form for a call to the hotline; saved, it opens the incident the report joined."""
    user = signed_in(request)
    form = HotlineReportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            kept = do_take_report(form.values(), source=Source.HOTLINE, taken_by=user)
        except ValidationError as error:
            refuse_on(form, error)
        else:
            if kept.incident is not None:
                return redirect(incident_url(kept.incident.code))
            messages.success(
                request,
                _("Report %(code)s is saved: place it in a zone from the waiting reports.") % {"code": kept.code},
            )
            return redirect("reports:hotline")
    status = 400 if form.is_bound else 200
    return render(request, "incidents/report_hotline.html", {"form": form}, status=status)
