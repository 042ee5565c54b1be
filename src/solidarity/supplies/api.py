"""Supplies in the JSON API: a group's items, locations, lots and stock, the ledger's verbs, kits, par levels,
what is expiring, and a distribution report that names nobody.

Members of the group that keeps the supplies read them and record use, distribution and counts; its keepers
(coordinators and medic leads) receive, move, expire and donate stock, pack kits and set things up. To anyone
else the group's supplies do not exist (404). Stock changes call the same services as the pages.
"""

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from solidarity.accounts.access import signed_in
from solidarity.accounts.models import User, WorkingGroup
from solidarity.core.api import ApiError, ErrorOut, api_permission
from solidarity.core.downloads import PDF, file_response
from solidarity.core.flyers import Paper
from solidarity.core.models import Zone
from solidarity.core.permissions import Role, owner_role, role
from solidarity.core.zones import zones_by_slug
from solidarity.supplies.access import (
    KEEPERS,
    access_item_scoped,
    access_kit_template_scoped,
    access_location_scoped,
    access_supplies_group,
    group_items,
    group_kit_templates,
    group_locations,
    item_in,
    kept,
    location_in,
    lot_in,
    member_in,
)
from solidarity.supplies.charts import Expiring, ExpiryMonth, MonthPoint, expiry_by_month, stock_history
from solidarity.supplies.digest import PlaceNews, group_news
from solidarity.supplies.labels import count_sheet, location_labels
from solidarity.supplies.models import (
    NAME_LENGTH,
    REASON_LENGTH,
    Category,
    Item,
    KitTemplate,
    Location,
    LocationKind,
    Lot,
    Movement,
)
from solidarity.supplies.services import (
    ItemValues,
    KitShort,
    LocationValues,
    ParStatus,
    StockLine,
    distribution_report,
    do_count,
    do_distribute,
    do_donate,
    do_expire,
    do_move,
    do_pack_kit,
    do_receive,
    do_save_item,
    do_save_kit_template,
    do_save_location,
    do_use,
    expiring,
    fefo_plan,
    item_values_of,
    kit_contents,
    kit_expiry,
    par_status,
    stock_by_lot,
    usable_at,
)

router = Router(tags=["supplies"])

GROUP_MEMBER = role(Role.MEMBER, kwarg="slug")
GROUP_KEEPER = role(*KEEPERS, kwarg="slug")
ITEM_MEMBER = owner_role(Role.MEMBER, access=access_item_scoped, kwarg="supply_item")
ITEM_KEEPER = owner_role(*KEEPERS, access=access_item_scoped, kwarg="supply_item")
PLACE_MEMBER = owner_role(Role.MEMBER, access=access_location_scoped, kwarg="supply_location")
PLACE_KEEPER = owner_role(*KEEPERS, access=access_location_scoped, kwarg="supply_location")
KIT_MEMBER = owner_role(Role.MEMBER, access=access_kit_template_scoped, kwarg="kit_template")
KIT_KEEPER = owner_role(*KEEPERS, access=access_kit_template_scoped, kwarg="kit_template")

MAX_QUANTITY = 1_000_000
MAX_REPORT_DAYS = 3660
Quantity = Annotated[int, Field(ge=1, le=MAX_QUANTITY)]
ItemCode = Annotated[str, Field(min_length=2, max_length=8, description="The item's code, such as NLX.")]
ZoneSlug = Annotated[str, Field(min_length=1, max_length=60)]
CONFLICTS = {
    409: {
        "description": "Another item has this code (conflict), not enough stock can be used (not_enough), "
        "the item would be far above need (far_above_need), or a kit is short (kit_short)."
    }
}
# Refusals of a service that are about the stock's state, not the input: 409 with their own code.
STATE_CODES = {
    "unique": "conflict",
    "not_enough": "not_enough",
    "far_above_need": "far_above_need",
    "kit_short": "kit_short",
}


def refused(error: ValidationError) -> ApiError:
    """A service's refusal in the one error shape: 409 with a stable code for the stock's state, else 422."""
    if hasattr(error, "error_dict"):
        fields = error.message_dict
        codes = {item.code for items in error.error_dict.values() for item in items}
    else:
        fields = {"__all__": error.messages}
        codes = {item.code for item in error.error_list}
    message = next(iter(fields.values()))[0]
    state = next((STATE_CODES[code] for code in codes if code in STATE_CODES), None)
    return ApiError(409 if state else 422, state or "invalid_input", message, fields)


def zone_named(slug: str | None) -> Zone | None:
    if not slug:
        return None
    found = zones_by_slug([slug])
    if not found:
        raise ValidationError({"zone": _("No zone has this short name.")})
    return found[0]


