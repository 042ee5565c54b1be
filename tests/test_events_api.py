"""Actions in the JSON API: a group's actions, one action, its state changes, and the public's read; the error
shapes (422 naming the field, 409 `action_over`); outsiders get nothing.

Places, numbers and people are fictional (555-01xx)."""

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from solidarity.accounts.models import User, WorkingGroup
from solidarity.core.zones import ZoneValues, do_create_zone
from solidarity.events.models import Action, ActionState
from solidarity.events.services import do_cancel_action
from tests.factories.accounts import client_for
from tests.factories.events import make_action, published_action

pytestmark = pytest.mark.django_db

API = "/api/v1"


def call(client: Client, method: str, path: str, body: dict[str, Any] | None = None, language: str = "") -> Any:
    headers = {"Accept-Language": language} if language else {}
    return client.generic(method, API + path, json.dumps(body or {}), content_type="application/json", headers=headers)


def soon(days: float = 3) -> str:
    return (timezone.now() + timedelta(days=days)).isoformat()


def new_action(**more: Any) -> dict[str, Any]:
    return {
        "title_en": "March for our neighbours",
        "title_es": "Marcha por nuestros vecinos",
        "description_en": "From the park to the courthouse.",
        "starts_at": soon(),
        "ends_at": soon(3.1),
        "gathering_place": "Example Park, east gate",
        "contact": "march@example.org",
        "hotline": "919 555 0179",
        "expected_size": 150,
    } | more


def test_coordinators_plan_an_action_and_members_read_it(medics: WorkingGroup, coordinator: User, medic: User) -> None:
    zone = do_create_zone(ZoneValues(name_en="Walltown", name_es="Walltown"), actor="cli")
    made = call(client_for(coordinator), "POST", f"/groups/{medics.slug}/actions", new_action(zone=zone.slug))
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["state"] == "draft"
    assert body["hotline"] == "+19195550179"
    assert body["zone"] == zone.slug
    assert body["group"] == medics.slug
    assert body["public_url"] is None
    code = body["code"]

    listed = call(client_for(medic), "GET", f"/groups/{medics.slug}/actions?state=draft")
    assert listed.status_code == 200
    assert [item["code"] for item in listed.json()["items"]] == [code]
    assert listed.json()["count"] == 1
    assert call(client_for(medic), "GET", f"/actions/{code}").json()["title"] == "March for our neighbours"
    spanish = call(client_for(medic), "GET", f"/actions/{code.lower()}", language="es")
    assert spanish.json()["title"] == "Marcha por nuestros vecinos"
    refused = call(client_for(medic), "POST", f"/groups/{medics.slug}/actions", new_action())
    assert refused.status_code == 404


def test_changes_and_state_verbs(medics: WorkingGroup, coordinator: User) -> None:
    action = make_action(medics, coordinator)
    client = client_for(coordinator)
    changed = call(client, "PATCH", f"/actions/{action.code}", {"gathering_place": "City Hall steps", "zone": ""})
    assert changed.status_code == 200
    assert changed.json()["gathering_place"] == "City Hall steps"
    assert changed.json()["title_en"] == "Counter-demonstration at the plaza"  # what was not sent stays

    published = call(client, "POST", f"/actions/{action.code}/publish")
    assert published.json()["state"] == "published"
    assert published.json()["public_url"].endswith(f"/en/a/{action.code}/")
    assert call(client, "POST", f"/actions/{action.code}/unpublish").json()["state"] == "draft"
    assert call(client, "POST", f"/actions/{action.code}/publish").json()["state"] == "published"
    assert call(client, "POST", f"/actions/{action.code}/finish").json()["state"] == "done"

    for verb in ("publish", "unpublish", "cancel", "finish"):
        over = call(client, "POST", f"/actions/{action.code}/{verb}")
        assert over.status_code == 409
        assert over.json()["error"]["code"] == "action_over"
    patched = call(client, "PATCH", f"/actions/{action.code}", {"title_en": "Later"}, language="es")
    assert patched.status_code == 409
    assert patched.json() == {
        "error": {"code": "action_over", "message": "Esta acción se canceló o ya terminó.", "fields": {}}
    }


def test_validation_errors_name_the_fields(medics: WorkingGroup, coordinator: User) -> None:
    client = client_for(coordinator)
    answer = call(
        client,
        "POST",
        f"/groups/{medics.slug}/actions",
        new_action(title_en="", title_es="", ends_at=soon(2), hotline="12", gathering_place=""),
    )
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["code"] == "invalid_input"
    assert set(error["fields"]) == {"title_en", "ends_at", "hotline", "gathering_place"}
    unknown_zone = call(client, "POST", f"/groups/{medics.slug}/actions", new_action(zone="atlantis"))
    assert unknown_zone.status_code == 422
    assert set(unknown_zone.json()["error"]["fields"]) == {"zone"}
    far = call(client, "POST", f"/groups/{medics.slug}/actions", new_action(starts_at="9999-01-01T10:00:00+00:00"))
    assert far.status_code == 422
    naive = call(client, "POST", f"/groups/{medics.slug}/actions", new_action(starts_at="2030-01-01T10:00:00"))
    assert naive.status_code == 422
    too_big = call(client, "POST", f"/groups/{medics.slug}/actions", new_action(expected_size=2**40))
    assert too_big.status_code == 422
    assert not Action.objects.exists()


def test_outsiders_get_nothing(
    medics: WorkingGroup, coordinator: User, outsider: User, other_coordinator: User
) -> None:
    action = published_action(medics, coordinator)
    for user in (outsider, other_coordinator):
        client = client_for(user)
        assert call(client, "GET", f"/groups/{medics.slug}/actions").status_code == 404
        assert call(client, "GET", f"/actions/{action.code}").status_code == 404
        assert call(client, "PATCH", f"/actions/{action.code}", {"title_en": "x"}).status_code == 404
        assert call(client, "POST", f"/actions/{action.code}/cancel").status_code == 404
    assert call(Client(), "GET", f"/actions/{action.code}").status_code == 401
    action.refresh_from_db()
    assert action.state == ActionState.PUBLISHED


def test_the_public_reads_published_actions_only(medics: WorkingGroup, coordinator: User) -> None:
    action = published_action(medics, coordinator)
    draft = make_action(medics, coordinator, title_en="Not yet")
    anonymous = Client()
    listed = call(anonymous, "GET", "/public/actions")
    assert listed.status_code == 200
    assert [item["code"] for item in listed.json()["items"]] == [action.code]
    one = call(anonymous, "GET", f"/public/actions/{action.code}", language="es").json()
    assert one["title"] == "Contramanifestación en la plaza"
    assert one["hotline"] == "+19195550177"
    assert one["public_url"].endswith(f"/a/{action.code}/")
    assert one["calendar_url"].endswith("/calendar.ics")
    assert one["flyer_url"].endswith("/flyer.pdf")
    for private in ("group", "expected_size", "created_at", "published_at", "lessons"):
        assert private not in one
    assert call(anonymous, "GET", f"/public/actions/{draft.code}").status_code == 404

    do_cancel_action(action, by=coordinator)
    assert call(anonymous, "GET", f"/public/actions/{action.code}").json()["state"] == "cancelled"
    assert call(anonymous, "GET", "/public/actions").json()["count"] == 0
