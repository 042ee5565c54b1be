"""Supplies: the ledger, first-expiry-first-out, kits, par levels from real use, limits, reports naming nobody."""

import random
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.models import Sum
from django.utils import timezone, translation
from django.utils.translation import gettext

from solidarity.accounts.models import User, WorkingGroup
from solidarity.core.models import AuditEntry
from solidarity.core.permissions import Role
from solidarity.core.zones import ZoneValues, do_create_zone
from solidarity.supplies.models import Item, Location, LocationKind, Lot, Movement, MovementKind
from solidarity.supplies.services import (
    KitShort,
    LocationValues,
    ParState,
    distribution_report,
    do_count,
    do_distribute,
    do_donate,
    do_expire,
    do_move,
    do_pack_kit,
    do_receive,
    do_save_kit_template,
    do_save_location,
    do_use,
    expiring,
    fefo_plan,
    kit_contents,
    kit_expiry,
    months_of_supply,
    par_status,
    stock_by_lot,
    stock_of,
    usable_at,
)
from tests.conftest import in_threads
from tests.factories.accounts import make_member
from tests.factories.supplies import make_item, make_location, receive

pytestmark = pytest.mark.django_db

TODAY = date(2026, 6, 15)
NOW = datetime(2026, 6, 15, 12, 0, tzinfo=timezone.get_fixed_timezone(0))


@pytest.fixture(autouse=True)
def fixed_day() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def medic_lead(medics: WorkingGroup) -> User:
    """Coordinates the medics and leads them at actions: may enable prescription items."""
    return make_member("lea.lead", medics, Role.COORDINATOR, Role.MEDIC_LEAD)


@pytest.fixture
def depot(medics: WorkingGroup, coordinator: User) -> Location:
    return make_location(medics, coordinator, "Depot")


@pytest.fixture
def naloxone(medics: WorkingGroup, coordinator: User) -> Item:
    return make_item(medics, coordinator, "NLX", name_en="Naloxone", name_es="Naloxona", category="harm_reduction")


def test_fefo_picks_the_earliest_expiry_not_the_first_received(depot: Location, naloxone: Item, medic: User) -> None:
    # Given a late-expiring lot received first, then one expiring sooner, and one that never expires
    late = receive(depot, naloxone, 5, medic, TODAY + timedelta(days=400), lot_number="LATE").lot
    soon = receive(depot, naloxone, 2, medic, TODAY + timedelta(days=30), lot_number="SOON").lot
    forever = receive(depot, naloxone, 4, medic, None, lot_number="NONE").lot
    # When the plan for 9 is made
    plan = fefo_plan(naloxone, depot, 9)
    # Then the lot expiring first goes first, the one that never expires last
    assert [(pick.lot, pick.quantity) for pick in plan.picks] == [(soon, 2), (late, 5), (forever, 2)]
    assert plan.short == 0
    used = do_use(depot, naloxone, 3, by=medic)
    assert [(move.lot, move.quantity) for move in used] == [(soon, -2), (late, -1)]
    assert fefo_plan(naloxone, depot, 20).short == 20 - 8


def test_expired_stock_is_never_picked_for_use_but_can_be_donated_or_expired(
    depot: Location, naloxone: Item, medic: User, coordinator: User
) -> None:
    expired = receive(depot, naloxone, 3, medic, TODAY - timedelta(days=1)).lot
    good = receive(depot, naloxone, 1, medic, TODAY + timedelta(days=90)).lot
    assert [pick.lot for pick in fefo_plan(naloxone, depot, 4).picks] == [good]
    assert usable_at(depot, naloxone) == 1
    with pytest.raises(ValidationError) as refused:
        do_use(depot, naloxone, 2, by=medic)
    assert "quantity" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        do_distribute(depot, naloxone, 1, by=medic, lot=expired)
    assert "lot" in refused.value.message_dict
    # Donate while still usable: expired naloxone is better than none.
    do_donate(depot, expired, 2, by=coordinator)
    assert stock_of(depot, expired) == 1
    do_expire(depot, expired, by=coordinator)
    assert stock_of(depot, expired) == 0
    with pytest.raises(ValidationError):
        do_expire(depot, good, by=coordinator)  # still good: use, move or donate it


