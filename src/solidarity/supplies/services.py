"""Keeping supplies: items, locations and kit templates, and every change of stock as a ledger movement.

Each do_* is one transaction: it locks the rows of the locations it takes from or adds to (in a fixed
order, so two changes never wait on each other), reads the stock under the lock, writes its movements
and its audit entry (ids and counts, never a person). Two medics taking the last dose cannot both
succeed: the second reads the stock after the first committed, and is refused.

Decisions (the issue left them to us):
- Receiving stock that would leave an item far above need is refused with the code `far_above_need`
  (its message gives the months of supply) unless the caller passes `accept_over_need=True`: the
  warning is a refusal a coordinator overrides knowingly, not a note nobody reads.
- A kit short of anything is refused with the code `kit_short`, naming each item and how many are
  missing (KitShort.shortages), unless the caller passes `allow_short=True`: then what there is gets
  packed and the answer still lists what is missing.
"""

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TypedDict
from uuid import UUID, uuid4

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Min, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from solidarity.accounts.models import User, WorkingGroup
from solidarity.core import audit, permissions
from solidarity.core.bilingual import text_of
from solidarity.core.models import AuditAction, Zone
from solidarity.core.permissions import Role, roles_in
from solidarity.supplies.models import (
    CODE_PATTERN,
    REASON_LENGTH,
    Category,
    Item,
    KitLine,
    KitTemplate,
    Location,
    LocationKind,
    Lot,
    Movement,
    MovementKind,
)

DAYS_A_MONTH = 30.4375
SPENT = (MovementKind.USED, MovementKind.DISTRIBUTED)  # what real use is made of


def acting_role(by: User | None, group: WorkingGroup) -> str:
    """The role the audit log keeps for `by` in `group`: coordinator, medic lead, or member."""
    return permissions.acting_role(by, group.slug, Role.COORDINATOR, Role.MEDIC_LEAD)


def audited(
    by: User | None,
    group: WorkingGroup,
    action: AuditAction,
    object_type: str,
    ids: Iterable[UUID],
    detail: Mapping[str, str | int | bool] | None = None,
) -> None:
    audit.record(
        actor=str(by.uuid) if by else audit.SYSTEM,
        role=acting_role(by, group),
        action=action,
        object_type=object_type,
        object_ids=list(ids),
        detail=dict(detail or {}),
    )


def keepers_of(group: WorkingGroup) -> list[User]:
    """The group's active coordinators and medic leads with an email address."""
    roles = [str(Role.COORDINATOR), str(Role.MEDIC_LEAD)]
    found = User.objects.filter(is_active=True, memberships__group=group, memberships__grants__role__in=roles)
    return [user for user in found.distinct().order_by("pk") if user.email]


# Setting up: items, locations, kit templates.


@dataclass(frozen=True)
class ItemValues:
    """What a keeper writes about an item. Par settings and the request limit are here too."""

    code: str
    name_en: str = ""
    name_es: str = ""
    unit_en: str = "unit"
    unit_es: str = "unidad"
    category: str = Category.OTHER
    storage_en: str = ""
    storage_es: str = ""
    is_prescription: bool = False
    is_never_linked: bool = False
    request_limit: int | None = None
    safety_margin_months: int = 2
    history_months: int = 6
    far_above_months: int = 12


ITEM_FIELDS = tuple(ItemValues.__dataclass_fields__)


def item_values_of(item: Item) -> ItemValues:
    return ItemValues(**{name: getattr(item, name) for name in ITEM_FIELDS})


def check_item(values: ItemValues) -> None:
    """ValidationError naming the field for what a keeper may not save."""
    if not re.fullmatch(CODE_PATTERN, values.code):
        raise ValidationError({"code": _("A code is 2 to 8 capital letters or digits, such as NLX or GAUZE.")})
    if not values.name_en.strip() and not values.name_es.strip():
        raise ValidationError({"name_en": _("Give the item a name, in English or in Spanish.")})
    if values.category not in Category.values:
        raise ValidationError({"category": _("Choose a category from the list.")})
    if values.request_limit is not None and values.request_limit < 1:
        raise ValidationError({"request_limit": _("A limit per request is at least 1, or none.")})
    if not 1 <= values.history_months <= 36:
        raise ValidationError({"history_months": _("Between 1 and 36 months.")})
    if not 0 <= values.safety_margin_months <= 36:
        raise ValidationError({"safety_margin_months": _("Between 0 and 36 months.")})
    if not 1 <= values.far_above_months <= 120:
        raise ValidationError({"far_above_months": _("Between 1 and 120 months.")})


