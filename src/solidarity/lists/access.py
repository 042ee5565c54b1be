"""Fetching the lists, subscriptions and broadcasts a request may touch: every access_* checks first.

A group's lists and broadcasts exist only for its coordinators (Http404 for anyone else).
The pages reach them under their group's URL (access_list, access_broadcast); the API by their
own slug or uuid (access_list_scoped, access_broadcast_scoped: the caller's roles in the group that
owns them, for core.permissions.owner_role). The public reaches a list only through its sign-up
page (public lists only), and a subscription only through the secret its link carries.
"""

from uuid import UUID

from django.db.models import Count, QuerySet
from django.http import Http404

from solidarity.accounts.access import access_group
from solidarity.accounts.models import User, WorkingGroup
from solidarity.core.bilingual import in_order
from solidarity.core.permissions import AnyUser, Role, Scoped, access_scoped, roles_in
from solidarity.lists.models import AnnouncementList, Broadcast, BroadcastState, Subscription, SubscriptionState
from solidarity.lists.subscriptions import digest, subscription_uuid_from


def access_lists_group(user: User, group: str) -> WorkingGroup:
    """The group whose lists and broadcasts the caller coordinates."""
    return access_group(user, group, Role.COORDINATOR)


def lists_of(group: WorkingGroup) -> QuerySet[AnnouncementList]:
    """The lists of a group the caller reached through access_lists_group."""
    return AnnouncementList.objects.filter(group=group).order_by(in_order("name"), "slug")


def broadcasts_of(group: WorkingGroup) -> QuerySet[Broadcast]:
    """A group's broadcasts, newest first, for a group the caller reached through access_lists_group."""
    return Broadcast.objects.filter(group=group).order_by("-created_at", "-pk").prefetch_related("lists")


def access_list(user: User, group: str, list_slug: str) -> AnnouncementList:
    """One of the lists of a group the caller coordinates; Http404 otherwise."""
    found = lists_of(access_lists_group(user, group)).filter(slug=list_slug).select_related("group").first()
    if found is None:
        raise Http404
    return found


def access_broadcast(user: User, group: str, broadcast: UUID) -> Broadcast:
    """One of the broadcasts of a group the caller coordinates; Http404 otherwise."""
    found = broadcasts_of(access_lists_group(user, group)).filter(uuid=broadcast).select_related("group").first()
    if found is None:
        raise Http404
    return found


def access_list_scoped(user: AnyUser, list_slug: str) -> Scoped[AnnouncementList]:
    """The list with this slug, with the caller's roles in its group; Http404 for anyone not in the group.

    Looked up once per request (the permission check and the operation ask alike).
    """

    return access_scoped(
        user,
        ("lists.list", list_slug),
        lambda: AnnouncementList.objects.select_related("group").filter(slug=list_slug).first(),
        lambda found: found.group.slug,
    )


def access_broadcast_scoped(user: AnyUser, broadcast: str | UUID) -> Scoped[Broadcast]:
    """The broadcast with this uuid, with the caller's roles in its group; Http404 for anyone not in the group.

    The permission check hands over the URL's text, the operation a UUID: both find the one look-up kept.
    """
    try:
        wanted = broadcast if isinstance(broadcast, UUID) else UUID(str(broadcast))
    except ValueError:
        raise Http404 from None

    return access_scoped(
        user,
        ("lists.broadcast", wanted),
        lambda: Broadcast.objects.select_related("group").filter(uuid=wanted).first(),
        lambda found: found.group.slug,
    )


def coordinated[T](scoped: Scoped[T]) -> T:
    """The object of a Scoped look-up, for a coordinator of its group; Http404 for anyone else."""
    if not scoped.has(Role.COORDINATOR):
        raise Http404
    return scoped.obj


def public_list(list_slug: str) -> AnnouncementList:
    """A list with a public sign-up page, of a group not archived; to anyone, any other list does not exist."""
    found = AnnouncementList.objects.filter(slug=list_slug, is_public=True, group__archived_at__isnull=True).first()
    if found is None:
        raise Http404
    return found


def subscription_to_confirm(token: str) -> Subscription | None:
    """The subscription a confirmation link names: pending, or already confirmed (the link was used)."""
    if not token:
        return None
    return (
        Subscription.objects.filter(
            confirm_token_hash=digest(token), state__in=[SubscriptionState.PENDING, SubscriptionState.CONFIRMED]
        )
        .select_related("announcement_list")
        .first()
    )


def subscription_to_unsubscribe(token: str) -> Subscription | None:
    """The subscription an unsubscribe link names (a signed uuid), whatever its state; None once it was purged.

    Http404 for a link we did not sign.
    """
    found = subscription_uuid_from(token)
    if found is None:
        raise Http404
    return Subscription.objects.filter(uuid=found).select_related("announcement_list").first()


def subscription_for_page(token: str) -> Subscription:
    """The subscription its own page's link names (the token every list email carries), whatever its state.

    Http404 for a link we did not sign, or a subscription purged since.
    """
    found = subscription_to_unsubscribe(token)
    if found is None:
        raise Http404
    return found


def going_out(groups: list[WorkingGroup]) -> dict[int, int]:
    """{group id: broadcasts being sent or waiting for their time} for the caller's coordinated groups."""
    rows = (
        Broadcast.objects.filter(group__in=groups, state__in=[BroadcastState.SENDING, BroadcastState.SCHEDULED])
        .values("group")
        .annotate(count=Count("pk"))
    )
    return {row["group"]: row["count"] for row in rows}


def coordinates_broadcast(user: AnyUser, broadcast: str) -> bool:
    """Does `user` coordinate the group of the broadcast with this uuid? Who may hear its progress live."""
    try:
        found = UUID(broadcast)
    except ValueError:
        return False
    slug = Broadcast.objects.filter(uuid=found).values_list("group__slug", flat=True).first()
    return slug is not None and Role.COORDINATOR in roles_in(user, slug)


def public_lists() -> QuerySet[AnnouncementList]:
    """The lists anyone may join (a public sign-up page, of a group not archived), by name: for their flyers."""
    return AnnouncementList.objects.filter(is_public=True, group__archived_at__isnull=True).order_by(
        in_order("name"), "slug"
    )