def test_a_count_that_differs_records_the_difference(depot: Location, naloxone: Item, medic: User) -> None:
    lot = receive(depot, naloxone, 10, medic, TODAY + timedelta(days=200)).lot
    assert do_count(depot, lot, 10, by=medic) is None  # as the ledger says: nothing to record
    depot.refresh_from_db()
    assert depot.last_counted_at == timezone.now()
    move = do_count(depot, lot, 7, by=medic, note="one box crushed")
    assert move is not None
    assert (move.kind, move.quantity, move.reason) == (MovementKind.COUNTED, -3, "one box crushed")
    assert stock_of(depot, lot) == 7
    # Nothing was overwritten: the receipt is still there, with the difference after it.
    assert list(Movement.objects.filter(lot=lot).order_by("pk").values_list("kind", "quantity")) == [
        ("received", 10),
        ("counted", -3),
    ]
    assert do_count(depot, lot, 9, by=medic).quantity == 2  # type: ignore[union-attr]  # found two more


def test_the_last_dose_cannot_be_taken_twice(depot: Location, naloxone: Item, medic: User, coordinator: User) -> None:
    receive(depot, naloxone, 1, medic, TODAY + timedelta(days=100))
    do_use(depot, naloxone, 1, by=medic)
    with pytest.raises(ValidationError) as refused:
        do_distribute(depot, naloxone, 1, by=coordinator)
    assert refused.value.error_dict["quantity"][0].code == "not_enough"
    assert usable_at(depot, naloxone) == 0


@pytest.mark.django_db(transaction=True)
def test_two_medics_taking_the_last_dose_at_once_one_is_refused(
    medics: WorkingGroup, coordinator: User, medic: User
) -> None:
    """On PostgreSQL the location's lock holds: the second taker waits, then reads what the first left."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite writes one at a time anyway; the row lock is PostgreSQL's")
    depot = make_location(medics, coordinator, "Depot")
    item = make_item(medics, coordinator, "NLX")
    receive(depot, item, 1, coordinator, TODAY + timedelta(days=100))

    def take(index: int) -> str:
        try:
            do_use(depot, item, 1, by=medic)
        except ValidationError:
            return "refused"
        return "taken"

    assert sorted(in_threads(2, take)) == ["refused", "taken"]
    assert usable_at(depot, item) == 0


def test_the_ledger_balances_after_any_sequence(
    medics: WorkingGroup, depot: Location, naloxone: Item, medic: User, coordinator: User
) -> None:
    """Random operations, seeded: the stock is always the ledger's sum, never negative, and refusals change nothing."""
    bag = make_location(medics, coordinator, "Bag", kind=LocationKind.MEDIC_BAG)
    gauze = make_item(medics, coordinator, "GAUZE", unit_en="pack")
    places, items = [depot, bag], [naloxone, gauze]
    expected: dict[tuple[int, int], int] = defaultdict(int)  # (lot, location): what we think is there
    rng = random.Random(16)  # noqa: S311  # seeded: the same sequence each run, not a secret
    for _step in range(150):
        place, item, n = rng.choice(places), rng.choice(items), rng.randint(1, 6)
        operation = rng.choice(["receive", "use", "distribute", "move", "count", "donate"])
        before = Movement.objects.count()
        try:
            if operation == "receive":
                days = rng.choice([-5, 10, 40, 300, None])
                move = receive(place, item, n, coordinator, None if days is None else TODAY + timedelta(days=days))
                expected[(move.lot_id, place.pk)] += n
            elif operation in ("use", "distribute"):
                do = do_use if operation == "use" else do_distribute
                for move in do(place, item, n, by=medic):
                    expected[(move.lot_id, place.pk)] += move.quantity
            elif operation == "move":
                other = bag if place == depot else depot
                for move in do_move(place, other, item, n, by=coordinator):
                    expected[(move.lot_id, move.location_id)] += move.quantity
            else:
                lots = [line.lot for line in stock_by_lot(location=place, item=item)]
                if not lots:
                    continue
                lot = rng.choice(lots)
                if operation == "count":
                    counted = max(0, stock_of(place, lot) + rng.randint(-2, 2))
                    do_count(place, lot, counted, by=medic)
                    expected[(lot.pk, place.pk)] = counted
                else:
                    do_donate(place, lot, n, by=coordinator)
                    expected[(lot.pk, place.pk)] -= n
        except ValidationError:
            assert Movement.objects.count() == before  # a refusal writes nothing
        sums = Movement.objects.values("lot", "location").annotate(total=Sum("quantity"))
        assert all(row["total"] >= 0 for row in sums)
        assert {(row["lot"], row["location"]): row["total"] for row in sums if row["total"]} == {
            key: value for key, value in expected.items() if value
        }
    assert Movement.objects.filter(kind=MovementKind.MOVED).values("batch").distinct().count() >= 1
    for batch in Movement.objects.filter(kind=MovementKind.MOVED).values_list("batch", flat=True).distinct():
        assert Movement.objects.filter(batch=batch).aggregate(total=Sum("quantity"))["total"] == 0


