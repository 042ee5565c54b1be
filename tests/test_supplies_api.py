"""Supplies through the JSON API: members record, keepers set up and receive, outsiders get 404; STYLE.md's shape."""

import json
from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest
from django.test import Client
from django.utils import timezone

from solidarity.accounts.models import User, WorkingGroup
from solidarity.accounts.services import do_create_token
from solidarity.core.permissions import Role
from solidarity.core.zones import ZoneValues, do_create_zone
from solidarity.supplies.models import Item, Location, Movement
from tests.factories.accounts import make_member
from tests.factories.supplies import make_item, make_location, receive

pytestmark = pytest.mark.django_db

MEDICS = "street-medics-committee"


def bearer(user: User) -> Client:
    return Client(headers={"authorization": f"Bearer {do_create_token(user, name=f'test-{uuid4().hex[:8]}').secret}"})


def send(client: Client, method: str, url: str, body: dict[str, Any] | None = None) -> Any:
    return client.generic(method, url, json.dumps(body or {}), content_type="application/json")


@pytest.fixture
def depot(medics: WorkingGroup, coordinator: User) -> Location:
    return make_location(medics, coordinator, "Depot")


@pytest.fixture
def naloxone(medics: WorkingGroup, coordinator: User, depot: Location) -> Item:
    item = make_item(medics, coordinator, "NLX", name_en="Naloxone", name_es="Naloxona", request_limit=2)
    receive(depot, item, 5, coordinator, timezone.localdate() + timedelta(days=30), lot_number="SOON")
    receive(depot, item, 5, coordinator, timezone.localdate() + timedelta(days=300), lot_number="LATE")
    return item


def test_a_keeper_sets_up_items_and_locations(medics: WorkingGroup, coordinator: User, medic: User) -> None:
    keeper = bearer(coordinator)
    made = send(
        keeper,
        "POST",
        f"/api/v1/groups/{MEDICS}/supplies/items",
        {"code": "gauze", "name_en": "Gauze", "name_es": "Gasa", "unit_en": "pack", "category": "wound_care"},
    )
    assert made.status_code == 201
    assert made.json()["code"] == "GAUZE"
    again = send(keeper, "POST", f"/api/v1/groups/{MEDICS}/supplies/items", {"code": "GAUZE", "name_en": "More"})
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "conflict"
    bad = send(keeper, "POST", f"/api/v1/groups/{MEDICS}/supplies/items", {"code": "ab-c", "name_en": "Bad"})
    assert bad.status_code == 422
    assert "code" in bad.json()["error"]["fields"]
    limited = send(keeper, "PATCH", "/api/v1/supplies/items/GAUZE", {"request_limit": 3, "safety_margin_months": 3})
    assert (limited.json()["request_limit"], limited.json()["safety_margin_months"]) == (3, 3)
    place = send(
        keeper,
        "POST",
        f"/api/v1/groups/{MEDICS}/supplies/locations",
        {"name": "Mia's bag", "kind": "medic_bag", "refill_contact": str(medic.uuid)},
    )
    assert place.status_code == 201
    assert place.json()["refill_contact"] == str(medic.uuid)
    # A plain member reads, but does not set up.
    member = bearer(medic)
    assert member.get(f"/api/v1/groups/{MEDICS}/supplies/items").json()["count"] == 1
    assert (
        send(member, "POST", f"/api/v1/groups/{MEDICS}/supplies/items", {"code": "X1", "name_en": "X"}).status_code
        == 404
    )
    assert send(member, "PATCH", "/api/v1/supplies/items/GAUZE", {"request_limit": 9}).status_code == 404


def test_a_member_records_use_first_expiry_first_and_learns_what_is_left(
    depot: Location, naloxone: Item, medic: User
) -> None:
    do_create_zone(ZoneValues(name_en="Walltown", name_es="Barrio Walltown"), actor="system")
    member = bearer(medic)
    plan = member.get(f"/api/v1/supplies/locations/{depot.uuid}/plan", {"item": "NLX", "quantity": "6"}).json()
    assert [(pick["lot"]["lot_number"], pick["quantity"]) for pick in plan["picks"]] == [("SOON", 5), ("LATE", 1)]
    used = send(
        member,
        "POST",
        f"/api/v1/supplies/locations/{depot.uuid}/use",
        {"item": "NLX", "quantity": 2, "zone": "walltown"},
    )
    assert used.status_code == 200
    body = used.json()
    assert body["remaining"] == 8
    assert [(move["kind"], move["quantity"], move["zone"]) for move in body["movements"]] == [("used", -2, "walltown")]
    assert "by" not in body["movements"][0]
    over = send(member, "POST", f"/api/v1/supplies/locations/{depot.uuid}/distribute", {"item": "NLX", "quantity": 3})
    assert over.status_code == 422
    assert "override_reason" in over.json()["error"]["fields"]
    reason = {"item": "NLX", "quantity": 3, "override_reason": "a clinic's weekend"}
    assert send(member, "POST", f"/api/v1/supplies/locations/{depot.uuid}/distribute", reason).status_code == 200
    too_many = send(member, "POST", f"/api/v1/supplies/locations/{depot.uuid}/use", {"item": "NLX", "quantity": 99})
    assert too_many.status_code == 409
    assert too_many.json()["error"]["code"] == "not_enough"
    # Receiving is a keeper's.
    receipt = {"item": "NLX", "quantity": 1}
    assert send(member, "POST", f"/api/v1/supplies/locations/{depot.uuid}/receive", receipt).status_code == 404