def do_save_item(group: WorkingGroup, values: ItemValues, *, by: User, item: Item | None = None) -> Item:
    """Create an item kept by `group`, or change one. ValidationError naming the field; code "unique" when
    another item has the code. Audited."""
    values = ItemValues(**{**values.__dict__, "code": values.code.strip().upper()})
    check_item(values)
    with transaction.atomic():
        saved = item or Item(group=group)
        for name in ITEM_FIELDS:
            setattr(saved, name, getattr(values, name))
        try:
            with transaction.atomic():
                saved.save()
        except IntegrityError:
            taken = ValidationError(_("Another item has this code."), code="unique")
            raise ValidationError({"code": taken}) from None
        action = AuditAction.CHANGED if item else AuditAction.CREATED
        audited(by, group, action, "supplies.item", [saved.uuid], {"code": saved.code})
    return saved


def may_enable_prescriptions(by: User, group: WorkingGroup) -> bool:
    """Only a coordinator of the group who is also a medic lead there enables prescription items at a location."""
    held = roles_in(by, group.slug)
    return Role.COORDINATOR in held and Role.MEDIC_LEAD in held


@dataclass(frozen=True)
class LocationValues:
    name: str
    kind: str = LocationKind.DEPOT
    refill_contact: User | None = None  # an account of the group, never free text about a person
    prescriptions_enabled: bool = False


def do_save_location(
    group: WorkingGroup, values: LocationValues, *, by: User, location: Location | None = None
) -> Location:
    """Create a location of `group`, or change one. The refill contact must be in the group; turning
    prescription items on needs a coordinator who is also a medic lead. Audited."""
    if not values.name.strip():
        raise ValidationError({"name": _("Give the location a name.")})
    if values.kind not in LocationKind.values:
        raise ValidationError({"kind": _("Choose a kind from the list.")})
    if location is not None and location.kind == LocationKind.KIT and values.kind != LocationKind.KIT:
        raise ValidationError({"kind": _("A packed kit stays a kit.")})
    contact = values.refill_contact
    if contact is not None and not roles_in(contact, group.slug):
        raise ValidationError({"refill_contact": _("The refill contact must be a member of the group.")})
    was_enabled = location.prescriptions_enabled if location else False
    if values.prescriptions_enabled and not was_enabled and not may_enable_prescriptions(by, group):
        message = _("Only a coordinator who is also a medic lead may enable prescription items at a location.")
        raise ValidationError({"prescriptions_enabled": message})
    with transaction.atomic():
        saved = location or Location(group=group)
        saved.name = values.name.strip()
        saved.kind = values.kind
        saved.refill_contact = contact
        saved.prescriptions_enabled = values.prescriptions_enabled
        saved.save()
        detail: dict[str, str | int | bool] = {"kind": saved.kind, "prescriptions": saved.prescriptions_enabled}
        action = AuditAction.CHANGED if location else AuditAction.CREATED
        audited(by, group, action, "supplies.location", [saved.uuid], detail)
    return saved


