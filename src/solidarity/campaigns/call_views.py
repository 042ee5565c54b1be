"""The callers' pages: a campaign's page (what is happening and the button for an office to call), the office
to call with its number to tap, its script and the five outcome buttons, then straight to the next office.
Once the campaign closes, its page is the report-back: the result, what happened, the totals per office.

Anyone may call a public campaign, any signed-in account a members' one (campaigns.access.access_callable);
to anyone else it does not exist (404). Everything works without JavaScript. The caller is not kept: the
offices they were given and where they call from stay in their browser's session (campaigns.pages), and a
call is counted, never attributed, unless a signed-in member asks to be credited.
"""

from asgiref.sync import sync_to_async
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from solidarity.accounts.models import User
from solidarity.campaigns.access import access_callable, call_of
from solidarity.campaigns.call_forms import CallerForm, OutcomeForm
from solidarity.campaigns.calling import counter_channel, do_report_outcome, line_status, next_call
from solidarity.campaigns.models import Call, Campaign, State
from solidarity.campaigns.pages import Caller, caller_of, is_paused, keep_caller, office_rows, opening
from solidarity.campaigns.scripts import filled
from solidarity.campaigns.tallies import tally_of, total_calls
from solidarity.core import live
from solidarity.core.permissions import AnyUser, permission
from solidarity.core.phones import dialable
from solidarity.core.services import get_network_settings
from solidarity.core.views import last_event_id


def language() -> str:
    return (get_language() or "en")[:2]


def credited(request: HttpRequest, caller: Caller) -> User | None:
    user = request.user
    return user if caller.credit and isinstance(user, User) and user.is_authenticated else None


def campaign_page(request: HttpRequest, found: Campaign, form: CallerForm, *, status: int = 200) -> HttpResponse:
    lang = language()
    closed = found.state == State.CLOSED
    tally = tally_of(found) if closed else None
    context = {
        "campaign": found,
        "title": found.title(lang),
        "goal": filled(found.goal(lang), found, lang),
        "intro": filled(found.intro(lang), found, lang),
        "form": form,
        "closed": closed,
        "paused": is_paused(found),
        "preparing": found.state == State.DRAFT and found.went_live_at is None,
        "opening": None if closed else opening(found),
        "tally": tally,
        "rows": office_rows(tally, lang) if tally else [],
        "result_text": found.result_text(lang) if closed else "",
        "total": total_calls(found) if found.has_public_counter and not closed else None,
    }
    return render(request, "campaigns/call.html", context, status=status)


def caller_form(request: HttpRequest, found: Campaign, data: object = None) -> CallerForm:
    caller = caller_of(request.session, found)
    initial = {"zone": caller.zone, "city": caller.city, "credit": caller.credit}
    return CallerForm(data, initial=initial, may_credit=request.user.is_authenticated)


@require_GET
@never_cache
@permission("public")
def call_page(request: HttpRequest, campaign: str) -> HttpResponse:
    """The campaign as its callers see it: title, goal, intro, when calls run, and "give me an office to call";
    the report-back once it is closed."""
    found = access_callable(request.user, campaign)
    return campaign_page(request, found, caller_form(request, found))


def give_next(request: HttpRequest, found: Campaign, caller: Caller) -> HttpResponse:
    """A new office for this browser, or back to the campaign's page when none can be called now."""
    credit = credited(request, caller)
    given = next_call(found, via="web", language=language(), called=caller.called, credited_to=credit)
    if isinstance(given, Call):
        caller.called = [each for each in caller.called if each != given.target_id] + [given.target_id]
    keep_caller(request.session, found, caller)
    if isinstance(given, Call):
        return redirect("campaigns:call-office", campaign=found.code, call=given.uuid)
    return redirect("campaigns:call", campaign=found.code)


@require_POST
@permission("public")
def next_office(request: HttpRequest, campaign: str) -> HttpResponse:
    """Give this browser the next office to call (the rotation in campaigns.calling), and go to it. The first
    time, the form says where the caller calls from; the office's page posts here empty to skip an office."""
    found = access_callable(request.user, campaign)
    caller = caller_of(request.session, found)
    if "where" in request.POST:
        form = caller_form(request, found, request.POST)
        if not form.is_valid():
            return campaign_page(request, found, form, status=400)
        caller.zone = form.cleaned_data.get("zone", "")
        caller.city = form.cleaned_data["city"]
        caller.credit = bool(form.cleaned_data.get("credit", False))
    return give_next(request, found, caller)


@require_http_methods(["GET", "POST"])
@never_cache
@permission("public")
def call_office(request: HttpRequest, campaign: str, call: str) -> HttpResponse:
    """The office to call: its number to tap, the script, the line's shared status and the five outcome buttons.
    Reporting goes straight to the next office (or back to the campaign's page when none is open)."""
    found = access_callable(request.user, campaign)
    given = call_of(found, call)
    form = OutcomeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if found.state == State.CLOSED:
            messages.info(request, _("This campaign has closed: calls are no longer counted. Thank you for calling."))
            return redirect("campaigns:call", campaign=found.code)
        if do_report_outcome(given, form.cleaned_data["outcome"]):
            messages.success(request, _("Thank you: your call is counted."))
        else:
            messages.info(request, _("This call was already counted, once: thank you all the same."))
        return give_next(request, found, caller_of(request.session, found))
    return office_page(request, found, given, form)


def office_page(request: HttpRequest, found: Campaign, given: Call, form: OutcomeForm) -> HttpResponse:
    lang = language()
    caller = caller_of(request.session, found)
    line = given.line
    context = {
        "campaign": found,
        "title": found.title(lang),
        "call": given,
        "office": given.target.name(lang),
        "number": dialable(line.phone, get_network_settings().phone_region) if line else None,
        "label": line.label if line else "",
        "status": line_status(line) if line else "",
        "script": filled(given.target.script(lang), found, lang, caller.place(lang)),
        "form": form,
        "reported": given.outcome is not None,
        "calling": found.state == State.LIVE,
    }
    return render(request, "campaigns/call_office.html", context, status=400 if form.errors else 200)


@require_GET
@permission("public")
async def counter_stream(request: HttpRequest, campaign: str) -> HttpResponseBase:
    """Server-Sent Events of the campaign's public counter ("count": a total, nothing else), when it has one."""
    user: AnyUser = await request.auser()
    found = await sync_to_async(counted)(user, campaign)
    if found is None:
        return HttpResponse(status=404)  # an EventSource takes it as final
    return live.sse_response(counter_channel(found), user=None, last_event_id=last_event_id(request))


def counted(user: AnyUser, campaign: str) -> Campaign | None:
    try:
        found = access_callable(user, campaign)
    except Http404:
        return None
    return found if found.has_public_counter and found.state != State.CLOSED else None
