"""The organisers' pages: a group's campaigns, a new one, and a campaign's page (its offices with their numbers,
hours, the second organiser's check, the live status of each number, the tallies per office, outcome and day),
with its coordinators' forms: the campaign, its offices, going live, pausing, closing, the person the campaign
is for and their consent. Bilingual, phone-first; the page is whole without JavaScript, and with it the tallies
and statuses redraw live (the "campaign" channel of core.live).

Members of the campaign's group see it; its coordinators act; to anyone else it does not exist (404). Every
change goes through campaigns.services; a refusal comes back on the form (400) with what was typed.
"""

from collections.abc import Callable, Sequence

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from solidarity.accounts.access import access_group, signed_in
from solidarity.accounts.models import User
from solidarity.campaigns.access import (
    CAMPAIGN_MEMBER,
    CAMPAIGN_ORGANISER,
    ORGANISERS,
    access_campaign,
    access_campaign_scoped,
    line_of,
    subject_of,
    target_of,
)
from solidarity.campaigns.calling import channel
from solidarity.campaigns.forms import CampaignForm, CloseForm, ConsentForm, SubjectForm, TargetForm
from solidarity.campaigns.models import Campaign, State
from solidarity.campaigns.overview import overview
from solidarity.campaigns.pages import is_paused, with_totals
from solidarity.campaigns.scripts import names
from solidarity.campaigns.services import (
    do_add_target,
    do_check_target,
    do_close_campaign,
    do_confirm_line,
    do_create_campaign,
    do_go_live,
    do_pause,
    do_record_consent,
    do_remove_target,
    do_set_subject,
    do_update_campaign,
    do_update_target,
    do_withdraw_consent,
)
from solidarity.core.forms import submitted as forms_submitted
from solidarity.core.permissions import Role, permission, role, roles_in

GROUP_MEMBER = role(Role.MEMBER)
GROUP_ORGANISER = role(*ORGANISERS)
RENAMED = {"lines": "phone_0"}  # a service's field -> the form's


def language() -> str:
    return (get_language() or "en")[:2]


def submitted(request: HttpRequest, form: forms.Form, act: Callable[[], object]) -> bool:
    return forms_submitted(request, form, act, RENAMED)


def status_of(request: HttpRequest) -> int:
    return 400 if request.method == "POST" else 200


@require_GET
@permission(GROUP_MEMBER)
def group_campaigns(request: HttpRequest, group: str) -> HttpResponse:
    """The group's campaigns, newest first, with their state and calls counted; "new campaign" for organisers."""
    user = signed_in(request)
    found = access_group(user, group, Role.MEMBER)
    context = {
        "group": found,
        "campaigns": with_totals(found),
        "organiser": bool(roles_in(user, found.slug) & set(ORGANISERS)),
    }
    return render(request, "campaigns/list.html", context)


@require_http_methods(["GET", "POST"])
@permission(GROUP_ORGANISER)
def create_campaign(request: HttpRequest, group: str) -> HttpResponse:
    user = signed_in(request)
    found = access_group(user, group, GROUP_ORGANISER)
    form = CampaignForm(request.POST or None)
    made: list[Campaign] = []
    if submitted(request, form, lambda: made.append(do_create_campaign(found, form.values(), by=user))):
        messages.success(request, _("The campaign was made. Add the offices to call next."))
        return redirect("campaigns:campaign", campaign=made[0].code)
    context = {"group": found, "form": form, "title": _("A new call-in campaign"), "placeholders": names()}
    return render(request, "campaigns/campaign_form.html", context, status=status_of(request))


def board(
    request: HttpRequest, campaign: str, *, errors: Sequence[str] = (), close: CloseForm | None = None
) -> HttpResponse:
    user = signed_in(request)
    scoped = access_campaign_scoped(user, campaign)
    found, organiser = scoped.obj, scoped.has(*ORGANISERS)
    context = {
        "campaign": found,
        "title": found.title(language()),
        "organiser": organiser,
        "paused": is_paused(found),
        "picture": overview(found, user, organiser=organiser, language=language()),
        "channel": channel(found),
        "errors": errors,
        "close_form": close or (CloseForm() if organiser and found.state != State.CLOSED else None),
    }
    if getattr(request, "htmx", False):  # the live redraw: the offices and tallies only
        return render(request, "campaigns/_board.html", context)
    return render(request, "campaigns/campaign.html", context, status=400 if errors or close else 200)


