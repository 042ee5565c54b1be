"""Wide alerts and two-person sign-off: a confirmed incident told to the neighbourhood's lists once a second
dispatcher signs, its correction or all clear to exactly those it went to, and a purge two coordinators sign.

The people, lists and numbers are fictional (555-01xx).
"""

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone

from solidarity.accounts.models import User, WorkingGroup
from solidarity.core import approvals
from solidarity.core.models import Approval, ApprovalState, AuditAction, AuditEntry
from solidarity.core.permissions import Role
from solidarity.incidents import purge, wide
from solidarity.incidents.drills import DrillValues, Stage, do_start_drill
from solidarity.incidents.models import Entry, EntryKind, Incident, IncidentState
from solidarity.incidents.services import IncidentError, do_confirm, do_resolve
from solidarity.incidents.timeline import hotline_settings
from solidarity.incidents.wide_models import WideAlert, WideAlertKind, WideAlertState
from solidarity.lists.models import AnnouncementList, Broadcast
from solidarity.messaging.models import Message
from solidarity.messaging.priority import Priority
from tests.factories.accounts import client_for, make_member
from tests.factories.incidents import incident_of, neighbours, report
from tests.factories.lists import make_list, subscriber
from tests.factories.messaging import texts_out, use_loopback
from tests.factories.people import zone

pytestmark = pytest.mark.django_db
API = "/api/v1"
WHERE = "wide-canary: behind the blue church on Alston"


@pytest.fixture
def second(rapid_response: WorkingGroup) -> User:
    return make_member("second-dispatcher", rapid_response, Role.DISPATCHER)


@pytest.fixture
def alert_list(
    rapid_response: WorkingGroup, other_coordinator: User, settings: Any, tmp_path: Path
) -> AnnouncementList:
    """Rapid Response's list, by email and text, set as the hotline's list for wide alerts; texts go to the loopback."""
    use_loopback(settings, tmp_path / "sms-outbox.jsonl")
    made = make_list(
        rapid_response,
        other_coordinator,
        slug="rapid-response-alerts",
        new_zones=("East Durham", "Walltown", "Old West Durham"),
    )
    neighbours("east-durham", "walltown")
    hotline_settings().alert_lists.set([made])
    return made


@pytest.fixture
def confirmed() -> Incident:
    incident = incident_of(report("checkpoint", "east-durham", description="Six agents by the bridge"))
    return do_confirm(incident, by=None, where=WHERE)


def messages_of(broadcasts: list[Broadcast]) -> list[Message]:
    return list(Message.objects.filter(batch__in=[item.batch for item in broadcasts]).order_by("pk"))


def text_of(message: Message) -> str:
    content: dict[str, Any] = message.content
    return str(content.get("text") or content.get("mime"))


def test_a_wide_alert_waits_for_a_second_dispatcher_and_names_areas_only(
    alert_list: AnnouncementList, confirmed: Incident, dispatcher: User, second: User
) -> None:
    # Given subscribers in the incident's zone (Spanish, by text), its neighbour (English, by email) and further out
    east = subscriber(alert_list, "sms", "+19195550171", "es", zone="east-durham")
    walltown = subscriber(alert_list, "email", "walltown-neighbour@example.org", "en", zone="walltown")
    subscriber(alert_list, "sms", "+19195550172", "en", zone="old-west-durham")
    asked = wide.do_ask_wide_alert(confirmed, [zone("east-durham"), zone("walltown")], 3, by=dispatcher)

    # Then nothing goes out before a second person signs, and the one who asked cannot sign
    assert asked.state == WideAlertState.WAITING
    assert not Broadcast.objects.filter(priority=Priority.DIRECT).exists()
    with pytest.raises(IncidentError) as refused:
        wide.do_sign_wide_alert(asked, by=dispatcher)
    assert refused.value.code == "same_person"

    # When a second dispatcher signs
    sent = wide.do_sign_wide_alert(asked, by=second)

    # Then it goes to the subscribers in those zones, each in their language, ahead of announcements
    assert sent.state == WideAlertState.SENT
    assert sent.signed_by == second
    assert sent.recipients == 2
    messages = messages_of(list(sent.broadcasts.all()))
    assert sorted(str(message.to) for message in messages) == sorted([str(east.address), str(walltown.address)])
    assert {message.priority for message in messages} == {Priority.DIRECT}
    spanish = next(message for message in messages if message.channel == "sms")
    assert "confirmada" in text_of(spanish)
    assert "East Durham" in text_of(spanish)
    english = next(message for message in messages if message.channel == "email")
    assert "Walltown" in text_of(english)
    assert "Avoid the area until" in text_of(english)
    # It names areas only: never where responders were sent, nor what a reporter wrote
    for message in messages:
        assert "blue church" not in text_of(message)
        assert "bridge" not in text_of(message)
    steps = [entry.data.get("step") for entry in confirmed.timeline.filter(kind=EntryKind.WIDE)]
    assert steps == ["asked", "sent"]