def do_save_kit_template(
    group: WorkingGroup,
    lines: Mapping[Item, int],
    *,
    by: User,
    name_en: str = "",
    name_es: str = "",
    template: KitTemplate | None = None,
) -> KitTemplate:
    """Create or change a kit template of `group`: its names and its lines (item: quantity), replaced whole."""
    if not name_en.strip() and not name_es.strip():
        raise ValidationError({"name_en": _("Give the kit a name, in English or in Spanish.")})
    if not lines:
        raise ValidationError({"lines": _("A kit holds at least one item.")})
    for item, quantity in lines.items():
        if item.group_id != group.pk:
            raise ValidationError({"lines": _("%(code)s is kept by another group.") % {"code": item.code}})
        if quantity < 1:
            raise ValidationError({"lines": _("Each item of a kit counts at least 1.")})
    with transaction.atomic():
        saved = template or KitTemplate(group=group)
        saved.name_en, saved.name_es = name_en.strip(), name_es.strip()
        saved.save()
        saved.lines.all().delete()
        KitLine.objects.bulk_create(KitLine(template=saved, item=item, quantity=n) for item, n in lines.items())
        action = AuditAction.CHANGED if template else AuditAction.CREATED
        audited(by, group, action, "supplies.kit_template", [saved.uuid], {"lines": len(lines)})
    return saved


# Reading stock: always derived from the ledger.


@dataclass(frozen=True)
class StockLine:
    """So many units of a lot at a location."""

    lot: Lot
    location: Location
    quantity: int

    @property
    def item(self) -> Item:
        return self.lot.item


def stock_by_lot(
    *,
    location: Location | None = None,
    item: Item | None = None,
    group: WorkingGroup | None = None,
    lots: QuerySet[Lot] | None = None,
) -> list[StockLine]:
    """What is in stock (positive only), per lot and location, earliest expiry first (no expiry last)."""
    found = Movement.objects.all()
    if location is not None:
        found = found.filter(location=location)
    if item is not None:
        found = found.filter(lot__item=item)
    if group is not None:
        found = found.filter(location__group=group)
    if lots is not None:
        found = found.filter(lot__in=lots)
    sums = found.values("lot", "location").annotate(total=Sum("quantity")).filter(total__gt=0).order_by()
    rows = [(row["lot"], row["location"], row["total"]) for row in sums]
    lot_of = Lot.objects.select_related("item").in_bulk({lot for lot, _, _ in rows})
    place_of = Location.objects.in_bulk({place for _, place, _ in rows})
    lines = [StockLine(lot_of[lot], place_of[place], total) for lot, place, total in rows]
    return sorted(lines, key=lambda line: (*fefo_key(line.lot), line.location.name))


def fefo_key(lot: Lot) -> tuple[bool, date, object, int]:
    """First expiry first: the earliest date first, lots that do not expire last, then the first received."""
    return (lot.expires_on is None, lot.expires_on or date.max, lot.created_at, lot.pk)


def stock_of(location: Location, lot: Lot) -> int:
    """Units of `lot` at `location`."""
    total = Movement.objects.filter(location=location, lot=lot).aggregate(total=Sum("quantity"))["total"]
    return int(total or 0)


def usable_at(location: Location, item: Item, today: date | None = None) -> int:
    """Units of `item` at `location` not expired: what can be used or given (an SMS answers with it)."""
    today = today or timezone.localdate()
    return sum(line.quantity for line in stock_by_lot(location=location, item=item) if not line.lot.is_expired(today))


@dataclass(frozen=True)
class Pick:
    lot: Lot
    quantity: int


@dataclass(frozen=True)
class Plan:
    """Which lots to take `wanted` units from, first expiry first; `short`: how many are missing."""

    picks: list[Pick]
    wanted: int

    @property
    def short(self) -> int:
        return self.wanted - sum(pick.quantity for pick in self.picks)


def fefo_plan(item: Item, location: Location, quantity: int, today: date | None = None) -> Plan:
    """The lots to take `quantity` units of `item` from at `location`: the lot expiring first (not expired)
    first, whatever came in first. Expired lots are never picked: they can only be donated or expired."""
    today = today or timezone.localdate()
    picks, left = [], quantity
    for line in stock_by_lot(location=location, item=item):
        if left <= 0:
            break
        if line.lot.is_expired(today):
            continue
        taken = min(left, line.quantity)
        picks.append(Pick(line.lot, taken))
        left -= taken
    return Plan(picks, quantity)


