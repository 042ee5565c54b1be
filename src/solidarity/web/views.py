"""The shell of the site: the public home, the dashboard, network settings, error pages."""

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from solidarity.accounts.access import my_memberships, signed_in
from solidarity.campaigns.pages import with_campaigns
from solidarity.core.bilingual import text_of
from solidarity.core.forms import NetworkSettingsForm
from solidarity.core.permissions import Role, holds, holds_anywhere, permission
from solidarity.core.phones import dialable
from solidarity.core.services import do_update_network_settings, get_network_settings, network_values, node_health
from solidarity.core.zones import keeps_zones
from solidarity.directory.access import pinned_resources
from solidarity.directory.display import freshness
from solidarity.funds.fund_access import with_funds
from solidarity.incidents.access import open_incidents, waiting_reports
from solidarity.incidents.timeline import REQUIREMENT_KEEPERS
from solidarity.lists.access import going_out
from solidarity.messaging.access import waiting_count
from solidarity.people.access import reads_roster
from solidarity.people.forms import VouchesNeededForm
from solidarity.supplies.pages import with_supplies
from solidarity.trainings.access import upcoming as upcoming_trainings
from solidarity.web.services import system_status


@require_GET
@permission("public")
def home(request: HttpRequest) -> HttpResponse:
    network = get_network_settings()
    now = timezone.now()
    context = {
        "welcome": text_of(network, "welcome"),  # the page's language, else the other one
        "hotline": dialable(network.hotline, network.phone_region) if network.hotline else None,
        # The few resources the directory's keepers pinned (public ones only).
        "pinned": [freshness(item, now, network.phone_region) for item in pinned_resources(request.user)],
    }
    return render(request, "web/home.html", context)


@require_GET
@permission("authenticated")
def dashboard(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    # With links to its supplies, funds and call-in campaigns.
    memberships = list(with_campaigns(with_funds(with_supplies(my_memberships(user)))))
    coordinated = [m.group for m in memberships if Role.COORDINATOR in m.roles]
    broadcasts = going_out(coordinated)
    groups = [(m, Role.COORDINATOR in m.roles, broadcasts.get(m.group.pk, 0)) for m in memberships]
    # Dispatchers are told when a way of texting is down: alerts then go by the next one, or wait.
    dispatches = holds_anywhere(user, Role.DISPATCHER)
    status = system_status()
    sms_down = [backend for backend in status["sms"] if backend["is_down"]] if dispatches or user.is_admin else []
    context = {
        "health": node_health(),  # the SMS backends' state comes with `status`, read once
        "status": status,
        "groups": groups,
        "dispatches": dispatches,
        "inbox_waiting": waiting_count(user),
        # The live board's card, for dispatchers: open incidents and reports waiting for a person.
        "open_incidents": open_incidents(user).count() if dispatches else 0,
        "reports_waiting": waiting_reports(user).count() if dispatches else 0,
        "keeps_requirements": holds(user, REQUIREMENT_KEEPERS, {}),
        "sms_down": sms_down,
        "keeps_zones": keeps_zones(user),  # coordinators of any group and admins add the network's zones
        "reads_roster": reads_roster(user),  # roster keepers and dispatchers
        "trainings": list(upcoming_trainings(user)[:3]),  # the next ones the caller may see (no names)
        "schedules_trainings": coordinated,  # coordinators schedule their groups' trainings
    }
    return render(request, "web/dashboard.html", context)


@require_http_methods(["GET", "POST"])
@permission("admin")
def network_settings(request: HttpRequest) -> HttpResponse:
    form = NetworkSettingsForm(request.POST or None, initial=dict(network_values()))
    if request.method == "POST" and form.is_valid():
        do_update_network_settings(**form.network_values())
        messages.success(request, _("Settings saved."))
        return redirect("web:network-settings")
    vouches_form = VouchesNeededForm(initial={"vouches_needed": get_network_settings().vouches_needed})
    return render(request, "web/network_settings.html", {"form": form, "vouches_form": vouches_form})


def wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def error_page(request: HttpRequest, status: int, code: str, message: str) -> HttpResponse:
    if wants_json(request):
        return JsonResponse({"error": {"code": code, "message": message, "fields": {}}}, status=status)
    return render(request, "web/error.html", {"status": status, "message": message}, status=status)


def not_found(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return error_page(request, 404, "not_found", _("This page does not exist, or you cannot see it."))


def forbidden(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return error_page(request, 403, "forbidden", _("You do not have permission to see this page."))


def bad_request(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return error_page(request, 400, "bad_request", _("The request could not be understood."))


def server_error(request: HttpRequest) -> HttpResponse:
    return error_page(request, 500, "server_error", _("Something went wrong on our side. Please try again."))


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return error_page(request, 403, "csrf_failed", _("This form expired. Go back, reload the page and send it again."))
