"""Meetings' pages: making a meeting and its agenda, running it from the run page, a guest joining with the
code and asking to speak from a phone, the projector, the names a screen may ask for, and who sees nothing."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from pytest_django import DjangoAssertNumQueries

from solidarity.accounts.models import User, WorkingGroup
from solidarity.meetings import services, stack
from solidarity.meetings.models import Duty, ItemKind, Lane, Meeting, State, Turn, TurnState, Visibility
from tests.factories.accounts import client_for
from tests.factories.meetings import guest, make_meeting, started

pytestmark = pytest.mark.django_db


def url(name: str, meeting: Meeting, language: str = "en", **kwargs: str) -> str:
    with translation.override(language):
        return reverse(f"meetings:{name}", kwargs={"meeting": meeting.code, **kwargs})


def test_a_facilitator_makes_a_meeting_and_writes_its_agenda_with_a_break_and_a_report_back(
    assembly: WorkingGroup, facilitator: User, rapid_response: WorkingGroup
) -> None:
    client = client_for(facilitator)
    starts = (timezone.localtime() + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
    form = {
        "title_en": "General assembly",
        "title_es": "Asamblea general",
        "kind": "assembly",
        "starts_at": starts,
        "place": "Union hall",
        "language": "both",
        "visibility": "public",
        "is_open": "on",
        "rule": "consensus",
        "fallback_percent": "75",
        "minus_blocks": "1",
        "quorum": "20",
        "turn_seconds": "120",
    }
    response = client.post(reverse("meetings:create", kwargs={"group": assembly.slug}), form)
    meeting = Meeting.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("agenda", meeting)

    agenda = url("agenda", meeting)
    client.post(agenda, {"kind": "item", "title_en": "Welcome", "minutes": "10"})
    client.post(agenda, {"kind": "break", "minutes": "5"})
    client.post(agenda, {"kind": "report", "group": rapid_response.slug, "minutes": "15"})
    bad = client.post(agenda, {"kind": "item", "minutes": "500"})
    assert bad.status_code == 400
    assert "Between 1 and 240 minutes" in bad.content.decode() or "Ensure this value" in bad.content.decode()
    assert [item.kind for item in meeting.items.all()] == [ItemKind.ITEM, ItemKind.BREAK, ItemKind.REPORT]
    assert meeting.items.get(kind=ItemKind.REPORT).title("es") == "Informe: Rapid Response"

    client.post(url("roles", meeting), {Duty.STACK_KEEPER: facilitator.username})
    assert meeting.roles.get().user == facilitator

    page = client.get(url("meeting", meeting)).content.decode()
    assert "Welcome" in page
    assert "30 minutes planned" in page
    assert "TURNO " + meeting.code in page
    spanish = client.get(url("meeting", meeting, "es")).content.decode()
    assert "Informe: Rapid Response" in spanish
    assert "minutos" in spanish


def test_a_guest_joins_with_the_code_and_asks_to_speak_and_the_keeper_calls_them(
    assembly: WorkingGroup, facilitator: User
) -> None:
    meeting = started(make_meeting(assembly, facilitator), facilitator)
    phone = Client()

    assert phone.get(reverse("meetings-live:short", kwargs={"meeting": meeting.code})).status_code == 302
    asked = phone.post(url("ask-turn", meeting), {"lane": "main"})
    assert asked["Location"] == url("join", meeting)  # the name first
    joined = phone.post(url("join", meeting), {"name": "Ana Caracol"})
    assert joined.status_code == 302
    phone.post(url("ask-turn", meeting), {"lane": "main"})
    live = phone.get(url("live", meeting)).content.decode()
    assert "You are next." in live
    assert "Ana Caracol" in live

    keeper = client_for(facilitator)
    keeper.post(url("act", meeting, run_verb="next-speaker"))
    assert "It is your turn to speak." in phone.get(url("live", meeting)).content.decode()
    run = keeper.get(url("run", meeting)).content.decode()
    assert 'id="stack"' in run  # the keeper's section, with its buttons
    assert "Ana Caracol" in run

    keeper.post(url("act", meeting, run_verb="extend"), {"minutes": "5"})
    meeting.refresh_from_db()
    assert meeting.current_item is not None
    assert meeting.current_item.extended_minutes == 5


def test_a_members_meeting_is_not_joined_by_guests_and_a_groups_meeting_is_hidden_from_others(
    assembly: WorkingGroup, facilitator: User, outsider: User
) -> None:
    members = started(make_meeting(assembly, facilitator, visibility=Visibility.MEMBERS), facilitator)
    stranger = Client()
    assert stranger.get(url("meeting", members)).status_code == 404
    assert stranger.get(url("live", members)).status_code == 404
    assert client_for(outsider).get(url("live", members)).status_code == 200

    group_only = make_meeting(assembly, facilitator, visibility=Visibility.GROUP)
    assert client_for(outsider).get(url("meeting", group_only)).status_code == 404
    assert client_for(outsider).get(url("screen", group_only)).status_code == 404
    assert client_for(outsider).post(url("act", members, run_verb="next-item")).status_code == 404


def test_names_are_given_only_for_those_on_the_stack_now(assembly: WorkingGroup, facilitator: User) -> None:
    meeting = started(make_meeting(assembly, facilitator), facilitator)
    ana, beto = guest(meeting, "Ana"), guest(meeting, "Beto")
    stack.do_request_turn(meeting, ana)

    answer = Client().get(url("names", meeting) + f"?ids={ana.uuid},{beto.uuid},nonsense").json()
    assert answer == {"names": {str(ana.uuid): "Ana"}}


def test_the_keeper_moves_sends_back_and_removes_turns_from_the_run_page(
    assembly: WorkingGroup, facilitator: User
) -> None:
    meeting = started(make_meeting(assembly, facilitator), facilitator)
    ana, beto = guest(meeting, "Ana"), guest(meeting, "Beto")
    first = stack.do_request_turn(meeting, ana)
    interrupt = stack.do_request_turn(meeting, beto, Lane.INFORMATION)
    keeper = client_for(facilitator)

    keeper.post(url("turn-action", meeting, turn=str(interrupt.uuid), turn_verb="to-main"))
    interrupt.refresh_from_db()
    assert interrupt.lane == Lane.MAIN
    keeper.post(url("turn-action", meeting, turn=str(interrupt.uuid), turn_verb="top"))
    assert [turn.participant for turn in stack.queue_of_item(meeting.items.get(position=1))] == [beto, ana]
    keeper.post(url("turn-action", meeting, turn=str(first.uuid), turn_verb="remove"))
    first.refresh_from_db()
    assert first.state == TurnState.WITHDRAWN
    keeper.post(url("act", meeting, run_verb="add-speaker"), {"name": "Cora (phone)", "lane": "main"})
    assert Turn.objects.filter(participant__meeting=meeting, state=TurnState.WAITING).count() == 2


def test_the_meeting_closes_from_the_run_page_once_the_next_is_set(assembly: WorkingGroup, facilitator: User) -> None:
    meeting = started(make_meeting(assembly, facilitator), facilitator)
    keeper = client_for(facilitator)
    keeper.post(url("act", meeting, run_verb="close"))
    meeting.refresh_from_db()
    assert meeting.state == State.LIVE
    starts = (timezone.localtime() + timedelta(days=28)).strftime("%Y-%m-%dT%H:%M")
    keeper.post(url("act", meeting, run_verb="next-meeting"), {"starts_at": starts, "place": ""})
    keeper.post(url("act", meeting, run_verb="close"))
    meeting.refresh_from_db()
    assert meeting.state == State.CLOSED
    assert meeting.next_meeting is not None


def test_the_projector_shows_the_code_its_qr_and_the_queue(assembly: WorkingGroup, facilitator: User) -> None:
    meeting = started(make_meeting(assembly, facilitator, language="both"), facilitator)
    stack.do_request_turn(meeting, guest(meeting, "Ana"))
    body = Client().get(url("screen", meeting, "es")).content.decode()
    assert "<svg" in body
    assert f"TURNO {meeting.code}" in body
    assert "Ana" in body
    assert "Welcome and agenda" in body


def test_an_account_says_it_will_come_and_gets_the_calendar(
    assembly: WorkingGroup, facilitator: User, member: User
) -> None:
    meeting = make_meeting(assembly, facilitator)
    client = client_for(member)
    client.post(url("coming", meeting), {"coming": "yes"})
    assert meeting.participants.get(user=member).is_coming
    ics = client.get(url("calendar", meeting))
    assert ics["Content-Type"].startswith("text/calendar")
    assert b"General assembly" in ics.content


def test_the_run_page_costs_a_fixed_number_of_queries(
    assembly: WorkingGroup, facilitator: User, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    meeting = started(make_meeting(assembly, facilitator), facilitator)
    for number in range(8):
        stack.do_request_turn(meeting, guest(meeting, f"Guest {number}"))
    services.do_set_role(meeting, Duty.STACK_KEEPER, facilitator, by=facilitator)
    keeper = client_for(facilitator)
    with django_assert_max_num_queries(40):
        assert keeper.get(url("run", meeting)).status_code == 200