def lock(*locations: Location) -> None:
    """Lock the locations' rows, in id order (two changes never wait on each other), until the transaction ends.

    Every change of a location's stock takes this lock first, then reads the stock: a second taker waits,
    then reads what the first left."""
    ids = sorted({location.pk for location in locations})
    list(Location.objects.select_for_update().filter(pk__in=ids).order_by("pk"))


def check_quantity(quantity: int, name: str = "quantity") -> None:
    if quantity < 1:
        raise ValidationError({name: _("Give a count of at least 1.")})


def check_group(item: Item, *locations: Location) -> None:
    for location in locations:
        if location.group_id != item.group_id:
            raise ValidationError({"item": _("%(code)s is kept by another group.") % {"code": item.code}})


def check_prescription(item: Item, location: Location) -> None:
    """Prescription-only items are referred (the directory), not kept or given, unless enabled at the location."""
    if item.is_prescription and not location.prescriptions_enabled:
        message = _(
            "%(item)s is prescription-only: refer the person to a clinic in the directory. "
            "A coordinator who is a medic lead can enable prescription items at %(location)s."
        ) % {"item": text_of(item, "name"), "location": location.name}
        raise ValidationError({"item": message})


def write(
    kind: str,
    picks: Iterable[Pick],
    location: Location,
    sign: int,
    by: User | None,
    batch: UUID,
    **extra: object,
) -> list[Movement]:
    moves = [
        Movement(kind=kind, lot=pick.lot, location=location, quantity=sign * pick.quantity, batch=batch, by=by, **extra)
        for pick in picks
    ]
    return Movement.objects.bulk_create(moves)


def take(item: Item, location: Location, quantity: int, lot: Lot | None, *, expired_too: bool = False) -> list[Pick]:
    """The picks to take `quantity` units from (a given lot, or FEFO), under the location's lock; ValidationError
    naming `quantity` when there are not enough."""
    if lot is not None:
        if lot.item_id != item.pk:
            raise ValidationError({"lot": _("This lot is of another item.")})
        if lot.is_expired() and not expired_too:
            message = _("This lot expired on %(date)s: donate it or record it expired instead.")
            raise ValidationError({"lot": message % {"date": lot.expires_on}})
        have = stock_of(location, lot)
        picks = [Pick(lot, min(have, quantity))] if have > 0 else []
    else:
        picks = fefo_plan(item, location, quantity).picks
    have = sum(pick.quantity for pick in picks)
    if have < quantity:
        message = _("Only %(count)d of %(item)s left at %(location)s that can be used.") % {
            "count": have,
            "item": text_of(item, "name"),
            "location": location.name,
        }
        raise ValidationError({"quantity": ValidationError(message, code="not_enough")})
    return picks


def recorded(
    by: User | None, location: Location, kind: str, item: Item, moves: list[Movement], **detail: str | int | bool
) -> None:
    count = sum(abs(move.quantity) for move in moves if move.location_id == location.pk)
    ids = [move.uuid for move in moves] + [location.uuid]
    audited(
        by,
        location.group,
        AuditAction.CREATED,
        "supplies.movement",
        ids,
        {"kind": kind, "item": item.code, "count": count, **detail},
    )


# Changing stock: each a movement of the ledger.


def do_receive(
    location: Location,
    item: Item,
    quantity: int,
    *,
    by: User | None,
    expires_on: date | None = None,
    lot_number: str = "",
    accept_over_need: bool = False,
) -> Movement:
    """Stock comes in: `quantity` units of a lot (found by its number and expiry, or new).

    Refused (code far_above_need) when it would leave the item far above need, unless `accept_over_need`.
    Prescription-only items only where enabled. Lock: the location.
    """
    check_quantity(quantity)
    check_group(item, location)
    check_prescription(item, location)
    lot_number = lot_number.strip()
    with transaction.atomic():
        lock(location)
        if not accept_over_need:
            status = par_status(item, adding=quantity)
            if status.state == ParState.FAR_ABOVE_NEED:
                message = _("With these, %(advice)s Receive them anyway only if you mean to.") % {
                    "advice": status.advice()
                }
                raise ValidationError({"quantity": ValidationError(message, code="far_above_need")})
        lot = Lot.objects.filter(item=item, lot_number=lot_number, expires_on=expires_on).order_by("pk").first()
        lot = lot or Lot.objects.create(item=item, lot_number=lot_number, expires_on=expires_on)
        move = Movement.objects.create(kind=MovementKind.RECEIVED, lot=lot, location=location, quantity=quantity, by=by)
        recorded(by, location, MovementKind.RECEIVED, item, [move], over_need=accept_over_need)
    return move


