"""Supplies for tests: fictional items, locations and lots, made through the part's real services."""

from datetime import date
from typing import Any

from solidarity.accounts.models import User, WorkingGroup
from solidarity.supplies.models import Item, Location, Movement
from solidarity.supplies.services import ItemValues, LocationValues, do_receive, do_save_item, do_save_location


def make_item(group: WorkingGroup, by: User, code: str, **values: Any) -> Item:
    """An item kept by `group`, named after its code unless told otherwise."""
    defaults: dict[str, Any] = {"code": code, "name_en": code.title(), "name_es": code.title(), "unit_en": "dose"}
    return do_save_item(group, ItemValues(**(defaults | values)), by=by)


def make_location(group: WorkingGroup, by: User, name: str = "Depot", **values: Any) -> Location:
    return do_save_location(group, LocationValues(name=name, **values), by=by)


def receive(
    location: Location, item: Item, quantity: int, by: User, expires_on: date | None = None, **more: Any
) -> Movement:
    """Stock in, accepting it over need: a test arranges its shelves as it likes."""
    return do_receive(location, item, quantity, by=by, expires_on=expires_on, accept_over_need=True, **more)