# Schemas (names unique across the project's API).


class SupplyItemOut(Schema):
    id: UUID = Field(alias="uuid")
    code: str = Field(description="Printed on labels and texted by SMS.")
    group: str = Field(description="The slug of the working group that keeps it.")
    name_en: str
    name_es: str
    unit_en: str
    unit_es: str
    category: str
    storage_en: str
    storage_es: str
    is_prescription: bool = Field(description="Prescription-only: referred, unless enabled at a location.")
    is_never_linked: bool = Field(description="Never linked to a person anywhere, by design.")
    request_limit: int | None = Field(description="Units per request; more needs a reason.")
    safety_margin_months: int
    history_months: int
    far_above_months: int

    @staticmethod
    def resolve_group(obj: Item) -> str:
        return obj.group.slug


class SupplyItemPatch(Schema):
    code: str | None = Field(None, min_length=2, max_length=8)
    name_en: str | None = Field(None, max_length=NAME_LENGTH)
    name_es: str | None = Field(None, max_length=NAME_LENGTH)
    unit_en: str | None = Field(None, min_length=1, max_length=40)
    unit_es: str | None = Field(None, min_length=1, max_length=40)
    category: Category | None = None
    storage_en: str | None = Field(None, max_length=200)
    storage_es: str | None = Field(None, max_length=200)
    is_prescription: bool | None = None
    is_never_linked: bool | None = None
    request_limit: int | None = Field(None, ge=1, le=MAX_QUANTITY)
    safety_margin_months: int | None = Field(None, ge=0, le=36)
    history_months: int | None = Field(None, ge=1, le=36)
    far_above_months: int | None = Field(None, ge=1, le=120)


class SupplyItemIn(SupplyItemPatch):
    code: str = Field(min_length=2, max_length=8)


class SupplyLocationOut(Schema):
    id: UUID = Field(alias="uuid")
    group: str
    name: str
    kind: str
    template: UUID | None = Field(description="A packed kit's template.")
    refill_contact: UUID | None = Field(description="The account to ask for a refill (an account's id).")
    last_counted_at: datetime | None
    prescriptions_enabled: bool

    @staticmethod
    def resolve_group(obj: Location) -> str:
        return obj.group.slug

    @staticmethod
    def resolve_template(obj: Location) -> UUID | None:
        return obj.template.uuid if obj.template else None

    @staticmethod
    def resolve_refill_contact(obj: Location) -> UUID | None:
        return obj.refill_contact.uuid if obj.refill_contact else None


class SupplyLocationPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=NAME_LENGTH)
    kind: LocationKind | None = None
    refill_contact: UUID | None = None
    prescriptions_enabled: bool | None = None


class SupplyLocationIn(SupplyLocationPatch):
    name: str = Field(min_length=1, max_length=NAME_LENGTH)


class SupplyLotOut(Schema):
    id: UUID = Field(alias="uuid")
    item: str
    lot_number: str
    expires_on: date | None
    is_expired: bool

    @staticmethod
    def resolve_item(obj: Lot) -> str:
        return obj.item.code

    @staticmethod
    def resolve_is_expired(obj: Lot) -> bool:
        return obj.is_expired()


class StockLineOut(Schema):
    item: str
    lot: SupplyLotOut
    location: UUID
    location_name: str
    quantity: int

    @staticmethod
    def resolve_item(obj: StockLine) -> str:
        return obj.lot.item.code

    @staticmethod
    def resolve_location(obj: StockLine) -> UUID:
        return obj.location.uuid

    @staticmethod
    def resolve_location_name(obj: StockLine) -> str:
        return obj.location.name


class StockMovementOut(Schema):
    """One line of the ledger. Who recorded it is not shown, and nothing names a recipient."""

    id: UUID = Field(alias="uuid")
    batch: UUID = Field(description="Shared by the two rows of a move.")
    kind: str
    item: str
    lot: UUID
    location: UUID
    quantity: int = Field(description="Units in (+) or out (-) at the location.")
    zone: str | None
    reason: str
    is_override: bool
    at: datetime

    @staticmethod
    def resolve_item(obj: Movement) -> str:
        return obj.lot.item.code

    @staticmethod
    def resolve_lot(obj: Movement) -> UUID:
        return obj.lot.uuid

    @staticmethod
    def resolve_location(obj: Movement) -> UUID:
        return obj.location.uuid

    @staticmethod
    def resolve_zone(obj: Movement) -> str | None:
        return obj.zone.slug if obj.zone else None


class StockChangeOut(Schema):
    movements: list[StockMovementOut]
    remaining: int = Field(description="Units of the item left at the location that can be used.")