def do_move(
    source: Location, destination: Location, item: Item, quantity: int, *, by: User | None, lot: Lot | None = None
) -> list[Movement]:
    """Move stock between two locations of the group: FEFO from the source (or one lot), two rows per lot
    sharing a batch. Locks: both locations."""
    check_quantity(quantity)
    if source.pk == destination.pk:
        raise ValidationError({"destination": _("Choose another location to move to.")})
    check_group(item, source, destination)
    check_prescription(item, destination)
    with transaction.atomic():
        lock(source, destination)
        picks = take(item, source, quantity, lot, expired_too=lot is not None)
        batch = uuid4()
        moves = write(MovementKind.MOVED, picks, source, -1, by, batch)
        moves += write(MovementKind.MOVED, picks, destination, +1, by, batch)
        recorded(by, source, MovementKind.MOVED, item, moves)
    return moves


def spend(
    kind: str,
    location: Location,
    item: Item,
    quantity: int,
    by: User | None,
    zone: Zone | None,
    lot: Lot | None,
    reason: str = "",
    is_override: bool = False,
) -> list[Movement]:
    check_quantity(quantity)
    check_group(item, location)
    check_prescription(item, location)
    with transaction.atomic():
        lock(location)
        picks = take(item, location, quantity, lot)
        extra = {"zone": zone, "reason": reason, "is_override": is_override}
        moves = write(kind, picks, location, -1, by, uuid4(), **extra)
        recorded(by, location, kind, item, moves, override=is_override)
    return moves


def do_use(
    location: Location,
    item: Item,
    quantity: int,
    *,
    by: User | None,
    zone: Zone | None = None,
    lot: Lot | None = None,
) -> list[Movement]:
    """A medic used stock (a reversal, a wound dressed): FEFO, never an expired lot. Names nobody; the zone
    at most. Lock: the location."""
    return spend(MovementKind.USED, location, item, quantity, by, zone, lot)


def do_distribute(
    location: Location,
    item: Item,
    quantity: int,
    *,
    by: User | None,
    zone: Zone | None = None,
    override_reason: str = "",
    lot: Lot | None = None,
) -> list[Movement]:
    """Stock given out: a count by item, date, location and zone, never who took it.

    More than the item's limit per request needs `override_reason` (why, never who), which is recorded and
    counted in the distribution report. FEFO, never an expired lot. Lock: the location.
    """
    reason = override_reason.strip()
    if len(reason) > REASON_LENGTH:
        raise ValidationError({"override_reason": _("At most %(count)d characters.") % {"count": REASON_LENGTH}})
    limit = item.request_limit
    over = limit is not None and quantity > limit
    if over and not reason:
        message = _("%(item)s is limited to %(limit)d (%(unit)s) per request: say why you give more.") % {
            "item": text_of(item, "name"),
            "limit": limit,
            "unit": text_of(item, "unit"),
        }
        raise ValidationError({"override_reason": ValidationError(message, code="over_limit")})
    return spend(
        MovementKind.DISTRIBUTED, location, item, quantity, by, zone, lot, reason if over else "", is_override=over
    )