def test_a_move_is_two_rows_sharing_a_batch(
    medics: WorkingGroup, depot: Location, naloxone: Item, coordinator: User
) -> None:
    bag = make_location(medics, coordinator, "Bag", kind=LocationKind.MEDIC_BAG)
    receive(depot, naloxone, 4, coordinator, TODAY + timedelta(days=60))
    moves = do_move(depot, bag, naloxone, 3, by=coordinator)
    assert sorted(move.quantity for move in moves) == [-3, 3]
    assert len({move.batch for move in moves}) == 1
    assert (usable_at(depot, naloxone), usable_at(bag, naloxone)) == (1, 3)


def test_the_database_refuses_a_movement_of_nothing_or_the_wrong_sign(
    depot: Location, naloxone: Item, coordinator: User
) -> None:
    lot = receive(depot, naloxone, 4, coordinator, None).lot
    for kind, quantity in (("moved", 0), ("received", -1), ("used", 2), ("counted", 0)):
        with pytest.raises(IntegrityError), transaction.atomic():
            Movement.objects.create(kind=kind, lot=lot, location=depot, quantity=quantity)


def test_packing_a_kit_draws_fefo_and_expires_with_its_earliest_component(
    medics: WorkingGroup, depot: Location, naloxone: Item, coordinator: User, medic: User
) -> None:
    gauze = make_item(medics, coordinator, "GAUZE", unit_en="pack")
    receive(depot, naloxone, 10, coordinator, TODAY + timedelta(days=300))
    soon = receive(depot, naloxone, 1, coordinator, TODAY + timedelta(days=40)).lot
    receive(depot, gauze, 10, coordinator, None)
    template = do_save_kit_template(
        medics, {naloxone: 2, gauze: 4}, by=coordinator, name_en="Street-medic kit per pair"
    )

    packed = do_pack_kit(template, depot, by=coordinator)

    kit = packed.kit
    assert (kit.kind, kit.template, kit.group) == (LocationKind.KIT, template, medics)
    assert packed.shortages == []
    assert stock_of(kit, soon) == 1  # the lot expiring first went in the kit
    assert kit_expiry(kit) == TODAY + timedelta(days=40)
    assert [(line.item.code, line.packed, line.missing) for line in kit_contents(kit)] == [
        ("GAUZE", 4, 0),
        ("NLX", 2, 0),
    ]
    assert (usable_at(depot, naloxone), usable_at(depot, gauze)) == (9, 6)
    # A pair uses one dose: topping the kit up moves one, from the depot, first expiry first.
    do_use(kit, naloxone, 1, by=medic)
    again = do_pack_kit(template, depot, by=coordinator, kit=kit)
    assert [(move.quantity, move.location) for move in again.moves] == [(-1, depot), (1, kit)]
    assert usable_at(kit, naloxone) == 2


