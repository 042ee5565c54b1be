"""The supplies' objects for the URL walk (core.permissions.WALK_FILLERS): an item, a depot holding a lot of it,
and a kit template, kept by the walk's group (made again once an endpoint changed them away)."""

from datetime import timedelta

from django.utils import timezone

from solidarity.accounts.models import User, WorkingGroup
from solidarity.core.permissions import WALK_FILLERS
from solidarity.supplies.csv_io import do_stage_import
from solidarity.supplies.csv_models import SheetKind, SupplyImport, SupplyImportState
from solidarity.supplies.models import Item, KitTemplate, Location, LocationKind, Reversal, ReversalSource
from solidarity.supplies.reversals import ReversalValues, do_report_reversal
from solidarity.supplies.services import (
    ItemValues,
    LocationValues,
    do_receive,
    do_save_item,
    do_save_kit_template,
    do_save_location,
)


def an_item(group: WorkingGroup, by: User, code: str) -> Item:
    """The group's first item (its code may have been changed), or a new one with `code`."""
    found = Item.objects.filter(group=group).order_by("pk").first()
    if found is None:
        values = ItemValues(code=code, name_en="Walk gauze", name_es="Gasa del recorrido", unit_en="pack")
        found = do_save_item(group, values, by=by)
    return found


def a_location(group: WorkingGroup, by: User, code: str) -> Location:
    """The group's first depot, with some stock of its first item in it."""
    found = Location.objects.filter(group=group).exclude(kind=LocationKind.KIT).order_by("pk").first()
    if found is None:
        found = do_save_location(group, LocationValues(name="Walk depot"), by=by)
        expires = timezone.localdate() + timedelta(days=200)
        do_receive(found, an_item(group, by, code), 20, by=by, expires_on=expires, accept_over_need=True)
    return found


def a_kit_template(group: WorkingGroup, by: User, code: str) -> KitTemplate:
    found = KitTemplate.objects.filter(group=group).order_by("pk").first()
    if found is None:
        item = an_item(group, by, code)
        found = do_save_kit_template(group, {item: 2}, by=by, name_en="Walk kit per pair")
    return found


def a_supply_import(group: WorkingGroup, by: User) -> SupplyImport:
    """A staged spreadsheet of the group's items (staged again once an endpoint applied or discarded it)."""
    found = SupplyImport.objects.filter(group=group, state=SupplyImportState.STAGED).order_by("pk").first()
    if found is None:
        data = b"code,name_en,name_es\r\nWALKCSV,Walk bandages,Vendas del recorrido\r\n"
        found = do_stage_import(group, SheetKind.ITEMS, data, "walk.csv", by=by)
    return found


def a_reversal(group: WorkingGroup, by: User, code: str) -> Reversal:
    """A reversal reported from the group's first depot, waiting for a refill (reported again once refilled)."""
    kit = a_location(group, by, code)
    found = Reversal.objects.filter(kit=kit, replaced_at__isnull=True).order_by("pk").first()
    if found is None:
        found = do_report_reversal(ReversalValues(timezone.localdate(), 1, kit=kit), source=ReversalSource.MEMBER)
    return found


def register() -> None:
    WALK_FILLERS.register("supply_item", lambda world: an_item(world.group, world.owner, "WALK").code)
    WALK_FILLERS.register("supply_location", lambda world: str(a_location(world.group, world.owner, "WALK").uuid))
    WALK_FILLERS.register("kit_template", lambda world: str(a_kit_template(world.group, world.owner, "WALK").uuid))
    WALK_FILLERS.register("supply_import", lambda world: str(a_supply_import(world.group, world.owner).uuid))
    WALK_FILLERS.register("reversal", lambda world: str(a_reversal(world.group, world.owner, "WALK").uuid))
    WALK_FILLERS.register("supplies_sheet", lambda world: SheetKind.ITEMS.value)  # items.csv (or stock.csv)