def do_count(location: Location, lot: Lot, counted: int, *, by: User | None, note: str = "") -> Movement | None:
    """A physical count of a lot at a location: a difference is recorded as a `counted` movement (never
    overwriting the ledger); the location counts as counted now either way. Lock: the location."""
    if counted < 0:
        raise ValidationError({"counted": _("A count is 0 or more.")})
    check_group(lot.item, location)
    note = note.strip()[:REASON_LENGTH]
    with transaction.atomic():
        lock(location)
        difference = counted - stock_of(location, lot)
        move = None
        if difference:
            move = Movement.objects.create(
                kind=MovementKind.COUNTED, lot=lot, location=location, quantity=difference, by=by, reason=note
            )
        Location.objects.filter(pk=location.pk).update(last_counted_at=timezone.now())
        location.refresh_from_db(fields=["last_counted_at"])
        audited(
            by,
            location.group,
            AuditAction.CREATED if move else AuditAction.CHANGED,
            "supplies.movement" if move else "supplies.location",
            ([move.uuid] if move else []) + [location.uuid],
            {"kind": MovementKind.COUNTED, "item": lot.item.code, "difference": difference},
        )
    return move


def do_expire(location: Location, lot: Lot, *, by: User | None, quantity: int | None = None) -> Movement:
    """Expired stock thrown away (all of the lot at the location by default). The lot must have expired:
    stock still good is used, moved or donated. Lock: the location."""
    if not lot.is_expired():
        raise ValidationError({"lot": _("This lot has not expired: use it, move it or donate it.")})
    return remove(MovementKind.EXPIRED, location, lot, quantity, by)


def do_donate(location: Location, lot: Lot, quantity: int, *, by: User | None) -> Movement:
    """Stock given to another organisation (a clinic, a syringe programme), expired or not: donate while
    still usable, and expired naloxone is still better than none. Lock: the location."""
    return remove(MovementKind.DONATED, location, lot, quantity, by)


def remove(kind: str, location: Location, lot: Lot, quantity: int | None, by: User | None) -> Movement:
    check_group(lot.item, location)
    if quantity is not None:
        check_quantity(quantity)
    with transaction.atomic():
        lock(location)
        have = stock_of(location, lot)
        wanted = have if quantity is None else quantity
        if have < 1 or wanted > have:
            message = _("Only %(count)d of this lot at %(location)s.") % {"count": have, "location": location.name}
            raise ValidationError({"quantity": ValidationError(message, code="not_enough")})
        move = Movement.objects.create(kind=kind, lot=lot, location=location, quantity=-wanted, by=by)
        recorded(by, location, kind, lot.item, [move])
    return move


# Kits.


@dataclass(frozen=True)
class Shortage:
    item: Item
    missing: int


class KitShort(ValidationError):
    """A kit could not be packed whole: `shortages` says which items, how many missing."""

    def __init__(self, shortages: list[Shortage]) -> None:
        listed = ", ".join(f"{short.missing} {text_of(short.item, 'name')}" for short in shortages)
        message = _("The depot is short of: %(missing)s.") % {"missing": listed}
        super().__init__({"depot": ValidationError(message, code="kit_short")})
        self.shortages = shortages


@dataclass
class Packed:
    kit: Location
    moves: list[Movement] = field(default_factory=list)
    shortages: list[Shortage] = field(default_factory=list)


def do_pack_kit(
    template: KitTemplate,
    depot: Location,
    *,
    by: User | None,
    kit: Location | None = None,
    name: str = "",
    allow_short: bool = False,
) -> Packed:
    """Pack a new kit (a location of kind kit), or top up a used one (`kit`) to its template, drawing each
    line FEFO from `depot`. Short of anything: KitShort naming each item and how many are missing, and
    nothing moves; with `allow_short`, what there is gets packed and the shortages come back.
    Locks: the depot and the kit."""
    if depot.group_id != template.group_id or depot.kind == LocationKind.KIT:
        raise ValidationError({"depot": _("Pack from a location of the group that is not a kit.")})
    if kit is not None and (kit.template_id != template.pk):
        raise ValidationError({"kit": _("This kit is packed from another template.")})
    lines = list(template.lines.select_related("item").order_by("item__code"))
    with transaction.atomic():
        if kit is None:
            kit_name = name.strip() or text_of(template, "name")
            kit = Location.objects.create(group=template.group, name=kit_name, kind=LocationKind.KIT, template=template)
            audited(by, template.group, AuditAction.CREATED, "supplies.location", [kit.uuid], {"kind": "kit"})
        lock(depot, kit)
        packed = Packed(kit)
        batch = uuid4()
        for line in lines:
            wanted = line.quantity - usable_at(kit, line.item)
            if wanted <= 0:
                continue
            check_prescription(line.item, kit)
            plan = fefo_plan(line.item, depot, wanted)
            if plan.short:
                packed.shortages.append(Shortage(line.item, plan.short))
            packed.moves += write(MovementKind.MOVED, plan.picks, depot, -1, by, batch)
            packed.moves += write(MovementKind.MOVED, plan.picks, kit, +1, by, batch)
        if packed.shortages and not allow_short:
            raise KitShort(packed.shortages)
        ids = [move.uuid for move in packed.moves] + [kit.uuid, depot.uuid]
        count = sum(move.quantity for move in packed.moves if move.location_id == kit.pk)
        detail: dict[str, str | int | bool] = {"kind": "packed", "count": count, "short": len(packed.shortages)}
        audited(by, template.group, AuditAction.CREATED, "supplies.movement", ids, detail)
    return packed