def test_a_kit_short_of_anything_says_what_and_packs_nothing_unless_told(
    medics: WorkingGroup, depot: Location, naloxone: Item, coordinator: User
) -> None:
    gauze = make_item(medics, coordinator, "GAUZE", name_en="Gauze")
    receive(depot, naloxone, 1, coordinator, TODAY + timedelta(days=300))
    template = do_save_kit_template(medics, {naloxone: 2, gauze: 4}, by=coordinator, name_en="Street-medic kit")
    kits = Location.objects.filter(kind=LocationKind.KIT).count()

    with pytest.raises(KitShort) as short:
        do_pack_kit(template, depot, by=coordinator)
    assert [
        (item.code, item_missing) for item, item_missing in ((s.item, s.missing) for s in short.value.shortages)
    ] == [
        ("GAUZE", 4),
        ("NLX", 1),
    ]
    assert "4 Gauze" in short.value.message_dict["depot"][0]
    assert Location.objects.filter(kind=LocationKind.KIT).count() == kits  # nothing packed, no empty kit
    assert usable_at(depot, naloxone) == 1

    packed = do_pack_kit(template, depot, by=coordinator, allow_short=True, name="Kit 1")
    assert [(s.item.code, s.missing) for s in packed.shortages] == [("GAUZE", 4), ("NLX", 1)]
    assert usable_at(packed.kit, naloxone) == 1
    assert packed.kit.name == "Kit 1"


def test_par_levels_come_from_real_use(depot: Location, naloxone: Item, coordinator: User, medic: User) -> None:
    # Given stock received seven months ago, and 6 doses a month used since
    with time_machine.travel(NOW - timedelta(days=215), tick=False):
        receive(depot, naloxone, 100, coordinator, TODAY + timedelta(days=900))
    for months_ago in range(6, 0, -1):
        with time_machine.travel(NOW - timedelta(days=30 * months_ago - 5), tick=False):
            do_distribute(depot, naloxone, 6, by=medic)
    # Then the rate is 6 a month, par is two months of it, and 64 doses last about 10.7 months
    status = par_status(naloxone)
    assert (status.on_hand, status.monthly_use, status.par_level) == (64, 6.0, 12)
    assert status.state == ParState.OK
    assert months_of_supply(naloxone) == 10.7
    # Use picks up: par moves with it
    do_distribute(depot, naloxone, 50, by=medic)
    status = par_status(naloxone)
    assert (status.on_hand, status.par_level, status.state) == (14, 29, ParState.BELOW_PAR)  # 86 in six months
    assert "below par" in status.advice()


def test_stock_far_above_need_warns_before_more_is_received(
    depot: Location, naloxone: Item, coordinator: User, medic: User
) -> None:
    with time_machine.travel(NOW - timedelta(days=60), tick=False):
        receive(depot, naloxone, 20, coordinator, TODAY + timedelta(days=900))
        do_use(depot, naloxone, 6, by=medic)  # 1 a month over six months: 14 months of supply
    status = par_status(naloxone)
    assert status.state == ParState.FAR_ABOVE_NEED
    assert status.advice() == "14 months of Naloxone at the current rate: consider sharing."
    with pytest.raises(ValidationError) as refused:
        do_receive(depot, naloxone, 5, by=coordinator)
    error = refused.value.error_dict["quantity"][0]
    assert error.code == "far_above_need"
    assert "19 months of Naloxone" in error.messages[0]
    do_receive(depot, naloxone, 5, by=coordinator, accept_over_need=True)
    assert usable_at(depot, naloxone) == 19


