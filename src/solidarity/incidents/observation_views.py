"""The documented timeline's pages: adding an observation (a dispatcher's, a responder's from their alert),
correcting one, opening its photo or video, and exporting the timeline for the network's lawyers.

Thin views: incidents.observation_access says who sees what (and audits it), incidents.observations
writes, incidents.exports builds the downloads. A photo or a video is served only here, decrypted for
a dispatcher, never cached, never from a public page.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from solidarity.accounts.access import signed_in
from solidarity.core.files import EncryptedFile
from solidarity.core.forms import refuse_on
from solidarity.core.permissions import permission
from solidarity.incidents import exports
from solidarity.incidents.access import access_incident
from solidarity.incidents.models import Alert, Entry, Incident, Source
from solidarity.incidents.observation_access import access_media, access_observed_entry, access_own_alert
from solidarity.incidents.observation_forms import WHY_NO_PEOPLE, ObservationForm
from solidarity.incidents.observations import (
    ObservationValues,
    do_add_observation,
    do_add_responder_observation,
)
from solidarity.incidents.services import IncidentError
from solidarity.incidents.timeline import DISPATCH, user_actor

TEMPLATE = "incidents/observation_form.html"


def form_page(
    request: HttpRequest,
    form: ObservationForm,
    *,
    incident: Incident | None = None,
    alert: Alert | None = None,
    corrects: Entry | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {"form": form, "incident": incident, "alert": alert, "corrects": corrects, "why": WHY_NO_PEOPLE}
    return render(request, TEMPLATE, context, status=status)


def bound(request: HttpRequest, initial: ObservationValues | None = None) -> ObservationForm:
    if request.method == "POST":
        return ObservationForm(request.POST, request.FILES)
    return ObservationForm(initial=vars(initial) if initial is not None else None)


def timeline_url(incident: Incident) -> str:
    return reverse("incidents:incident", args=[incident.code]) + "#timeline-heading"


@require_http_methods(["GET", "POST"])
@never_cache
@permission(DISPATCH)
def add_observation(request: HttpRequest, incident: str) -> HttpResponse:
    """A dispatcher adds what was seen (from a call, a message, their own eyes), with a photo or a video."""
    user = signed_in(request)
    found = access_incident(user, incident)
    form = bound(request)
    if request.method == "POST" and form.is_valid():
        try:
            do_add_observation(found, form.values(), actor=user_actor(user), source=Source.WEB, by=user)
        except ValidationError as error:
            refuse_on(form, error)
        else:
            messages.success(request, _("The observation is on the timeline."))
            return redirect(timeline_url(found))
    return form_page(request, form, incident=found, status=400 if form.is_bound else 200)


@require_http_methods(["GET", "POST"])
@never_cache
@permission(DISPATCH)
def correct_observation(request: HttpRequest, incident: str, entry: str) -> HttpResponse:
    """A correction: a new observation pointing at the old one, which stays as it was (409 once corrected)."""
    user = signed_in(request)
    found = access_incident(user, incident)
    old = access_observed_entry(user, found, entry)
    form = bound(request, ObservationValues.of(old.observation))
    if request.method == "POST" and form.is_valid():
        try:
            do_add_observation(found, form.values(), actor=user_actor(user), source=Source.WEB, by=user, corrects=old)
        except ValidationError as error:
            refuse_on(form, error)
        except IncidentError as error:
            messages.error(request, error.message)
            return form_page(request, form, incident=found, corrects=old, status=409)
        else:
            messages.success(request, _("The correction is on the timeline."))
            return redirect(timeline_url(found))
    return form_page(request, form, incident=found, corrects=old, status=400 if form.is_bound else 200)


@require_GET
@never_cache
@permission(DISPATCH)
def observation_media(request: HttpRequest, incident: str, entry: str) -> HttpResponse:
    """An observation's photo or video, decrypted for a dispatcher (audited); never cached, never public."""
    user = signed_in(request)
    media = access_media(user, access_incident(user, incident), entry).media
    assert isinstance(media, EncryptedFile)  # noqa: S101  (a saved row's file)
    response = HttpResponse(media.read_plain(), content_type=media.content_type)
    response["Content-Disposition"] = f'inline; filename="{media.name}"'  # photo.jpg, video.mp4: our own names
    return response


@require_GET
@never_cache
@permission(DISPATCH)
def timeline_pdf(request: HttpRequest, incident: str) -> HttpResponse:
    """The incident's timeline as a PDF for the network's lawyers: built for this download, never kept; audited."""
    user = signed_in(request)
    return exports.download(exports.timeline_pdf(user, access_incident(user, incident)))


@require_GET
@never_cache
@permission(DISPATCH)
def timeline_json(request: HttpRequest, incident: str) -> HttpResponse:
    """The incident's timeline as a signed JSON bundle (media included): built for this download; audited."""
    user = signed_in(request)
    return exports.download(exports.timeline_bundle(user, access_incident(user, incident)))


@require_http_methods(["GET", "POST"])
@never_cache
@permission("authenticated")
def own_observation(request: HttpRequest, alert: str) -> HttpResponse:
    """A responder out on the incident (going or on scene) adds what they see, from their own alert."""
    user = signed_in(request)
    found = access_own_alert(user, alert)
    form = bound(request)
    if request.method == "POST" and form.is_valid():
        try:
            do_add_responder_observation(found, form.values(), source=Source.WEB, by=user)
        except ValidationError as error:
            refuse_on(form, error)
        except IncidentError as error:
            messages.error(request, error.message)
            return form_page(request, form, alert=found, status=409)
        else:
            messages.success(request, _("Thank you: what you saw is on the incident's timeline."))
            return redirect("incidents:my-alerts")
    return form_page(request, form, alert=found, status=400 if form.is_bound else 200)
