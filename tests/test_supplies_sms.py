"""Supplies by SMS: USED / USADO, a label's code and a count, through the loopback webhook and the router."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone, translation
from django.utils.translation import gettext

from solidarity.accounts.models import User, WorkingGroup
from solidarity.messaging.keywords import Command
from solidarity.messaging.models import Inbound, InboundState
from solidarity.messaging.sms.text import encoding, gsm_friendly, segments
from solidarity.supplies.models import Item, Location, LocationKind, Movement, MovementKind
from solidarity.supplies.services import usable_at
from tests.factories.messaging import text_in, texts_out
from tests.factories.people import make_person
from tests.factories.supplies import make_item, make_location, receive

pytestmark = pytest.mark.django_db

MEDIC_PHONE = "+19195550166"


@pytest.fixture
def naloxone(medics: WorkingGroup, coordinator: User) -> Item:
    return make_item(medics, coordinator, "NLX", name_en="Naloxone", name_es="Naloxona")


@pytest.fixture
def bag(medics: WorkingGroup, coordinator: User, medic: User, naloxone: Item) -> Location:
    """A medic's bag, which `medic` refills, with two lots: the later-expiring one received first."""
    found = make_location(medics, coordinator, "Bag 2", kind=LocationKind.MEDIC_BAG, refill_contact=medic)
    today = timezone.localdate()
    receive(found, naloxone, 4, coordinator, expires_on=today + timedelta(days=400), lot_number="LATE")
    receive(found, naloxone, 2, coordinator, expires_on=today + timedelta(days=60), lot_number="SOON")
    return found


def answers(outbox: Path, to: str) -> list[str]:
    bodies = [sent["body"] for sent in texts_out(outbox) if sent["to"] == to]
    for body in bodies:
        assert segments(body) == 1, body
        assert encoding(body) == "GSM-7", body
    return bodies


def test_a_medic_texts_usado_and_hears_what_is_left_first_expiry_first(
    client: Client, loopback: Path, medics: WorkingGroup, coordinator: User, medic: User, bag: Location, naloxone: Item
) -> None:
    make_location(medics, coordinator, "Depot")  # another place: the medic's own bag is where it is recorded
    make_person("Mia Medic", phones=(MEDIC_PHONE,), language="es", user=medic)

    text_in(client, "USADO NLX 3", sender=MEDIC_PHONE)

    [answer] = answers(loopback, MEDIC_PHONE)
    soon = (timezone.localdate() + timedelta(days=400)).strftime("%m/%Y")
    with translation.override("es"):
        expected = gettext("%(network)s: %(code)s: %(used)s used. %(left)s left at %(place)s (next expiry %(when)s).")
    assert answer == gsm_friendly(
        expected % {"network": "Solidarity", "code": "NLX", "used": "3", "left": "3", "place": "Bag 2", "when": soon}
    )
    used = Movement.objects.filter(kind=MovementKind.USED).order_by("pk")
    assert [(move.lot.lot_number, move.quantity) for move in used] == [("SOON", -2), ("LATE", -1)]  # FEFO
    assert {move.by for move in used} == {medic}
    assert usable_at(bag, naloxone) == 3
    inbound = Inbound.objects.get()
    assert (inbound.state, inbound.command) == (InboundState.HANDLED, Command.USED)


def test_more_than_is_there_is_refused_and_nothing_is_taken(
    client: Client, loopback: Path, medic: User, bag: Location, naloxone: Item
) -> None:
    make_person("Mia Medic", phones=(MEDIC_PHONE,), user=medic)
    text_in(client, "USED NLX 9", sender=MEDIC_PHONE)
    [answer] = answers(loopback, MEDIC_PHONE)
    assert answer.startswith("Solidarity: NLX: ")
    assert not Movement.objects.filter(kind=MovementKind.USED).exists()
    assert usable_at(bag, naloxone) == 6


