"""Fetching what jail support may touch: the board, an arrest on it, the arrest plans, one's own plan.

- The jail-support board of an action is for its group's coordinators, the action's jail-support leads
  (Action.jail_leads: members of the network, in its group or not) and whoever holds a sign-up in one of its
  jail-support slots (signed up or attended). Every view of it is audited ("viewed", ids only).
- Arrest plans are for the action's jail-support leads alone: not its coordinators, not anyone's group.
  Every read is audited with the ids of the plans read.
- One's own plan: any member of the network with a person record, for an action they can see (published,
  or of their own group); its group's members reach the page even without a record (it says what is missing).

To anyone else, none of it exists (Http404). The roles a `Scoped` answer carries here are the caller's on the
board (coordinator, jail-support lead, member for a jail-support sign-up), not their group's roles.
"""

from uuid import UUID

from django.db.models import QuerySet
from django.http import Http404

from solidarity.accounts.models import User
from solidarity.core import audit
from solidarity.core.codes import as_uuid, is_uuid
from solidarity.core.models import AuditAction
from solidarity.core.permissions import AnyUser, Role, Roles, Scoped, owner_role, remember, roles_in
from solidarity.events.access import find_action
from solidarity.events.models import Action, ActionState, Arrest, ArrestPlan, SignUp, SignUpState
from solidarity.events.models import Role as SlotRole
from solidarity.people.access import record_of
from solidarity.people.models import Person

BOARD_SIGN_UPS = (SignUpState.SIGNED_UP, SignUpState.ATTENDED)
SEEN_STATES = (ActionState.PUBLISHED, ActionState.CANCELLED, ActionState.DONE)


def is_lead(user: AnyUser, action: Action) -> bool:
    """Is `user` one of the action's named jail-support leads?"""
    pk = getattr(user, "pk", None)
    if not isinstance(pk, int) or not user.is_active:
        return False
    return remember(user, ("events.jail-lead", action.pk), lambda: action.jail_leads.filter(pk=pk).exists())


def holds_jail_sign_up(user: AnyUser, action: Action) -> bool:
    """Does `user`'s person record hold a sign-up (signed up or attended) in a jail-support slot of the action?"""
    mine = record_of(user)
    if mine is None:
        return False
    return SignUp.objects.filter(
        person=mine, slot__action=action, slot__role=SlotRole.JAIL_SUPPORT, state__in=BOARD_SIGN_UPS
    ).exists()


def board_roles(user: AnyUser, action: Action) -> Roles:
    """The caller's roles on the action's board: coordinator (of its group), jail-support lead, member (a
    jail-support sign-up). Empty: the board does not exist for them."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    held = set(roles_in(user, action.group.slug) & {Role.COORDINATOR})
    if is_lead(user, action):
        held.add(Role.JAIL_SUPPORT_LEAD)
    if not held and holds_jail_sign_up(user, action):
        held.add(Role.MEMBER)
    return frozenset(held)


def access_board_scoped(user: AnyUser, action: str | UUID) -> Scoped[Action]:
    """The action, for its jail-support board, with the caller's roles there; Http404 for anyone else."""

    def scoped() -> Scoped[Action]:
        found = find_action(action)
        held = board_roles(user, found) if found is not None else frozenset()
        if found is None or not held:
            raise Http404
        return Scoped(found, found.group.slug, held)

    return remember(user, ("events.jail_board", str(action)), scoped)


def viewer_role(held: Roles) -> str:
    for role in (Role.JAIL_SUPPORT_LEAD, Role.COORDINATOR, Role.MEMBER):
        if role in held:
            return str(role)
    return ""


def access_board(user: AnyUser, action: str | UUID) -> Scoped[Action]:
    """The board, audited as seen (the action's id and how many arrests it shows). Http404 for anyone else."""
    scoped = access_board_scoped(user, action)
    audit.record(
        actor=str(getattr(user, "uuid", audit.SYSTEM)),
        role=viewer_role(scoped.roles),
        action=AuditAction.VIEWED,
        object_type="events.jail_board",
        object_ids=[scoped.obj.uuid],
        detail={"arrests": scoped.obj.arrests.filter(support_ended_at__isnull=True).count()},
    )
    return scoped


def access_arrest(user: AnyUser, action: str | UUID, arrest: str | UUID) -> Arrest:
    """One arrest on the action's board, for someone the board is for; Http404 otherwise."""
    scoped = access_board_scoped(user, action)
    if not is_uuid(str(arrest)):
        raise Http404
    found = Arrest.objects.filter(action=scoped.obj, uuid=as_uuid(arrest)).select_related("bail_request").first()
    if found is None:
        raise Http404
    found.action = scoped.obj
    return found