class StockReceiveIn(Schema):
    item: ItemCode
    quantity: Quantity
    expires_on: date | None = None
    lot_number: str = Field("", max_length=40)
    accept_over_need: bool = Field(False, description="Receive even though the item would be far above need.")


class StockUseIn(Schema):
    item: ItemCode
    quantity: Quantity
    zone: ZoneSlug | None = None
    lot: UUID | None = Field(None, description="Take from this lot rather than the first to expire.")


class StockDistributeIn(StockUseIn):
    override_reason: str = Field("", max_length=REASON_LENGTH, description="Why more than the limit: never who.")


class StockMoveIn(Schema):
    item: ItemCode
    quantity: Quantity
    destination: UUID
    lot: UUID | None = None


class StockCountIn(Schema):
    lot: UUID
    counted: int = Field(ge=0, le=MAX_QUANTITY)
    note: str = Field("", max_length=REASON_LENGTH, description="About the difference, never about a person.")


class StockExpireIn(Schema):
    lot: UUID
    quantity: Quantity | None = Field(None, description="All of the lot at the location when left out.")


class StockDonateIn(Schema):
    lot: UUID
    quantity: Quantity


class StockPickOut(Schema):
    lot: SupplyLotOut
    quantity: int


class StockPlanOut(Schema):
    """The lots to take, first expiry first: what the page shows a medic before they take."""

    picks: list[StockPickOut]
    short: int


class KitLineIn(Schema):
    item: ItemCode
    quantity: Quantity


class KitLineOut(Schema):
    item: str
    quantity: int


class KitTemplatePatch(Schema):
    name_en: str | None = Field(None, max_length=NAME_LENGTH)
    name_es: str | None = Field(None, max_length=NAME_LENGTH)
    lines: list[KitLineIn] | None = Field(None, min_length=1, max_length=100)


class KitTemplateIn(KitTemplatePatch):
    lines: list[KitLineIn] = Field(min_length=1, max_length=100)


class KitTemplateOut(Schema):
    id: UUID = Field(alias="uuid")
    group: str
    name_en: str
    name_es: str
    lines: list[KitLineOut]

    @staticmethod
    def resolve_group(obj: KitTemplate) -> str:
        return obj.group.slug

    @staticmethod
    def resolve_lines(obj: KitTemplate) -> list[KitLineOut]:
        lines = sorted(obj.lines.all(), key=lambda line: line.item.code)
        return [KitLineOut(item=line.item.code, quantity=line.quantity) for line in lines]


class KitPackIn(Schema):
    depot: UUID = Field(description="The location to draw from.")
    kit: UUID | None = Field(None, description="A packed kit to top up; a new kit when left out.")
    name: str = Field("", max_length=NAME_LENGTH)
    allow_short: bool = Field(False, description="Pack what there is when the depot is short.")


class KitShortageOut(Schema):
    item: str
    missing: int


class KitContentLineOut(Schema):
    item: str
    wanted: int
    packed: int
    missing: int


class KitContentsOut(Schema):
    expires_on: date | None = Field(description="Its earliest component's expiry.")
    lines: list[KitContentLineOut]


class KitPackedOut(Schema):
    kit: SupplyLocationOut
    expires_on: date | None
    moved: int = Field(description="Units packed into the kit.")
    shortages: list[KitShortageOut]


class ParStatusOut(Schema):
    item: str
    on_hand: int = Field(description="Units not expired, at every location of the group.")
    monthly_use: float = Field(description="Used and distributed per month, over the item's history months.")
    par_level: int
    months_of_supply: float | None
    state: str = Field(description="below_par, ok, far_above_need, or no_use_yet.")
    advice: str

    @staticmethod
    def resolve_item(obj: ParStatus) -> str:
        return obj.item.code

    @staticmethod
    def resolve_advice(obj: ParStatus) -> str:
        return obj.advice()


class MonthPointOut(Schema):
    """An item at the end of a month (today, for the current month), judged by the use of the months before."""

    month: date = Field(description="The month's first day.")
    on_hand: int
    par_level: int
    far_above: int = Field(description="Stock above this is far above need (0 without use).")
    state: str = Field(description="below_par, ok, far_above_need, or no_use_yet.")


class ExpiringItemOut(Schema):
    item: str
    quantity: int = Field(description="Units that expire in the month.")
    held: int = Field(description="The item's whole stock, every lot and location.")

    @staticmethod
    def resolve_item(obj: Expiring) -> str:
        return obj.item.code


class ExpiryMonthOut(Schema):
    month: date | None = Field(description="The month's first day; null for stock already expired, on a shelf.")
    items: list[ExpiringItemOut]


