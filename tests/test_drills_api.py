"""Drills in the JSON API: start one, list them, read one's report; outsiders get nothing, bad input a 409 or 422."""

import json
from typing import Any

import pytest
from django.test import Client

from solidarity.accounts.models import User
from solidarity.incidents.models import Alert, Incident, IncidentState
from solidarity.incidents.timeline import hotline_settings
from tests.factories.accounts import client_for
from tests.factories.drills import drill, gappy_drill, only
from tests.factories.incidents import report, responder
from tests.factories.people import zone

pytestmark = pytest.mark.django_db

API = "/api/v1"


def post(client: Client, path: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(API + path, json.dumps(body or {}), content_type="application/json")


def test_a_coordinator_starts_a_drill_and_lists_it(coordinator: User) -> None:
    only([("checkpoint", "legal-observer", 1)])
    observer = responder("Olga Api", "legal-observer")
    keeper = client_for(coordinator)

    started = post(keeper, "/drills", {"type": "checkpoint", "zone": "east-durham", "scenario": "A practice"})

    assert started.status_code == 201, started.content
    body = started.json()
    assert (body["type"], body["zone"], body["state"]) == ("checkpoint", "east-durham", "confirmed")
    made = Incident.objects.get(code=body["code"])
    assert made.drill
    assert Alert.objects.get(incident=made).person == observer
    listed = keeper.get(f"{API}/drills").json()
    assert listed["count"] == 1
    assert listed["items"][0]["code"] == made.code


def test_a_real_incident_is_no_drill_and_says_so(dispatcher: User) -> None:
    real = report()
    assert real.incident is not None
    desk = client_for(dispatcher)
    drilled = drill("reported")

    assert desk.get(f"{API}/drills/{real.incident.code}/report").status_code == 404
    assert desk.get(f"{API}/incidents/{real.incident.code}").json()["drill"] is False
    assert desk.get(f"{API}/incidents/{drilled.code}").json()["drill"] is True
    assert desk.get(f"{API}/drills").json()["count"] == 1


def test_bad_input_is_a_422_naming_the_field_and_a_step_that_cannot_be_taken_a_409(dispatcher: User) -> None:
    desk = client_for(dispatcher)
    zone("east-durham")

    unknown = post(desk, "/drills", {"type": "checkpoint", "zone": "nowhere"})
    assert unknown.status_code == 422
    assert "zone" in unknown.json()["error"]["fields"]
    assert post(desk, "/drills", {"type": "picnic", "zone": "east-durham"}).status_code == 422
    assert post(desk, "/drills", {"type": "checkpoint", "zone": "east-durham", "stage": "later"}).status_code == 422

    hotline_settings().verifier_skills.clear()
    refused = post(desk, "/drills", {"type": "checkpoint", "zone": "east-durham", "stage": "verify"})
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "no_verifier_skills"
    assert not Incident.objects.filter(drill=True).exists()  # nothing kept


def test_the_report_in_json_counts_per_zone_and_role_with_its_gaps_in_the_callers_language(dispatcher: User) -> None:
    gappy = gappy_drill()
    desk = client_for(dispatcher)

    found = desk.get(f"{API}/drills/{gappy.drill.code.lower()}/report")

    assert found.status_code == 200, found.content
    body = found.json()
    assert body["drill"]["code"] == gappy.drill.code
    assert body["drill"]["state"] == IncidentState.CONFIRMED
    assert body["scenario"] == "Practice: a checkpoint by the bridge"
    rows = {(row["zone"], row["skill"]): row for row in body["rows"]}
    assert rows["east-durham", "legal-observer"]["median_answer_seconds"] == 210
    assert (rows["walltown", "interpreter"]["answered"], rows["walltown", "interpreter"]["answered_in_time"]) == (1, 0)
    roles = {role["skill"]: role for role in body["roles"]}
    assert roles["interpreter"]["time_to_fill_seconds"] == 1200
    assert roles["licensed-driver"]["time_to_fill_seconds"] is None
    assert [gap["kind"] for gap in body["gaps"]] == [
        "no_answer",
        "no_answer",
        "filled_late",
        "nobody_asked",
        "not_filled",
    ]
    assert "Observadora" not in found.content.decode()  # counts and times, never a name
    spanish = desk.get(f"{API}/drills/{gappy.drill.code}/report", headers={"accept-language": "es"}).json()
    assert spanish["gaps"][0]["message"].startswith("Nadie con el rol de")


def test_outsiders_and_members_get_no_drill(member: User, outsider: User, other_member: User) -> None:
    drilled = drill("reported")
    for user in (member, outsider, other_member):
        client = client_for(user)
        assert client.get(f"{API}/drills").status_code in (403, 404)
        assert client.get(f"{API}/drills/{drilled.code}/report").status_code in (403, 404)
        assert post(client, "/drills", {"type": "checkpoint", "zone": "east-durham"}).status_code in (403, 404)
    assert Client().get(f"{API}/drills").status_code == 401
