"""The organisers' pages of actions: a group's actions, a new one, an action's page (what, when, where, its state,
the links to its public page, flyer and calendar file, and the coordinators' buttons: publish, take down, cancel,
mark over) and the form that changes it. Bilingual, phone-first, whole without JavaScript.

Members of the action's group see it; its coordinators (the organisers) act; to anyone else it does not exist
(404). Every change goes through events.services; a refusal comes back on the page (400).
"""

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from solidarity.accounts.access import access_group, signed_in
from solidarity.accounts.models import User
from solidarity.core.forms import submitted
from solidarity.core.permissions import Role, owner_role, permission, role, roles_in
from solidarity.events import calendar
from solidarity.events.access import (
    ORGANISERS,
    PUBLIC_STATES,
    access_action,
    access_action_scoped,
    group_actions,
)
from solidarity.events.action_forms import ActionForm
from solidarity.events.checklist import checklist
from solidarity.events.models import Action
from solidarity.events.services import (
    OVER,
    do_cancel_action,
    do_create_action,
    do_finish_action,
    do_publish_action,
    do_unpublish_action,
    do_update_action,
)

GROUP_MEMBER = role(Role.MEMBER)
GROUP_ORGANISER = role(*ORGANISERS)
ACTION_MEMBER = owner_role(Role.MEMBER, access=access_action_scoped, kwarg="action")
ACTION_ORGANISER = owner_role(*ORGANISERS, access=access_action_scoped, kwarg="action")


def status_of(request: HttpRequest) -> int:
    return 400 if request.method == "POST" else 200


@require_GET
@permission(GROUP_MEMBER)
def group_actions_page(request: HttpRequest, group: str) -> HttpResponse:
    """The group's actions, latest first, with their state; "new action" for its coordinators."""
    user = signed_in(request)
    found = access_group(user, group, Role.MEMBER)
    actions = [(action, calendar.when_text(action)) for action in group_actions(found)]
    organiser = bool(roles_in(user, found.slug) & set(ORGANISERS))
    return render(request, "events/actions/list.html", {"group": found, "actions": actions, "organiser": organiser})


@require_http_methods(["GET", "POST"])
@permission(GROUP_ORGANISER)
def create_action(request: HttpRequest, group: str) -> HttpResponse:
    user = signed_in(request)
    found = access_group(user, group, GROUP_ORGANISER)
    form = ActionForm(request.POST or None)
    made: list[Action] = []
    if submitted(request, form, lambda: made.append(do_create_action(found, form.values(), by=user))):
        messages.success(request, _("The action was made. Its public page goes up when you publish it."))
        return redirect("events:action", action=made[0].code)
    context = {"group": found, "form": form, "title": _("A new action")}
    return render(request, "events/actions/form.html", context, status=status_of(request))


def action_board(request: HttpRequest, action: str, errors: list[str] | None = None) -> HttpResponse:
    scoped = access_action_scoped(signed_in(request), action)
    context = {
        "action": scoped.obj,
        "organiser": scoped.has(*ORGANISERS),
        "when": calendar.when_text(scoped.obj),
        "is_over": scoped.obj.state in OVER,
        "is_public": scoped.obj.state in PUBLIC_STATES and scoped.obj.published_at is not None,
        "errors": errors or [],
        # The organisers' checklist at a glance: each step done or what is missing, and its owner.
        "steps": checklist(scoped.obj),
    }
    return render(request, "events/actions/action.html", context, status=400 if errors else 200)


@require_GET
@never_cache
@permission(ACTION_MEMBER)
def action_page(request: HttpRequest, action: str) -> HttpResponse:
    """What, when, where and the state; links to the public page, flyer and calendar; the organisers' buttons."""
    return action_board(request, action)


@require_http_methods(["GET", "POST"])
@permission(ACTION_ORGANISER)
def edit_action(request: HttpRequest, action: str) -> HttpResponse:
    user = signed_in(request)
    found = access_action(user, action, *ORGANISERS)
    form = ActionForm(request.POST or None, action=found)
    if submitted(request, form, lambda: do_update_action(found, form.values(), by=user)):
        messages.success(request, _("The action was saved."))
        return redirect("events:action", action=found.code)
    context = {"group": found.group, "action": found, "form": form, "title": _("Change the action")}
    return render(request, "events/actions/form.html", context, status=status_of(request))


def acted(request: HttpRequest, action: str, act: Callable[[Action, User], bool], done: str, same: str) -> HttpResponse:
    """A button of the action's page: its service, then back to the page (a refusal on it, 400)."""
    user = signed_in(request)
    found = access_action(user, action, *ORGANISERS)
    try:
        changed = act(found, user)
    except ValidationError as error:
        return action_board(request, action, error.messages)
    messages.success(request, done if changed else same)
    return redirect("events:action", action=found.code)


@require_POST
@permission(ACTION_ORGANISER)
def publish_action(request: HttpRequest, action: str) -> HttpResponse:
    def act(found: Action, user: User) -> bool:
        return do_publish_action(found, by=user)

    return acted(request, action, act, _("The public page is up."), _("The public page was up already."))


@require_POST
@permission(ACTION_ORGANISER)
def unpublish_action(request: HttpRequest, action: str) -> HttpResponse:
    def act(found: Action, user: User) -> bool:
        return do_unpublish_action(found, by=user)

    return acted(request, action, act, _("The public page is down."), _("The public page was not up."))


@require_POST
@permission(ACTION_ORGANISER)
def cancel_action(request: HttpRequest, action: str) -> HttpResponse:
    def act(found: Action, user: User) -> bool:
        return do_cancel_action(found, by=user)

    done = _("The action is cancelled. Its public page says so.")
    return acted(request, action, act, done, _("The action was over already."))


@require_POST
@permission(ACTION_ORGANISER)
def finish_action(request: HttpRequest, action: str) -> HttpResponse:
    def act(found: Action, user: User) -> bool:
        return do_finish_action(found, by=user)

    return acted(request, action, act, _("The action is marked over."), _("The action was over already."))