def kit_expiry(kit: Location) -> date | None:
    """A packed kit expires with its earliest component (None: nothing in it expires)."""
    lots = Lot.objects.filter(pk__in=[line.lot.pk for line in stock_by_lot(location=kit)])
    found: date | None = lots.aggregate(first=Min("expires_on"))["first"]
    return found


@dataclass(frozen=True)
class KitLineStatus:
    item: Item
    wanted: int
    packed: int  # not expired

    @property
    def missing(self) -> int:
        return max(0, self.wanted - self.packed)


def kit_contents(kit: Location) -> list[KitLineStatus]:
    """Each line of a kit's template against what the kit holds (expired stock does not count)."""
    if kit.template is None:
        return []
    return [
        KitLineStatus(line.item, line.quantity, usable_at(kit, line.item))
        for line in kit.template.lines.select_related("item").order_by("item__code")
    ]


# Need, not hoarding.


class ParState:
    BELOW_PAR = "below_par"
    OK = "ok"
    FAR_ABOVE_NEED = "far_above_need"
    NO_USE_YET = "no_use_yet"  # not enough history to say


@dataclass(frozen=True)
class ParStatus:
    """An item's stock against its real use. `monthly_use`: used and distributed over the last
    `history_months`, per month; `par_level`: that times the safety margin; `months_of_supply`: stock
    not expired over monthly use (None when nothing was used)."""

    item: Item
    on_hand: int
    monthly_use: float
    par_level: int
    months_of_supply: float | None
    state: str

    def advice(self) -> str:
        """One sentence a coordinator reads: "14 months of inhalers at the current rate: consider sharing." """
        name = text_of(self.item, "name")
        if self.state == ParState.FAR_ABOVE_NEED and self.months_of_supply is None:
            months = self.item.history_months
            return ngettext(
                "%(item)s has not been used in %(months)d month: consider sharing it.",
                "%(item)s has not been used in %(months)d months: consider sharing it.",
                months,
            ) % {"item": name, "months": months}
        if self.state == ParState.FAR_ABOVE_NEED:
            return _("%(months)d months of %(item)s at the current rate: consider sharing.") % {
                "months": round(self.months_of_supply or 0),
                "item": name,
            }
        if self.state == ParState.BELOW_PAR:
            return _("%(item)s is below par: %(count)d on hand, par is %(par)d.") % {
                "item": name,
                "count": self.on_hand,
                "par": self.par_level,
            }
        if self.state == ParState.NO_USE_YET:
            return _("Not enough use of %(item)s recorded yet to set a par level.") % {"item": name}
        return _("%(item)s is at par.") % {"item": name}


def history_start(item: Item, now: datetime | None = None) -> datetime:
    """Where the window of use that sets an item's rate begins, seen from `now`."""
    return (now or timezone.now()) - timedelta(days=round(item.history_months * DAYS_A_MONTH))


