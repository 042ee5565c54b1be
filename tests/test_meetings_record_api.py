"""A meeting's record in the JSON API: proposals and decisions (blocks with reasons, quorum as a 409), the consent
calendar, the minutes with their amendments and publication, action items and one's own; outsiders get 404."""

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from solidarity.accounts.models import User, WorkingGroup
from solidarity.meetings import minutes, services
from solidarity.meetings.models import ActionState, ItemKind, Meeting, ProposalState, Visibility
from tests.factories.accounts import client_for, make_member
from tests.factories.meetings import make_meeting, started

pytestmark = pytest.mark.django_db

API = "/api/v1"


def post(client: Client, path: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(API + path, json.dumps(body or {}), content_type="application/json")


def get(client: Client, path: str) -> Any:
    return client.get(API + path)


@pytest.fixture
def meeting(assembly: WorkingGroup, facilitator: User) -> Meeting:
    return started(make_meeting(assembly, facilitator, visibility=Visibility.GROUP, quorum=2), facilitator)


def test_a_facilitator_puts_a_proposal_and_records_its_decision(meeting: Meeting, facilitator: User) -> None:
    client = client_for(facilitator)
    path = f"/meetings/{meeting.code}/proposals"
    made = post(client, path, {"text_en": "Open a second clinic night", "proposed_by": "Ana"})
    assert made.status_code == 201
    proposal = made.json()
    assert (proposal["state"], proposal["decision"]) == ("open", None)
    assert proposal["item"] == str(meeting.items.get(position=1).uuid)  # the current item

    decision = f"{path}/{proposal['id']}/decision"
    no_reason = post(client, decision, {"present": 12, "blocks": [""]})
    assert no_reason.status_code == 422
    assert no_reason.json()["error"]["fields"]["blocks"]
    no_quorum = post(client, decision, {})  # nobody joined: 0 present, 2 needed
    assert no_quorum.status_code == 409
    assert no_quorum.json()["error"]["code"] == "no_quorum"
    assert "No quorum: 0 present, 2 needed" in no_quorum.json()["error"]["message"]

    recorded = post(client, decision, {"present": 12, "stand_asides": ["Busy that night"], "blocks": []})
    assert recorded.status_code == 201
    body = recorded.json()
    assert (body["passed"], body["how"], body["stand_asides"], body["present_entered"]) == (True, "consensus", 1, True)
    assert body["objections"] == [{"kind": "stand_aside", "reason": "Busy that night"}]
    assert post(client, decision, {"present": 12}).json()["error"]["code"] == "decided"

    listed = get(client, path).json()
    assert listed["count"] == 1
    assert listed["items"][0]["state"] == ProposalState.PASSED
    assert listed["items"][0]["decision"]["passed"] is True
    entries = get(client, f"/meetings/{meeting.code}/minutes").json()["entries"]
    assert entries[0]["kind"] == "decision"
    assert "Open a second clinic night" in entries[0]["text"]


def test_a_consent_calendar_passes_through_the_api(assembly: WorkingGroup, facilitator: User) -> None:
    meeting = make_meeting(assembly, facilitator, items=())
    calendar = services.do_add_item(
        meeting, services.ItemValues("Consent", "", 5, kind=ItemKind.CONSENT), by=facilitator
    )
    client = client_for(facilitator)
    path = f"/meetings/{meeting.code}/proposals"
    first = post(client, path, {"item": str(calendar.uuid), "text_en": "Approve the minutes"}).json()
    second = post(client, path, {"item": str(calendar.uuid), "text_en": "Renew the hall"}).json()
    started(meeting, facilitator)
    alone = post(client, f"{path}/{second['id']}/decision", {"present": 5})
    assert alone.json()["error"]["code"] == "on_consent_calendar"
    assert post(client, f"{path}/{second['id']}/pull").json()["is_pulled"] is True

    passed = post(client, f"/meetings/{meeting.code}/consent-calendar", {"item": str(calendar.uuid), "present": 5})
    assert passed.status_code == 201
    assert passed.json()["count"] == 1
    assert passed.json()["items"][0]["proposal"] == first["id"]


def test_minutes_notes_amendments_and_publication(meeting: Meeting, facilitator: User, assembly: WorkingGroup) -> None:
    client = client_for(facilitator)
    note = post(client, f"/meetings/{meeting.code}/minutes", {"text": "Twelve calls this week"})
    assert note.status_code == 201
    there = make_member("tom.there", assembly)
    services.participant_for(meeting, there)
    early = post(client_for(there), f"/meetings/{meeting.code}/minutes/amendments", {"text": "Fourteen"})
    assert early.json()["error"]["code"] == "window_closed"
    window = post(client, f"/meetings/{meeting.code}/minutes/publish", {"amend_days": 0})
    assert window.json()["amend_days"] == 0
    services.do_set_next_meeting(meeting, timezone.now() + timedelta(days=14), by=facilitator)
    services.do_close_meeting(meeting, by=facilitator)

    published = post(client, f"/meetings/{meeting.code}/minutes/publish", {"audience": "members"})
    assert published.status_code == 200
    assert (published.json()["phase"], published.json()["audience"]) == ("published", "members")
    again = post(client, f"/meetings/{meeting.code}/minutes/publish", {"audience": "members"})
    assert again.json()["error"]["code"] == "not_ready"


def test_an_amendment_is_proposed_and_accepted(meeting: Meeting, facilitator: User, assembly: WorkingGroup) -> None:
    entry = minutes.do_add_note(meeting, "Twelve calls", by=facilitator)
    there = make_member("tom.there", assembly)
    services.participant_for(meeting, there)
    services.do_set_next_meeting(meeting, timezone.now() + timedelta(days=14), by=facilitator)
    services.do_close_meeting(meeting, by=facilitator)

    proposed = post(
        client_for(there),
        f"/meetings/{meeting.code}/minutes/amendments",
        {"text": "Fourteen calls", "entry": str(entry.uuid)},
    )
    assert proposed.status_code == 201
    amendment = proposed.json()["id"]
    assert post(client_for(there), f"/minutes/amendments/{amendment}/accept").status_code == 404  # not a keeper
    accepted = post(client_for(facilitator), f"/minutes/amendments/{amendment}/accept")
    assert accepted.json()["state"] == "accepted"
    entry.refresh_from_db()
    assert entry.text == "Fourteen calls"


def test_action_items_and_my_own(meeting: Meeting, facilitator: User, assembly: WorkingGroup, outsider: User) -> None:
    owner = make_member("oso.owner", assembly)
    client = client_for(facilitator)
    path = f"/meetings/{meeting.code}/action-items"
    made = post(client, path, {"what": "Book the hall", "owner": owner.username, "due_on": "2099-01-10"})
    assert made.status_code == 201
    assert (made.json()["owner"], made.json()["owner_name"]) == ("oso.owner", "oso.owner")
    unknown = post(client, path, {"what": "Nobody", "owner": "nobody.at.all"})
    assert unknown.status_code == 422
    assert "owner" in unknown.json()["error"]["fields"]

    mine = get(client_for(owner), "/action-items").json()
    assert [item["what"] for item in mine["items"]] == ["Book the hall"]
    done = post(client_for(owner), f"{path}/{made.json()['id']}/done")
    assert done.json()["state"] == ActionState.DONE
    assert get(client, f"{path}?state=open").json()["count"] == 0

    # Outsiders: the group's meeting and its record do not exist for them.
    stranger = client_for(outsider)
    assert get(stranger, path).status_code == 404
    assert get(stranger, f"/meetings/{meeting.code}/minutes").status_code == 404
    assert post(stranger, f"/meetings/{meeting.code}/proposals", {"text_en": "x"}).status_code == 404
    assert post(stranger, f"{path}/{made.json()['id']}/done").status_code == 404
    assert get(stranger, "/action-items").json()["count"] == 0
    assert get(Client(), path).status_code == 401