def test_an_item_never_used_in_its_whole_window_is_far_above_need(
    medics: WorkingGroup, depot: Location, coordinator: User
) -> None:
    inhalers = make_item(medics, coordinator, "INH", name_en="Inhalers")
    receive(depot, inhalers, 3, coordinator, None)
    assert par_status(inhalers).state == ParState.NO_USE_YET  # too new to judge
    with time_machine.travel(NOW + timedelta(days=200), tick=False):
        assert par_status(inhalers).state == ParState.FAR_ABOVE_NEED
        assert "has not been used in 6 months" in par_status(inhalers).advice()


def test_over_the_request_limit_needs_a_reason_which_the_report_counts(
    medics: WorkingGroup, depot: Location, coordinator: User, medic: User
) -> None:
    pills = make_item(
        medics, coordinator, "EC", name_en="Emergency contraception", request_limit=2, is_never_linked=True
    )
    receive(depot, pills, 10, coordinator, TODAY + timedelta(days=300))
    do_distribute(depot, pills, 2, by=medic)
    with pytest.raises(ValidationError) as refused:
        do_distribute(depot, pills, 3, by=medic)
    assert "override_reason" in refused.value.message_dict
    assert "limited to 2 (dose) per request" in refused.value.message_dict["override_reason"][0]
    moves = do_distribute(depot, pills, 3, by=medic, override_reason="for a clinic's weekend")
    assert [(move.is_override, move.reason) for move in moves] == [(True, "for a clinic's weekend")]
    report = distribution_report(medics, TODAY, TODAY)
    assert [(row["item"], row["quantity"], row["overrides"]) for row in report] == [("EC", 5, 1)]


def test_prescription_items_are_refused_unless_a_medic_lead_enables_them(
    medics: WorkingGroup, depot: Location, coordinator: User, medic_lead: User
) -> None:
    epinephrine = make_item(medics, coordinator, "EPI", name_en="Epinephrine pens", is_prescription=True)
    with pytest.raises(ValidationError) as refused:
        do_receive(depot, epinephrine, 2, by=coordinator)
    assert "prescription-only" in refused.value.message_dict["item"][0]
    # A coordinator who is not a medic lead may not enable them.
    with pytest.raises(ValidationError) as refused:
        do_save_location(
            medics, LocationValues(name="Depot", prescriptions_enabled=True), by=coordinator, location=depot
        )
    assert "prescriptions_enabled" in refused.value.message_dict
    do_save_location(medics, LocationValues(name="Depot", prescriptions_enabled=True), by=medic_lead, location=depot)
    depot.refresh_from_db()
    do_receive(depot, epinephrine, 2, by=coordinator)
    assert do_distribute(depot, epinephrine, 1, by=coordinator)[0].quantity == -1


def test_the_distribution_report_names_nobody(
    medics: WorkingGroup, depot: Location, naloxone: Item, coordinator: User, medic: User
) -> None:
    walltown = do_create_zone(ZoneValues(name_en="Walltown", name_es="Barrio Walltown"), actor="system")
    receive(depot, naloxone, 10, coordinator, TODAY + timedelta(days=300))
    do_distribute(depot, naloxone, 2, by=medic, zone=walltown)
    do_distribute(depot, naloxone, 1, by=coordinator, zone=walltown)
    do_use(depot, naloxone, 1, by=medic)
    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        do_distribute(depot, naloxone, 4, by=medic)
    report = distribution_report(medics, TODAY, TODAY + timedelta(days=1))
    assert report == [
        {
            "item": "NLX",
            "kind": "distributed",
            "date": TODAY,
            "zone": "walltown",
            "location": "Depot",
            "quantity": 3,
            "overrides": 0,
        },
        {
            "item": "NLX",
            "kind": "used",
            "date": TODAY,
            "zone": None,
            "location": "Depot",
            "quantity": 1,
            "overrides": 0,
        },
        {
            "item": "NLX",
            "kind": "distributed",
            "date": TODAY + timedelta(days=1),
            "zone": None,
            "location": "Depot",
            "quantity": 4,
            "overrides": 0,
        },
    ]
    for row in report:
        assert not set(row) & {"by", "user", "person", "name", "recipient", "reason"}
        assert medic.username not in str(row)
        assert str(medic.uuid) not in str(row)
    # The ledger's fields for a recipient: none; only the network's own accounts, by reference.
    people = {f.name for f in Movement._meta.get_fields() if f.is_relation and f.related_model is User}
    assert people == {"by"}