def test_a_count_that_differs_is_recorded(depot: Location, naloxone: Item, medic: User) -> None:
    lot = naloxone.lots.get(lot_number="SOON")
    counted = send(
        bearer(medic), "POST", f"/api/v1/supplies/locations/{depot.uuid}/count", {"lot": str(lot.uuid), "counted": 4}
    )
    assert counted.status_code == 200
    assert [(move["kind"], move["quantity"]) for move in counted.json()["movements"]] == [("counted", -1)]
    assert counted.json()["remaining"] == 9


def test_receiving_far_above_need_answers_409_until_accepted(
    depot: Location, naloxone: Item, coordinator: User, medic: User
) -> None:
    with_time = timezone.now() - timedelta(days=200)
    Movement.objects.filter(lot__item=naloxone).update(at=with_time)  # stock kept long, never used: far above need
    keeper = bearer(coordinator)
    url = f"/api/v1/supplies/locations/{depot.uuid}/receive"
    refused = send(keeper, "POST", url, {"item": "NLX", "quantity": 10})
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "far_above_need"
    accepted = send(keeper, "POST", url, {"item": "NLX", "quantity": 10, "accept_over_need": True})
    assert accepted.status_code == 200
    assert accepted.json()["remaining"] == 20
    par = bearer(medic).get("/api/v1/supplies/items/NLX/par").json()
    assert par["state"] == "far_above_need"
    assert "consider sharing" in par["advice"]


def test_packing_a_kit_answers_its_expiry_and_its_shortages(
    medics: WorkingGroup, depot: Location, naloxone: Item, coordinator: User
) -> None:
    keeper = bearer(coordinator)
    make_item(medics, coordinator, "GAUZE", name_en="Gauze")
    template = send(
        keeper,
        "POST",
        f"/api/v1/groups/{MEDICS}/supplies/kits",
        {
            "name_en": "Street-medic kit per pair",
            "lines": [{"item": "NLX", "quantity": 2}, {"item": "GAUZE", "quantity": 4}],
        },
    )
    assert template.status_code == 201
    pack = f"/api/v1/supplies/kits/{template.json()['id']}/pack"
    short = send(keeper, "POST", pack, {"depot": str(depot.uuid)})
    assert short.status_code == 409
    assert short.json()["error"]["code"] == "kit_short"
    assert short.json()["error"]["fields"]["shortages"] == ["GAUZE:4"]
    packed = send(keeper, "POST", pack, {"depot": str(depot.uuid), "allow_short": True, "name": "Kit A"})
    assert packed.status_code == 201
    body = packed.json()
    assert body["moved"] == 2
    assert body["expires_on"] == (timezone.localdate() + timedelta(days=30)).isoformat()
    assert body["shortages"] == [{"item": "GAUZE", "missing": 4}]
    contents = keeper.get(f"/api/v1/supplies/locations/{body['kit']['id']}/kit").json()
    assert [(line["item"], line["missing"]) for line in contents["lines"]] == [("GAUZE", 4), ("NLX", 0)]


def test_the_distribution_report_names_nobody(depot: Location, naloxone: Item, coordinator: User, medic: User) -> None:
    send(bearer(medic), "POST", f"/api/v1/supplies/locations/{depot.uuid}/distribute", {"item": "NLX", "quantity": 2})
    today = timezone.localdate().isoformat()
    answer = bearer(coordinator).get(f"/api/v1/groups/{MEDICS}/supplies/distribution", {"since": today, "until": today})
    assert answer.status_code == 200
    assert answer.json()["count"] == 1
    row = answer.json()["items"][0]
    assert set(row) == {"item", "kind", "date", "zone", "location", "quantity", "overrides"}
    assert medic.username not in json.dumps(answer.json())
    expiring = bearer(medic).get(f"/api/v1/groups/{MEDICS}/supplies/expiring", {"within_days": 60}).json()
    assert [(line["lot"]["lot_number"], line["quantity"]) for line in expiring["items"]] == [("SOON", 3)]


def test_a_medic_lead_enables_prescriptions_a_coordinator_alone_may_not(
    medics: WorkingGroup, depot: Location, coordinator: User
) -> None:
    lead = make_member("lea.lead", medics, Role.COORDINATOR, Role.MEDIC_LEAD)
    url = f"/api/v1/supplies/locations/{depot.uuid}"
    refused = send(bearer(coordinator), "PATCH", url, {"prescriptions_enabled": True})
    assert refused.status_code == 422
    assert "prescriptions_enabled" in refused.json()["error"]["fields"]
    assert send(bearer(lead), "PATCH", url, {"prescriptions_enabled": True}).json()["prescriptions_enabled"] is True


def test_outsiders_get_404_for_everything(
    depot: Location, naloxone: Item, outsider: User, other_coordinator: User
) -> None:
    for someone in (outsider, other_coordinator):
        client = bearer(someone)
        for url in (
            f"/api/v1/groups/{MEDICS}/supplies/items",
            f"/api/v1/groups/{MEDICS}/supplies/locations",
            "/api/v1/supplies/items/NLX",
            f"/api/v1/supplies/locations/{depot.uuid}/stock",
            f"/api/v1/groups/{MEDICS}/supplies/expiring",
        ):
            answer = client.get(url)
            assert answer.status_code == 404, url
            assert answer.json()["error"]["code"] == "not_found"
        use = {"item": "NLX", "quantity": 1}
        assert send(client, "POST", f"/api/v1/supplies/locations/{depot.uuid}/use", use).status_code == 404
    assert Client().get("/api/v1/supplies/items/NLX").status_code == 401
