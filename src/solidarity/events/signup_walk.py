"""The sign-ups' objects for the URL walk and the API fuzz (core.permissions.WALK_FILLERS): a slot of the walk's
action (`slot`), the walk volunteer's sign-up to it (`seat`), and the signed link of a reminder (`seat_token`)."""

from datetime import timedelta

from solidarity.core.permissions import WALK_FILLERS, Role, WalkWorld
from solidarity.events.models import Role as SlotRole
from solidarity.events.models import SignUp, SignUpState, Slot
from solidarity.events.signups import SlotValues, do_add_slot, do_sign_up, link_token
from solidarity.events.walk import an_action
from solidarity.people.walk import VOLUNTEER, account, record


def a_slot(world: WalkWorld) -> Slot:
    action = an_action(world)
    found = action.slots.filter(role=SlotRole.MARSHAL).order_by("pk").first()
    if found is None:
        values = SlotValues(
            role=SlotRole.MARSHAL,
            starts_at=action.starts_at,
            ends_at=action.starts_at + timedelta(hours=2),
            needed=50,
        )
        found = do_add_slot(action, values, by=world.owner)
    return found


def a_seat(world: WalkWorld) -> SignUp:
    slot = a_slot(world)
    volunteer = record(account(world, VOLUNTEER, Role.RESPONDER), "Walk Volunteer", world)
    found = slot.sign_ups.filter(person=volunteer, state=SignUpState.SIGNED_UP).first()
    return found or do_sign_up(slot, volunteer, by=world.owner)


def register() -> None:
    WALK_FILLERS.register("slot", lambda world: str(a_slot(world).uuid))
    WALK_FILLERS.register("seat", lambda world: str(a_seat(world).uuid))
    WALK_FILLERS.register("seat_token", lambda world: link_token(a_seat(world)))
