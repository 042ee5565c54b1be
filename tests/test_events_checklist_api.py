"""The checklist in the JSON API: an action's steps with their state, ticking, owners and lessons, the legal-observer
request and its text, the debrief training, the debrief report, lessons copied into the template, and the template
itself; nothing for an outsider (404), bad input a 422 naming the field, a step its state forbids a 409 with its code.

Places, numbers and people are fictional (555-01xx)."""

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from solidarity.accounts.models import User, WorkingGroup
from solidarity.events.models import Action, ChecklistStep, ObserversState, StepKind, TemplateStep
from solidarity.trainings.models import Session
from tests.factories.accounts import client_for
from tests.factories.events import make_action

pytestmark = pytest.mark.django_db

API = "/api/v1"


def call(client: Client, method: str, path: str, body: dict[str, Any] | None = None, language: str = "") -> Any:
    headers = {"Accept-Language": language} if language else {}
    return client.generic(method, API + path, json.dumps(body or {}), content_type="application/json", headers=headers)


def step_id(action: Action, kind: str) -> str:
    return str(ChecklistStep.objects.get(action=action, kind=kind).uuid)


def test_members_read_the_checklist(medics: WorkingGroup, coordinator: User, medic: User) -> None:
    action = make_action(medics, coordinator)

    answer = call(client_for(medic), "GET", f"/actions/{action.code}/checklist")

    assert answer.status_code == 200
    body = answer.json()
    assert body["count"] == 7
    first = body["items"][0]
    assert first["kind"] == "public_page"
    assert first["is_done"] is False
    assert first["missing"] == "The public page is not published yet."
    assert first["owner"] is None
    spanish = call(client_for(medic), "GET", f"/actions/{action.code}/checklist", language="es").json()
    assert spanish["items"][0]["missing"] == "Todavía no se publicó la página pública."


def test_coordinators_tick_and_own_steps(medics: WorkingGroup, coordinator: User, medic: User) -> None:
    action = make_action(medics, coordinator)
    client = client_for(coordinator)
    flyers = step_id(action, StepKind.FLYERS)

    done = call(client, "POST", f"/actions/{action.code}/checklist/{flyers}/done")
    assert done.status_code == 200
    assert done.json()["is_done"] is True
    assert done.json()["done_by"] == str(coordinator.uuid)
    assert call(client, "POST", f"/actions/{action.code}/checklist/{flyers}/undone").json()["is_done"] is False

    refused = call(client, "POST", f"/actions/{action.code}/checklist/{step_id(action, StepKind.FUND)}/done")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "not_manual"

    patched = call(client, "PATCH", f"/actions/{action.code}/checklist/{flyers}", {"owner": str(medic.uuid)})
    assert patched.status_code == 200
    assert patched.json()["owner_name"] == "mia.medic"
    assert patched.json()["note"] == ""
    patched = call(client, "PATCH", f"/actions/{action.code}/checklist/{flyers}", {"lesson": "Print double."})
    assert patched.json()["owner"] == str(medic.uuid)
    assert patched.json()["lesson"] == "Print double."
    stranger = call(client, "PATCH", f"/actions/{action.code}/checklist/{flyers}", {"owner": str(action.uuid)})
    assert stranger.status_code == 422
    assert "owner" in stranger.json()["error"]["fields"]

    member = client_for(medic)
    assert call(member, "POST", f"/actions/{action.code}/checklist/{flyers}/done").status_code == 404


def test_the_legal_observer_request(medics: WorkingGroup, coordinator: User) -> None:
    action = make_action(medics, coordinator, starts_at=timezone.now() + timedelta(hours=30))
    client = client_for(coordinator)

    text = call(client, "GET", f"/actions/{action.code}/legal-observers/request-text").json()
    assert "Organisation: Street Medics Committee" in text["text"]
    assert text["warning"] == "Lawyers' guilds ask for at least 72 hours: request them now."

    body: dict[str, Any] = {"requested_from": "Fictional Guild", "point_person": str(coordinator.uuid)}
    refused = call(client, "PUT", f"/actions/{action.code}/legal-observers", body)
    assert refused.status_code == 422
    assert set(refused.json()["error"]["fields"]) == {"requested_on"}
    body |= {"requested_on": timezone.localdate().isoformat(), "confirmed": True}
    answer = call(client, "PUT", f"/actions/{action.code}/legal-observers", body)
    assert answer.status_code == 200
    assert answer.json()["state"] == "confirmed"
    assert answer.json()["point_person_name"] == "cora.coordinator"
    assert Action.objects.get(pk=action.pk).observers_state == ObserversState.CONFIRMED


