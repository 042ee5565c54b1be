"""Stale resources' keepers are reminded, through the outbox, with one button to say "still right".

Once a day (the "directory.remind-keepers" job) each keeper (an active coordinator of the keeping group,
with an email address) gets one email listing the resources of theirs that went stale and were not
brought up in the last REMIND_EVERY. Each comes with two links: "still right" opens a page whose one
button marks it checked (directory.services.do_mark_checked) without signing in, and "something changed"
opens the keeper's edit page (signing in first). A keeper who marks it checked also clears the
reminder, so the next time it goes stale they hear of it at once.

The "still right" link is signed (django.core.signing): it names the resource, the keeper and the
moment the resource was last checked, by their uuids and a timestamp only (no personal data in a URL).
It works for LINK_DAYS, only while its keeper still keeps the resource, and only once: after a check
the moment it names is past. GET changes nothing (mail scanners open links); the page's button POSTs.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from solidarity.accounts.models import User
from solidarity.core.bilingual import text_of
from solidarity.core.permissions import Role, roles_by_group
from solidarity.core.services import get_network_settings
from solidarity.directory.models import Resource
from solidarity.directory.services import stale
from solidarity.messaging import mail
from solidarity.messaging import services as messaging
from solidarity.messaging.models import Channel

log = logging.getLogger("solidarity.directory")

REMIND_EVERY = timedelta(days=14)
LINK_DAYS = 30
SALT = "directory.still-right"


def still_right_token(resource: Resource, keeper: User) -> str:
    """The signed "still right" link's token for one keeper and one resource, as last checked now."""
    checked = int(resource.last_checked_at.timestamp()) if resource.last_checked_at else 0
    value = f"{resource.uuid.hex}.{keeper.uuid.hex}.{checked}"
    return signing.TimestampSigner(salt=SALT, sep=":").sign(value)


@dataclass(frozen=True)
class StillRight:
    resource: Resource
    keeper: User


def from_token(token: str) -> StillRight | None:
    """The resource and keeper a "still right" link names, while it is good: signed, not older than
    LINK_DAYS, the resource not checked since, and the keeper still an active coordinator of its group."""
    try:
        value = signing.TimestampSigner(salt=SALT, sep=":").unsign(token, max_age=timedelta(days=LINK_DAYS))
        resource_hex, keeper_hex, checked = value.split(".")
        resource_uuid, keeper_uuid, checked_at = UUID(hex=resource_hex), UUID(hex=keeper_hex), int(checked)
    except (signing.BadSignature, ValueError):
        return None
    resource = Resource.objects.select_related("group").filter(uuid=resource_uuid).first()
    keeper = User.objects.filter(uuid=keeper_uuid, is_active=True).first()
    if resource is None or keeper is None or resource.group.archived_at is not None:
        return None
    now_checked = int(resource.last_checked_at.timestamp()) if resource.last_checked_at else 0
    if now_checked != checked_at or Role.COORDINATOR not in roles_by_group(keeper).get(resource.group.slug, ()):
        return None
    return StillRight(resource, keeper)


def absolute(language: str, name: str, **kwargs: str) -> str:
    with translation.override(language):
        return str(settings.BASE_URL).rstrip("/") + reverse(name, kwargs=kwargs)


def due(now: datetime) -> list[Resource]:
    """The stale resources of live groups whose keepers were not reminded within REMIND_EVERY."""
    not_lately = Q(reminded_at__isnull=True) | Q(reminded_at__lte=now - REMIND_EVERY)
    found = stale(Resource.objects.filter(group__archived_at__isnull=True), now).filter(not_lately)
    return list(found.select_related("group").order_by("group_id", "slug"))


def keepers(group_ids: set[int]) -> dict[int, list[User]]:
    """Each group's active coordinators with an email address, by the group's id."""
    found: dict[int, list[User]] = defaultdict(list)
    users = User.objects.filter(
        is_active=True,
        memberships__group_id__in=group_ids,
        memberships__grants__role=Role.COORDINATOR,
    ).values_list("memberships__group_id", "pk")
    by_pk = {user.pk: user for user in User.objects.filter(pk__in={pk for _group, pk in users})}
    for group_id, pk in sorted(set(users)):
        if by_pk[pk].email:
            found[group_id].append(by_pk[pk])
    return found


def remind_keepers(now: datetime | None = None) -> int:
    """Email each keeper about their resources gone stale (one email each, in their language); how many went out.

    Idempotent within a day (the outbox's idempotency key); a resource is brought up again after REMIND_EVERY
    if nobody checked it. A resource whose group has no keeper to reach is logged (by its slug: a public fact).
    """
    moment = now or timezone.now()
    resources = due(moment)
    if not resources:
        return 0
    by_group = keepers({resource.group_id for resource in resources})
    to_tell: dict[int, tuple[User, list[Resource]]] = {}
    for resource in resources:
        group_keepers = by_group.get(resource.group_id, [])
        if not group_keepers:
            log.warning("directory: resource %s is stale and its group has no coordinator to remind", resource.slug)
        for keeper in group_keepers:
            to_tell.setdefault(keeper.pk, (keeper, []))[1].append(resource)
    with transaction.atomic():
        for keeper, theirs in to_tell.values():
            tell(keeper, theirs, moment)
        Resource.objects.filter(pk__in=[resource.pk for resource in resources]).update(reminded_at=moment)
    return len(to_tell)


def tell(keeper: User, resources: list[Resource], now: datetime) -> None:
    language = keeper.language if keeper.language in ("en", "es") else settings.LANGUAGE_CODE
    with translation.override(language):
        items = [
            {
                "name": text_of(resource, "name", language),
                "checked": resource.last_checked_at,
                "still_right": absolute(
                    language, "directory:still-right", keeper_token=still_right_token(resource, keeper)
                ),
                "edit": absolute(language, "directory:edit", resource=resource.slug),
            }
            for resource in resources
        ]
        context = {"network": get_network_settings().name, "resources": items, "days": LINK_DAYS}
        subject = render_to_string("directory/email/stale_subject.txt", context).strip()
        body = render_to_string("directory/email/stale_body.txt", context)
    content = mail.email_content(to=str(keeper.email), subject=subject, text=body, language=language)
    key = f"directory.stale:{keeper.uuid}:{now.date().isoformat()}"
    messaging.enqueue(
        messaging.Outgoing(Channel.EMAIL, str(keeper.email), content, idempotency_key=key, language=language)
    )
