"""Rapid response in the JSON API: what a dispatcher does on the board, a responder's own alert, and the keepers'
requirements and settings; outsiders get nothing, and bad input a 409 or 422, never a 500."""

import json
from collections import Counter
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from ninja import Schema

from solidarity.accounts.models import User
from solidarity.config.api import api
from solidarity.core.models import AuditEntry
from solidarity.incidents import api as incidents_api
from solidarity.incidents.intake import ReportValues, do_take_report
from solidarity.incidents.models import (
    Alert,
    AlertState,
    Entry,
    EntryKind,
    Incident,
    IncidentState,
    NeedState,
    Report,
    ReportState,
    Requirement,
    Source,
)
from solidarity.incidents.services import do_confirm
from solidarity.incidents.timeline import hotline_settings
from solidarity.people.models import Person, Skill
from tests.factories.accounts import client_for
from tests.factories.incidents import incident_of, neighbours, report, responder
from tests.factories.people import make_person, zone

pytestmark = pytest.mark.django_db

API = "/api/v1"


def only(requirements: list[tuple[str, str, int]]) -> None:
    Requirement.objects.all().delete()
    for kind, slug, count in requirements:
        Requirement.objects.create(type=kind, skill=Skill.objects.get(slug=slug), count=count)


def post(client: Client, path: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(API + path, json.dumps(body or {}), content_type="application/json")


def error_of(response: Any) -> dict[str, Any]:
    error: dict[str, Any] = response.json()["error"]
    return error


@pytest.fixture
def desk(dispatcher: User) -> Client:
    return client_for(dispatcher)


@pytest.fixture
def observers() -> list[Person]:
    only([("checkpoint", "legal-observer", 2)])
    return [responder(f"Observadora {n}", "legal-observer", phone=f"+1919555{n:04d}") for n in range(100, 106)]


# Reading.


def test_a_dispatcher_lists_incidents_newest_first_and_filters_them(desk: Client) -> None:
    older = incident_of(report("checkpoint", "east-durham"))
    newer = incident_of(report("home_raid", "walltown"))

    listed = desk.get(f"{API}/incidents").json()
    assert listed["count"] == 2
    assert [item["code"] for item in listed["items"]] == [newer.code, older.code]
    first = listed["items"][0]
    assert (first["type"], first["state"], first["zone"], first["report_count"]) == (
        "home_raid",
        "reported",
        "walltown",
        1,
    )
    assert "+" in first["first_reported_at"] or first["first_reported_at"].endswith("Z")

    assert [i["code"] for i in desk.get(f"{API}/incidents?type=checkpoint").json()["items"]] == [older.code]
    assert [i["code"] for i in desk.get(f"{API}/incidents?zone=walltown").json()["items"]] == [newer.code]
    assert desk.get(f"{API}/incidents?state=confirmed").json()["count"] == 0
    assert desk.get(f"{API}/incidents?state=nonsense").status_code == 422
    assert desk.get(f"{API}/incidents?zone=%00").status_code == 422  # PostgreSQL cannot compare a NUL
    assert desk.get(f"{API}/incidents/KT%0047").status_code == 422
    assert error_of(desk.get(f"{API}/incidents?type=arrest&type=other"))["fields"]["type"]


def test_an_incident_shows_its_needs_and_who_was_asked_by_name_and_reasons_never_a_phone(
    desk: Client, observers: list[Person]
) -> None:
    incident = incident_of(report())

    response = post(desk, f"/incidents/{incident.code.lower()}/confirm", {"where": "Main St and 3rd", "note": "Seen"})

    assert response.status_code == 200, response.content
    found = response.json()
    assert (found["state"], found["where"], found["report_count"]) == ("confirmed", "Main St and 3rd", 1)
    [need] = found["needs"]
    assert (need["skill"], need["count"], need["places"], need["going"], need["asked"]) == (
        "legal-observer",
        2,
        2,
        0,
        4,
    )
    assert (need["state"], need["ring"]) == ("open", 0)
    assert len(found["alerts"]) == 4
    alert = found["alerts"][0]
    assert alert["person"].startswith("Observadora")
    assert alert["reasons"] == {"ring": 0, "zone": "east-durham", "last_asked_days": None, "language_fit": True}
    assert "never asked before" in alert["reasons_text"]
    assert alert["state"] == "asked"
    assert alert["answered_at"] is None
    body = response.content.decode()
    assert "+1919555" not in body
    assert desk.get(f"{API}/incidents/{incident.code}").json() == found


def test_the_timeline_lists_each_entry_oldest_first(desk: Client) -> None:
    incident = incident_of(report())
    assert post(desk, f"/incidents/{incident.code}/notes", {"text": "Caller says two vans"}).status_code == 201

    timeline = desk.get(f"{API}/incidents/{incident.code}/timeline").json()

    assert [item["kind"] for item in timeline["items"]] == ["report", "note"]
    note = timeline["items"][1]
    assert note["text"] == "Caller says two vans"
    assert note["actor"].startswith("user:")
    assert timeline["items"][0]["data"]["count"] == 1


def test_reading_an_incidents_reports_is_audited_and_gives_no_contact(desk: Client, dispatcher: User) -> None:
    made = do_take_report(
        ReportValues(
            type="checkpoint",
            zone=zone("east-durham"),
            description="Agents at the bridge",
            follow_up=True,
            contact="+19195550188",
        ),
        source=Source.WEB,
    )
    incident = incident_of(made)

    response = desk.get(f"{API}/incidents/{incident.code}/reports")

    [item] = response.json()["items"]
    assert (item["code"], item["description"], item["incident"], item["follow_up"]) == (
        made.code,
        "Agents at the bridge",
        incident.code,
        True,
    )
    assert "0188" not in response.content.decode()
    viewed = AuditEntry.objects.filter(action="viewed", object_type="incidents.incident").get()
    assert viewed.actor == str(dispatcher.uuid)
    assert viewed.object_ids == [str(incident.uuid)]


# An incident's verbs.


def test_verifying_then_confirming_then_resolving_calls_the_services_and_a_second_confirm_is_a_conflict(
    desk: Client, observers: list[Person]
) -> None:
    responder("Vera Verificadora", "verifier")
    incident = incident_of(report())

    verifying = post(desk, f"/incidents/{incident.code}/verify").json()
    assert verifying["state"] == "verifying"
    assert [need["purpose"] for need in verifying["needs"]] == ["verify"]
    assert verifying["needs"][0]["skill"] is None

    account = post(desk, f"/incidents/{incident.code}/verifications", {"text": "Six agents, two vans"})
    assert account.status_code == 201
    assert (account.json()["kind"], account.json()["text"]) == ("verification", "Six agents, two vans")

    assert post(desk, f"/incidents/{incident.code}/confirm").json()["state"] == "confirmed"
    again = post(desk, f"/incidents/{incident.code}/confirm")
    assert again.status_code == 409
    assert error_of(again)["code"] == "not_allowed_now"

    moved = post(desk, f"/incidents/{incident.code}/where", {"where": "Behind the school"}).json()
    assert moved["where"] == "Behind the school"
    resolved = post(desk, f"/incidents/{incident.code}/resolve", {"note": "They left"}).json()
    assert resolved["state"] == "resolved"
    assert resolved["closed_at"] is not None
    assert all(alert["state"] not in ("asked", "going") for alert in resolved["alerts"])


def test_false_alarm_unverified_and_stand_down(desk: Client, observers: list[Person]) -> None:
    first, second, third = (incident_of(report(kind)) for kind in ("traffic_stop", "arrest", "checkpoint"))

    assert post(desk, f"/incidents/{first.code}/false-alarm", {"note": "A film shoot"}).json()["state"] == "false_alarm"
    assert post(desk, f"/incidents/{second.code}/unverified").json()["state"] == "unverified"
    assert error_of(post(desk, f"/incidents/{first.code}/unverified"))["code"] == "not_allowed_now"

    assert post(desk, f"/incidents/{third.code}/stand-down").status_code == 409  # reported: nobody is out yet
    post(desk, f"/incidents/{third.code}/confirm")
    stood = post(desk, f"/incidents/{third.code}/stand-down").json()
    assert stood["state"] == "confirmed"
    assert stood["stood_down_at"] is not None
    assert {alert["state"] for alert in stood["alerts"]} == {"stood_down"}


def test_bad_input_to_the_verbs_is_a_422_naming_the_field(desk: Client) -> None:
    incident = incident_of(report())
    path = f"/incidents/{incident.code}"

    assert error_of(post(desk, f"{path}/notes", {"text": "   "}))["fields"]["text"]
    assert error_of(post(desk, f"{path}/notes", {"text": "x" * 2001}))["fields"]["text"]
    assert error_of(post(desk, f"{path}/where", {"where": "x" * 201}))["fields"]["where"]
    assert error_of(post(desk, f"{path}/merge", {"into": "ZZZZ"}))["fields"]["into"]
    assert error_of(post(desk, f"{path}/split", {"reports": ["R-NOPE"]}))["fields"]["reports"]
    assert post(desk, f"{path}/confirm", {"where": 5}).status_code == 422
    refused = desk.post(f"{API}{path}/notes", "[1, 2]", content_type="application/json")
    assert refused.status_code == 400
    assert Entry.objects.filter(incident=incident, kind=EntryKind.NOTE).count() == 0


def test_merging_moves_the_reports_and_splitting_makes_a_new_incident(desk: Client) -> None:
    neighbours("east-durham", "walltown")
    first = report("checkpoint", "east-durham")
    second = report("checkpoint", "walltown")
    incident = incident_of(first)
    assert incident_of(second) == incident

    split = post(desk, f"/incidents/{incident.code}/split", {"reports": [second.code.lower()]})
    assert split.status_code == 201
    made = split.json()
    assert (made["state"], made["zone"], made["report_count"]) == ("reported", "walltown", 1)
    assert error_of(post(desk, f"/incidents/{incident.code}/split", {"reports": [first.code]}))["fields"]["reports"]

    merged = post(desk, f"/incidents/{made['code']}/merge", {"into": incident.code})
    assert merged.status_code == 200
    assert (merged.json()["code"], merged.json()["report_count"]) == (incident.code, 2)
    assert Incident.objects.get(code=made["code"]).state == IncidentState.MERGED
    itself = post(desk, f"/incidents/{incident.code}/merge", {"into": incident.code})
    assert (itself.status_code, error_of(itself)["code"]) == (409, "same_incident")


def test_candidates_rank_an_open_need_with_reasons_and_no_contacts(desk: Client) -> None:
    only([("checkpoint", "legal-observer", 1)])
    neighbours("east-durham", "walltown")
    near = responder("Lola Cerca", "legal-observer", zones=["east-durham"], phone="+19195550177")
    incident = incident_of(report())
    do_confirm(incident, by=None)
    need = incident.needs.get()
    responder("Lalo Lejos", "legal-observer", zones=["walltown"])
    responder("Luz Tambien", "legal-observer", zones=["east-durham"], language="es")

    response = desk.get(f"{API}/incidents/{incident.code}/candidates?need={need.uuid}&limit=5")

    assert response.status_code == 200, response.content
    ranked = response.json()["items"]
    assert response.json()["count"] == 1
    assert [c["display_name"] for c in ranked] == ["Luz Tambien"]  # ring 0 only, and Lola was asked already
    assert ranked[0]["zone"] == "east-durham"
    assert ranked[0]["language_fit"] is False
    assert "never asked before" in ranked[0]["reasons_text"]
    assert near.display_name not in response.content.decode()
    assert (
        desk.get(f"{API}/incidents/{incident.code}/candidates?need=00000000-0000-0000-0000-000000000000").status_code
        == 404
    )
    assert desk.get(f"{API}/incidents/{incident.code}/candidates?need={need.uuid}&limit=0").status_code == 422
    post(desk, f"/incidents/{incident.code}/stand-down")
    closed = desk.get(f"{API}/incidents/{incident.code}/candidates?need={need.uuid}")
    assert (closed.status_code, error_of(closed)["code"]) == (409, "need_not_open")


# Alerts.


def test_a_responder_reads_and_answers_their_own_alert_and_nobody_elses(
    responder: User, other_member: User, dispatcher: User
) -> None:
    only([("checkpoint", "legal-observer", 1)])
    mine = make_person("Rey Respondedor", skills=["legal-observer"], phones=["+19195550199"], user=responder)
    incident = incident_of(report())
    do_confirm(incident, by=None, where="Main St")
    alert = Alert.objects.get(person=mine)
    client = client_for(responder)

    seen = client.get(f"{API}/alerts/{alert.code.lower()}").json()
    assert (seen["incident"], seen["where"], seen["skill"], seen["state"]) == (
        incident.code,
        "Main St",
        "legal-observer",
        "asked",
    )

    going = post(client, f"/alerts/{alert.code}/answer", {"going": True}).json()
    assert (going["answer"], going["alert"]["state"]) == ("going", "going")
    assert post(client, f"/alerts/{alert.code}/answer", {"going": True}).json()["answer"] == "already"
    assert post(client, f"/alerts/{alert.code}/arrived").json()["answer"] == "arrived"
    assert post(client, f"/alerts/{alert.code}/left").json()["alert"]["state"] == "left"
    assert post(client, f"/alerts/{alert.code}/answer", {"going": "maybe"}).status_code == 422

    stranger = client_for(other_member)
    assert stranger.get(f"{API}/alerts/{alert.code}").status_code == 404
    assert post(stranger, f"/alerts/{alert.code}/answer", {"going": False}).status_code == 404
    assert Client().get(f"{API}/alerts/{alert.code}").status_code == 401
    assert client_for(dispatcher).get(f"{API}/alerts/{alert.code}").status_code == 200


def test_a_dispatcher_records_an_answer_given_by_phone_and_an_answer_after_the_end_is_a_conflict(
    desk: Client, observers: list[Person], dispatcher: User
) -> None:
    incident = incident_of(report())
    do_confirm(incident, by=None)
    alert = Alert.objects.filter(incident=incident).order_by("rank").first()
    assert alert is not None

    declined = post(desk, f"/alerts/{alert.code}/answer", {"going": False}).json()

    assert declined["answer"] == "declined"
    entry = Entry.objects.filter(incident=incident, kind=EntryKind.ANSWER).get()
    assert entry.actor == f"user:{dispatcher.uuid}"
    other = Alert.objects.filter(incident=incident, state=AlertState.ASKED).first()
    assert other is not None
    post(desk, f"/incidents/{incident.code}/resolve")
    over = post(desk, f"/alerts/{other.code}/answer", {"going": True})
    assert (over.status_code, error_of(over)["code"]) == (409, "alert_over")
    assert post(desk, f"/alerts/{other.code}/arrived").status_code == 409


# Reports waiting for a person.


def test_a_dispatcher_places_and_dismisses_waiting_reports(desk: Client) -> None:
    texted = do_take_report(ReportValues(type="other", zone=None, description="Agents on 5th"), source=Source.SMS)
    flood = do_take_report(ReportValues(type="arrest", zone=zone("walltown")), source=Source.WEB, for_review=True)
    grouped = report()

    waiting = desk.get(f"{API}/reports").json()
    assert [item["code"] for item in waiting["items"]] == [texted.code, flood.code]
    assert [i["code"] for i in desk.get(f"{API}/reports?state=for_review").json()["items"]] == [flood.code]
    assert grouped.code not in json.dumps(waiting)

    assert error_of(post(desk, f"/reports/{texted.code}/place", {"zone": "atlantis", "type": "checkpoint"}))["fields"][
        "zone"
    ]
    assert post(desk, f"/reports/{texted.code}/place", {"zone": "walltown", "type": "bogus"}).status_code == 422
    placed = post(desk, f"/reports/{texted.code}/place", {"zone": "east-durham", "type": "checkpoint"}).json()
    assert (placed["state"], placed["zone"]) == ("grouped", "east-durham")
    assert placed["incident"] == incident_of(grouped).code

    assert post(desk, f"/reports/{flood.code}/dismiss").json()["state"] == "dismissed"
    again = post(desk, f"/reports/{flood.code}/dismiss")
    assert (again.status_code, error_of(again)["code"]) == (409, "not_waiting")
    assert post(desk, f"/reports/{flood.code}/place", {"zone": "walltown", "type": "arrest"}).status_code == 409
    assert Report.objects.get(pk=flood.pk).state == ReportState.DISMISSED


# Requirements and the hotline's settings.


def test_a_coordinator_sets_what_a_type_needs_and_confirming_follows_it(
    other_coordinator: User, dispatcher: User
) -> None:
    keeper = client_for(other_coordinator)
    before = keeper.get(f"{API}/dispatch-requirements").json()
    assert {
        "type": "checkpoint",
        "skill": "legal-observer",
        "count": 2,
        "within_minutes": None,
        "in_pairs": False,
    } in before["items"]

    rows = {
        "items": [
            {"skill": "street-medic-basic", "count": 3, "in_pairs": True},
            {"skill": "licensed-driver", "count": 1, "within_minutes": 30},
        ]
    }
    response = keeper.put(f"{API}/dispatch-requirements/checkpoint", json.dumps(rows), content_type="application/json")

    assert response.status_code == 200, response.content
    checkpoint = [item for item in response.json()["items"] if item["type"] == "checkpoint"]
    assert checkpoint == [
        {"type": "checkpoint", "skill": "street-medic-basic", "count": 3, "within_minutes": None, "in_pairs": True},
        {"type": "checkpoint", "skill": "licensed-driver", "count": 1, "within_minutes": 30, "in_pairs": False},
    ]
    audited = AuditEntry.objects.get(object_type="incidents.requirement")
    assert audited.detail == {"type": "checkpoint", "skills": ["street-medic-basic", "licensed-driver"]}
    incident = incident_of(report())
    confirmed = post(client_for(dispatcher), f"/incidents/{incident.code}/confirm").json()
    assert {(n["skill"], n["count"], n["places"]) for n in confirmed["needs"]} == {
        ("street-medic-basic", 3, 4),
        ("licensed-driver", 1, 1),
    }


def test_bad_requirements_are_refused_with_the_field(other_coordinator: User) -> None:
    keeper = client_for(other_coordinator)

    def put(path: str, body: object) -> Any:
        return keeper.put(f"{API}/dispatch-requirements/{path}", json.dumps(body), content_type="application/json")

    assert put("invasion", {"items": []}).status_code == 422
    assert error_of(put("checkpoint", {"items": [{"skill": "juggling", "count": 1}]}))["fields"]["items"]
    twice = put("checkpoint", {"items": [{"skill": "verifier", "count": 1}, {"skill": "verifier", "count": 2}]})
    assert error_of(twice)["fields"]["rows"]
    assert put("checkpoint", {"items": [{"skill": "verifier", "count": 21}]}).status_code == 422
    assert put("checkpoint", {"items": [{"skill": "verifier", "count": 1, "within_minutes": 0}]}).status_code == 422
    assert Requirement.objects.filter(type="checkpoint", skill__slug="verifier").count() == 0
    assert put("arrest", {"items": []}).json()["count"] == Requirement.objects.count()
    assert not Requirement.objects.filter(type="arrest").exists()


def test_the_hotline_settings_are_read_and_changed_by_their_keepers(other_coordinator: User) -> None:
    keeper = client_for(other_coordinator)
    assert keeper.get(f"{API}/hotline-settings").json()["verifier_skills"] == ["legal-observer", "verifier"]

    def patch(body: object) -> Any:
        return keeper.patch(f"{API}/hotline-settings", json.dumps(body), content_type="application/json")

    changed = patch({"ring_minutes": 7, "verifier_skills": ["verifier"]})
    assert changed.status_code == 200, changed.content
    assert (changed.json()["ring_minutes"], changed.json()["verifier_skills"]) == (7, ["verifier"])
    assert hotline_settings().ring_minutes == 7
    assert AuditEntry.objects.get(object_type="incidents.hotlinesettings").detail == {
        "fields": ["ring_minutes", "verifier_skills"]
    }
    assert patch({"ring_minutes": 0}).status_code == 422
    assert patch({"over_ask_percent": 501}).status_code == 422
    assert error_of(patch({"verifier_skills": ["juggling"]}))["fields"]["verifier_skills"]
    assert patch({}).json()["ring_minutes"] == 7


# Outsiders.

READS = [
    "/incidents",
    "/incidents/{incident}",
    "/incidents/{incident}/timeline",
    "/incidents/{incident}/reports",
    "/incidents/{incident}/candidates?need={need}",
    "/alerts/{alert}",
    "/reports",
]
VERBS = [
    "/incidents/{incident}/verify",
    "/incidents/{incident}/confirm",
    "/incidents/{incident}/false-alarm",
    "/incidents/{incident}/unverified",
    "/incidents/{incident}/resolve",
    "/incidents/{incident}/stand-down",
    "/incidents/{incident}/notes",
    "/incidents/{incident}/where",
    "/incidents/{incident}/verifications",
    "/incidents/{incident}/merge",
    "/incidents/{incident}/split",
    "/alerts/{alert}/answer",
    "/alerts/{alert}/arrived",
    "/alerts/{alert}/left",
    "/reports/{report}/place",
    "/reports/{report}/dismiss",
]


def test_outsiders_and_other_groups_get_nothing_and_change_nothing(
    outsider: User, other_member: User, medic: User, observers: list[Person]
) -> None:
    incident = incident_of(report())
    do_confirm(incident, by=None)
    alert = Alert.objects.filter(incident=incident).first()
    need = incident.needs.get()
    waiting = do_take_report(ReportValues(type="other", zone=None), source=Source.SMS)
    names = {"incident": incident.code, "alert": alert.code if alert else "", "report": waiting.code, "need": need.uuid}
    entries = Entry.objects.count()

    for caller in (client_for(outsider), client_for(other_member), client_for(medic)):
        for path in READS:
            assert caller.get(API + path.format(**names)).status_code == 404, path
        for path in VERBS:
            assert post(caller, path.format(**names), {"text": "x", "going": True}).status_code == 404, path
        assert caller.get(f"{API}/dispatch-requirements").status_code == 404
        assert caller.get(f"{API}/hotline-settings").status_code == 404
        assert caller.patch(f"{API}/hotline-settings", "{}", content_type="application/json").status_code == 404
    anonymous = Client()
    for path in READS:
        assert anonymous.get(API + path.format(**names)).status_code == 401, path
    for path in VERBS:
        assert post(anonymous, path.format(**names)).status_code == 401, path
    assert (
        anonymous.put(f"{API}/dispatch-requirements/checkpoint", "{}", content_type="application/json").status_code
        == 401
    )

    assert Entry.objects.count() == entries
    assert Incident.objects.get(pk=incident.pk).state == IncidentState.CONFIRMED
    assert incident.needs.get().state == NeedState.OPEN


def test_the_openapi_document_lists_every_incidents_operation_with_a_summary_and_permission() -> None:
    document = api.get_openapi_schema()
    operations = {
        (method.upper(), path.removeprefix("/api/v1")): operation
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if "incidents" in operation.get("tags", [])
    }

    expected = {
        ("GET", "/incidents"),
        ("GET", "/incidents/{incident}"),
        ("GET", "/incidents/{incident}/timeline"),
        ("GET", "/incidents/{incident}/reports"),
        ("GET", "/incidents/{incident}/candidates"),
        ("GET", "/alerts/{alert}"),
        ("GET", "/reports"),
        ("GET", "/dispatch-requirements"),
        ("PUT", "/dispatch-requirements/{type}"),
        ("GET", "/hotline-settings"),
        ("PATCH", "/hotline-settings"),
        *(("POST", path) for path in VERBS),
    }
    assert expected <= set(operations)
    for key, operation in operations.items():
        assert operation.get("summary"), key
        assert "Permission: " in operation.get("description", ""), key
    assert 409 in operations[("POST", "/incidents/{incident}/confirm")]["responses"]
    assert 201 in operations[("POST", "/incidents/{incident}/split")]["responses"]


def test_the_incident_list_and_an_incident_read_a_fixed_number_of_queries(desk: Client) -> None:
    only([("checkpoint", "legal-observer", 1)])
    for n in range(2):
        responder(f"Observadora {n}", "legal-observer")
    first = incident_of(report("checkpoint"))
    do_confirm(first, by=None)

    def queries(path: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert desk.get(API + path).status_code == 200
        return len(captured)

    one_incident, one_needs_alerts = queries("/incidents"), queries(f"/incidents/{first.code}")
    for kind in ("arrest", "home_raid", "traffic_stop"):
        incident_of(report(kind))
    for n in range(4):
        responder(f"Vera {n}", "verifier")
    Requirement.objects.create(type="checkpoint", skill=Skill.objects.get(slug="verifier"), count=2)
    second = incident_of(report("checkpoint", "old-west"))
    neighbours("old-west", "east-durham")
    do_confirm(second, by=None)
    assert second.needs.count() == 2
    assert second.alerts.count() > first.alerts.count()

    assert queries("/incidents") == one_incident
    assert queries(f"/incidents/{second.code}") == one_needs_alerts


def test_no_other_part_has_a_schema_of_the_same_name_as_the_incidents() -> None:
    """The document names a schema by its class: with two of one name, one part is checked against the other's."""
    api.get_openapi_schema()  # every part's API module is imported

    def every(cls: type[Schema]) -> list[type[Schema]]:
        return [cls, *(found for sub in cls.__subclasses__() for found in every(sub))]

    ours = {schema for schema in every(Schema) if schema.__module__.startswith("solidarity.")}
    names = Counter(schema.__name__ for schema in ours)
    incidents = {schema.__name__ for schema in ours if schema.__module__ == incidents_api.__name__}
    assert "IncidentReportOut" in incidents
    assert [name for name in sorted(incidents) if names[name] > 1] == []
