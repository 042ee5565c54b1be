"""Announcement lists themselves: a working group's coordinators create and change them."""

from dataclasses import dataclass

from django.db import transaction

from solidarity.accounts.models import User, WorkingGroup
from solidarity.core import audit
from solidarity.core.models import AuditAction
from solidarity.lists.models import AnnouncementList


@dataclass(frozen=True)
class ListValues:
    name: str
    slug: str
    description: str
    has_email: bool
    has_sms: bool
    keyword: str
    is_public: bool
    shows_count: bool
    zones: list[str]


def do_save_list(
    group: WorkingGroup, values: ListValues, *, by: User, announcement_list: AnnouncementList | None = None
) -> AnnouncementList:
    """Create a list for the group, or change one of its lists."""
    with transaction.atomic():
        saved = announcement_list or AnnouncementList(group=group)
        for name, value in vars(values).items():
            setattr(saved, name, value)
        saved.save()
        audit.record(
            actor=str(by.uuid),
            role="coordinator",
            action=AuditAction.CHANGED if announcement_list else AuditAction.CREATED,
            object_type="lists.list",
            object_ids=[saved.uuid],
            detail={"group": group.slug},
        )
    return saved
