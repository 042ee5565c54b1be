"""Fetching the supplies a request may touch: every access_* checks first.

Supplies belong to working groups. Any member of the group sees its stock and records use,
distribution and counts; its keepers (coordinators and medic leads) receive, move, expire and donate
stock, pack kits, and set up items, locations, kit templates, par settings and limits. To anyone
outside the group, its supplies do not exist (Http404).
"""

from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from solidarity.accounts.access import access_group
from solidarity.accounts.models import User, WorkingGroup
from solidarity.core.codes import as_uuid
from solidarity.core.permissions import AnyUser, Role, Scoped, access_scoped, role, roles_in
from solidarity.people.sheets import staged_in
from solidarity.supplies.csv_models import SupplyImport
from solidarity.supplies.models import Item, KitTemplate, Location, Lot, Reversal

KEEPERS = (Role.COORDINATOR, Role.MEDIC_LEAD)


def access_supplies_group(user: User, slug: str, *, keeper: bool = False) -> WorkingGroup:
    """A group whose supplies the caller sees (a member), or keeps (`keeper`: a coordinator or medic lead)."""
    return access_group(user, slug, role(*KEEPERS, kwarg="slug") if keeper else Role.MEMBER)


def access_item_scoped(user: AnyUser, item: str) -> Scoped[Item]:
    """The item with this code, with the caller's roles in its group; Http404 for anyone not in it."""
    code = str(item).strip().upper()
    return access_scoped(
        user,
        ("supplies.item", code),
        lambda: Item.objects.select_related("group").filter(code=code).first(),
        lambda found: found.group.slug,
    )


def access_location_scoped(user: AnyUser, location: str | UUID) -> Scoped[Location]:
    wanted = as_uuid(location)
    return access_scoped(
        user,
        ("supplies.location", wanted),
        lambda: Location.objects.select_related("group", "template", "refill_contact").filter(uuid=wanted).first(),
        lambda found: found.group.slug,
    )


def access_kit_template_scoped(user: AnyUser, template: str | UUID) -> Scoped[KitTemplate]:
    wanted = as_uuid(template)
    return access_scoped(
        user,
        ("supplies.kit_template", wanted),
        lambda: KitTemplate.objects.select_related("group").filter(uuid=wanted).first(),
        lambda found: found.group.slug,
    )


def access_supply_import(user: User, group: str, supply_import: str | UUID) -> SupplyImport:
    """One of the staged spreadsheets of a group whose supplies the caller keeps; Http404 otherwise."""
    return staged_in(SupplyImport, access_supplies_group(user, group, keeper=True), supply_import)


def access_supply_import_scoped(user: AnyUser, supply_import: str | UUID) -> Scoped[SupplyImport]:
    """A staged spreadsheet, with the caller's roles in its group; Http404 for anyone not in that group."""
    wanted = as_uuid(supply_import)
    return access_scoped(
        user,
        ("supplies.supplyimport", wanted),
        lambda: SupplyImport.objects.select_related("group").filter(uuid=wanted).first(),
        lambda found: found.group.slug,
    )


def access_reversal_scoped(user: AnyUser, reversal: str | UUID) -> Scoped[Reversal]:
    """A reversal reported from one of a group's kits, with the caller's roles there; Http404 for anyone else
    (a report that named no kit has nothing to refill)."""
    wanted = as_uuid(reversal)
    return access_scoped(
        user,
        ("supplies.reversal", wanted),
        lambda: Reversal.objects.select_related("kit__group").filter(uuid=wanted, kit__isnull=False).first(),
        lambda found: found.kit.group.slug if found.kit else "",
    )


def kit_by_uuid(value: str) -> Location | None:
    """The kit or bag a label's QR code names, for a public report; None for anything else (no error: a
    stranger learns nothing from trying)."""
    try:
        wanted = UUID(str(value))
    except ValueError:
        return None
    return Location.objects.select_related("group", "refill_contact").filter(uuid=wanted).first()


def kept[T](scoped: Scoped[T]) -> T:
    """The object of a Scoped look-up, for a keeper of its group; Http404 for anyone else."""
    if not scoped.has(*KEEPERS):
        raise Http404
    return scoped.obj


def is_keeper(user: AnyUser, group: WorkingGroup) -> bool:
    return bool(set(KEEPERS) & roles_in(user, group.slug))


# Objects a request's body names, within a group the caller reached already: refused naming the field.


def item_in(group: WorkingGroup, code: str, field: str = "item") -> Item:
    found = Item.objects.filter(group=group, code=code.strip().upper()).first()
    if found is None:
        raise ValidationError({field: _("The group keeps no item with this code.")})
    return found


def location_in(group: WorkingGroup, location: str | UUID, field: str = "location") -> Location:
    try:
        wanted = as_uuid(location)
    except Http404:
        wanted = None
    found = Location.objects.filter(group=group, uuid=wanted).first() if wanted else None
    if found is None:
        raise ValidationError({field: _("The group has no such location.")})
    return found


def lot_in(group: WorkingGroup, lot: str | UUID, field: str = "lot") -> Lot:
    try:
        wanted = as_uuid(lot)
    except Http404:
        wanted = None
    found = Lot.objects.select_related("item").filter(item__group=group, uuid=wanted).first() if wanted else None
    if found is None:
        raise ValidationError({field: _("The group has no such lot.")})
    return found


def member_in(group: WorkingGroup, user: str | UUID, field: str = "refill_contact") -> User:
    """An account in the group (a refill contact): by its uuid, never by a name."""
    try:
        wanted = as_uuid(user)
    except Http404:
        wanted = None
    found = User.objects.filter(uuid=wanted, is_active=True).first() if wanted else None
    if found is None or not roles_in(found, group.slug):
        raise ValidationError({field: _("Choose a member of the group.")})
    return found


def lot_of(item: Item, lot: str | UUID) -> Lot:
    """One of an item's lots; Http404 otherwise."""
    found = item.lots.filter(uuid=as_uuid(lot)).first()
    if found is None:
        raise Http404
    return found


def group_items(group: WorkingGroup) -> QuerySet[Item]:
    return Item.objects.filter(group=group).select_related("group").order_by("code")


def group_locations(group: WorkingGroup) -> QuerySet[Location]:
    return (
        Location.objects.filter(group=group)
        .select_related("group", "template", "refill_contact")
        .order_by("kind", "name", "pk")
    )


def group_kit_templates(group: WorkingGroup) -> QuerySet[KitTemplate]:
    return KitTemplate.objects.filter(group=group).select_related("group").prefetch_related("lines__item")
