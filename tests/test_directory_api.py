"""The directory through the JSON API: public reads without a token, keepers' writes, STYLE.md's one shape."""

import json
from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest
from django.test import Client
from django.utils import timezone

from solidarity.accounts.models import User, WorkingGroup
from solidarity.accounts.services import do_create_token
from solidarity.core.zones import ZoneValues, do_create_zone
from solidarity.directory.models import Resource
from tests.factories.accounts import client_for
from tests.factories.directory import make_resource

pytestmark = pytest.mark.django_db

MEDICS = "street-medics-committee"
API = "/api/v1/resources"


@pytest.fixture
def resources(medics: WorkingGroup, coordinator: User) -> dict[str, Resource]:
    do_create_zone(ZoneValues(name_en="Walltown", name_es="Barrio Walltown"), actor="system")
    return {
        "dental": make_resource(medics, coordinator, "campus-dental", kind="dental", languages=("en", "es")),
        "legal": make_resource(medics, coordinator, "east-legal", kind="legal_aid", zones=("walltown",)),
        "hidden": make_resource(medics, coordinator, "quiet-shelter", kind="shelter", is_public=False),
    }


def bearer(user: User) -> Client:
    return Client(headers={"authorization": f"Bearer {do_create_token(user, name=f'test-{uuid4().hex[:8]}').secret}"})


def send(client: Client, method: str, url: str, body: dict[str, Any] | None = None) -> Any:
    return client.generic(method, url, json.dumps(body or {}), content_type="application/json")


def test_anyone_reads_the_public_resources_without_a_token(resources: dict[str, Resource]) -> None:
    answer = Client().get(API)
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {"items", "count"}
    assert body["count"] == 2
    assert {item["slug"] for item in body["items"]} == {"campus-dental", "east-legal"}
    item = next(item for item in body["items"] if item["slug"] == "campus-dental")
    assert item["members_only"] is False
    assert item["is_stale"] is False
    assert item["page_url"].endswith("/resources/campus-dental/")
    assert "last_checked_by" not in item  # who checked is not for the public

    assert [item["slug"] for item in Client().get(API, {"kind": "dental"}).json()["items"]] == ["campus-dental"]
    assert [item["slug"] for item in Client().get(API, {"zone": "walltown"}).json()["items"]] == ["east-legal"]
    assert [item["slug"] for item in Client().get(API, {"language": "es"}).json()["items"]] == ["campus-dental"]
    assert Client().get(API, {"kind": "spa"}).status_code == 422

    assert Client().get(f"{API}/campus-dental").json()["slug"] == "campus-dental"
    missing = Client().get(f"{API}/quiet-shelter")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"


def test_a_member_signed_in_also_reads_members_only_resources(
    resources: dict[str, Resource], other_member: User
) -> None:
    body = client_for(other_member).get(API).json()
    assert body["count"] == 3
    hidden = client_for(other_member).get(f"{API}/quiet-shelter").json()
    assert hidden["members_only"] is True
    # By a token too; a token nobody holds reads as the public.
    assert bearer(other_member).get(API).json()["count"] == 3
    assert bearer(other_member).get(f"{API}/quiet-shelter").status_code == 200
    stranger = Client(headers={"authorization": "Bearer sol_not-a-token"})
    assert stranger.get(API).json()["count"] == 2
    assert stranger.get(f"{API}/quiet-shelter").status_code == 404


def test_a_keeper_creates_and_changes_a_resource(
    resources: dict[str, Resource], coordinator: User, medic: User, other_coordinator: User
) -> None:
    new = {"group": MEDICS, "slug": "night-line", "kind": "crisis_hotline", "name_es": "Línea nocturna"}
    made = send(bearer(coordinator), "POST", API, new)
    assert made.status_code == 201
    assert made.json()["is_public"] is False
    assert made.json()["members_only"] is True
    again = send(bearer(coordinator), "POST", API, new)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "conflict"

    changed = send(bearer(coordinator), "PATCH", f"{API}/night-line", {"is_public": True, "languages": ["es"]})
    assert changed.status_code == 200
    assert changed.json()["languages"] == ["es"]
    assert changed.json()["members_only"] is False
    bad = send(bearer(coordinator), "PATCH", f"{API}/night-line", {"web_address": "ftp://example.org/"})
    assert bad.status_code == 422
    assert "web_address" in bad.json()["error"]["fields"]

    # A member who does not coordinate, or a coordinator of another group: the group's resources do not exist.
    for someone in (medic, other_coordinator):
        client = bearer(someone)
        assert send(client, "POST", API, new | {"slug": "other"}).status_code in {403, 404}
        assert send(client, "PATCH", f"{API}/night-line", {"name_en": "Taken"}).status_code == 404
        assert send(client, "POST", f"{API}/night-line/checked").status_code == 404
    assert send(Client(), "PATCH", f"{API}/night-line", {"name_en": "Taken"}).status_code == 401


def test_a_sanctuary_is_refused_public_without_agreement(resources: dict[str, Resource], coordinator: User) -> None:
    body = {"group": MEDICS, "slug": "st-anne", "kind": "sanctuary", "name_en": "St Anne's", "is_public": True}
    refused = send(bearer(coordinator), "POST", API, body)
    assert refused.status_code == 422
    assert "congregation_agreed" in refused.json()["error"]["fields"]
    assert send(bearer(coordinator), "POST", API, body | {"congregation_agreed": True}).status_code == 201


def test_keepers_manage_phones_sessions_and_say_checked(resources: dict[str, Resource], coordinator: User) -> None:
    keeper = bearer(coordinator)
    phone = send(keeper, "POST", f"{API}/campus-dental/phones", {"number": "919 555 0188", "is_24h": True})
    assert phone.status_code == 201
    assert phone.json()["number"] == "+19195550188"
    assert send(keeper, "POST", f"{API}/campus-dental/phones", {"number": "919 555 0188"}).status_code == 409
    assert send(keeper, "POST", f"{API}/campus-dental/phones", {"number": "nope"}).status_code == 422
    day = (timezone.localdate() + timedelta(days=4)).isoformat()
    session = send(keeper, "POST", f"{API}/campus-dental/sessions", {"date": day, "note_en": "Free dental care"})
    assert session.status_code == 201
    read = Client().get(f"{API}/campus-dental").json()
    assert [item["number"] for item in read["phones"]] == ["+19195550188"]
    assert [item["note_en"] for item in read["sessions"]] == ["Free dental care"]
    checked = send(keeper, "POST", f"{API}/campus-dental/checked")
    assert checked.status_code == 200
    assert checked.json()["is_stale"] is False
    assert send(keeper, "DELETE", f"{API}/campus-dental/phones/{phone.json()['id']}").status_code == 204
    assert send(keeper, "DELETE", f"{API}/campus-dental/sessions/{session.json()['id']}").status_code == 204
    assert send(keeper, "DELETE", f"{API}/campus-dental/sessions/{session.json()['id']}").status_code == 404
    assert Client().get(f"{API}/campus-dental").json()["phones"] == []