class DistributionRowOut(Schema):
    """Counts by item, kind, date, zone and location: nothing about anyone."""

    item: str
    kind: str
    date: date
    zone: str | None
    location: str
    quantity: int
    overrides: int = Field(description="Movements over the item's request limit, each with a recorded reason.")


class ExpiringQuery(Schema):
    within_days: int = Field(60, ge=0, le=3650)


class DistributionQuery(Schema):
    since: date
    until: date


class PlanQuery(Schema):
    item: ItemCode
    quantity: Quantity


# Items.


def saved_item(group: WorkingGroup, values: dict[str, Any], by: User, existing: Item | None = None) -> Item:
    try:
        return do_save_item(group, ItemValues(**values), by=by, item=existing)
    except ValidationError as error:
        raise refused(error) from None


@router.get("/groups/{slug}/supplies/items", response=list[SupplyItemOut], summary="A group's supply items")
@paginate
@api_permission(GROUP_MEMBER)
def list_items(request: HttpRequest, slug: str) -> QuerySet[Item]:
    return group_items(access_supplies_group(signed_in(request), slug))


@router.post(
    "/groups/{slug}/supplies/items",
    response={201: SupplyItemOut, 409: ErrorOut},
    summary="Add a supply item",
    openapi_extra={"responses": CONFLICTS},
)
@api_permission(GROUP_KEEPER)
def create_item(request: HttpRequest, slug: str, payload: SupplyItemIn) -> Status[Item]:
    user = signed_in(request)
    group = access_supplies_group(user, slug, keeper=True)
    return Status(201, saved_item(group, payload.model_dump(exclude_none=True), user))


@router.get("/supplies/items/{supply_item}", response=SupplyItemOut, summary="One supply item")
@api_permission(ITEM_MEMBER)
def read_item(request: HttpRequest, supply_item: str) -> Item:
    return access_item_scoped(signed_in(request), supply_item).obj


@router.patch(
    "/supplies/items/{supply_item}",
    response={200: SupplyItemOut, 409: ErrorOut},
    summary="Change a supply item, its par settings or its limit",
    openapi_extra={"responses": CONFLICTS},
)
@api_permission(ITEM_KEEPER)
def update_item(request: HttpRequest, supply_item: str, payload: SupplyItemPatch) -> Item:
    """Send `request_limit: null` to lift the limit."""
    user = signed_in(request)
    item = kept(access_item_scoped(user, supply_item))
    changes = payload.model_dump(exclude_unset=True)
    changes = {name: value for name, value in changes.items() if value is not None or name == "request_limit"}
    return saved_item(item.group, item_values_of(item).__dict__ | changes, user, existing=item)


@router.get("/supplies/items/{supply_item}/lots", response=list[SupplyLotOut], summary="An item's lots")
@paginate
@api_permission(ITEM_MEMBER)
def list_lots(request: HttpRequest, supply_item: str) -> QuerySet[Lot]:
    item = access_item_scoped(signed_in(request), supply_item).obj
    return item.lots.select_related("item").order_by("expires_on", "pk")


@router.get("/supplies/items/{supply_item}/stock", response=list[StockLineOut], summary="An item's stock, by lot")
@paginate
@api_permission(ITEM_MEMBER)
def item_stock(request: HttpRequest, supply_item: str) -> list[StockLine]:
    """At every location of the group, first expiry first."""
    return stock_by_lot(item=access_item_scoped(signed_in(request), supply_item).obj)


@router.get("/supplies/items/{supply_item}/par", response=ParStatusOut, summary="An item's stock against its use")
@api_permission(ITEM_MEMBER)
def item_par(request: HttpRequest, supply_item: str) -> ParStatus:
    return par_status(access_item_scoped(signed_in(request), supply_item).obj)


@router.get(
    "/supplies/items/{supply_item}/history",
    response=list[MonthPointOut],
    summary="An item's stock against its par level, month by month",
)
@api_permission(ITEM_MEMBER)
def item_history(request: HttpRequest, supply_item: str) -> list[MonthPoint]:
    """The last twelve months, oldest first: the numbers of the item page's chart."""
    return stock_history(access_item_scoped(signed_in(request), supply_item).obj)


@router.get("/groups/{slug}/supplies/par", response=list[ParStatusOut], summary="Every item against its use")
@paginate
@api_permission(GROUP_MEMBER)
def group_par(request: HttpRequest, slug: str) -> list[ParStatus]:
    """Below par and far above need, with the numbers, for each item the group keeps."""
    return [par_status(item) for item in group_items(access_supplies_group(signed_in(request), slug))]


