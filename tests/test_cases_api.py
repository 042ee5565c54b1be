"""Family-support cases in the JSON API: everything the page does, for its team only (every read audited), in
STYLE.md's one shape; a bond request seen by a fake fund; closing erases the identifiers; bad input 409 or 422."""

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client

from solidarity.accounts.models import User, WorkingGroup
from solidarity.core.bond_models import BondRequest, BondRequestState
from solidarity.core.models import AuditAction, AuditEntry
from solidarity.core.permissions import Role
from solidarity.incidents.case_models import Case, CaseState
from tests.factories.accounts import client_for, make_member
from tests.factories.cases import FakeFund, case_worker, open_case, registered_fund
from tests.factories.incidents import incident_of, report

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture
def fund() -> Iterator[FakeFund]:
    yield from registered_fund()


@pytest.fixture
def desk(dispatcher: User) -> Client:
    return client_for(dispatcher)


def call(client: Client, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    return client.generic(method, API + path, json.dumps(body or {}), content_type="application/json")


def error_of(response: Any) -> dict[str, Any]:
    error: dict[str, Any] = response.json()["error"]
    return error


def reads_of(case: Case) -> int:
    viewed = AuditEntry.objects.filter(action=AuditAction.VIEWED, object_type="incidents.case")
    return sum(str(case.uuid) in entry.object_ids for entry in viewed)


def test_a_case_through_the_api_from_its_incident_to_its_closing(
    desk: Client,
    dispatcher: User,
    rapid_response: WorkingGroup,
    fund: FakeFund,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    incident = incident_of(report("arrest"))

    opened = call(desk, "POST", f"/incidents/{incident.code.lower()}/cases", {"for_whom": "Familia Rosales"})
    assert opened.status_code == 201, opened.content
    code = opened.json()["code"]
    base = f"/cases/{code}"
    assert opened.json()["incident"] == incident.code
    assert opened.json()["team"] == [{"id": str(dispatcher.uuid), "username": dispatcher.username}]

    need = call(desk, "POST", f"{base}/needs", {"kind": "car", "details": "Grey sedan at the Demo Ave lot"})
    assert need.status_code == 201
    assert call(desk, "POST", f"{base}/needs/{need.json()['id']}/met").json()["state"] == "met"
    task = call(desk, "POST", f"{base}/tasks", {"text": "Call the lawyer", "assignee": str(dispatcher.uuid)})
    assert task.status_code == 201
    assert call(desk, "POST", f"{base}/tasks/{task.json()['id']}/done").json()["is_done"] is True
    assert call(desk, "POST", f"{base}/notes", {"text": "Mother reached by phone"}).status_code == 201
    path = {"held_at": "Demo County Detention Center", "bond_status": "set", "bond_amount": "8000.00"}
    assert call(desk, "PUT", f"{base}/legal-path", path).json()["legal_path"]["bond_amount"] == "8000.00"
    hearing = call(desk, "POST", f"{base}/hearings", {"kind": "bond", "on": "2031-06-01", "note": "Courtroom 2"})
    assert hearing.status_code == 201
    mistake = call(desk, "POST", f"{base}/hearings", {"kind": "other", "on": "2031-06-02"})
    assert call(desk, "DELETE", f"{base}/hearings/{mistake.json()['id']}").status_code == 204
    found = call(desk, "PUT", f"{base}/identifiers", {"a_number": "A201-555-017", "name_on_record": "Teo Ficticio"})
    assert found.json()["identifiers"]["a_number"] == "201555017"
    worker = case_worker("cata.caseworker", rapid_response)
    assert call(desk, "POST", f"{base}/team", {"user": str(worker.uuid)}).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        requested = call(desk, "POST", f"{base}/bond-request", {"due_on": "2031-06-03"})
    assert requested.status_code == 201
    assert requested.json()["state"] == "requested"
    assert fund.told == [(BondRequest.objects.get().uuid, "requested")]
    fund.pick_up()

    seen = call(client_for(worker), "GET", base).json()
    assert seen["bond_requests"][0]["state"] == "picked_up"
    assert [item["kind"] for item in seen["hearings"]] == ["bond"]
    assert seen["notes"][0]["text"] == "Mother reached by phone"
    assert error_of(call(desk, "POST", f"{base}/close"))["code"] == "bond_in_progress"
    fund.pay(BondRequest.objects.get().uuid)
    closed = call(desk, "POST", f"{base}/close")

    assert closed.status_code == 200
    assert closed.json()["state"] == "closed"
    assert set(closed.json()["identifiers"].values()) == {""}
    assert BondRequest.objects.get().state == BondRequestState.PAID
    assert error_of(call(desk, "POST", f"{base}/notes", {"text": "late"}))["code"] == "closed"
    mine = call(desk, "GET", "/cases?state=closed").json()
    assert mine["count"] == 1
    assert mine["items"][0]["code"] == code


def test_a_dispatcher_not_on_the_team_gets_404_everywhere(
    dispatcher: User, rapid_response: WorkingGroup, responder: User, outsider: User
) -> None:
    case = open_case(dispatcher)
    need = call(client_for(dispatcher), "POST", f"/cases/{case.code}/needs", {"kind": "food"}).json()["id"]
    base = f"/cases/{case.code}"
    other = client_for(make_member("otra.dispatcher", rapid_response, Role.DISPATCHER))
    before = reads_of(case)

    for method, path in [
        ("GET", base),
        ("PATCH", base),
        ("POST", f"{base}/notes"),
        ("POST", f"{base}/needs/{need}/met"),
        ("PUT", f"{base}/identifiers"),
        ("POST", f"{base}/team"),
        ("POST", f"{base}/close"),
    ]:
        response = call(other, method, path, {"text": "x", "for_whom": "x", "user": str(dispatcher.uuid)})
        assert response.status_code == 404, (method, path)
        assert error_of(response)["code"] == "not_found"
    assert call(other, "GET", "/cases").json() == {"items": [], "count": 0}
    assert call(client_for(responder), "GET", "/cases").status_code == 404
    assert call(client_for(outsider), "GET", base).status_code == 404
    assert call(Client(), "GET", base).status_code == 401
    assert reads_of(case) == before
    assert Case.objects.get().state == CaseState.OPEN


def test_every_read_of_a_case_through_the_api_is_audited(desk: Client, dispatcher: User) -> None:
    case = open_case(dispatcher)
    before = reads_of(case)

    call(desk, "GET", f"/cases/{case.code}")
    call(desk, "GET", f"/cases/{case.code}")

    assert reads_of(case) == before + 2


def test_bad_input_is_a_422_naming_the_field_and_a_state_that_forbids_a_409(
    desk: Client, dispatcher: User, responder: User
) -> None:
    case = open_case(dispatcher)
    base = f"/cases/{case.code}"

    no_amount = call(desk, "PUT", f"{base}/legal-path", {"bond_status": "set"})
    assert no_amount.status_code == 422
    assert "bond_amount" in error_of(no_amount)["fields"]
    bad_a_number = call(desk, "PUT", f"{base}/identifiers", {"a_number": "A12"})
    assert bad_a_number.status_code == 422
    assert "a_number" in error_of(bad_a_number)["fields"]
    not_a_case_worker = call(desk, "POST", f"{base}/team", {"user": str(responder.uuid)})
    assert not_a_case_worker.status_code == 422
    assert "user" in error_of(not_a_case_worker)["fields"]
    assert error_of(call(desk, "POST", f"{base}/bond-request"))["code"] == "no_bond_set"
    assert call(desk, "POST", f"{base}/needs", {"kind": "immigration_status"}).status_code == 422
    assert call(desk, "POST", f"{base}/tasks/00000000-0000-0000-0000-000000000000/done").status_code == 404
    last = call(desk, "DELETE", f"{base}/team/{dispatcher.uuid}")
    assert error_of(last)["code"] == "last_member"
