"""Jail support's pages: the board of arrests at an action (its coordinators, its jail-support leads, whoever
holds a jail-support sign-up), an arrest with its criminal bail request, the arrest plans (the leads only), the
leads (coordinators), the "write it on your arm" cards (the group's members), and one's own arrest plan.

Phone-first and whole without JavaScript; with it, the board redraws when the "action-jail" channel says an
arrest changed. Every view of the board and every read of a plan is audited (events.jail_access). To anyone
else, these pages do not exist (404).
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

from solidarity.accounts.access import signed_in
from solidarity.accounts.models import User
from solidarity.core.downloads import PDF, file_response
from solidarity.core.forms import submitted
from solidarity.core.permissions import Role, owner_role, permission, roles_in
from solidarity.events.access import access_action, access_action_scoped
from solidarity.events.jail import (
    accounts_named,
    bail_of,
    do_advance_arrest,
    do_delete_plan,
    do_end_support,
    do_link_plan,
    do_record_arrest,
    do_request_bail,
    do_save_plan,
    do_set_jail_leads,
    do_update_arrest,
    do_withdraw_bail,
    is_open_for_plans,
    next_state,
)
from solidarity.events.jail import channel as jail_channel
from solidarity.events.jail_access import (
    JAIL_BOARD,
    PARTICIPANT,
    PLAN_READERS,
    access_arrest,
    access_board,
    access_board_scoped,
    access_participant_scoped,
    is_lead,
    on_board,
    own_plan,
    plan_of,
    read_plans,
)
from solidarity.events.jail_cards import arm_cards_pdf, hotline_text
from solidarity.events.jail_forms import (
    ArrestForm,
    BailForm,
    CardsForm,
    LeadsForm,
    LinkPlanForm,
    NewArrestForm,
    PlanForm,
    WhereForm,
)
from solidarity.events.models import Action, Arrest, ArrestState

ORGANISER = owner_role(Role.COORDINATOR, access=access_action_scoped, kwarg="action")
MEMBER = owner_role(Role.MEMBER, access=access_action_scoped, kwarg="action")


def language() -> str:
    return (get_language() or "en")[:2]


def status_of(request: HttpRequest) -> int:
    return 400 if request.method == "POST" else 200


def board_page(request: HttpRequest, action: str, errors: Sequence[str] = ()) -> HttpResponse:
    user = signed_in(request)
    scoped = access_board(user, action)
    found = scoped.obj
    arrests = [(arrest, next_state(arrest.state), bail_of(arrest)) for arrest in on_board(found)]
    context = {
        "action": found,
        "arrests": arrests,
        "ended": found.arrests.filter(support_ended_at__isnull=False).count(),
        "lead": Role.JAIL_SUPPORT_LEAD in scoped.roles,
        "organiser": Role.COORDINATOR in scoped.roles,
        "in_group": bool(roles_in(user, found.group.slug)),
        "hotline": hotline_text(found),
        "channel": jail_channel(found),
        "errors": errors,
        "located": ArrestState.LOCATED,
    }
    return render(request, "events/jail/board.html", context, status=400 if errors else 200)


@require_GET
@never_cache
@permission(JAIL_BOARD)
def jail_board(request: HttpRequest, action: str) -> HttpResponse:
    """The arrests whose support has not ended: support name, state, where held, needs on release, bail."""
    return board_page(request, action)


def acted(
    request: HttpRequest, action: str, arrest: str, act: Callable[[User, Arrest], object], done: str
) -> HttpResponse:
    """A button of the board: its service, then back to the board (a refusal shown on it, 400)."""
    user = signed_in(request)
    found = access_arrest(user, action, arrest)
    try:
        act(user, found)
    except ValidationError as error:
        return board_page(request, action, errors=error.messages)
    messages.success(request, done)
    return redirect("events:jail-board", action=found.action.code)


@require_POST
@permission(JAIL_BOARD)
def jail_advance(request: HttpRequest, action: str, arrest: str) -> HttpResponse:
    """One step forward: located (with where held), arraigned, released."""
    form = WhereForm(request.POST)
    where = form.cleaned_data["where"] if form.is_valid() else ""
    return acted(
        request, action, arrest, lambda user, found: do_advance_arrest(found, by=user, where=where), _("Saved.")
    )


@require_POST
@permission(JAIL_BOARD)
def jail_end_support(request: HttpRequest, action: str, arrest: str) -> HttpResponse:
    done = _("Their support has ended. Their arrest plan was deleted.")
    return acted(request, action, arrest, lambda user, found: do_end_support(found, by=user), done)


@require_POST
@permission(JAIL_BOARD)
def jail_withdraw_bail(request: HttpRequest, action: str, arrest: str) -> HttpResponse:
    done = _("The criminal bail request was withdrawn.")
    return acted(request, action, arrest, lambda user, found: do_withdraw_bail(found, by=user), done)


@require_http_methods(["GET", "POST"])
@permission(JAIL_BOARD)
def jail_new_arrest(request: HttpRequest, action: str) -> HttpResponse:
    """Record an arrest; a lead may link the person's arrest plan (chosen by support name: a read, audited)."""
    user = signed_in(request)
    found = access_board_scoped(user, action).obj
    plans = read_plans(user, found.uuid, "new-arrest")[1] if is_lead(user, found) else None
    form = NewArrestForm(request.POST or None, plans=plans)

    def act() -> object:
        chosen = form.cleaned_data.get("plan")
        plan = plan_of(user, found, chosen) if chosen else None
        return do_record_arrest(found, form.values(), by=user, plan=plan)

    if submitted(request, form, act):
        messages.success(request, _("The arrest is on the board."))
        return redirect("events:jail-board", action=found.code)
    return render(request, "events/jail/arrest_new.html", {"action": found, "form": form}, status=status_of(request))


