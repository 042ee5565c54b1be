"""Jail support in the JSON API: the board (arrests, advance, criminal bail, withdraw, end of support), one's own
arrest plan, the leads' list of plans, the leads themselves; 404 for anyone the board is not for, stable codes.

Support names, places and numbers are fictional (555-01xx)."""

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from solidarity.accounts.models import User, WorkingGroup
from solidarity.core.models import AuditEntry
from solidarity.core.permissions import Role
from solidarity.events.jail import do_set_jail_leads
from solidarity.events.models import Action, ArrestPlan
from solidarity.funds.models import Category, Disbursement, FundKind
from tests.factories.accounts import add_totp, client_for, make_member, make_user
from tests.factories.events import published_action
from tests.factories.funds import make_fund
from tests.factories.people import make_person

pytestmark = pytest.mark.django_db
API = "/api/v1"


def call(client: Client, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    return client.generic(method, API + path, json.dumps(body or {}), content_type="application/json")


@pytest.fixture
def action(medics: WorkingGroup, coordinator: User) -> Action:
    return published_action(medics, coordinator)


@pytest.fixture
def lead(rapid_response: WorkingGroup) -> User:
    user = make_member("lu.lead", rapid_response, Role.MEMBER)
    add_totp(user)
    return user


def test_the_board_in_the_api(
    action: Action,
    coordinator: User,
    funds: WorkingGroup,
    treasurer: User,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    make_fund(funds, treasurer, "Medical and Legal Fund", kind=FundKind.MEDICAL_LEGAL)
    cora = client_for(coordinator)
    base = f"/actions/{action.code}/arrests"
    made = [
        call(cora, "POST", base, {"support_name": name, "arrested_at": timezone.now().isoformat(), "needs_ride": True})
        for name in ("Sparrow", "Heron")
    ]
    assert [answer.status_code for answer in made] == [201, 201]
    sparrow = made[0].json()
    assert sparrow["state"] == "arrested"
    assert sparrow["bail"] is None
    assert sparrow["has_plan"] is None
    one = f"{base}/{sparrow['id']}"

    refused = call(cora, "POST", f"{one}/advance", {})
    assert refused.status_code == 422
    assert "where" in refused.json()["error"]["fields"]
    located = call(cora, "POST", f"{one}/advance", {"where": "Fictional County Jail"}).json()
    assert located["state"] == "located"
    assert located["where"] == "Fictional County Jail"
    changed = call(cora, "PATCH", one, {"note": "Asthma", "needs_medicine": True}).json()
    assert changed["note"] == "Asthma"
    assert changed["needs_medicine"]
    assert changed["needs_ride"]

    with django_capture_on_commit_callbacks(execute=True):
        bailed = call(cora, "POST", f"{one}/bail", {"cents": 75_000, "payer_note": "Window 3"})
    assert bailed.status_code == 200
    assert bailed.json()["bail"]["state"] == "requested"
    picked = call(cora, "GET", one).json()["bail"]  # the fund picked it up once the request committed
    assert picked["state"] == "picked_up"
    assert picked["cents"] == 75_000
    assert Disbursement.objects.get(serves_reference=sparrow["id"]).category == Category.BAIL
    again = call(cora, "POST", f"{one}/bail", {"cents": 100})
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "bail_live"
    assert call(cora, "POST", f"{one}/bail", {"cents": 0}).status_code == 422
    with django_capture_on_commit_callbacks(execute=True):
        withdrawn = call(cora, "POST", f"{one}/bail/withdraw")
    assert withdrawn.json()["bail"]["state"] == "withdrawn"
    assert call(cora, "POST", f"{one}/bail/withdraw").json()["error"]["code"] == "no_bail_request"

    early = call(cora, "POST", f"{one}/end-support")
    assert early.status_code == 409
    assert early.json()["error"]["code"] == "not_released"
    call(cora, "POST", f"{one}/advance")
    assert call(cora, "POST", f"{one}/advance").json()["state"] == "released"
    over = call(cora, "POST", f"{one}/advance")
    assert over.status_code == 409
    assert over.json()["error"]["code"] == "released"
    assert call(cora, "POST", f"{one}/end-support").json()["support_ended_at"]

    board = call(cora, "GET", base).json()
    assert board["count"] == 1
    assert board["items"][0]["support_name"] == "Heron"
    assert call(cora, "GET", base + "?ended=true").json()["count"] == 1
    assert AuditEntry.objects.filter(object_type="events.jail_board", action="viewed").count() == 3


def test_plans_in_the_api_only_for_the_leads(action: Action, coordinator: User, lead: User, medic: User) -> None:
    user = make_user("pat.participant")
    make_person("Pat Ejemplo", user=user, windows=())
    mine = client_for(user)
    path = f"/actions/{action.code}/arrest-plan"
    assert call(mine, "GET", path).json() == {"plan": None, "may_change": True}
    saved = call(mine, "PUT", path, {"support_name": "Wren", "medication": "Insulin"})
    assert saved.status_code == 200
    assert saved.json()["plan"]["medication"] == "Insulin"
    assert call(mine, "PUT", path, {"support_name": ""}).status_code == 422

    do_set_jail_leads(action, [lead], by=coordinator)
    plans = f"/actions/{action.code}/arrest-plans"
    for refused in (coordinator, medic, user):
        assert call(client_for(refused), "GET", plans).status_code == 404
    listed = call(client_for(lead), "GET", plans).json()
    assert listed["count"] == 1
    assert listed["items"][0]["medication"] == "Insulin"
    assert AuditEntry.objects.filter(object_type="events.arrestplan", action="viewed").count() == 1

    no_record = call(client_for(coordinator), "PUT", path, {"support_name": "Kestrel"})
    assert no_record.status_code == 409
    assert no_record.json()["error"]["code"] == "no_person_record"
    assert call(mine, "DELETE", path).status_code == 204
    assert not ArrestPlan.objects.exists()


def test_leads_in_the_api(action: Action, coordinator: User, lead: User, medic: User) -> None:
    cora = client_for(coordinator)
    path = f"/actions/{action.code}/jail-leads"
    assert call(cora, "GET", path).json() == {"items": [], "count": 0}
    named = call(cora, "PUT", path, {"leads": [str(lead.uuid)]})
    assert named.status_code == 200
    assert named.json()["items"][0]["username"] == "lu.lead"
    lacking = call(cora, "PUT", path, {"leads": [str(medic.uuid)]})
    assert lacking.status_code == 422
    assert lacking.json()["error"]["fields"]["leads"]
    assert call(cora, "PUT", path, {"leads": [str(lead.uuid)] * 3}).status_code == 422
    assert call(client_for(medic), "GET", path).status_code == 404


def test_nobody_else_reaches_jail_support_in_the_api(
    action: Action, coordinator: User, outsider: User, other_coordinator: User, medic: User
) -> None:
    arrest = call(
        client_for(coordinator),
        "POST",
        f"/actions/{action.code}/arrests",
        {"support_name": "Sparrow", "arrested_at": timezone.now().isoformat()},
    ).json()
    one = f"/actions/{action.code}/arrests/{arrest['id']}"
    paths = [
        ("GET", f"/actions/{action.code}/arrests"),
        ("POST", f"/actions/{action.code}/arrests"),
        ("GET", one),
        ("PATCH", one),
        ("POST", f"{one}/advance"),
        ("POST", f"{one}/bail"),
        ("POST", f"{one}/bail/withdraw"),
        ("POST", f"{one}/end-support"),
        ("GET", f"/actions/{action.code}/arrest-plans"),
        ("GET", f"/actions/{action.code}/jail-leads"),
        ("PUT", f"/actions/{action.code}/jail-leads"),
    ]
    for user in (outsider, other_coordinator, medic):
        for method, path in paths:
            answer = call(client_for(user), method, path)
            assert answer.status_code == 404, (user.username, method, path)
            assert answer.json()["error"]["code"] == "not_found"
    for method in ("GET", "PUT", "DELETE"):
        assert call(client_for(outsider), method, f"/actions/{action.code}/arrest-plan").status_code == 404
    assert call(Client(), "GET", f"/actions/{action.code}/arrests").status_code == 401