@require_GET
@never_cache
@permission(CAMPAIGN_MEMBER)
def campaign_page(request: HttpRequest, campaign: str) -> HttpResponse:
    """The campaign's state and window, each office with its numbers (tap to call), hours, check, the live status
    of each number and its tally per outcome, and the calls a day; the coordinators' buttons."""
    return board(request, campaign)


def acted(request: HttpRequest, campaign: str, act: Callable[[User, Campaign], object], done: str) -> HttpResponse:
    """A button of the campaign's page: its service, then back to the page (the refusal on it, 400)."""
    user = signed_in(request)
    found = access_campaign(user, campaign, *ORGANISERS)
    try:
        act(user, found)
    except ValidationError as error:
        return board(request, campaign, errors=error.messages)
    messages.success(request, done)
    return redirect("campaigns:campaign", campaign=found.code)


@require_POST
@permission(CAMPAIGN_ORGANISER)
def go_live(request: HttpRequest, campaign: str) -> HttpResponse:
    return acted(request, campaign, lambda user, found: do_go_live(found, by=user), _("The campaign is live."))


@require_POST
@permission(CAMPAIGN_ORGANISER)
def pause(request: HttpRequest, campaign: str) -> HttpResponse:
    done = _("The campaign is paused: callers are not given offices until it goes live again.")
    return acted(request, campaign, lambda user, found: do_pause(found, by=user), done)


@require_POST
@permission(CAMPAIGN_ORGANISER)
def close(request: HttpRequest, campaign: str) -> HttpResponse:
    """Close for good with the result and what happened, in both languages (the page's form)."""
    user = signed_in(request)
    found = access_campaign(user, campaign, *ORGANISERS)
    form = CloseForm(request.POST)

    def act() -> object:
        data = form.cleaned_data
        return do_close_campaign(found, data["result"], data["result_en"], data["result_es"], by=user)

    if submitted(request, form, act):
        messages.success(request, _("The campaign is closed. Its page is now the report-back."))
        return redirect("campaigns:campaign", campaign=found.code)
    return board(request, campaign, close=form)


@require_http_methods(["GET", "POST"])
@permission(CAMPAIGN_ORGANISER)
def edit_campaign(request: HttpRequest, campaign: str) -> HttpResponse:
    user = signed_in(request)
    found = access_campaign(user, campaign, *ORGANISERS)
    form = CampaignForm(request.POST or None, campaign=found)
    if submitted(request, form, lambda: do_update_campaign(found, form.values(), by=user)):
        messages.success(request, _("The campaign was saved."))
        return redirect("campaigns:campaign", campaign=found.code)
    context = {
        "group": found.group,
        "campaign": found,
        "form": form,
        "title": _("Change the campaign"),
        "placeholders": names(),
    }
    return render(request, "campaigns/campaign_form.html", context, status=status_of(request))


def target_page(request: HttpRequest, found: Campaign, form: TargetForm, title: str) -> HttpResponse:
    context = {"campaign": found, "form": form, "title": title}
    return render(request, "campaigns/target_form.html", context, status=status_of(request))


@require_http_methods(["GET", "POST"])
@permission(CAMPAIGN_ORGANISER)
def add_target(request: HttpRequest, campaign: str) -> HttpResponse:
    user = signed_in(request)
    found = access_campaign(user, campaign, *ORGANISERS)
    form = TargetForm(request.POST or None)
    if submitted(request, form, lambda: do_add_target(found, form.values(), by=user)):
        messages.success(request, _("The office was added. Another organiser must check it before callers get it."))
        return redirect("campaigns:campaign", campaign=found.code)
    return target_page(request, found, form, _("Add an office to call"))


@require_http_methods(["GET", "POST"])
@permission(CAMPAIGN_ORGANISER)
def edit_target(request: HttpRequest, campaign: str, target: str) -> HttpResponse:
    user = signed_in(request)
    found = access_campaign(user, campaign, *ORGANISERS)
    office = target_of(found, target)
    form = TargetForm(request.POST or None, target=office)
    if submitted(request, form, lambda: do_update_target(office, form.values(), by=user)):
        messages.success(request, _("The office was saved. A change needs another organiser's check."))
        return redirect("campaigns:campaign", campaign=found.code)
    return target_page(request, found, form, _("Change an office"))