def arrest_page(
    request: HttpRequest, action: str, arrest: str, *, form: ArrestForm | None = None, bail: BailForm | None = None
) -> HttpResponse:
    user = signed_in(request)
    scoped = access_board(user, action)
    found = access_arrest(user, action, arrest)
    lead = Role.JAIL_SUPPORT_LEAD in scoped.roles
    plans = (
        [plan for plan in read_plans(user, found.action.uuid, "arrest")[1] if plan.arrest_id in (None, found.pk)]
        if lead
        else []
    )
    context = {
        "action": found.action,
        "arrest": found,
        "form": form or ArrestForm(arrest=found),
        "bail_form": bail or BailForm(),
        "bail": bail_of(found),
        "lead": lead,
        "link_form": LinkPlanForm(plans=plans) if plans else None,
        "linked": next((plan for plan in plans if plan.arrest_id == found.pk), None),
    }
    return render(request, "events/jail/arrest.html", context, status=400 if (form or bail) else 200)


@require_http_methods(["GET", "POST"])
@permission(JAIL_BOARD)
def jail_arrest(request: HttpRequest, action: str, arrest: str) -> HttpResponse:
    """One arrest: what the board says of it (changeable), its criminal bail request, its plan (leads)."""
    user = signed_in(request)
    found = access_arrest(user, action, arrest)
    form = ArrestForm(request.POST, arrest=found) if request.method == "POST" else None
    if form is not None and submitted(request, form, lambda: do_update_arrest(found, form.values(), by=user)):
        messages.success(request, _("Saved."))
        return redirect("events:jail-board", action=found.action.code)
    return arrest_page(request, action, arrest, form=form)


@require_POST
@permission(JAIL_BOARD)
def jail_bail(request: HttpRequest, action: str, arrest: str) -> HttpResponse:
    """Ask the medical and legal fund for a criminal bail (fianza penal): the amount, and where and whom to pay."""
    user = signed_in(request)
    found = access_arrest(user, action, arrest)
    form = BailForm(request.POST)

    def act() -> object:
        data = form.cleaned_data
        return do_request_bail(found, data["amount"], payer_note=data["payer_note"], by=user)

    if submitted(request, form, act):
        messages.success(request, _("The medical and legal fund was asked for the criminal bail."))
        return redirect("events:jail-arrest", action=found.action.code, arrest=found.uuid)
    return arrest_page(request, action, arrest, bail=form)