def test_a_code_of_another_group_or_none_is_unknown_and_a_stranger_goes_to_the_inbox(
    client: Client, loopback: Path, other_member: User, bag: Location
) -> None:
    make_person("Rio Responder", phones=(MEDIC_PHONE,), user=other_member)
    text_in(client, "USED NLX 1", sender=MEDIC_PHONE)
    text_in(client, "USED ZZZ 1", sender=MEDIC_PHONE)
    assert answers(loopback, MEDIC_PHONE) == [
        "Solidarity: no item of your groups has the code NLX. Check its label.",
        "Solidarity: no item of your groups has the code ZZZ. Check its label.",
    ]
    assert not Movement.objects.filter(kind=MovementKind.USED).exists()

    text_in(client, "USED NLX 1")  # a number nobody has: a person reads it in the inbox
    assert Inbound.objects.filter(state=InboundState.UNMATCHED).count() == 1


def test_with_several_places_holding_it_and_none_of_the_senders_own_the_answer_points_to_the_web(
    client: Client, loopback: Path, medics: WorkingGroup, coordinator: User, bag: Location, naloxone: Item
) -> None:
    receive(make_location(medics, coordinator, "Depot"), naloxone, 5, coordinator)
    make_person("Cora Coordinator", phones=(MEDIC_PHONE,), user=coordinator)  # refills neither
    text_in(client, "used nlx 1", sender=MEDIC_PHONE)
    [answer] = answers(loopback, MEDIC_PHONE)
    assert "/en/groups/street-medics-committee/supplies/" in answer
    assert not Movement.objects.filter(kind=MovementKind.USED).exists()


def test_the_word_alone_says_how(client: Client, loopback: Path, medic: User, bag: Location) -> None:
    make_person("Mia Medic", phones=(MEDIC_PHONE,), language="es", user=medic)
    text_in(client, "Usado", sender=MEDIC_PHONE)
    with translation.override("es"):
        expected = gettext("%(network)s: text USED, the code on the label and how many: USED NLX 2")
    assert answers(loopback, MEDIC_PHONE) == [gsm_friendly(expected % {"network": "Solidarity"})]


def test_a_medic_who_refills_no_bag_records_use_at_the_only_place_holding_the_item(
    client: Client, loopback: Path, medics: WorkingGroup, coordinator: User, medic: User, naloxone: Item
) -> None:
    depot = make_location(medics, coordinator, "Depot")
    receive(depot, naloxone, 5, coordinator, expires_on=timezone.localdate() + timedelta(days=90))
    gauze = make_item(medics, coordinator, "GAUZE")
    receive(make_location(medics, coordinator, "Cabinet", kind=LocationKind.CABINET), gauze, 9, coordinator)
    make_person("Mia Medic", phones=(MEDIC_PHONE,), user=medic)  # refills nothing: two places, one with naloxone

    text_in(client, "USED NLX 2", sender=MEDIC_PHONE)

    [answer] = answers(loopback, MEDIC_PHONE)
    assert answer.startswith("Solidarity: NLX: 2 used. 3 left at Depot (next expiry ")
    [used] = Movement.objects.filter(kind=MovementKind.USED)
    assert (used.location, used.quantity, used.by) == (depot, -2, medic)


def test_a_bag_without_the_item_leaves_the_use_to_the_only_place_holding_it(
    client: Client,
    loopback: Path,
    medics: WorkingGroup,
    coordinator: User,
    medic: User,
    bag: Location,
    naloxone: Item,
) -> None:
    water = make_item(medics, coordinator, "WATER")
    depot = make_location(medics, coordinator, "Depot")
    receive(depot, water, 10, coordinator)
    make_person("Mia Medic", phones=(MEDIC_PHONE,), user=medic)  # refills the bag, which holds no water

    text_in(client, "USED WATER 1", sender=MEDIC_PHONE)
    text_in(client, "USED NLX 1", sender=MEDIC_PHONE)  # the bag holds naloxone: it is recorded there

    assert answers(loopback, MEDIC_PHONE) == [
        "Solidarity: WATER: 1 used. 9 left at Depot.",
        "Solidarity: NLX: 1 used. 5 left at Bag 2 (next expiry "
        + (timezone.localdate() + timedelta(days=60)).strftime("%m/%Y")
        + ").",
    ]
    assert usable_at(depot, water) == 9
    assert usable_at(bag, naloxone) == 5
