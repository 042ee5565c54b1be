"""Trainings in the JSON API and on the pages: who may do what, and the same steps as the pages."""

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from solidarity.accounts.models import User, WorkingGroup
from solidarity.core.models import AuditEntry
from solidarity.people.models import Certification
from solidarity.trainings.models import Session, SignUp, SignUpState
from tests.factories.accounts import client_for, make_member
from tests.factories.people import make_person, skill

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=NEW_YORK)
START = datetime(2026, 3, 10, 18, 0, tzinfo=NEW_YORK)
SESSION = {
    "title_en": "Know your rights",
    "title_es": "Conozca sus derechos",
    "starts_at": START.isoformat(),
    "ends_at": (START + timedelta(hours=2)).isoformat(),
    "place": "Union hall",
    "capacity": 1,
    "skill": "naloxone",
}


@pytest.fixture(autouse=True)
def monday() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def create(client: Client, **changes: object) -> dict[str, object]:
    response = client.post(
        "/api/v1/groups/street-medics-committee/trainings", {**SESSION, **changes}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    return dict(response.json())


def test_a_coordinator_schedules_edits_and_cancels_and_others_find_nothing(
    coordinator: User, medic: User, other_coordinator: User, medics: WorkingGroup, loopback: Path
) -> None:
    mine = client_for(coordinator)
    made = create(mine)
    path = f"/api/v1/trainings/sessions/{made['id']}"
    assert (made["skill"], made["capacity"], made["state"]) == ("naloxone", 1, "scheduled")

    theirs = client_for(other_coordinator)
    assert theirs.get(path).status_code == 404  # not public, not their group
    assert theirs.post(f"{path}/cancel").status_code == 404
    assert client_for(medic).get(path).status_code == 200  # a member of the group sees it
    assert client_for(medic).put(path, SESSION, content_type="application/json").status_code == 404
    assert Client().get(path).status_code == 401
    bad = mine.post(
        "/api/v1/groups/street-medics-committee/trainings",
        {**SESSION, "title_en": "", "title_es": ""},
        content_type="application/json",
    )
    assert (bad.status_code, bad.json()["error"]["code"]) == (422, "invalid_input")
    assert "title_en" in bad.json()["error"]["fields"]

    changed = mine.put(path, {**SESSION, "capacity": 3, "is_public": True}, content_type="application/json")
    assert (changed.status_code, changed.json()["capacity"]) == (200, 3)
    public = Client().get("/api/v1/trainings/public").json()["items"]
    assert [item["title"] for item in public] == ["Know your rights"]
    assert "facilitator" not in public[0]

    cancelled = mine.post(f"{path}/cancel")
    assert cancelled.json()["state"] == "cancelled"
    assert mine.put(path, SESSION, content_type="application/json").status_code == 409


def test_sign_ups_by_oneself_and_by_a_manager_and_attendance_grants_the_skill(
    coordinator: User, medic: User, medics: WorkingGroup, loopback: Path
) -> None:
    made = create(client_for(coordinator))
    path = f"/api/v1/trainings/sessions/{made['id']}"
    medics_record = make_person("Mia", phones=["+19195550161"], user=medic)
    other = make_person("Tomas", phones=["+19195550162"])

    own = client_for(medic).post(f"{path}/sign-ups", {"food": "Vegan"}, content_type="application/json")
    assert (own.status_code, own.json()["state"]) == (201, "seat")
    named = client_for(medic).post(f"{path}/sign-ups", {"person": str(other.uuid)}, content_type="application/json")
    assert named.status_code == 404  # only managers sign someone else up
    by_manager = client_for(coordinator).post(
        f"{path}/sign-ups", {"person": str(other.uuid)}, content_type="application/json"
    )
    assert (by_manager.status_code, by_manager.json()["state"]) == (201, "waiting")

    assert client_for(medic).get(f"{path}/sign-ups").status_code == 404
    listed = client_for(coordinator).get(f"{path}/sign-ups").json()["items"]
    assert [(item["display_name"], item["state"]) for item in listed] == [("Mia", "seat"), ("Tomas", "waiting")]

    gone = client_for(medic).delete(f"{path}/sign-ups/{own.json()['id']}")
    assert gone.status_code == 204
    assert SignUp.objects.get(person=other).state == SignUpState.SEAT  # promoted at once
    assert client_for(medic).delete(f"{path}/sign-ups/{by_manager.json()['id']}").status_code == 404

    attendance = f"{path}/sign-ups/{by_manager.json()['id']}/attendance"
    early = client_for(coordinator).put(attendance, {"state": "attended"}, content_type="application/json")
    assert (early.status_code, early.json()["error"]["code"]) == (409, "not_markable")
    with time_machine.travel(START, tick=False):
        marked = client_for(coordinator).put(attendance, {"state": "attended"}, content_type="application/json")
        assert marked.json()["state"] == "attended"
        assert client_for(medic).put(attendance, {"state": "seat"}, content_type="application/json").status_code == 404
    certification = Certification.objects.get(person=other, skill=skill("naloxone"))
    assert certification.source == f"training:{made['id']}"
    assert medics_record.training_sign_ups.get().state == SignUpState.CANCELLED


def test_the_pages_for_a_member_a_manager_and_the_door(
    coordinator: User, medic: User, other_member: User, medics: WorkingGroup, loopback: Path
) -> None:
    created = client_for(coordinator).post(
        "/en/groups/street-medics-committee/trainings/new/",
        {
            "title_en": "Street medic basics",
            "kind": "class",
            "skill": "naloxone",
            "starts_at": "2026-03-10T18:00",
            "ends_at": "2026-03-10T20:00",
            "place": "Library",
            "capacity": "1",
            "language": "both",
            "asks_food": "on",
        },
    )
    assert created.status_code == 302
    session = Session.objects.get()
    assert session.starts_at == START
    dashboard = client_for(medic).get("/en/dashboard/").text
    assert "Street medic basics" in dashboard
    assert "Schedule a training" not in dashboard
    assert "Street medic basics" not in client_for(other_member).get("/en/dashboard/").text
    page = f"/en/trainings/sessions/{session.uuid}/"
    assert client_for(other_member).get(page).status_code == 404
    assert client_for(medic).get(f"{page}sign-ups/").status_code == 404
    assert client_for(medic).get(f"{page}edit/").status_code == 404

    make_person("Mia", phones=["+19195550161"], user=medic)
    client_for(medic).post(f"{page}sign-up/", {"food": "No nuts"})
    sign_up = SignUp.objects.get()
    assert (sign_up.state, str(sign_up.food)) == (SignUpState.SEAT, "No nuts")
    assert "You have a seat." in client_for(medic).get(page).text

    door = client_for(coordinator).get(f"{page}sign-ups/")
    assert "Mia" in door.text
    assert "No nuts" in door.text  # what the managers plan the food with
    assert 'name="mark" value="attended"' not in door.text  # the buttons wait for the day
    assert "two hours before the start" in door.text
    with time_machine.travel(START - timedelta(hours=1), tick=False):
        assert 'name="mark" value="attended"' in client_for(coordinator).get(f"{page}sign-ups/").text
    viewed = AuditEntry.objects.filter(object_type="trainings.signup", action="viewed").latest("seq")
    assert viewed.object_ids == [str(session.uuid), str(sign_up.uuid)]
    assert viewed.actor == str(coordinator.uuid)
    with time_machine.travel(START, tick=False):
        client_for(coordinator).post(f"{page}sign-ups/{sign_up.uuid}/mark/", {"mark": "attended"})
    sign_up.refresh_from_db()
    assert sign_up.state == SignUpState.ATTENDED
    with time_machine.travel(START, tick=False):
        client_for(coordinator).post(f"{page}sign-ups/{sign_up.uuid}/mark/", {"mark": "undo"})
    sign_up.refresh_from_db()
    assert sign_up.state == SignUpState.SEAT

    client_for(medic).post(f"{page}give-back/")
    sign_up.refresh_from_db()
    assert sign_up.state == SignUpState.CANCELLED


def test_a_roster_keeper_of_the_group_manages_its_trainings(medics: WorkingGroup, coordinator: User) -> None:
    from solidarity.people.access import ROSTER_KEEPER

    keeper = make_member("kim.keeper", medics, ROSTER_KEEPER)
    made = create(client_for(coordinator))
    assert client_for(keeper).get(f"/en/trainings/sessions/{made['id']}/sign-ups/").status_code == 200


def test_the_calendar_feeds(coordinator: User, medics: WorkingGroup) -> None:
    made = create(client_for(coordinator), is_public=True)
    feed = Client().get("/en/trainings/calendar.ics")
    assert feed["Content-Type"].startswith("text/calendar")
    assert b"SUMMARY:Know your rights" in feed.content
    assert b"LOCATION:Union hall" in feed.content
    one = Client().get(f"/es/trainings/{made['id']}/session.ics")
    assert b"SUMMARY:Conozca sus derechos" in one.content
    hidden = create(client_for(coordinator), is_public=False)
    assert Client().get(f"/en/trainings/{hidden['id']}/session.ics").status_code == 404