@require_POST
@permission(PLAN_READERS)
def jail_link_plan(request: HttpRequest, action: str, arrest: str) -> HttpResponse:
    """A lead links the person's arrest plan to their arrest: kept until their support ends."""
    user = signed_in(request)
    found = access_arrest(user, action, arrest)
    plans = [plan for plan in read_plans(user, found.action.uuid, "link")[1] if plan.arrest_id in (None, found.pk)]
    form = LinkPlanForm(request.POST, plans=plans)

    def act() -> None:
        do_link_plan(found, plan_of(user, found.action, form.cleaned_data["plan"]), by=user)

    if submitted(request, form, act):
        messages.success(request, _("Their arrest plan is linked."))
    else:
        messages.error(request, " ".join(str(error) for error in form.errors.get("plan", [])) or _("Choose one."))
    return redirect("events:jail-arrest", action=found.action.code, arrest=found.uuid)


@require_GET
@never_cache
@permission(PLAN_READERS)
def jail_plans(request: HttpRequest, action: str) -> HttpResponse:
    """The action's arrest plans, for its jail-support leads only; this read is audited."""
    found, plans = read_plans(signed_in(request), action, "plans")
    return render(request, "events/jail/plans.html", {"action": found, "plans": plans})


@require_http_methods(["GET", "POST"])
@permission(ORGANISER)
def jail_leads(request: HttpRequest, action: str) -> HttpResponse:
    """The action's coordinators name its jail-support leads (at most two)."""
    user = signed_in(request)
    found = access_action(user, action, Role.COORDINATOR)
    form = LeadsForm(request.POST or None, leads=list(found.jail_leads.order_by("username")))
    if submitted(request, form, lambda: do_set_jail_leads(found, accounts_named(form.usernames()), by=user)):
        messages.success(request, _("The jail-support leads are saved."))
        return redirect("events:jail-board", action=found.code)
    return render(request, "events/jail/leads.html", {"action": found, "form": form}, status=status_of(request))


@require_GET
@permission(MEMBER)
def jail_cards(request: HttpRequest, action: str) -> HttpResponse:
    """The "write it on your arm" cards: the paper and layout; how to add a hotline when there is none."""
    found = access_action(signed_in(request), action)
    return cards_page(request, found, CardsForm())


def cards_page(request: HttpRequest, found: Action, form: forms.Form, status: int = 200) -> HttpResponse:
    context = {
        "action": found,
        "form": form,
        "hotline": hotline_text(found),
        "edit_path": f"/{language()}/actions/{found.code}/edit/",
    }
    return render(request, "events/jail/cards.html", context, status=status)


@require_GET
@permission(MEMBER)
def jail_cards_pdf(request: HttpRequest, action: str) -> HttpResponse:
    found = access_action(signed_in(request), action)
    form = CardsForm(request.GET)
    if not form.is_valid() or not hotline_text(found):
        return cards_page(request, found, form, status=400)
    made = arm_cards_pdf(found, *form.printing())
    return file_response(made.content, PDF, made.filename)


@require_http_methods(["GET", "POST"])
@never_cache
@permission(PARTICIPANT)
def arrest_plan(request: HttpRequest, action: str) -> HttpResponse:
    """One's own arrest plan for the action: optional, encrypted, read only by its two jail-support leads."""
    user = signed_in(request)
    found = access_participant_scoped(user, action).obj
    person, plan = own_plan(user, found)
    form = PlanForm(request.POST or None, plan=plan)
    if person is not None and submitted(request, form, lambda: do_save_plan(found, person, form.values(), by=user)):
        messages.success(request, _("Your arrest plan is saved. Only the action's jail-support leads can read it."))
        return redirect("events:arrest-plan", action=found.code)
    context = {
        "action": found,
        "form": form,
        "person": person,
        "plan": plan,
        "is_open": is_open_for_plans(found),
        "leads": found.jail_leads.count(),
    }
    return render(request, "events/jail/plan.html", context, status=status_of(request))


@require_POST
@permission(PARTICIPANT)
def delete_arrest_plan(request: HttpRequest, action: str) -> HttpResponse:
    user = signed_in(request)
    found = access_participant_scoped(user, action).obj
    _person, plan = own_plan(user, found)
    if plan is None:
        messages.info(request, _("You have no arrest plan for this action."))
        return redirect("events:arrest-plan", action=found.code)
    plan.action = found
    try:
        do_delete_plan(plan, by=user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("events:arrest-plan", action=found.code)
    messages.success(request, _("Your arrest plan is deleted."))
    return redirect("events:arrest-plan", action=found.code)