# Locations.


def location_values(group: WorkingGroup, values: dict[str, Any]) -> LocationValues:
    contact = values.pop("refill_contact", None)
    return LocationValues(**values, refill_contact=member_in(group, contact) if contact else None)


@router.get("/groups/{slug}/supplies/locations", response=list[SupplyLocationOut], summary="A group's locations")
@paginate
@api_permission(GROUP_MEMBER)
def list_locations(request: HttpRequest, slug: str) -> QuerySet[Location]:
    return group_locations(access_supplies_group(signed_in(request), slug))


@router.post(
    "/groups/{slug}/supplies/locations", response={201: SupplyLocationOut}, summary="Add a depot, bag or cabinet"
)
@api_permission(GROUP_KEEPER)
def create_location(request: HttpRequest, slug: str, payload: SupplyLocationIn) -> Status[Location]:
    """A kit is made by packing one (POST /supplies/kits/{kit_template}/pack)."""
    user = signed_in(request)
    group = access_supplies_group(user, slug, keeper=True)
    try:
        if payload.kind == LocationKind.KIT:
            raise ValidationError({"kind": _("Pack a kit from its template to make one.")})
        return Status(
            201, do_save_location(group, location_values(group, payload.model_dump(exclude_none=True)), by=user)
        )
    except ValidationError as error:
        raise refused(error) from None


@router.get("/supplies/locations/{supply_location}", response=SupplyLocationOut, summary="One location")
@api_permission(PLACE_MEMBER)
def read_location(request: HttpRequest, supply_location: UUID) -> Location:
    return access_location_scoped(signed_in(request), supply_location).obj


@router.patch("/supplies/locations/{supply_location}", response=SupplyLocationOut, summary="Change a location")
@api_permission(PLACE_KEEPER)
def update_location(request: HttpRequest, supply_location: UUID, payload: SupplyLocationPatch) -> Location:
    """Only a coordinator who is also a medic lead enables prescription items; `refill_contact: null` clears it."""
    user = signed_in(request)
    found = kept(access_location_scoped(user, supply_location))
    current = {
        "name": found.name,
        "kind": found.kind,
        "refill_contact": found.refill_contact.uuid if found.refill_contact else None,
        "prescriptions_enabled": found.prescriptions_enabled,
    }
    changes = {
        k: v for k, v in payload.model_dump(exclude_unset=True).items() if v is not None or k == "refill_contact"
    }
    try:
        return do_save_location(found.group, location_values(found.group, current | changes), by=user, location=found)
    except ValidationError as error:
        raise refused(error) from None


@router.get(
    "/supplies/locations/{supply_location}/stock", response=list[StockLineOut], summary="A location's stock, by lot"
)
@paginate
@api_permission(PLACE_MEMBER)
def location_stock(request: HttpRequest, supply_location: UUID) -> list[StockLine]:
    return stock_by_lot(location=access_location_scoped(signed_in(request), supply_location).obj)


@router.get("/supplies/locations/{supply_location}/plan", response=StockPlanOut, summary="Which lots to take")
@api_permission(PLACE_MEMBER)
def location_plan(request: HttpRequest, supply_location: UUID, query: Query[PlanQuery]) -> dict[str, Any]:
    """First expiry first, never an expired lot; `short`: how many the location lacks."""
    location = access_location_scoped(signed_in(request), supply_location).obj
    try:
        item = item_in(location.group, query.item)
    except ValidationError as error:
        raise refused(error) from None
    plan = fefo_plan(item, location, query.quantity)
    return {"picks": [{"lot": pick.lot, "quantity": pick.quantity} for pick in plan.picks], "short": plan.short}


@router.get(
    "/supplies/locations/{supply_location}/movements",
    response=list[StockMovementOut],
    summary="A location's ledger, newest first",
)
@paginate
@api_permission(PLACE_MEMBER)
def location_movements(request: HttpRequest, supply_location: UUID) -> QuerySet[Movement]:
    location = access_location_scoped(signed_in(request), supply_location).obj
    return location.movements.select_related("lot__item", "location", "zone").order_by("-at", "-pk")


@router.get("/supplies/locations/{supply_location}/kit", response=KitContentsOut, summary="A packed kit's contents")
@api_permission(PLACE_MEMBER)
def kit_of(request: HttpRequest, supply_location: UUID) -> dict[str, Any]:
    """Each line of its template against what it holds (expired stock does not count), and its expiry."""
    location = access_location_scoped(signed_in(request), supply_location).obj
    lines = [
        {"item": line.item.code, "wanted": line.wanted, "packed": line.packed, "missing": line.missing}
        for line in kit_contents(location)
    ]
    return {"expires_on": kit_expiry(location), "lines": lines}


