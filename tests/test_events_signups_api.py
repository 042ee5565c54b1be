"""An action's slots and sign-ups in the JSON API: the same services as the pages, STYLE.md's shapes, 409s with
stable codes, and nothing for outsiders."""

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.test import Client

from solidarity.accounts.models import User, WorkingGroup
from solidarity.events.models import SignUp, SignUpState, Slot
from solidarity.events.signups import do_sign_up
from tests.factories.accounts import client_for
from tests.factories.event_signups import (
    ACTION_AT,
    certified,
    marshal_slot,
    medic_slot,
    monday,
    people,
    phone,
    sent_to,
    the_action,
)
from tests.factories.people import make_person

pytestmark = pytest.mark.django_db

__all__ = ["monday"]  # a fixture, used by name

API = "/api/v1"


def call(client: Client, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    return client.generic(method, API + path, json.dumps(body or {}), content_type="application/json")


def test_organisers_add_change_and_remove_slots(medics: WorkingGroup, coordinator: User, monday: None) -> None:
    action = the_action(medics, coordinator)
    cora = client_for(coordinator)
    body = {
        "role": "medic",
        "skill": "street-medic-basic",
        "starts_at": ACTION_AT.isoformat(),
        "ends_at": (ACTION_AT + timedelta(hours=4)).isoformat(),
        "needed": 4,
    }

    made = call(cora, "POST", f"/actions/{action.code}/slots", body)
    assert made.status_code == 201
    slot = made.json()
    assert (slot["role"], slot["in_pairs"], slot["left"], slot["skill"]) == ("medic", True, 4, "street-medic-basic")
    changed = call(cora, "PATCH", f"/actions/{action.code}/slots/{slot['id']}", {"needed": 6})
    assert changed.json()["needed"] == 6
    listed = call(cora, "GET", f"/actions/{action.code}/slots").json()
    assert listed["count"] == 1
    too_long = body | {"role": "jail_support", "skill": "", "ends_at": (ACTION_AT + timedelta(hours=6)).isoformat()}
    refused = call(cora, "POST", f"/actions/{action.code}/slots", too_long)
    assert refused.status_code == 422
    assert "ends_at" in refused.json()["error"]["fields"]
    assert call(cora, "DELETE", f"/actions/{action.code}/slots/{slot['id']}").status_code == 204
    assert not Slot.objects.exists()


def test_a_lapsed_medic_gets_409_skill_lapsed_and_a_full_slot_409_slot_full(
    medics: WorkingGroup, coordinator: User, medic: User, loopback: Path, monday: None
) -> None:
    action = the_action(medics, coordinator)
    medics_slot = medic_slot(action, coordinator)
    marshals = marshal_slot(action, coordinator, needed=1)
    certified(make_person("Mia", phones=[phone(5)], user=medic), lapsed=True)
    do_sign_up(marshals, people(1)[0], by=None)
    mia = client_for(medic)

    lapsed = call(mia, "POST", f"/actions/{action.code}/slots/{medics_slot.uuid}/sign-ups")
    full = call(mia, "POST", f"/actions/{action.code}/slots/{marshals.uuid}/sign-ups")

    assert (lapsed.status_code, lapsed.json()["error"]["code"]) == (409, "skill_lapsed")
    assert "lapsed" in lapsed.json()["error"]["message"]
    assert (full.status_code, full.json()["error"]["code"]) == (409, "slot_full")


def test_a_member_signs_up_confirms_and_gives_back_and_sees_only_their_own(
    medics: WorkingGroup, coordinator: User, medic: User, loopback: Path, monday: None
) -> None:
    action = the_action(medics, coordinator)
    slot = marshal_slot(action, coordinator)
    do_sign_up(slot, people(1)[0], by=None)
    make_person("Mia", phones=[phone(5)], user=medic)
    mia = client_for(medic)

    made = call(mia, "POST", f"/actions/{action.code}/slots/{slot.uuid}/sign-ups")
    assert made.status_code == 201
    seat = made.json()
    assert seat["state"] == "signed_up"
    assert call(mia, "GET", f"/actions/{action.code}/sign-ups").json()["count"] == 1
    assert call(client_for(coordinator), "GET", f"/actions/{action.code}/sign-ups").json()["count"] == 2
    assert call(mia, "POST", f"/actions/{action.code}/sign-ups/{seat['id']}/confirm").json()["confirmed_at"]
    assert call(mia, "POST", f"/actions/{action.code}/sign-ups/{seat['id']}/cancel").json()["state"] == "cancelled"
    others = SignUp.objects.exclude(uuid=seat["id"]).get()
    assert call(mia, "GET", f"/actions/{action.code}/sign-ups/{others.uuid}").status_code == 404


def test_organisers_sign_a_person_up_check_them_in_and_settle_attendance(
    medics: WorkingGroup, coordinator: User, medic: User, loopback: Path, monday: None
) -> None:
    action = the_action(medics, coordinator)
    slot = marshal_slot(action, coordinator)
    ana, ben = people(2)
    cora = client_for(coordinator)
    made = call(cora, "POST", f"/actions/{action.code}/slots/{slot.uuid}/sign-ups", {"person": str(ana.uuid)})
    assert made.status_code == 201
    assert "you are a marshal" in sent_to(loopback, phone(0))[-1]
    bens = do_sign_up(slot, ben, by=None)
    early = call(cora, "POST", f"/actions/{action.code}/sign-ups/{made.json()['id']}/check-in")
    assert (early.status_code, early.json()["error"]["code"]) == (409, "too_early")
    make_person("Mia", phones=[phone(5)], user=medic)
    by_member = call(
        client_for(medic), "POST", f"/actions/{action.code}/slots/{slot.uuid}/sign-ups", {"person": str(ben.uuid)}
    )
    assert by_member.status_code == 404

    with time_machine.travel(ACTION_AT, tick=False):
        cora = client_for(coordinator)
        checked = call(cora, "POST", f"/actions/{action.code}/sign-ups/{made.json()['id']}/check-in")
        assert checked.json()["checked_in_at"]
        out = call(cora, "POST", f"/actions/{action.code}/sign-ups/{bens.uuid}/check-out")
        assert out.json()["error"]["code"] == "not_checked_in"
    with time_machine.travel(action.ends_at + timedelta(hours=2), tick=False):
        cora = client_for(coordinator)
        settled = call(cora, "POST", f"/actions/{action.code}/attendance", {"overrides": {}})
        assert settled.json() == {"attended": 1, "no_show": 1}
        fixed = call(cora, "POST", f"/actions/{action.code}/sign-ups/{bens.uuid}/attendance", {"attended": True})
        assert fixed.json()["state"] == "attended"
    assert SignUp.objects.filter(state=SignUpState.ATTENDED).count() == 2


def test_the_update_list_opens_and_an_update_goes_out(
    medics: WorkingGroup, coordinator: User, loopback: Path, monday: None
) -> None:
    action = the_action(medics, coordinator)
    do_sign_up(marshal_slot(action, coordinator), people(1)[0], by=None)
    cora = client_for(coordinator)

    early = call(cora, "POST", f"/actions/{action.code}/updates", {"text_en": "Hello"})
    opened = call(cora, "POST", f"/actions/{action.code}/update-list")
    sent = call(cora, "POST", f"/actions/{action.code}/updates", {"text_en": "Rain: bring a coat."})

    assert (early.status_code, early.json()["error"]["code"]) == (409, "no_update_list")
    assert opened.json()["slug"] == f"action-{action.code.lower()}"
    assert (sent.status_code, sent.json()["messages"]) == (201, 1)
    assert "Rain: bring a coat." in sent_to(loopback, phone(0))[-1]


def test_an_outsider_gets_404_on_every_endpoint(
    medics: WorkingGroup, coordinator: User, outsider: User, loopback: Path, monday: None
) -> None:
    action = the_action(medics, coordinator)
    slot = marshal_slot(action, coordinator)
    seat = do_sign_up(slot, people(1)[0], by=None)
    base = f"/actions/{action.code}"
    calls = [
        ("GET", f"{base}/slots"),
        ("POST", f"{base}/slots"),
        ("GET", f"{base}/slots/{slot.uuid}"),
        ("PATCH", f"{base}/slots/{slot.uuid}"),
        ("DELETE", f"{base}/slots/{slot.uuid}"),
        ("GET", f"{base}/sign-ups"),
        ("POST", f"{base}/slots/{slot.uuid}/sign-ups"),
        ("GET", f"{base}/sign-ups/{seat.uuid}"),
        ("POST", f"{base}/sign-ups/{seat.uuid}/cancel"),
        ("POST", f"{base}/sign-ups/{seat.uuid}/confirm"),
        ("POST", f"{base}/sign-ups/{seat.uuid}/check-in"),
        ("POST", f"{base}/sign-ups/{seat.uuid}/check-out"),
        ("POST", f"{base}/sign-ups/{seat.uuid}/attendance"),
        ("POST", f"{base}/attendance"),
        ("POST", f"{base}/update-list"),
        ("POST", f"{base}/updates"),
    ]
    otto = client_for(outsider)

    statuses = [call(otto, method, path).status_code for method, path in calls]

    assert statuses == [404] * len(calls)
    assert SignUp.objects.get().state == SignUpState.SIGNED_UP
