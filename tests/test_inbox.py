"""The inbox: texts no keyword took, read by hotline takers, answered without showing them the number."""

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from pytest_django.fixtures import Settings

from solidarity.accounts.models import User, WorkingGroup
from solidarity.core.models import AuditAction, AuditEntry
from solidarity.core.permissions import Role
from solidarity.incidents.models import Report, ReportState, Source
from solidarity.lists.models import Subscription, SubscriptionState
from solidarity.messaging import pump
from solidarity.messaging.keywords import HANDLERS, Command
from solidarity.messaging.models import Address, Channel, Inbound, InboundState, Message, State
from solidarity.messaging.sms.loopback import LoopbackBackend
from solidarity.people.models import PersonState
from solidarity.people.services import local_today
from tests.factories.accounts import client_for, make_member
from tests.factories.lists import make_list
from tests.factories.messaging import received
from tests.factories.people import make_person

pytestmark = pytest.mark.django_db

NEIGHBOUR = "+19195550177"  # 555-01xx: fictional


@pytest.fixture
def hotline(rapid_response: WorkingGroup) -> Client:
    return client_for(make_member("dina.dispatcher", rapid_response, Role.DISPATCHER))


@pytest.fixture
def sms_file(settings: Settings, tmp_path: Path) -> Path:
    path = tmp_path / "sms-outbox.jsonl"
    settings.SMS_BACKENDS = [LoopbackBackend(path, "a-long-loopback-token")]
    return path


def text(body: str) -> Inbound:
    return received(body, sender=NEIGHBOUR)


def test_a_dispatcher_reads_the_inbox_without_the_full_number_and_the_reading_is_audited(hotline: Client) -> None:
    inbound = text("La migra está en la esquina de Elm y 5th")

    page = hotline.get("/es/inbox/").content.decode()

    assert "La migra está en la esquina de Elm y 5th" in page
    assert "0177" in page
    assert "9195550177" not in page
    seen = AuditEntry.objects.get(action=AuditAction.VIEWED, object_type="messaging.inbound")
    assert seen.object_ids == [str(inbound.uuid)]
    assert seen.role == Role.DISPATCHER


def test_a_reply_goes_to_the_sender_by_sms(hotline: Client, sms_file: Path) -> None:
    inbound = text("ICE at my door")

    response = hotline.post(f"/en/inbox/{inbound.uuid}/reply/", {"text": "Do not open. A legal observer is coming."})

    assert response.status_code == 302
    pump.drain(Channel.SMS)
    replies = [json.loads(line) for line in sms_file.read_text().splitlines()]
    assert replies[-1] == {**replies[-1], "to": NEIGHBOUR, "body": "Do not open. A legal observer is coming."}


def test_a_reviewed_text_leaves_the_inbox(hotline: Client) -> None:
    inbound = text("hola?")

    hotline.post(f"/en/inbox/{inbound.uuid}/reviewed/")

    inbound.refresh_from_db()
    assert inbound.state == InboundState.REVIEWED
    assert "hola?" not in hotline.get("/en/inbox/").content.decode()
    handled = text("STOP")  # a keyword's text never was in the inbox
    assert hotline.post(f"/en/inbox/{handled.uuid}/reply/", {"text": "x"}).status_code == 404


def test_only_dispatchers_open_the_inbox(rapid_response: WorkingGroup, medics: WorkingGroup) -> None:
    text("help")
    responder = client_for(make_member("rafa.responder", rapid_response, Role.RESPONDER))
    medics_coordinator = client_for(make_member("cori.coordinator", medics, Role.COORDINATOR))

    assert responder.get("/en/inbox/").status_code == 404
    assert medics_coordinator.get("/en/inbox/").status_code == 404
    assert client_for(make_member("otto.outsider", medics)).get("/en/inbox/").status_code == 404


def test_every_dispatcher_reads_the_one_inbox_whichever_group_they_dispatch_for(
    rapid_response: WorkingGroup, medics: WorkingGroup
) -> None:
    text("someone at my door")
    hotline_dispatcher = client_for(make_member("dina.dispatcher", rapid_response, Role.DISPATCHER))
    medics_dispatcher = client_for(make_member("mo.dispatcher", medics, Role.DISPATCHER, Role.COORDINATOR))

    for client in (hotline_dispatcher, medics_dispatcher):
        assert "someone at my door" in client.get("/en/inbox/").content.decode()
    assert "1 text waiting" in medics_dispatcher.get("/en/dashboard/").content.decode()


def test_the_inbox_is_closed_the_moment_the_dispatcher_role_is_revoked(rapid_response: WorkingGroup) -> None:
    from solidarity.accounts.groups import do_revoke_role

    person = make_member("dina.dispatcher", rapid_response, Role.DISPATCHER)
    client = client_for(person)
    inbound = text("hola?")
    assert client.get("/en/inbox/").status_code == 200

    do_revoke_role(rapid_response, person, Role.DISPATCHER, by=None)

    assert client.get("/en/inbox/").status_code == 404
    assert client.post(f"/en/inbox/{inbound.uuid}/reviewed/").status_code == 404


# Opting a number out by hand, and moving a text into the flow it asks for.