@require_http_methods(["GET", "POST"])
@permission(CAMPAIGN_ORGANISER)
def remove_target(request: HttpRequest, campaign: str, target: str) -> HttpResponse:
    """Are you sure (GET), then take the office out with its calls (POST)."""
    user = signed_in(request)
    found = access_campaign(user, campaign, *ORGANISERS)
    office = target_of(found, target)
    if request.method == "POST":
        do_remove_target(office, by=user)
        messages.success(request, _("The office was taken out of the campaign."))
        return redirect("campaigns:campaign", campaign=found.code)
    context = {"campaign": found, "office": office.name(language()), "calls": office.calls.count()}
    return render(request, "campaigns/remove_target.html", context)


@require_POST
@permission(CAMPAIGN_ORGANISER)
def check_target(request: HttpRequest, campaign: str, target: str) -> HttpResponse:
    """A second organiser checked the office's numbers and script (never one who changed them)."""

    def act(user: User, found: Campaign) -> object:
        return do_check_target(target_of(found, target), by=user)

    return acted(request, campaign, act, _("The office is checked: callers may be given it."))


@require_POST
@permission(CAMPAIGN_ORGANISER)
def confirm_line(request: HttpRequest, campaign: str, line: str) -> HttpResponse:
    """An organiser called a number reported wrong, and it is right: callers are given it again."""

    def act(user: User, found: Campaign) -> object:
        return do_confirm_line(line_of(found, line), by=user)

    return acted(request, campaign, act, _("The number is confirmed: callers are given it again."))


@require_http_methods(["GET", "POST"])
@never_cache
@permission(CAMPAIGN_ORGANISER)
def subject(request: HttpRequest, campaign: str) -> HttpResponse:
    """The person the campaign is for and their consent: the name and identifiers masked unless asked (and that
    asking is audited); changing them needs consent again."""
    user = signed_in(request)
    found = access_campaign(user, campaign, *ORGANISERS)
    shown = request.method == "POST" or request.GET.get("show") == "1"
    form = SubjectForm(request.POST or None)
    if shown and request.method == "GET":
        name, identifiers = subject_of(user, found)
        form = SubjectForm(initial={"subject_name": name, "subject_identifiers": identifiers})

    def act() -> object:
        return do_set_subject(
            found, form.cleaned_data["subject_name"], form.cleaned_data["subject_identifiers"], by=user
        )

    if submitted(request, form, act):
        messages.success(request, _("Saved. A new name or identifiers need consent again before callers see them."))
        return redirect("campaigns:subject", campaign=found.code)
    context = {"campaign": found, "form": form if shown else None, "consent_form": ConsentForm()}
    return render(request, "campaigns/subject.html", context, status=status_of(request))


@require_POST
@permission(CAMPAIGN_ORGANISER)
def record_consent(request: HttpRequest, campaign: str) -> HttpResponse:
    """Record the person's or their family's consent, or their lawyer's (`lawyer=1`)."""
    user = signed_in(request)
    found = access_campaign(user, campaign, *ORGANISERS)
    form = ConsentForm(request.POST)
    lawyer = request.POST.get("lawyer") == "1"

    def act() -> object:
        return do_record_consent(found, lawyer=lawyer, consent_from=form.cleaned_data["consent_from"], by=user)

    if submitted(request, form, act):
        messages.success(request, _("The consent was recorded."))
        return redirect("campaigns:subject", campaign=found.code)
    context = {"campaign": found, "form": None, "consent_form": form}
    return render(request, "campaigns/subject.html", context, status=400)


@require_POST
@permission(CAMPAIGN_ORGANISER)
def withdraw_consent(request: HttpRequest, campaign: str) -> HttpResponse:
    user = signed_in(request)
    found = access_campaign(user, campaign, *ORGANISERS)
    do_withdraw_consent(found, by=user)
    messages.success(request, _("Consent was withdrawn: callers no longer see the name or identifiers."))
    return redirect("campaigns:subject", campaign=found.code)
