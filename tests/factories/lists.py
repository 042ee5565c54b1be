"""Lists: announcement lists, confirmed subscribers and broadcasts, built with the lists' own services."""

from typing import Any

from solidarity.accounts.models import User, WorkingGroup
from solidarity.core.zones import zone_by_slug
from solidarity.lists.announcement_lists import LIST_FIELDS, ListValues, do_save_list
from solidarity.lists.broadcasts import Draft, do_compose_broadcast, do_send_broadcast
from solidarity.lists.models import AnnouncementList, Broadcast, Subscription
from solidarity.lists.subscriptions import do_confirm, do_subscribe


def make_list(group: WorkingGroup, by: User, slug: str = "east-durham", **values: Any) -> AnnouncementList:
    """A public list on email and SMS named after its slug, with no keyword, for East Durham and Walltown."""
    defaults: dict[str, Any] = {
        "name_en": slug.replace("-", " ").title(),
        "slug": slug,
        "has_email": True,
        "has_sms": True,
        "keyword": "",
        "is_public": True,
        "shows_count": False,
        "new_zones": ("East Durham", "Walltown"),
    }
    return do_save_list(group, ListValues(**(defaults | values)), by=by)


def subscriber(
    announcement_list: AnnouncementList, channel: str, address: str, language: str = "en", zone: str = "walltown"
) -> Subscription:
    """A subscription that has been confirmed (its confirmation request waits in the outbox)."""
    subscription = do_subscribe(announcement_list, channel, address, language, zone_by_slug(zone) if zone else None)
    do_confirm(subscription)
    return subscription


def with_zones(announcement_list: AnnouncementList, by: User, *names: str) -> AnnouncementList:
    """The list saved again as its edit page saves it, offering also the zones `names` (added to the network)."""
    values = ListValues(
        **{name: getattr(announcement_list, name) for name in LIST_FIELDS},
        zones=tuple(announcement_list.zones.values_list("slug", flat=True)),
        new_zones=names,
    )
    return do_save_list(announcement_list.group, values, by=by, announcement_list=announcement_list)


def draft(
    group: WorkingGroup,
    lists: list[AnnouncementList],
    by: User,
    channels: list[str],
    *,
    subject: str = "Hi",
    text: str = "Hi",
) -> Broadcast:
    """A broadcast in English saved as a draft, as a coordinator's composer saves it."""
    return do_compose_broadcast(
        group, Draft(lists=lists, subject_en=subject, text_en=text, one_language="en", channels=channels), by=by
    )


def send_now(
    group: WorkingGroup, lists: list[AnnouncementList], by: User, channels: list[str], *, subject: str = "Hi"
) -> Broadcast:
    """A broadcast handed to the outbox through the services, as a coordinator's Send button does."""
    broadcast = draft(group, lists, by, channels, subject=subject)
    do_send_broadcast(broadcast, by=by)
    return broadcast