def test_a_dispatcher_opts_out_a_number_that_asks_in_words_and_it_is_told_once(hotline: Client) -> None:
    inbound = text("please stop texting me")

    response = hotline.post(f"/en/inbox/{inbound.uuid}/opt-out/")

    assert response.status_code == 302
    assert Address.objects.get().opted_out_at is not None
    inbound.refresh_from_db()
    assert (inbound.state, inbound.command) == (InboundState.REVIEWED, Command.STOP)
    [confirmation] = Message.objects.filter(idempotency_key=f"messaging.reply:{inbound.uuid}:opt-out")
    assert "you are unsubscribed" in confirmation.content["text"]
    assert confirmation.state == State.QUEUED  # it passes the opt-out it confirms
    changed = AuditEntry.objects.filter(action=AuditAction.CHANGED, object_type="messaging.inbound")
    assert {"opted_out": 1} in [entry.detail for entry in changed]
    assert all("9195550177" not in str(entry.detail) for entry in changed)

    hotline.post(f"/en/inbox/{inbound.uuid}/opt-out/")  # twice: no second confirmation
    assert Message.objects.filter(idempotency_key__startswith=f"messaging.reply:{inbound.uuid}:opt-out").count() == 1


def test_a_text_asking_to_join_is_moved_into_the_list_and_leaves_the_inbox(
    hotline: Client, medics: WorkingGroup, coordinator: User
) -> None:
    northside = make_list(medics, coordinator, "northside", keyword="NORTE")
    inbound = text("hola, quiero recibir los avisos del norte")

    page = hotline.get("/es/inbox/").content.decode()
    assert "Unirse a una lista (UNIRSE): escriba la palabra de la lista" in page
    assert "Una persona voluntaria hace una pausa (PAUSA)" in page

    response = hotline.post(f"/en/inbox/{inbound.uuid}/move/", {"command": "join", "argument": "norte"})

    assert response.status_code == 302
    assert Subscription.objects.get(announcement_list=northside).state == SubscriptionState.CONFIRMED
    inbound.refresh_from_db()
    assert (inbound.state, inbound.command) == (InboundState.REVIEWED, Command.JOIN)
    moved = Message.objects.filter(idempotency_key__startswith=f"messaging.reply:{inbound.uuid}:moved")
    assert [message.state for message in moved] == [State.QUEUED]  # the list's answer, in Spanish
    assert "Northside" in moved[0].content["text"]


def test_a_wrong_keyword_or_code_changes_nothing_and_says_why(hotline: Client) -> None:
    inbound = text("join me please")

    response = hotline.post(f"/en/inbox/{inbound.uuid}/move/", {"command": "confirm", "argument": "not a code!"})

    assert response.status_code == 400
    assert "does not read as what follows" in response.content.decode()
    assert "not a code!" in response.content.decode()  # what was typed is kept
    inbound.refresh_from_db()
    assert (inbound.state, inbound.command) == (InboundState.UNMATCHED, Command.UNMATCHED)


@pytest.fixture
def no_report_handler() -> Iterator[None]:
    before = HANDLERS.get(Command.REPORT)
    HANDLERS.unregister(Command.REPORT)
    yield
    if before is not None:
        HANDLERS.register(Command.REPORT, before)


@pytest.mark.usefixtures("no_report_handler")
def test_a_command_nothing_handles_is_not_offered_nor_taken(hotline: Client) -> None:
    inbound = text("I saw vans on Elm")  # as if no part handled REPORT

    assert 'value="report"' not in hotline.get("/en/inbox/").content.decode()
    response = hotline.post(f"/en/inbox/{inbound.uuid}/move/", {"command": "report"})

    assert response.status_code == 400
    inbound.refresh_from_db()
    assert inbound.state == InboundState.UNMATCHED


def test_a_text_moved_into_a_report_is_kept_as_one_and_answered_with_its_reference(hotline: Client) -> None:
    inbound = text("I saw vans on Elm")

    response = hotline.post(f"/en/inbox/{inbound.uuid}/move/", {"command": "report"})

    assert response.status_code == 302
    found = Report.objects.get()
    assert (found.source, found.description, found.state) == (Source.SMS, "I saw vans on Elm", ReportState.NEEDS_ZONE)
    [answer] = Message.objects.filter(idempotency_key__startswith=f"messaging.reply:{inbound.uuid}:moved")
    assert found.code in answer.content["text"]


def test_a_text_from_no_phone_number_is_marked_unanswered_and_acts_on_nothing(hotline: Client) -> None:
    for sender in ("abc", "", "22395"):
        received("STOP", sender=sender)  # were all one empty address, whose STOP opted every such sender out

    page = hotline.get("/en/inbox/").content.decode()

    assert page.count("no phone number") == 3
    assert "ending in" not in page
    assert Inbound.objects.filter(has_usable_sender=False, state=InboundState.UNMATCHED).count() == 3
    assert not Address.objects.exists()
    assert not Message.objects.exists()  # no reply, to nobody
    stranger = Inbound.objects.filter(has_usable_sender=False).first()
    assert stranger is not None
    assert hotline.post(f"/en/inbox/{stranger.uuid}/reply/", {"text": "hola"}).status_code == 302
    assert hotline.post(f"/en/inbox/{stranger.uuid}/opt-out/").status_code == 302
    assert not Message.objects.exists()
    assert not Address.objects.exists()


def test_a_volunteer_who_asks_for_a_break_in_words_is_paused_by_the_taker(hotline: Client) -> None:
    volunteer = make_person("Inés Ejemplo", phones=[NEIGHBOUR], language="es")
    inbound = text("me voy dos semanas, no me manden alertas")

    response = hotline.post(f"/en/inbox/{inbound.uuid}/move/", {"command": "pause", "argument": "14"})

    assert response.status_code == 302
    volunteer.refresh_from_db()
    assert volunteer.state == PersonState.PAUSED
    assert volunteer.paused_until == local_today() + timedelta(days=14)
    [answer] = Message.objects.filter(idempotency_key__startswith=f"messaging.reply:{inbound.uuid}:moved")
    assert "VUELVO" in answer.content["text"]  # the volunteer's own language, and how to come back sooner
