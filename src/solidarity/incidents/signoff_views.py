"""What needs a second person, as pages: a wide alert (ask, sign or refuse, correct, all clear) and a purge.

Thin views over incidents.wide and incidents.purge; a refusal (the same account signing its own request,
too late, someone decided first, the incident no longer confirmed) is a 409 with the reason in the
page's language. Every form is a POST; nothing acts on GET.
"""

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from solidarity.accounts.access import signed_in
from solidarity.accounts.models import User
from solidarity.core import approvals
from solidarity.core.forms import refuse_on
from solidarity.core.permissions import permission
from solidarity.incidents import purge, wide
from solidarity.incidents.access import PURGERS, access_incident, access_purgeable, access_wide_alert
from solidarity.incidents.models import Incident
from solidarity.incidents.services import IncidentError
from solidarity.incidents.signoff_forms import WideAlertForm
from solidarity.incidents.timeline import DISPATCH, is_dispatcher
from solidarity.incidents.views import incident_page
from solidarity.incidents.wide_models import WideAlert, WideAlertKind


def to_section(code: str) -> HttpResponse:
    return redirect(reverse("incidents:incident", args=[code]) + "#wide-heading")


@require_POST
@permission(DISPATCH)
def ask_wide_alert(request: HttpRequest, incident: str) -> HttpResponse:
    """Ask for a wide alert to the lists in the zones chosen; it waits for a second dispatcher."""
    user = signed_in(request)
    found = access_incident(user, incident)
    form = WideAlertForm(request.POST, incident=found, auto_id="id_wide_%s")
    if not form.is_valid():
        return incident_page(request, found, status=400, wide_form=form)
    try:
        wide.do_ask_wide_alert(found, form.cleaned_data["zones"], form.cleaned_data["hours"], by=user)
    except ValidationError as error:
        refuse_on(form, error)
        return incident_page(request, found, status=400, wide_form=form)
    except IncidentError as error:
        messages.error(request, error.message)
        return incident_page(request, found, status=409)
    messages.success(request, _("The wide alert waits for a second dispatcher to sign it."))
    return to_section(found.code)


def sign(chosen: WideAlert, user: User) -> str:
    done = wide.do_sign_wide_alert(chosen, by=user)
    return _("Signed: the alert is going to %(count)d subscribers.") % {"count": done.recipients}


def refuse(chosen: WideAlert, user: User) -> str:
    wide.do_refuse_wide_alert(chosen, by=user)
    return _("Nothing was sent.")


def follow(kind: WideAlertKind) -> Callable[[WideAlert, User], str]:
    def send(chosen: WideAlert, user: User) -> str:
        sent = wide.do_follow_wide_alert(chosen, kind, by=user)
        return _("Sent to the %(count)d subscribers the alert went to.") % {"count": sent.recipients}

    return send


# What a dispatcher does with a wide alert: sign or refuse another's (withdraw their own), correct or clear it.
WIDE_STEPS: dict[str, Callable[[WideAlert, User], str]] = {
    "sign": sign,
    "refuse": refuse,
    "correction": follow(WideAlertKind.CORRECTION),
    "all-clear": follow(WideAlertKind.ALL_CLEAR),
}


@require_POST
@permission(DISPATCH)
def wide_alert_step(request: HttpRequest, incident: str, wide_alert: str, step: str) -> HttpResponse:
    """Sign (it goes out now) or refuse a wide alert; send its correction or all clear to everyone it reached."""
    user = signed_in(request)
    found = access_incident(user, incident)
    chosen = access_wide_alert(user, found, wide_alert)
    try:
        said = WIDE_STEPS[step](chosen, user)
    except IncidentError as error:
        messages.error(request, error.message)
        return incident_page(request, access_incident(user, incident), status=409)
    messages.success(request, said)
    return to_section(found.code)


def purge_page(request: HttpRequest, found: Incident, *, status: int = 200) -> HttpResponse:
    user = signed_in(request)
    waiting = approvals.open_request(purge.KIND, found.uuid)
    context = {
        "incident": found,
        "waiting": waiting,
        "asked_by_me": waiting is not None and waiting.asked_by == user.uuid,
    }
    return render(request, "incidents/purge.html", context, status=status)


@require_GET
@never_cache
@permission(PURGERS)
def purge_incident(request: HttpRequest, incident: str) -> HttpResponse:
    """What a purge deletes, and where its request stands: ask, or sign a second coordinator's request."""
    return purge_page(request, access_purgeable(signed_in(request), incident))


@require_POST
@permission(PURGERS)
def purge_step(request: HttpRequest, incident: str, step: str) -> HttpResponse:
    """Ask for the purge, sign it (it is done at once) or refuse it (the asker: withdraw)."""
    user = signed_in(request)
    found = access_purgeable(user, incident)
    try:
        if step == "ask":
            purge.do_ask_purge(found, by=user)
            messages.success(request, _("Asked: a second coordinator must sign within a day."))
        elif step == "sign":
            purge.do_sign_purge(found, by=user)
            messages.success(request, _("Incident %(code)s is purged: nothing of it is kept.") % {"code": found.code})
            return redirect("incidents:board" if is_dispatcher(user) else "web:dashboard")
        else:
            purge.do_refuse_purge(found, by=user)
            messages.success(request, _("Nothing was purged."))
    except IncidentError as error:
        messages.error(request, error.message)
        return purge_page(request, found, status=409)
    return redirect("incidents:purge", found.code)
