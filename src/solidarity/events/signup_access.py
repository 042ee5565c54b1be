"""Fetching an action's slots and sign-ups for a caller: every access_* checks first (events.access for the action).

The action's group's members see its slots (how many places are taken, the pairs) and sign themselves up;
its coordinators (the organisers) manage the slots, sign anyone up, check people in and out, and mark
attendance. A sign-up is reached by the person whose it is or by the organisers; to anyone else it does
not exist (Http404), like the action itself.
"""

from uuid import UUID

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from solidarity.core.codes import as_uuid
from solidarity.core.permissions import AnyUser, Role, Scoped, owner_role
from solidarity.events.access import ORGANISERS, access_action, access_action_scoped
from solidarity.events.models import TAKEN_STATES, Action, SignUp, Slot
from solidarity.people.access import record_of
from solidarity.people.models import Person, PersonState

ACTION_MEMBER = owner_role(Role.MEMBER, access=access_action_scoped, kwarg="action")
ACTION_ORGANISER = owner_role(*ORGANISERS, access=access_action_scoped, kwarg="action")


def access_slots(user: AnyUser, action: str | UUID) -> Scoped[Action]:
    """The action (any member of its group), with the caller's roles there."""
    return access_action_scoped(user, action)


def slot_of(action: Action, slot: str | UUID) -> Slot:
    found = Slot.objects.filter(action=action, uuid=as_uuid(slot)).select_related("skill", "action").first()
    if found is None:
        raise Http404
    return found


def access_slot(user: AnyUser, action: str | UUID, slot: str | UUID, *roles: Role) -> Slot:
    """One slot of an action the caller reaches with one of `roles` (any membership when none are given)."""
    found_action = access_action(user, action, *roles)
    found = slot_of(found_action, slot)
    found.action = found_action
    return found


def sign_up_of(action: Action, seat: str | UUID) -> SignUp:
    found = (
        SignUp.objects.filter(slot__action=action, uuid=as_uuid(seat))
        .select_related("slot", "slot__skill", "person")
        .first()
    )
    if found is None:
        raise Http404
    found.slot.action = action
    return found


def access_seat(user: AnyUser, action: str | UUID, seat: str | UUID) -> SignUp:
    """One sign-up: the caller's own, or any for the action's organisers; Http404 otherwise."""
    scoped = access_action_scoped(user, action)
    found = sign_up_of(scoped.obj, seat)
    mine = record_of(user)
    if not (mine is not None and found.person_id == mine.pk) and not scoped.has(*ORGANISERS):
        raise Http404
    return found


def access_managed_seat(user: AnyUser, action: str | UUID, seat: str | UUID) -> SignUp:
    """One sign-up of an action the caller organises (check-in, check-out, attendance)."""
    return sign_up_of(access_action(user, action, *ORGANISERS), seat)


def person_to_sign_up(user: AnyUser, scoped: Scoped[Action], person: UUID | None) -> Person:
    """Whom a sign-up is for: the caller's own person (no `person`), or anyone in the network by uuid for the
    action's organisers. Http404 when the caller has no person, or names someone while not an organiser."""
    if person is None:
        mine = record_of(user)
        if mine is None:
            raise Http404
        return mine
    if not scoped.has(*ORGANISERS):
        raise Http404
    found = Person.objects.filter(uuid=person).exclude(state=PersonState.LEFT).first()
    if found is None:
        raise Http404
    return found


def own_sign_ups(user: AnyUser, action: Action) -> dict[int, SignUp]:
    """The caller's own taken places in the action, by slot id."""
    mine = record_of(user)
    if mine is None:
        return {}
    found = SignUp.objects.filter(slot__action=action, person=mine, state__in=TAKEN_STATES)
    return {sign_up.slot_id: sign_up for sign_up in found}


def board_slots(action: Action) -> QuerySet[Slot]:
    """The action's slots with their taken places and those people (organisers' board): two queries."""
    taken = SignUp.objects.filter(state__in=TAKEN_STATES).select_related("person").order_by("created_at", "pk")
    return (
        action.slots.select_related("skill")
        .prefetch_related(Prefetch("sign_ups", queryset=taken, to_attr="taken_sign_ups"))
        .order_by("starts_at", "position", "pk")
    )


def visible_sign_ups(user: AnyUser, scoped: Scoped[Action]) -> QuerySet[SignUp]:
    """The action's sign-ups the caller may read: every one for its organisers, their own for the others."""
    found = SignUp.objects.filter(slot__action=scoped.obj).select_related("slot", "person").order_by("created_at", "pk")
    if scoped.has(*ORGANISERS):
        return found
    mine = record_of(user)
    return found.filter(person=mine) if mine is not None else found.none()


def taken_sign_ups(action: Action) -> list[SignUp]:
    """An action the caller organises: its sign-ups not given back (the attendance page)."""
    return list(
        SignUp.objects.filter(slot__action=action, state__in=TAKEN_STATES)
        .select_related("slot", "person")
        .order_by("slot__starts_at", "created_at", "pk")
    )
