"""Jail support's objects for the URL walk and the API fuzz (core.permissions.WALK_FILLERS).

The walk's action (events.walk) gets the walk's owner, its group's coordinator, as one of its jail-support
leads, so that the leads-only pages open for them; "arrest" names an arrest on its board whose support has not
ended (made again once an endpoint ended it)."""

from django.utils import timezone

from solidarity.core.permissions import WALK_FILLERS, WalkWorld
from solidarity.events.jail import ArrestValues, do_record_arrest
from solidarity.events.models import Action, Arrest
from solidarity.events.walk import an_action


def a_led_action(world: WalkWorld) -> Action:
    """The walk's action, with the walk's owner among its jail-support leads."""
    action = an_action(world)
    if not action.jail_leads.filter(pk=world.owner.pk).exists():
        action.jail_leads.add(world.owner)
    return action


def an_arrest(world: WalkWorld) -> str:
    action = a_led_action(world)
    found = Arrest.objects.filter(action=action, support_ended_at__isnull=True).order_by("pk").first()
    if found is None:
        values = ArrestValues(support_name="Walk Sparrow", arrested_at=timezone.now())
        found = do_record_arrest(action, values, by=world.owner)
    return str(found.uuid)


def register() -> None:
    WALK_FILLERS.register("action", lambda world: a_led_action(world).code, replace=True)
    WALK_FILLERS.register("arrest", an_arrest)