# The ledger's verbs.


def changed(location: Location, item: Item, moves: list[Movement]) -> dict[str, Any]:
    here = [move for move in moves if move.location_id == location.pk] or moves
    return {"movements": here, "remaining": usable_at(location, item)}


VERB: dict[str, Any] = {"response": {200: StockChangeOut, 409: ErrorOut}, "openapi_extra": {"responses": CONFLICTS}}


@router.post("/supplies/locations/{supply_location}/receive", summary="Receive stock", **VERB)
@api_permission(PLACE_KEEPER)
def receive(request: HttpRequest, supply_location: UUID, payload: StockReceiveIn) -> dict[str, Any]:
    """409 far_above_need when the item would be far above need: send `accept_over_need` to receive anyway."""
    user = signed_in(request)
    location = kept(access_location_scoped(user, supply_location))
    try:
        item = item_in(location.group, payload.item)
        move = do_receive(
            location,
            item,
            payload.quantity,
            by=user,
            expires_on=payload.expires_on,
            lot_number=payload.lot_number,
            accept_over_need=payload.accept_over_need,
        )
    except ValidationError as error:
        raise refused(error) from None
    return changed(location, item, [move])


@router.post("/supplies/locations/{supply_location}/use", summary="Record use", **VERB)
@api_permission(PLACE_MEMBER)
def use(request: HttpRequest, supply_location: UUID, payload: StockUseIn) -> dict[str, Any]:
    """First expiry first unless a lot is named; never an expired lot. A zone at most: nobody is named."""
    user = signed_in(request)
    location = access_location_scoped(user, supply_location).obj
    try:
        item = item_in(location.group, payload.item)
        lot = lot_in(location.group, payload.lot) if payload.lot else None
        moves = do_use(location, item, payload.quantity, by=user, zone=zone_named(payload.zone), lot=lot)
    except ValidationError as error:
        raise refused(error) from None
    return changed(location, item, moves)


@router.post("/supplies/locations/{supply_location}/distribute", summary="Record a distribution", **VERB)
@api_permission(PLACE_MEMBER)
def distribute(request: HttpRequest, supply_location: UUID, payload: StockDistributeIn) -> dict[str, Any]:
    """A count by item, date, location and zone, never who. Over the item's limit needs `override_reason`."""
    user = signed_in(request)
    location = access_location_scoped(user, supply_location).obj
    try:
        item = item_in(location.group, payload.item)
        lot = lot_in(location.group, payload.lot) if payload.lot else None
        moves = do_distribute(
            location,
            item,
            payload.quantity,
            by=user,
            zone=zone_named(payload.zone),
            override_reason=payload.override_reason,
            lot=lot,
        )
    except ValidationError as error:
        raise refused(error) from None
    return changed(location, item, moves)


@router.post("/supplies/locations/{supply_location}/count", summary="Record a physical count of a lot", **VERB)
@api_permission(PLACE_MEMBER)
def count(request: HttpRequest, supply_location: UUID, payload: StockCountIn) -> dict[str, Any]:
    """A difference is recorded as a `counted` movement; no movement when the count agrees."""
    user = signed_in(request)
    location = access_location_scoped(user, supply_location).obj
    try:
        lot = lot_in(location.group, payload.lot)
        move = do_count(location, lot, payload.counted, by=user, note=payload.note)
    except ValidationError as error:
        raise refused(error) from None
    return changed(location, lot.item, [move] if move else [])


@router.post("/supplies/locations/{supply_location}/move", summary="Move stock to another location", **VERB)
@api_permission(PLACE_KEEPER)
def move(request: HttpRequest, supply_location: UUID, payload: StockMoveIn) -> dict[str, Any]:
    user = signed_in(request)
    location = kept(access_location_scoped(user, supply_location))
    try:
        item = item_in(location.group, payload.item)
        destination = location_in(location.group, payload.destination, "destination")
        lot = lot_in(location.group, payload.lot) if payload.lot else None
        moves = do_move(location, destination, item, payload.quantity, by=user, lot=lot)
    except ValidationError as error:
        raise refused(error) from None
    return changed(location, item, moves)


@router.post("/supplies/locations/{supply_location}/expire", summary="Record expired stock thrown away", **VERB)
@api_permission(PLACE_KEEPER)
def expire(request: HttpRequest, supply_location: UUID, payload: StockExpireIn) -> dict[str, Any]:
    user = signed_in(request)
    location = kept(access_location_scoped(user, supply_location))
    try:
        lot = lot_in(location.group, payload.lot)
        moved = do_expire(location, lot, by=user, quantity=payload.quantity)
    except ValidationError as error:
        raise refused(error) from None
    return changed(location, lot.item, [moved])