def test_expiring_lists_lots_by_date_with_the_expired_still_on_a_shelf(
    medics: WorkingGroup, depot: Location, naloxone: Item, coordinator: User
) -> None:
    receive(depot, naloxone, 2, coordinator, TODAY + timedelta(days=20), lot_number="B")
    receive(depot, naloxone, 3, coordinator, TODAY - timedelta(days=3), lot_number="A")
    receive(depot, naloxone, 3, coordinator, TODAY + timedelta(days=200), lot_number="C")
    found = expiring(medics, within_days=60)
    assert [(line.lot.lot_number, line.quantity, line.lot.is_expired()) for line in found] == [
        ("A", 3, True),
        ("B", 2, False),
    ]


def test_each_change_is_audited_without_personal_data(depot: Location, naloxone: Item, medic: User) -> None:
    before = AuditEntry.objects.count()
    receive(depot, naloxone, 3, medic, None)
    do_use(depot, naloxone, 1, by=medic)
    entries = list(AuditEntry.objects.order_by("seq")[before:])
    assert [entry.object_type for entry in entries] == ["supplies.movement", "supplies.movement"]
    assert entries[-1].detail == {"kind": "used", "item": "NLX", "count": 1, "override": False}
    assert entries[-1].role == "member"


def test_refusals_speak_both_languages(depot: Location, naloxone: Item, medic: User) -> None:
    with translation.override("es"):
        if gettext("Give a count of at least 1.") == "Give a count of at least 1.":
            pytest.skip("the catalog gets the supplies' Spanish at the merge (/work/agents/supplies.json)")
    for language, words in (("en", "Give a count of at least 1."), ("es", "Indique una cantidad de al menos 1.")):
        with translation.override(language), pytest.raises(ValidationError) as refused:
            do_use(depot, naloxone, 0, by=medic)
        assert words in refused.value.message_dict["quantity"][0]


def test_items_of_another_group_are_refused(
    rapid_response: WorkingGroup, other_coordinator: User, depot: Location, medic: User
) -> None:
    theirs = make_item(rapid_response, other_coordinator, "WATER")
    with pytest.raises(ValidationError):
        do_receive(depot, theirs, 3, by=medic)
    assert not Lot.objects.filter(item=theirs).exists()


def test_the_demo_adds_a_depot_a_bag_and_a_kit_once(fixed_day: None) -> None:
    call_command("demo")
    call_command("demo")
    assert Item.objects.filter(code__in=["NLX", "GAUZE", "IBU", "WATER", "EC"]).count() == 5
    naloxone = Item.objects.get(code="NLX")
    kit = Location.objects.get(kind=LocationKind.KIT)
    assert kit_expiry(kit) == TODAY + timedelta(days=20)  # the lot expiring soon went in the kit
    assert {line.lot.lot_number for line in expiring(naloxone.group, within_days=60)} == {"NX-1711", "NX-1904"}
    naloxone_now = par_status(naloxone)
    assert naloxone_now.monthly_use == 3.0  # eighteen doses in six months
    assert naloxone_now.state == ParState.BELOW_PAR  # the demo shows both flags
    assert par_status(Item.objects.get(code="IBU")).state == ParState.FAR_ABOVE_NEED
    assert Item.objects.get(code="EC").is_never_linked
    assert Location.objects.get(kind=LocationKind.MEDIC_BAG).refill_contact is not None
