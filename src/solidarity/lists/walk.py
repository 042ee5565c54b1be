"""Lists' objects for the URL walk (core.permissions.WALK_FILLERS): a list and a draft broadcast of the walk's group,
a subscription to the list."""

from solidarity.core.permissions import WALK_FILLERS, WalkWorld
from solidarity.lists.announcement_lists import ListValues, do_save_list
from solidarity.lists.broadcasts import Draft, do_compose_broadcast
from solidarity.lists.models import AnnouncementList, Broadcast, BroadcastState
from solidarity.lists.subscriptions import do_confirm, do_subscribe, find_subscription, unsubscribe_token
from solidarity.messaging.models import Channel

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


def a_subscription(world: WalkWorld) -> str:
    """A confirmed email subscription to the walk's list: its page's token (signed up again once unsubscribed)."""
    announcement_list = a_list(world)
    found = find_subscription(announcement_list, Channel.EMAIL, "walk.subscriber@example.org")
    if found is None or found.state != "confirmed":
        found = do_subscribe(announcement_list, Channel.EMAIL, "walk.subscriber@example.org", "en")
        do_confirm(found)
    return unsubscribe_token(found)


def register() -> None:
    WALK_FILLERS.register("list_slug", lambda world: a_list(world).slug)  # a list (and its public sign-up page)
    WALK_FILLERS.register("broadcast", a_draft)  # a draft broadcast of the walk's group
    WALK_FILLERS.register("subscription", a_subscription)  # a subscriber's own page (and the API's subscription)