def test_the_correction_reaches_exactly_those_the_alert_reached_at_the_same_priority(
    alert_list: AnnouncementList, confirmed: Incident, dispatcher: User, second: User, tmp_path: Path
) -> None:
    got_it = subscriber(alert_list, "sms", "+19195550173", "es", zone="east-durham")
    sent = wide.do_sign_wide_alert(
        wide.do_ask_wide_alert(confirmed, [zone("east-durham")], 2, by=dispatcher), by=second
    )
    # A neighbour who subscribes after the alert did not get it, and gets no correction of it
    subscriber(alert_list, "sms", "+19195550174", "en", zone="east-durham")

    correction = wide.do_follow_wide_alert(sent, WideAlertKind.CORRECTION, by=dispatcher)

    messages = messages_of(list(correction.broadcasts.all()))
    assert [str(message.to) for message in messages] == [str(got_it.address)]
    assert messages[0].priority == Priority.DIRECT
    # It reaches them: the alert and then its correction leave through the SMS backend, in their language
    delivered = [text for text in texts_out(tmp_path / "sms-outbox.jsonl") if text["to"] == str(got_it.address)]
    said = [text["body"] for text in delivered if "Evite la zona" in text["body"] or "CORRECCION" in text["body"]]
    assert len(said) == 2
    assert "Evite la zona" in said[0]
    assert "CORRECCION" in said[1]  # GSM-friendly ("CORRECCIÓN" would make it UCS-2: three parts, not two)
    with pytest.raises(IncidentError) as again:
        wide.do_follow_wide_alert(sent, WideAlertKind.CORRECTION, by=second)
    assert again.value.code == "already_sent"
    # The all clear goes to the same people too
    clear = wide.do_follow_wide_alert(sent, WideAlertKind.ALL_CLEAR, by=second)
    assert [str(message.to) for message in messages_of(list(clear.broadcasts.all()))] == [str(got_it.address)]


def test_an_unconfirmed_incident_never_reaches_a_list(
    alert_list: AnnouncementList, dispatcher: User, second: User
) -> None:
    reported = incident_of(report("checkpoint", "east-durham"))
    with pytest.raises(IncidentError) as refused:
        wide.do_ask_wide_alert(reported, [zone("east-durham")], 3, by=dispatcher)
    assert refused.value.code == "not_confirmed"

    # An alert asked while confirmed is not sent once the incident is over
    confirmed = do_confirm(reported, by=None)
    asked = wide.do_ask_wide_alert(confirmed, [zone("east-durham")], 3, by=dispatcher)
    do_resolve(confirmed, by=None)
    with pytest.raises(IncidentError) as late:
        wide.do_sign_wide_alert(asked, by=second)
    assert late.value.code == "not_confirmed"
    assert not Broadcast.objects.filter(priority=Priority.DIRECT).exists()


def test_a_wide_alert_names_only_the_incidents_zone_and_its_neighbours(
    alert_list: AnnouncementList, confirmed: Incident, dispatcher: User
) -> None:
    with pytest.raises(ValidationError) as refused:
        wide.do_ask_wide_alert(confirmed, [zone("old-west-durham")], 3, by=dispatcher)
    assert "zones" in refused.value.message_dict
    with pytest.raises(ValidationError):
        wide.do_ask_wide_alert(confirmed, [zone("east-durham")], 48, by=dispatcher)


def test_an_alert_not_signed_in_time_can_no_longer_be_signed(
    alert_list: AnnouncementList, confirmed: Incident, dispatcher: User, second: User
) -> None:
    asked = wide.do_ask_wide_alert(confirmed, [zone("east-durham")], 1, by=dispatcher)
    with time_machine.travel(timezone.now() + timedelta(hours=2)), pytest.raises(IncidentError) as late:
        wide.do_sign_wide_alert(asked, by=second)
    assert late.value.code == "expired"


