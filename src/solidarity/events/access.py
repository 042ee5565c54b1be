"""Fetching the actions a request may touch: every access_* checks first.

An action belongs to a working group. Its coordinators organise it (the action, its slots, its checklist,
its update list, the debrief); its group's members see the organisers' page and sign up. Its public page
is anyone's once published (and stays, saying so, when the action is cancelled or over); a draft does not
exist for anyone outside the group (Http404). The jail-support board is for the organisers, the action's
jail-support leads and whoever holds a jail-support slot; arrest plans are for the two leads alone.
"""

from uuid import UUID

from django.db.models import QuerySet
from django.http import Http404

from solidarity.accounts.models import WorkingGroup
from solidarity.core.codes import as_uuid, is_uuid
from solidarity.core.permissions import AnyUser, Role, Scoped, access_scoped
from solidarity.events.models import Action, ActionState

ORGANISERS = (Role.COORDINATOR,)
PUBLIC_STATES = (ActionState.PUBLISHED, ActionState.CANCELLED, ActionState.DONE)


def find_action(action: str | UUID) -> Action | None:
    """The action named by its code (any case) or its uuid."""
    found = Action.objects.select_related("group", "zone", "updates_list")
    if isinstance(action, UUID) or is_uuid(str(action)):
        return found.filter(uuid=as_uuid(action)).first()
    code = str(action).strip()
    if not code.isalnum() or len(code) > 8:  # no code is longer, and no query for what is none
        return None
    return found.filter(code=code.upper()).first()


def access_action_scoped(user: AnyUser, action: str | UUID) -> Scoped[Action]:
    """The action, with the caller's roles in its group; Http404 for anyone not in that group."""
    return access_scoped(
        user, ("events.action", str(action)), lambda: find_action(action), lambda found: found.group.slug
    )


def access_action(user: AnyUser, action: str | UUID, *roles: Role) -> Action:
    """The action, when the caller holds one of `roles` in its group (any membership when none are given)."""
    scoped = access_action_scoped(user, action)
    if roles and not scoped.has(*roles):
        raise Http404
    return scoped.obj


def access_public_action(action: str | UUID) -> Action:
    """The action as the public reaches it: published, or cancelled or over once it was; Http404 otherwise."""
    found = find_action(action)
    if found is None or found.state not in PUBLIC_STATES or found.published_at is None:
        raise Http404
    return found


def group_actions(group: WorkingGroup) -> "QuerySet[Action]":
    """A group the caller reached through access_group: its actions, soonest first, past ones last."""
    return Action.objects.filter(group=group).select_related("group").order_by("-starts_at", "pk")


def public_actions() -> "QuerySet[Action]":
    """Published actions still to come, soonest first: the network's public list."""
    return Action.objects.filter(state=ActionState.PUBLISHED).select_related("group").order_by("starts_at", "pk")
