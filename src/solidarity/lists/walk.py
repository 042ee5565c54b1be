"""Lists' objects for the URL walk (core.permissions.WALK_FILLERS): a list and a draft broadcast of the walk's group."""

from solidarity.core.permissions import WALK_FILLERS, WalkWorld
from solidarity.lists.announcement_lists import ListValues, do_save_list
from solidarity.lists.broadcasts import Draft, do_compose_broadcast
from solidarity.lists.models import AnnouncementList, Broadcast, BroadcastState

SLUG = "walk-announcements"


def a_list(world: WalkWorld) -> AnnouncementList:
    found = AnnouncementList.objects.filter(slug=SLUG).first()
    if found is None:
        values = ListValues(slug=SLUG, name_en="Walk announcements", new_zones=("Eastside",))
        found = do_save_list(world.group, values, by=world.owner)
    return found


def a_draft(world: WalkWorld) -> str:
    """A draft of the walk's group (a new one once an endpoint has sent the last)."""
    found = Broadcast.objects.filter(group=world.group, state=BroadcastState.DRAFT).first()
    if found is None:
        draft = Draft(lists=[a_list(world)], subject_en="Walk", text_en="Walk", one_language="en", channels=["email"])
        found = do_compose_broadcast(world.group, draft, by=world.owner)
    return str(found.uuid)


def register() -> None:
    WALK_FILLERS.register("list_slug", lambda world: a_list(world).slug)  # a list (and its public sign-up page)
    WALK_FILLERS.register("broadcast", a_draft)  # a draft broadcast of the walk's group