def test_refusing_and_withdrawing_send_nothing(
    alert_list: AnnouncementList, confirmed: Incident, dispatcher: User, second: User
) -> None:
    asked = wide.do_ask_wide_alert(confirmed, [zone("east-durham")], 3, by=dispatcher)
    assert wide.do_refuse_wide_alert(asked, by=second).state == WideAlertState.REFUSED
    again = wide.do_ask_wide_alert(confirmed, [zone("east-durham")], 3, by=dispatcher)
    assert wide.do_refuse_wide_alert(again, by=dispatcher).state == WideAlertState.WITHDRAWN
    with pytest.raises(IncidentError):
        wide.do_sign_wide_alert(again, by=second)
    assert not Broadcast.objects.filter(priority=Priority.DIRECT).exists()


def test_the_database_refuses_an_approval_signed_by_the_one_who_asked(dispatcher: User) -> None:
    approval = approvals.do_ask_approval(
        "test.kind", dispatcher.uuid, by=dispatcher.uuid, expires_at=timezone.now() + timedelta(hours=1)
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Approval.objects.filter(pk=approval.pk).update(state=ApprovalState.SIGNED, decided_by=dispatcher.uuid)


def test_wide_alerts_in_the_pages(
    alert_list: AnnouncementList, confirmed: Incident, dispatcher: User, second: User, outsider: User
) -> None:
    subscriber(alert_list, "sms", "+19195550175", "en", zone="east-durham")
    page = client_for(dispatcher).get(f"/en/incidents/{confirmed.code}/")
    assert b"Ask for a second signature" in page.content

    # A zone outside the area is refused with the reason, keeping what was chosen
    bad = client_for(dispatcher).post(
        f"/en/incidents/{confirmed.code}/wide-alerts/", {"zones": ["old-west-durham"], "hours": "3"}
    )
    assert bad.status_code == 400
    asked = client_for(dispatcher).post(
        f"/en/incidents/{confirmed.code}/wide-alerts/", {"zones": ["east-durham"], "hours": "3"}
    )
    assert asked.status_code == 302
    found = WideAlert.objects.get(incident=confirmed)
    mine = client_for(dispatcher).get(f"/en/incidents/{confirmed.code}/")
    assert b"a second dispatcher must sign" in mine.content
    assert b"Sign and send it" not in mine.content
    assert (
        client_for(dispatcher).post(f"/es/incidents/{confirmed.code}/wide-alerts/{found.uuid}/sign/").status_code == 409
    )
    theirs = client_for(second).get(f"/es/incidents/{confirmed.code}/")
    assert b"Firmar y enviar" in theirs.content
    signed = client_for(second).post(f"/en/incidents/{confirmed.code}/wide-alerts/{found.uuid}/sign/")
    assert signed.status_code == 302
    cleared = client_for(second).post(f"/en/incidents/{confirmed.code}/wide-alerts/{found.uuid}/all-clear/")
    assert cleared.status_code == 302
    assert WideAlert.objects.filter(follows=found, kind=WideAlertKind.ALL_CLEAR).count() == 1
    # An outsider gets nothing, and a bad uuid is a 404, never a 500
    assert client_for(outsider).post(f"/en/incidents/{confirmed.code}/wide-alerts/{found.uuid}/sign/").status_code in (
        403,
        404,
    )
    assert client_for(second).post(f"/en/incidents/{confirmed.code}/wide-alerts/not-a-uuid/sign/").status_code == 404


def post(client: Client, path: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(API + path, json.dumps(body or {}), content_type="application/json")


def test_wide_alerts_in_the_api(
    alert_list: AnnouncementList, confirmed: Incident, dispatcher: User, second: User, outsider: User
) -> None:
    subscriber(alert_list, "email", "api-neighbour@example.org", "en", zone="east-durham")
    asked = post(client_for(dispatcher), f"/incidents/{confirmed.code}/wide-alerts", {"zones": ["east-durham"]})
    assert asked.status_code == 201, asked.content
    body = asked.json()
    assert body["state"] == "waiting"
    assert body["zones"] == ["east-durham"]
    assert body["asked_by_me"]
    same = post(client_for(dispatcher), f"/incidents/{confirmed.code}/wide-alerts/{body['id']}/sign")
    assert same.status_code == 409
    assert same.json()["error"]["code"] == "same_person"
    signed = post(client_for(second), f"/incidents/{confirmed.code}/wide-alerts/{body['id']}/sign")
    assert signed.status_code == 200
    assert signed.json()["state"] == "sent"
    assert signed.json()["recipients"] == 1
    corrected = post(client_for(second), f"/incidents/{confirmed.code}/wide-alerts/{body['id']}/correction")
    assert corrected.status_code == 201
    assert corrected.json()["follows"] == body["id"]
    listed = client_for(dispatcher).get(f"{API}/incidents/{confirmed.code}/wide-alerts").json()
    assert [item["kind"] for item in listed["items"]] == ["alert", "correction"]
    assert listed["count"] == 2
    unknown = post(client_for(dispatcher), f"/incidents/{confirmed.code}/wide-alerts", {"zones": ["atlantis"]})
    assert unknown.status_code == 422
    assert "zones" in unknown.json()["error"]["fields"]
    assert post(
        client_for(outsider), f"/incidents/{confirmed.code}/wide-alerts", {"zones": ["east-durham"]}
    ).status_code in (
        403,
        404,
    )


def test_a_purge_needs_two_coordinators(
    alert_list: AnnouncementList,
    confirmed: Incident,
    dispatcher: User,
    second: User,
    coordinator: User,
    other_coordinator: User,
) -> None:
    subscriber(alert_list, "sms", "+19195550176", "en", zone="east-durham")
    sent = wide.do_sign_wide_alert(
        wide.do_ask_wide_alert(confirmed, [zone("east-durham")], 3, by=dispatcher), by=second
    )
    batches = [item.batch for item in sent.broadcasts.all()]
    code = confirmed.code

    # A dispatcher who is no coordinator cannot ask
    assert client_for(second).get(f"/en/incidents/{code}/purge/").status_code in (403, 404)
    # One coordinator asks; they cannot sign their own request
    asked = post(client_for(coordinator), f"/incidents/{code}/purge")
    assert asked.status_code == 201
    assert asked.json()["waiting"]
    assert asked.json()["asked_by_me"]
    own = post(client_for(coordinator), f"/incidents/{code}/purge/sign")
    assert own.status_code == 409
    assert own.json()["error"]["code"] == "same_person"
    assert Incident.objects.filter(code=code).exists()
    page = client_for(other_coordinator).get(f"/en/incidents/{code}/purge/")
    assert b"Sign and purge it now" in page.content

    # A second coordinator signs: it is gone, with its wide alert's broadcasts and every message of them
    signed = client_for(other_coordinator).post(f"/en/incidents/{code}/purge/sign/")
    assert signed.status_code == 302
    assert not Incident.objects.filter(code=code).exists()
    assert not WideAlert.objects.exists()
    assert not Broadcast.objects.filter(priority=Priority.DIRECT).exists()
    assert not Message.objects.filter(batch__in=batches).exists()
    entry = AuditEntry.objects.filter(action=AuditAction.PURGED).get()
    assert entry.actor == str(other_coordinator.uuid)
    assert entry.detail["wide_alerts"] == 1
    assert not Entry.objects.filter(incident__code=code).exists()


def test_a_purge_request_can_be_refused_or_withdrawn(
    confirmed: Incident, coordinator: User, other_coordinator: User
) -> None:
    purge.do_ask_purge(confirmed, by=coordinator)
    with pytest.raises(IncidentError) as twice:
        purge.do_ask_purge(confirmed, by=other_coordinator)
    assert twice.value.code == "already_waiting"
    refused = client_for(other_coordinator).post(f"/en/incidents/{confirmed.code}/purge/refuse/")
    assert refused.status_code == 302
    assert Incident.objects.filter(pk=confirmed.pk, state=IncidentState.CONFIRMED).exists()
    purge.do_ask_purge(confirmed, by=coordinator)
    withdrawn = post(client_for(coordinator), f"/incidents/{confirmed.code}/purge/refuse")
    assert withdrawn.status_code == 200
    assert not withdrawn.json()["waiting"]
    nothing = post(client_for(other_coordinator), f"/incidents/{confirmed.code}/purge/sign")
    assert nothing.status_code == 409
    assert nothing.json()["error"]["code"] == "not_asked"
    steps = [entry.data.get("step") for entry in confirmed.timeline.filter(kind=EntryKind.PURGE)]
    assert steps == ["asked", "refused", "asked", "withdrawn"]


def test_a_drill_never_reaches_a_list(alert_list: AnnouncementList, dispatcher: User) -> None:
    drill = do_start_drill(DrillValues("checkpoint", zone("east-durham"), "Practice", Stage.REPORTED), by=dispatcher)
    confirmed = do_confirm(drill, by=dispatcher)
    with pytest.raises(IncidentError) as refused:
        wide.do_ask_wide_alert(confirmed, [zone("east-durham")], 3, by=dispatcher)
    assert refused.value.code == "drill"
    assert b"Ask for a second signature" not in client_for(dispatcher).get(f"/en/incidents/{drill.code}/").content
