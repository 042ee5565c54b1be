"""The network's zones on pages: every signed-in account reads them; coordinators of any group and admins
add and change them (core.zones.ZONE_KEEPERS, as in the API). No home address anywhere: a zone is a
neighbourhood, its centre the middle of the area."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from solidarity.accounts.access import signed_in
from solidarity.core.bilingual import text_of
from solidarity.core.permissions import permission
from solidarity.core.zones import (
    ZONE_KEEPERS,
    do_create_zone,
    do_update_zone,
    keeper_role,
    keeps_zones,
    network_zones,
    zone_by_slug,
)
from solidarity.people.zone_forms import ZoneForm
from solidarity.people.zones import coverage_counts


@require_GET
@permission("authenticated")
def zone_list(request: HttpRequest) -> HttpResponse:
    """Every zone with its neighbours; to those who keep the zones, how many people cover each (a count only)."""
    keeps = keeps_zones(signed_in(request))
    zones = network_zones().prefetch_related(Prefetch("neighbours", queryset=network_zones()))
    counts = coverage_counts() if keeps else {}
    rows = [(zone, counts.get(zone.pk, 0)) for zone in zones]
    return render(request, "people/zones/list.html", {"rows": rows, "keeps": keeps})


@require_http_methods(["GET", "POST"])
@permission(ZONE_KEEPERS)
def create_zone(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    form = ZoneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            zone = do_create_zone(
                form.values(), slug=form.cleaned_data["slug"], actor=str(user.uuid), role=keeper_role(user)
            )
        except ValidationError as error:
            form.refused(error)
        else:
            messages.success(request, _("The zone %(name)s is ready.") % {"name": text_of(zone, "name")})
            return redirect("zones:list")
    return render(request, "people/zones/form.html", {"form": form}, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@permission(ZONE_KEEPERS)
def edit_zone(request: HttpRequest, zone: str) -> HttpResponse:
    user = signed_in(request)
    found = zone_by_slug(zone)
    if found is None:
        raise Http404
    form = ZoneForm(request.POST or None, zone=found)
    if request.method == "POST" and form.is_valid():
        try:
            do_update_zone(found, form.values(), actor=str(user.uuid), role=keeper_role(user))
        except ValidationError as error:
            form.refused(error)
        else:
            messages.success(request, _("Saved."))
            return redirect("zones:list")
    context = {"form": form, "zone": found}
    return render(request, "people/zones/form.html", context, status=400 if form.errors else 200)
