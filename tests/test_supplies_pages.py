"""The supplies' pages through the test client: members see the stock, keepers set up and receive, outsiders
get 404; FEFO's lot shows first, a distribution over the limit needs a reason, a count's difference lands in
the ledger, a short kit says what it lacks; Spanish pages speak Spanish; bad input comes back on the form."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.translation import gettext

from solidarity.accounts.models import User, WorkingGroup
from solidarity.core.permissions import Role
from solidarity.core.zones import ZoneValues, do_create_zone
from solidarity.supplies.models import Item, KitTemplate, Location, Movement, MovementKind
from solidarity.supplies.pages import par_statuses
from solidarity.supplies.services import do_distribute, do_save_kit_template, par_status
from tests.factories.accounts import client_for, make_member
from tests.factories.supplies import make_item, make_location, receive

pytestmark = pytest.mark.django_db

MEDICS = "street-medics-committee"


@pytest.fixture
def depot(medics: WorkingGroup, coordinator: User) -> Location:
    return make_location(medics, coordinator, "North depot")


@pytest.fixture
def naloxone(medics: WorkingGroup, coordinator: User, depot: Location) -> Item:
    item = make_item(medics, coordinator, "NLX", name_en="Naloxone", name_es="Naloxona", request_limit=2)
    receive(depot, item, 5, coordinator, timezone.localdate() + timedelta(days=300), lot_number="LATE")
    receive(depot, item, 5, coordinator, timezone.localdate() + timedelta(days=30), lot_number="SOON")
    return item


@pytest.fixture
def kit(medics: WorkingGroup, coordinator: User, naloxone: Item) -> KitTemplate:
    gauze = make_item(medics, coordinator, "GAUZE", name_en="Gauze", name_es="Gasa")
    return do_save_kit_template(medics, {naloxone: 2, gauze: 4}, by=coordinator, name_en="Kit per pair")


def urls(depot: Location, naloxone: Item, kit: KitTemplate) -> list[str]:
    place = f"/en/supplies/locations/{depot.uuid}/"
    group = f"/en/groups/{MEDICS}/supplies/"
    return [
        group,
        f"{group}report/",
        f"/en/supplies/items/{naloxone.code}/",
        place,
        f"{place}use/",
        f"{place}distribute/",
        f"{place}count/",
    ]


def keeper_urls(depot: Location, naloxone: Item, kit: KitTemplate) -> list[str]:
    place = f"/en/supplies/locations/{depot.uuid}/"
    group = f"/en/groups/{MEDICS}/supplies/"
    return [
        f"{group}setup/",
        f"{group}items/new/",
        f"{group}locations/new/",
        f"{group}kits/new/",
        f"/en/supplies/items/{naloxone.code}/edit/",
        f"/en/supplies/kits/{kit.uuid}/edit/",
        f"/en/supplies/kits/{kit.uuid}/pack/",
        f"{place}edit/",
        f"{place}receive/",
        f"{place}move/",
        f"{place}expire/",
        f"{place}donate/",
    ]


def test_every_page_renders_for_members_and_hides_from_outsiders(
    depot: Location, naloxone: Item, kit: KitTemplate, coordinator: User, medic: User, outsider: User
) -> None:
    keeper, member, stranger = client_for(coordinator), client_for(medic), client_for(outsider)
    for url in urls(depot, naloxone, kit):
        assert member.get(url).status_code == 200, url
        assert stranger.get(url).status_code == 404, url
    for url in keeper_urls(depot, naloxone, kit):
        assert keeper.get(url).status_code == 200, url
        assert member.get(url).status_code in (403, 404), url
        assert stranger.get(url).status_code == 404, url


def test_a_coordinator_sets_up_receives_and_sees_fefo_first(medics: WorkingGroup, coordinator: User) -> None:
    keeper = client_for(coordinator)
    made = keeper.post(
        f"/en/groups/{MEDICS}/supplies/items/new/",
        {
            "code": "inh",
            "name_en": "Inhaler",
            "name_es": "Inhalador",
            "unit_en": "inhaler",
            "unit_es": "inhalador",
            "category": "medicine",
            "safety_margin_months": 2,
            "history_months": 6,
            "far_above_months": 12,
        },
    )
    assert made.status_code == 302
    item = Item.objects.get(code="INH")
    made = keeper.post(
        f"/en/groups/{MEDICS}/supplies/locations/new/",
        {"name": "Cabinet", "kind": "cabinet", "refill_contact": str(coordinator.uuid)},
    )
    assert made.status_code == 302
    cabinet = Location.objects.get(name="Cabinet")
    assert cabinet.refill_contact == coordinator
    soon = timezone.localdate() + timedelta(days=40)
    later = timezone.localdate() + timedelta(days=400)
    for number, expires in (("B-LATE", later), ("A-SOON", soon)):
        got = keeper.post(
            f"/en/supplies/locations/{cabinet.uuid}/receive/",
            {"item": "INH", "lot_number": number, "expires_on": expires.isoformat(), "quantity": 3},
        )
        assert got.status_code == 302, got.content.decode()
    page = keeper.get(f"/en/groups/{MEDICS}/supplies/").content.decode()
    assert "lot A-SOON" in page
    assert page.index("Take first:") < page.index("lot A-SOON")
    assert "donate while still usable" in page
    assert par_status(item).on_hand == 6


def test_an_expiring_lot_links_its_keepers_to_donate_it_with_the_lot_chosen(
    depot: Location, naloxone: Item, coordinator: User, medic: User
) -> None:
    soon = Movement.objects.get(lot__lot_number="SOON").lot
    donate = f"/en/supplies/locations/{depot.uuid}/donate/?lot={soon.uuid}"
    keeper = client_for(coordinator)
    assert f'href="{donate}"' in keeper.get(f"/en/groups/{MEDICS}/supplies/").content.decode()
    form = keeper.get(donate).content.decode()
    assert f'<option value="{soon.uuid}" selected>' in form
    given = keeper.post(donate, {"lot": str(soon.uuid), "quantity": 5})
    assert given.status_code == 302
    assert Movement.objects.get(kind=MovementKind.DONATED).quantity == -5
    page = client_for(medic).get(f"/en/groups/{MEDICS}/supplies/").content.decode()
    assert "donate/?lot=" not in page  # a member who does not keep the stock reads it, without a link


def test_receiving_far_above_need_warns_and_asks(
    medics: WorkingGroup, coordinator: User, depot: Location, naloxone: Item
) -> None:
    keeper = client_for(coordinator)
    Movement.objects.filter(lot__item=naloxone).update(at=timezone.now() - timedelta(days=400))
    url = f"/en/supplies/locations/{depot.uuid}/receive/"
    refused = keeper.post(url, {"item": "NLX", "quantity": 50})
    assert refused.status_code == 400
    assert 'name="accept_over_need"' in refused.content.decode()
    assert keeper.get(url).content.decode().count('name="accept_over_need"') == 0
    assert keeper.post(url, {"item": "NLX", "quantity": 50, "accept_over_need": "on"}).status_code == 302


def test_distributing_over_the_limit_needs_a_reason(depot: Location, naloxone: Item, medic: User) -> None:
    member = client_for(medic)
    url = f"/en/supplies/locations/{depot.uuid}/distribute/"
    page = member.get(url).content.decode()
    assert "no field about who it went to" in page
    refused = member.post(url, {"item": "NLX", "quantity": 3})
    assert refused.status_code == 400
    assert "say why you give more" in refused.content.decode()
    zone = do_create_zone(ZoneValues(name_en="Walltown", name_es="Barrio Walltown"), actor="system")
    given = {"item": "NLX", "quantity": 3, "override_reason": "Overdose cluster", "zone": zone.slug}
    assert member.post(url, given).status_code == 302
    moves = Movement.objects.filter(kind=MovementKind.DISTRIBUTED)
    assert {move.lot.lot_number for move in moves} == {"SOON"}
    assert all(move.is_override for move in moves)
    report = member.get(f"/en/groups/{MEDICS}/supplies/report/").content.decode()
    assert "names nobody" in report
    assert "1 over the limit" in report
    assert "· Walltown" in report  # the zone's name in the reader's language, not its slug
    assert "Barrio Walltown" in member.get(f"/es/groups/{MEDICS}/supplies/report/").content.decode()


def test_a_count_records_the_difference_in_the_ledger(depot: Location, naloxone: Item, medic: User) -> None:
    member = client_for(medic)
    lot = naloxone.lots.get(lot_number="SOON")
    got = member.post(
        f"/en/supplies/locations/{depot.uuid}/count/", {"lot": str(lot.uuid), "counted": 3, "note": "Box crushed"}
    )
    assert got.status_code == 302
    counted = Movement.objects.get(kind=MovementKind.COUNTED)
    assert counted.quantity == -2
    assert Movement.objects.filter(lot=lot, kind=MovementKind.RECEIVED, quantity=5).exists()  # not overwritten
    ledger = member.get(f"/en/supplies/locations/{depot.uuid}/").content.decode()
    assert "<strong>-2</strong>" in ledger
    assert "Box crushed" in ledger


def test_packing_a_kit_short_says_what(coordinator: User, depot: Location, kit: KitTemplate) -> None:
    keeper = client_for(coordinator)
    url = f"/en/supplies/kits/{kit.uuid}/pack/"
    short = keeper.post(url, {"depot": str(depot.uuid)})
    assert short.status_code == 400
    page = short.content.decode()
    assert "The depot is short" in page
    assert "<strong>4</strong>" in page
    assert "Gauze" in page
    assert not Location.objects.filter(kind="kit").exists()
    packed = keeper.post(url, {"depot": str(depot.uuid), "allow_short": "on", "name": "Pair 1"})
    assert packed.status_code == 302
    stock = keeper.get(f"/en/groups/{MEDICS}/supplies/").content.decode()
    assert "Short of:" in stock
    assert "4 Gauze" in stock


def test_bad_input_comes_back_on_the_form(coordinator: User, depot: Location, naloxone: Item, kit: KitTemplate) -> None:
    keeper = client_for(coordinator)
    place = f"/en/supplies/locations/{depot.uuid}/"
    cases = [
        (f"/en/groups/{MEDICS}/supplies/items/new/", {"code": "a-b", "name_en": "Bad"}),
        (
            f"/en/groups/{MEDICS}/supplies/items/new/",
            {
                "code": "NLX",
                "name_en": "Again",
                "category": "other",
                "unit_en": "u",
                "unit_es": "u",
                "safety_margin_months": 2,
                "history_months": 6,
                "far_above_months": 12,
            },
        ),
        (f"/en/groups/{MEDICS}/supplies/locations/new/", {"name": "", "kind": "depot"}),
        (f"/en/groups/{MEDICS}/supplies/kits/new/", {"name_en": "Empty kit"}),
        (f"{place}receive/", {"item": "NOPE", "quantity": "x"}),
        (f"{place}use/", {"item": "NLX", "quantity": 999}),
        (f"{place}move/", {"item": "NLX", "quantity": 1, "destination": "nowhere"}),
        (f"{place}count/", {"lot": "nope", "counted": -1}),
        (f"{place}expire/", {"lot": str(naloxone.lots.first().uuid)}),  # type: ignore[union-attr]
        (f"{place}donate/", {"lot": str(naloxone.lots.first().uuid), "quantity": 999}),  # type: ignore[union-attr]
        (f"/en/supplies/kits/{kit.uuid}/pack/", {"depot": "nowhere"}),
    ]
    for url, body in cases:
        got = keeper.post(url, body)
        assert got.status_code == 400, (url, got.status_code)
        assert 'class="errorlist' in got.content.decode(), url
    report = keeper.get(f"/en/groups/{MEDICS}/supplies/report/", {"since": "2026-05-01", "until": "2026-01-01"})
    assert report.status_code == 400


def test_a_medic_lead_alone_may_not_enable_prescriptions(medics: WorkingGroup, depot: Location) -> None:
    lead = make_member("lee.lead", medics, Role.MEDIC_LEAD)
    got = client_for(lead).post(
        f"/en/supplies/locations/{depot.uuid}/edit/",
        {"name": "North depot", "kind": "depot", "prescriptions_enabled": "on"},
    )
    assert got.status_code == 302  # a disabled field keeps its value: nothing enabled
    depot.refresh_from_db()
    assert not depot.prescriptions_enabled


def test_spanish_pages_speak_spanish(depot: Location, naloxone: Item, medic: User) -> None:
    member = client_for(medic)
    with translation.override("es"):
        wanted = [gettext("Stock against real use"), gettext("Distribution report"), gettext("Locations")]
        record = gettext("Record")
    page = member.get(f"/es/groups/{MEDICS}/supplies/").content.decode()
    assert all(text in page for text in wanted)
    assert "Naloxona" in page
    assert record in member.get(f"/es/supplies/locations/{depot.uuid}/distribute/").content.decode()


def test_the_stock_page_reads_in_a_fixed_number_of_queries(
    medics: WorkingGroup, coordinator: User, depot: Location, kit: KitTemplate
) -> None:
    """As many queries with one item as with six (the page reads every item at once: supplies.pages). The
    count itself differs by backend (Redis caches what SQLite reads from its database), so it is compared."""
    client = client_for(coordinator)
    url = f"/en/groups/{MEDICS}/supplies/"
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(5):
        item = make_item(medics, coordinator, f"X{n}", safety_margin_months=n)
        receive(depot, item, 3, coordinator, timezone.localdate() + timedelta(days=10 * n + 1), lot_number=f"L{n}")
        do_distribute(depot, item, 1, by=coordinator)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)
    assert len(few) <= MAX_QUERIES


MAX_QUERIES = 18  # on SQLite without Redis; fewer on PostgreSQL + Redis


def test_the_page_s_par_levels_agree_with_the_service(
    medics: WorkingGroup, coordinator: User, depot: Location, naloxone: Item
) -> None:
    do_distribute(depot, naloxone, 2, by=coordinator)
    old = make_item(medics, coordinator, "OLD")
    receive(depot, old, 4, coordinator)
    Movement.objects.filter(lot__item=old).update(at=timezone.now() - timedelta(days=400))
    items = list(Item.objects.filter(group=medics))
    assert par_statuses(medics, items) == {item.pk: par_status(item) for item in items}


def test_the_dashboard_links_to_the_supplies(coordinator: User, medic: User) -> None:
    link = f"/en/groups/{MEDICS}/supplies/"
    assert link in client_for(coordinator).get("/en/dashboard/").content.decode()  # may set them up
    assert link not in client_for(medic).get("/en/dashboard/").content.decode()  # nothing kept yet
    make_location(WorkingGroup.objects.get(slug=MEDICS), coordinator)
    assert link in client_for(medic).get("/en/dashboard/").content.decode()