def on_board(action: Action) -> "QuerySet[Arrest]":
    """An action's arrests whose support has not ended (the action reached through access_board), oldest first."""
    return (
        action.arrests.filter(support_ended_at__isnull=True)
        .select_related("bail_request")
        .order_by("arrested_at", "pk")
    )


# Arrest plans: the leads only.


def access_plans_scoped(user: AnyUser, action: str | UUID) -> Scoped[Action]:
    """The action, for reading its arrest plans: its named jail-support leads only; Http404 for anyone else."""

    def scoped() -> Scoped[Action]:
        found = find_action(action)
        if found is None or not is_lead(user, found):
            raise Http404
        return Scoped(found, found.group.slug, frozenset({Role.JAIL_SUPPORT_LEAD}))

    return remember(user, ("events.arrest-plans", str(action)), scoped)


def plans_read(user: AnyUser, action: Action, plans: list[ArrestPlan], why: str) -> list[ArrestPlan]:
    """Record that a lead read these plans (their ids; `why`: the page or the list that showed them)."""
    audit.record(
        actor=str(getattr(user, "uuid", audit.SYSTEM)),
        role=str(Role.JAIL_SUPPORT_LEAD),
        action=AuditAction.VIEWED,
        object_type="events.arrestplan",
        object_ids=[action.uuid, *(plan.uuid for plan in plans)],
        detail={"count": len(plans), "shown_on": why},
    )
    return plans


def read_plans(user: AnyUser, action: str | UUID, why: str) -> tuple[Action, list[ArrestPlan]]:
    """The action's arrest plans for one of its leads, every read audited; Http404 for anyone else."""
    found = access_plans_scoped(user, action).obj
    plans = list(found.arrest_plans.select_related("arrest").order_by("created_at", "pk"))
    return found, plans_read(user, found, plans, why)


def plan_of(user: AnyUser, action: Action, plan: str | UUID) -> ArrestPlan:
    """One of the action's plans, for one of its leads (audited); Http404 otherwise."""
    access_plans_scoped(user, action.uuid)
    found = action.arrest_plans.filter(uuid=as_uuid(plan)).first() if is_uuid(str(plan)) else None
    if found is None:
        raise Http404
    plans_read(user, action, [found], "link")
    return found


# One's own plan.


def access_participant_scoped(user: AnyUser, action: str | UUID) -> Scoped[Action]:
    """The action, for the caller's own arrest plan: its group's members, and anyone with a person record once
    the action is public; Http404 for anyone else (and for a draft outside its group)."""

    def scoped() -> Scoped[Action]:
        found = find_action(action)
        if found is None:
            raise Http404
        held = roles_in(user, found.group.slug)
        if not held and found.state in SEEN_STATES and found.published_at and record_of(user) is not None:
            held = frozenset({Role.MEMBER})
        if not held:
            raise Http404
        return Scoped(found, found.group.slug, held)

    return remember(user, ("events.arrest-plan", str(action)), scoped)


def own_plan(user: AnyUser, action: Action) -> tuple[Person | None, ArrestPlan | None]:
    """The caller's person record and their own plan for the action (either may be None)."""
    mine = record_of(user)
    if mine is None:
        return None, None
    return mine, ArrestPlan.objects.filter(action=action, person=mine).first()


def has_linked_plan(arrest: Arrest) -> bool:
    """Is a plan linked to this arrest (reached through access_arrest)? Says nothing of what it holds."""
    return ArrestPlan.objects.filter(arrest=arrest).exists()


def linked_arrest(plan: ArrestPlan) -> UUID | None:
    """The id of the arrest a plan (reached through read_plans) is linked to."""
    return Arrest.objects.filter(pk=plan.arrest_id).values_list("uuid", flat=True).first() if plan.arrest_id else None


def accounts_by_id(ids: list[UUID]) -> list[User]:
    """Active accounts by their ids, to name as leads (a coordinator names any member of the network)."""
    return list(User.objects.filter(uuid__in=ids, is_active=True))


def may_hear_jail(user: AnyUser, rest: str) -> bool:
    """The board's live channel ("action-jail:<uuid>"): whoever the board is for. Events carry ids and states."""
    found = find_action(rest) if is_uuid(rest) else None
    return found is not None and bool(board_roles(user, found))


# Permissions for views and operations that name an action in their URL as <action>: the access function says
# who (the board's people; the leads; a participant), the role only that the caller is one of them.
JAIL_BOARD = owner_role(Role.MEMBER, access=access_board_scoped, kwarg="action")
PLAN_READERS = owner_role(Role.MEMBER, access=access_plans_scoped, kwarg="action")
PARTICIPANT = owner_role(Role.MEMBER, access=access_participant_scoped, kwarg="action")