def spent_lately(item: Item) -> int:
    """Units used and distributed over the item's last `history_months`."""
    spent = Movement.objects.filter(lot__item=item, kind__in=SPENT, at__gte=history_start(item)).aggregate(
        total=Sum("quantity")
    )["total"]
    return -(spent or 0)


def on_hand(item: Item, today: date | None = None) -> int:
    """Units of `item` not expired, at every location of its group (kits included)."""
    today = today or timezone.localdate()
    good = Q(lot__expires_on__isnull=True) | Q(lot__expires_on__gte=today)
    total = Movement.objects.filter(good, lot__item=item, location__group_id=item.group_id).aggregate(
        total=Sum("quantity")
    )["total"]
    return int(total or 0)


def months_of_supply(item: Item) -> float | None:
    """Months the stock not expired lasts at the current rate of use; None when nothing was used lately."""
    return par_status(item).months_of_supply


def judged(item: Item, stock: int, spent: int, first: datetime | None, now: datetime | None = None) -> ParStatus:
    """The rule, from its numbers: `stock` units not expired, `spent` units used and distributed in the
    item's window before `now`, `first` its first movement ever. Below par, ok, or far above need.

    An item with no use in its whole window, kept longer than that, is far above need too; one kept for
    less has no use yet to judge by. par_status, the stock page (supplies.pages) and the chart of stock
    against par over time (supplies.charts) all judge here.
    """
    rate = spent / item.history_months
    par = math.ceil(rate * item.safety_margin_months)
    months = round(stock / rate, 1) if rate > 0 else None
    if rate > 0:
        if stock < par:
            state = ParState.BELOW_PAR
        elif months is not None and months > item.far_above_months:
            state = ParState.FAR_ABOVE_NEED
        else:
            state = ParState.OK
    else:
        kept_long = first is not None and first <= history_start(item, now)
        state = ParState.FAR_ABOVE_NEED if stock > 0 and kept_long else ParState.NO_USE_YET
    return ParStatus(item, stock, round(rate, 2), par, months, state)


def par_status(item: Item, *, adding: int = 0) -> ParStatus:
    """Below par, ok, or far above need, with the numbers (with `adding` more units, for a receipt to come)."""
    first = Movement.objects.filter(lot__item=item).aggregate(first=Min("at"))["first"]
    return judged(item, on_hand(item) + adding, spent_lately(item), first)


def expiring(group: WorkingGroup, within_days: int = 60) -> list[StockLine]:
    """Stock of the group expiring within `within_days` (or expired already, still on a shelf), by date:
    what to use first, or donate while still usable."""
    until = timezone.localdate() + timedelta(days=within_days)
    lots = Lot.objects.filter(item__group=group, expires_on__isnull=False, expires_on__lte=until)
    return stock_by_lot(group=group, lots=lots)


class DistributionRow(TypedDict):
    """One line of a distribution report: counts by item, date, zone and location, and nothing else."""

    item: str  # its code
    kind: str  # used or distributed
    date: date
    zone: str | None  # its slug
    location: str  # its name
    quantity: int
    overrides: int  # of them, how many movements went over the request limit


def distribution_report(group: WorkingGroup, since: date, until: date) -> list[DistributionRow]:
    """What the group used and gave out between two dates (inclusive, in the network's time zone), as counts
    by item, date, zone and location: a report that names nobody, because nothing recorded does."""
    if until < since:
        raise ValidationError({"until": _("The end comes before the start.")})
    found = (
        Movement.objects.filter(location__group=group, kind__in=SPENT, at__date__gte=since, at__date__lte=until)
        .annotate(day=TruncDate("at"))
        .values("lot__item__code", "kind", "day", "zone__slug", "location__name")
        .annotate(total=Sum("quantity"), overrides=Count("pk", filter=Q(is_override=True)))
        .order_by("day", "lot__item__code", "location__name", F("zone__slug").asc(nulls_last=True), "kind")
    )
    return [
        DistributionRow(
            item=row["lot__item__code"],
            kind=row["kind"],
            date=row["day"],
            zone=row["zone__slug"],
            location=row["location__name"],
            quantity=-row["total"],
            overrides=row["overrides"],
        )
        for row in found
    ]
