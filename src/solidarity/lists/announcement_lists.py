"""Announcement lists themselves: a working group's coordinators create and change them, and pick their zones."""

from dataclasses import dataclass, fields

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from solidarity.accounts.models import User, WorkingGroup
from solidarity.core import audit
from solidarity.core.models import AuditAction
from solidarity.core.zones import do_add_zones_by_name, zones_by_slug
from solidarity.lists.models import AnnouncementList

MAX_ZONES = 40  # a sign-up form's zone menu stays usable on a phone


@dataclass(frozen=True)
class ListValues:
    """What a coordinator writes about a list. Texts the public reads come in both languages (one name at least)."""

    slug: str
    name_en: str = ""
    name_es: str = ""
    description_en: str = ""
    description_es: str = ""
    has_email: bool = True
    has_sms: bool = False
    keyword: str = ""
    is_public: bool = True
    shows_count: bool = False
    zones: tuple[str, ...] = ()  # the slugs of the network's zones subscribers choose from
    new_zones: tuple[str, ...] = ()  # names of zones the network does not have yet: they are added to it


LIST_FIELDS = tuple(item.name for item in fields(ListValues) if item.name not in ("zones", "new_zones"))


def do_save_list(
    group: WorkingGroup,
    values: ListValues,
    *,
    by: User,
    announcement_list: AnnouncementList | None = None,
    language: str = "en",
) -> AnnouncementList:
    """Create a list for the group, or change one of its lists.

    Zones named in `new_zones` that the network lacks are added to it (core.zones, audited), named in
    `language`, the coordinator's. ValidationError when no name is given or a zone is refused, and
    (code "unique") when another list took its slug or keyword after the form checked them.
    Lock: the list's row when it exists, taken before the zones' and the audit's.
    """
    if not values.name_en.strip() and not values.name_es.strip():
        raise ValidationError({"name_en": _("Give the list a name, in English or in Spanish.")})
    actor = str(by.uuid)
    with transaction.atomic():
        if announcement_list is not None:
            AnnouncementList.objects.select_for_update().filter(pk=announcement_list.pk).first()
        zones = zones_by_slug(values.zones)
        zones += do_add_zones_by_name(values.new_zones, language, actor=actor, role="coordinator")
        zones = list(dict.fromkeys(zones))
        if len(zones) > MAX_ZONES:
            raise ValidationError({"zones": _("At most %(count)d zones.") % {"count": MAX_ZONES}})
        saved = announcement_list or AnnouncementList(group=group)
        for name in LIST_FIELDS:
            setattr(saved, name, getattr(values, name))
        try:
            with transaction.atomic():  # a savepoint: the form's checks ran before another list took the name
                saved.save()
        except IntegrityError:
            raise ValidationError(_("Another list has this short name or this keyword."), code="unique") from None
        saved.zones.set(zones)
        audit.record(
            actor=actor,
            role="coordinator",
            action=AuditAction.CHANGED if announcement_list else AuditAction.CREATED,
            object_type="lists.list",
            object_ids=[saved.uuid],
            detail={"group": group.slug, "zones": [zone.slug for zone in zones]},
        )
    return saved
