"""The events' objects for the URL walk and the API fuzz (core.permissions.WALK_FILLERS): a published action of
the walk's group, starting in a week, and what each URL keyword of the events' names.

The fuzz run changes the action as an organiser would (cancels it, moves it): the filler puts back an action
still to come and published, making a new one when the walk's was cancelled or is over."""

from datetime import timedelta

from django.utils import timezone

from solidarity.core.permissions import WALK_FILLERS, WalkWorld
from solidarity.events.models import Action, ActionState
from solidarity.events.services import ActionValues, do_create_action, do_publish_action

WALK_TITLE = "Walk action"


def an_action(world: WalkWorld) -> Action:
    """The walk group's action, published and still to come."""
    now = timezone.now()
    found = (
        Action.objects.filter(group=world.group, title_en=WALK_TITLE, starts_at__gt=now)
        .exclude(state__in=[ActionState.CANCELLED, ActionState.DONE])
        .order_by("pk")
        .first()
    )
    if found is None:
        starts_at = now + timedelta(days=7)
        values = ActionValues(
            title_en=WALK_TITLE,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=3),
            gathering_place="Walk Plaza",
            hotline="+19195550178",
        )
        found = do_create_action(world.group, values, by=world.owner)
    if found.state != ActionState.PUBLISHED:
        do_publish_action(found, by=world.owner)
    return found


def register() -> None:
    WALK_FILLERS.register("action", lambda world: an_action(world).code)