def test_the_debrief_session_and_report(medics: WorkingGroup, coordinator: User, medic: User) -> None:
    action = make_action(medics, coordinator, starts_at=timezone.now() - timedelta(hours=4))
    client = client_for(coordinator)
    starts = (timezone.now() + timedelta(days=3)).isoformat()

    made = call(client, "POST", f"/actions/{action.code}/debrief-session", {"starts_at": starts, "place": "Hall"})
    assert made.status_code == 201
    assert Session.objects.get(uuid=made.json()["id"]).group == medics
    again = call(client, "POST", f"/actions/{action.code}/debrief-session", {"starts_at": starts, "place": "Hall"})
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "scheduled"

    body = {"medic_encounters": 4, "other_spent_cents": 2_500, "lessons": "More shade."}
    recorded = call(client, "PUT", f"/actions/{action.code}/debrief", body)
    assert recorded.status_code == 200
    assert recorded.json()["spent"] == "$25.00"
    assert recorded.json()["lessons"] == "More shade."
    report = call(client_for(medic), "GET", f"/actions/{action.code}/debrief").json()
    assert report["medic_encounters"] == 4
    assert report["lessons"] is None
    assert call(client, "PUT", f"/actions/{action.code}/debrief", {"medic_encounters": -1}).status_code == 422


def test_the_debrief_waits_for_the_action(medics: WorkingGroup, coordinator: User) -> None:
    action = make_action(medics, coordinator)
    answer = call(client_for(coordinator), "PUT", f"/actions/{action.code}/debrief", {"medic_encounters": 1})
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "not_yet"


def test_lessons_copied_and_the_template(medics: WorkingGroup, coordinator: User) -> None:
    action = make_action(medics, coordinator)
    client = client_for(coordinator)
    medics_step = step_id(action, StepKind.MEDICS)
    call(client, "PATCH", f"/actions/{action.code}/checklist/{medics_step}", {"lesson": "Spare gloves."})

    copied = call(client, "POST", f"/actions/{action.code}/lessons/copy", {"steps": [medics_step]})

    assert copied.json() == {"copied": 1}
    listed = call(client, "GET", "/checklist-template").json()
    assert listed["count"] == 7
    assert next(item for item in listed["items"] if item["kind"] == "medics")["help_en"].endswith("Spare gloves.")

    made = call(client, "POST", "/checklist-template", {"title_en": "Book the sound system"})
    assert made.status_code == 201
    new = made.json()["id"]
    assert call(client, "POST", "/checklist-template", {"kind": "nonsense", "title_en": "x"}).status_code == 422
    assert call(client, "PATCH", f"/checklist-template/{new}", {"title_en": ""}).status_code == 422
    assert call(client, "PATCH", f"/checklist-template/{new}", {"help_es": "Con tiempo."}).json()["help_es"]
    moved = call(client, "POST", f"/checklist-template/{new}/move", {"position": 0}).json()
    assert moved[0]["id"] == new
    assert call(client, "DELETE", f"/checklist-template/{new}").status_code == 204
    assert not TemplateStep.objects.filter(uuid=new).exists()


def test_outsiders_get_nothing(
    medics: WorkingGroup, coordinator: User, outsider: User, other_coordinator: User
) -> None:
    action = make_action(medics, coordinator)
    flyers = step_id(action, StepKind.FLYERS)
    for user in (outsider, other_coordinator):
        client = client_for(user)
        for method, path in (
            ("GET", f"/actions/{action.code}/checklist"),
            ("POST", f"/actions/{action.code}/checklist/{flyers}/done"),
            ("GET", f"/actions/{action.code}/legal-observers/request-text"),
            ("GET", f"/actions/{action.code}/debrief"),
        ):
            assert call(client, method, path).status_code == 404, (user, path)
    assert call(client_for(outsider), "GET", "/checklist-template").status_code == 404
    assert call(Client(), "GET", f"/actions/{action.code}/checklist").status_code == 401