@router.post("/supplies/locations/{supply_location}/donate", summary="Donate stock while still usable", **VERB)
@api_permission(PLACE_KEEPER)
def donate(request: HttpRequest, supply_location: UUID, payload: StockDonateIn) -> dict[str, Any]:
    """Expired or not: expired naloxone is still better than none, and syringe programmes take it."""
    user = signed_in(request)
    location = kept(access_location_scoped(user, supply_location))
    try:
        lot = lot_in(location.group, payload.lot)
        moved = do_donate(location, lot, payload.quantity, by=user)
    except ValidationError as error:
        raise refused(error) from None
    return changed(location, lot.item, [moved])


# Kits.


def kit_lines(group: WorkingGroup, lines: list[KitLineIn]) -> dict[Item, int]:
    found: dict[Item, int] = {}
    for line in lines:
        item = item_in(group, line.item, "lines")
        found[item] = found.get(item, 0) + line.quantity
    return found


@router.get("/groups/{slug}/supplies/kits", response=list[KitTemplateOut], summary="A group's kit templates")
@paginate
@api_permission(GROUP_MEMBER)
def list_kit_templates(request: HttpRequest, slug: str) -> QuerySet[KitTemplate]:
    return group_kit_templates(access_supplies_group(signed_in(request), slug)).order_by("name_en", "pk")


@router.post("/groups/{slug}/supplies/kits", response={201: KitTemplateOut}, summary="Add a kit template")
@api_permission(GROUP_KEEPER)
def create_kit_template(request: HttpRequest, slug: str, payload: KitTemplateIn) -> Status[KitTemplate]:
    user = signed_in(request)
    group = access_supplies_group(user, slug, keeper=True)
    try:
        lines = kit_lines(group, payload.lines)
        made = do_save_kit_template(group, lines, by=user, name_en=payload.name_en or "", name_es=payload.name_es or "")
    except ValidationError as error:
        raise refused(error) from None
    return Status(201, made)


@router.get("/supplies/kits/{kit_template}", response=KitTemplateOut, summary="One kit template")
@api_permission(KIT_MEMBER)
def read_kit_template(request: HttpRequest, kit_template: UUID) -> KitTemplate:
    return access_kit_template_scoped(signed_in(request), kit_template).obj


@router.patch("/supplies/kits/{kit_template}", response=KitTemplateOut, summary="Change a kit template")
@api_permission(KIT_KEEPER)
def update_kit_template(request: HttpRequest, kit_template: UUID, payload: KitTemplatePatch) -> KitTemplate:
    user = signed_in(request)
    template = kept(access_kit_template_scoped(user, kit_template))
    try:
        if payload.lines is not None:
            lines = kit_lines(template.group, payload.lines)
        else:
            lines = {line.item: line.quantity for line in template.lines.select_related("item")}
        name_en = template.name_en if payload.name_en is None else payload.name_en
        name_es = template.name_es if payload.name_es is None else payload.name_es
        return do_save_kit_template(template.group, lines, by=user, name_en=name_en, name_es=name_es, template=template)
    except ValidationError as error:
        raise refused(error) from None


@router.post(
    "/supplies/kits/{kit_template}/pack",
    response={201: KitPackedOut, 409: ErrorOut},
    summary="Pack a kit, or top one up, first expiry first",
    openapi_extra={"responses": CONFLICTS},
)
@api_permission(KIT_KEEPER)
def pack_kit(request: HttpRequest, kit_template: UUID, payload: KitPackIn) -> Status[dict[str, Any]]:
    """409 kit_short naming what is missing, and nothing packed, unless `allow_short`: then what there is."""
    user = signed_in(request)
    template = kept(access_kit_template_scoped(user, kit_template))
    try:
        depot = location_in(template.group, payload.depot, "depot")
        kit = location_in(template.group, payload.kit, "kit") if payload.kit else None
        packed = do_pack_kit(template, depot, by=user, kit=kit, name=payload.name, allow_short=payload.allow_short)
    except KitShort as short:
        error = refused(short)
        error.fields["shortages"] = [f"{s.item.code}:{s.missing}" for s in short.shortages]
        raise error from None
    except ValidationError as error:
        raise refused(error) from None
    moved = sum(move.quantity for move in packed.moves if move.location_id == packed.kit.pk)
    shortages = [{"item": s.item.code, "missing": s.missing} for s in packed.shortages]
    body = {"kit": packed.kit, "expires_on": kit_expiry(packed.kit), "moved": moved, "shortages": shortages}
    return Status(201, body)


# Reports.


@router.get("/groups/{slug}/supplies/expiring", response=list[StockLineOut], summary="Stock expiring soon")
@paginate
@api_permission(GROUP_MEMBER)
def list_expiring(request: HttpRequest, slug: str, query: Query[ExpiringQuery]) -> list[StockLine]:
    """Lots expiring within `within_days` (or expired, still on a shelf), by date: use them first, or donate."""
    return expiring(access_supplies_group(signed_in(request), slug), query.within_days)


@router.get(
    "/groups/{slug}/supplies/expiry-by-month",
    response=list[ExpiryMonthOut],
    summary="What expires in each of the next six months",
)
@api_permission(GROUP_MEMBER)
def list_expiry_by_month(request: HttpRequest, slug: str) -> list[ExpiryMonth]:
    """Stock already expired on a shelf first (if any), then this month and the next five: the stock page's chart."""
    return expiry_by_month(stock_by_lot(group=access_supplies_group(signed_in(request), slug)))


@router.get(
    "/groups/{slug}/supplies/distribution",
    response=list[DistributionRowOut],
    summary="What was used and given out: counts only",
)
@paginate
@api_permission(GROUP_KEEPER)
def distribution(request: HttpRequest, slug: str, query: Query[DistributionQuery]) -> list[dict[str, Any]]:
    """Counts by item, date, zone and location between two dates (inclusive): it names nobody."""
    group = access_supplies_group(signed_in(request), slug, keeper=True)
    if (query.until - query.since).days > MAX_REPORT_DAYS:
        message = _("A report covers at most ten years.")
        raise ApiError(422, "invalid_input", message, {"until": [message]})
    try:
        return [dict(row) for row in distribution_report(group, query.since, query.until)]
    except ValidationError as error:
        raise refused(error) from None


# What the keepers hear this week, and paper.


class PlaceNewsOut(Schema):
    location: UUID
    location_name: str
    count_due: bool = Field(description="Never counted, or not in 90 days.")
    expiring: list[StockLineOut] = Field(description="Lots expiring within 60 days, or expired on the shelf.")

    @staticmethod
    def resolve_location(obj: PlaceNews) -> UUID:
        return obj.location.uuid

    @staticmethod
    def resolve_location_name(obj: PlaceNews) -> str:
        return obj.location.name

    @staticmethod
    def resolve_count_due(obj: PlaceNews) -> bool:
        return obj.not_counted


class WeekNewsOut(Schema):
    """What the weekly digest tells the group's keepers, as of now."""

    par: list[ParStatusOut] = Field(description="The items below par or far above need.")
    places: list[PlaceNewsOut] = Field(description="The locations with something to hear, by name.")


@router.get("/groups/{slug}/supplies/this-week", response=WeekNewsOut, summary="What the weekly digest says now")
@api_permission(GROUP_KEEPER)
def this_week(request: HttpRequest, slug: str) -> dict[str, Any]:
    """Below par and far above need, lots expiring within 60 days, places not counted in 90: the weekly
    email's content, to read before it goes."""
    news = group_news(access_supplies_group(signed_in(request), slug, keeper=True), timezone.now())
    return {"par": news.par, "places": [place for place in news.places.values() if place]}


PDF_RESPONSE: dict[str, object] = {"responses": {200: {"description": "The PDF.", "content": {"application/pdf": {}}}}}


@router.get(
    "/supplies/locations/{supply_location}/labels.pdf",
    response={200: None},
    summary="A location's shelf card and a label per lot, with QR codes (PDF)",
    openapi_extra=PDF_RESPONSE,
)
@api_permission(PLACE_MEMBER)
def labels_pdf(request: HttpRequest, supply_location: UUID, paper: Paper = Paper.LETTER) -> HttpResponse:
    """Each QR code opens the count page of its location, the lot chosen: a phone's camera is enough."""
    location = access_location_scoped(signed_in(request), supply_location).obj
    return file_response(location_labels(location, paper), PDF, f"labels-{paper}.pdf")


@router.get(
    "/groups/{slug}/supplies/count-sheet.pdf",
    response={200: None},
    summary="A count sheet of every location's lots (PDF)",
    openapi_extra=PDF_RESPONSE,
)
@api_permission(GROUP_MEMBER)
def count_sheet_api(request: HttpRequest, slug: str, paper: Paper = Paper.LETTER) -> HttpResponse:
    group = access_supplies_group(signed_in(request), slug)
    return file_response(count_sheet(group, paper), PDF, f"count-sheet-{group.slug}-{paper}.pdf")
