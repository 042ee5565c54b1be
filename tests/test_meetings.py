"""Meetings: the agenda and its time boxes, running it live, roles, the progressive speaking queue,
the keeper's hand, side stacks, closing only once the next meeting is set."""

import email
import json
from collections.abc import Callable
from datetime import timedelta
from email.policy import default
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from solidarity.accounts.models import User, WorkingGroup
from solidarity.core import live as seam
from solidarity.core.timers import find_timer, run_once
from solidarity.meetings import live, services, stack
from solidarity.meetings.models import (
    ActionItem,
    Decision,
    Duty,
    ItemKind,
    ItemState,
    Lane,
    Meeting,
    ProposalState,
    State,
    Turn,
    TurnState,
)
from solidarity.meetings.queue import queue_of
from solidarity.meetings.screens import screen_of
from solidarity.messaging.models import Message
from tests.factories.meetings import guest, item, make_meeting, started

pytestmark = pytest.mark.django_db(transaction=False)


def names(meeting: Meeting) -> list[str]:
    meeting.refresh_from_db()
    assert meeting.current_item is not None
    current = meeting.current_item
    return [str(turn.participant.name) for turn in queue_of(current, stack.open_side(current))]


@pytest.fixture
def meeting(assembly: WorkingGroup, facilitator: User) -> Meeting:
    return started(make_meeting(assembly, facilitator), facilitator)


def test_an_agenda_has_time_boxes_breaks_and_report_backs_in_order(assembly: WorkingGroup, facilitator: User) -> None:
    meeting = make_meeting(assembly, facilitator, items=(("Welcome", 10), ("break", 5), ("Bond fund", 30)))
    services.do_add_item(meeting, services.report_values(assembly), by=facilitator)

    items = list(meeting.items.all())
    assert [each.kind for each in items] == [ItemKind.ITEM, ItemKind.BREAK, ItemKind.ITEM, ItemKind.REPORT]
    assert items[1].title("es") == "Descanso"
    assert items[3].title("es") == "Informe: General Assembly"
    assert services.planned_minutes(meeting) == 55

    services.do_move_item(items[2], -1, by=facilitator)
    assert [each.title() for each in meeting.items.all()][:3] == ["Welcome", "Bond fund", "Break"]
    with pytest.raises(ValidationError):
        services.do_add_item(meeting, services.ItemValues(title_en="", title_es="", minutes=5), by=facilitator)
    with pytest.raises(ValidationError):
        services.do_add_item(meeting, services.ItemValues(title_en="Long", title_es="", minutes=0), by=facilitator)


def test_the_agenda_runs_live_extends_takes_a_break_and_moves_on(meeting: Meeting, facilitator: User) -> None:
    first = item(meeting, 1)
    assert meeting.state == State.LIVE
    assert meeting.current_item == first

    services.do_extend_item(meeting, by=facilitator)
    first.refresh_from_db()
    assert first.box_minutes == 15

    pause = services.do_take_break(meeting, 5, by=facilitator)
    meeting.refresh_from_db()
    assert meeting.current_item == pause
    assert pause.position == 2
    first.refresh_from_db()
    assert first.state == ItemState.DONE

    following = services.do_next_item(meeting, by=facilitator)
    assert following is not None
    assert following.title() == "Bond fund"
    assert [each.state for each in meeting.items.all()] == ["done", "done", "current", "waiting"]


def test_screens_hear_every_change_without_a_name(
    meeting: Meeting, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    ana = guest(meeting, "Ana Caracol")
    with django_capture_on_commit_callbacks(execute=True):
        stack.do_request_turn(meeting, ana)

    # Read back from the backend that carried it (the database's table, or Redis's stream).
    backend = seam.backend()
    start = "0-0" if isinstance(backend, seam.RedisBackend) else "0"
    events = backend.replay(start, frozenset({live.channel(meeting)})).events
    data = events[-1]["data"]
    assert events[-1]["event"] == live.EVENT
    assert data["queue"][0]["who"] == str(ana.uuid)
    assert data["version"] == Meeting.objects.get(pk=meeting.pk).version
    assert "Ana" not in json.dumps(data)


def test_first_time_speakers_go_before_second_turns(meeting: Meeting, facilitator: User) -> None:
    ana, beto, cora = guest(meeting, "Ana"), guest(meeting, "Beto"), guest(meeting, "Cora")
    for person in (ana, beto):
        stack.do_request_turn(meeting, person)
    assert stack.do_next_speaker(meeting, by=facilitator).participant == ana  # type: ignore[union-attr]
    stack.do_request_turn(meeting, ana)  # a second turn on the same item
    stack.do_request_turn(meeting, cora)

    assert names(meeting) == ["Beto", "Cora", "Ana"]

    # On the next item everyone is new again: Ana's earlier turns count no more.
    services.do_next_item(meeting, by=facilitator)
    assert names(meeting) == []  # a stack belongs to its item
    for person in (ana, cora):
        stack.do_request_turn(meeting, person)
    assert names(meeting) == ["Ana", "Cora"]


def test_a_tap_draws_the_picture_from_what_it_just_did_and_it_is_the_one_read_afresh(
    meeting: Meeting, facilitator: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`next speaker` draws the screens' picture from the queue it just called from (meetings.queue's
    once_called), without reading the stack again: it must be exactly the picture read afresh."""
    drawn: list[dict[str, Any]] = []
    monkeypatch.setattr(seam, "publish", lambda channel, event, data: drawn.append(data))
    ana, beto, cora, dani, eli = (guest(meeting, name) for name in ("Ana", "Beto", "Cora", "Dani", "Eli"))
    for person, lane in ((ana, Lane.MAIN), (beto, Lane.MAIN), (cora, Lane.CLARIFYING), (dani, Lane.MAIN)):
        stack.do_request_turn(meeting, person, lane)
    stack.do_request_turn(meeting, ana, Lane.PROCESS)  # Ana holds a main turn and a point of process

    def tap_and_compare() -> None:
        stack.do_next_speaker(meeting, by=facilitator)
        afresh = live.picture(Meeting.objects.get(pk=meeting.pk))
        assert {**drawn[-1], "now": None} == {**afresh, "now": None}

    tap_and_compare()  # Ana's point of process: her main turn is a second one now, behind Beto's and Dani's
    assert [turn["who"] for turn in drawn[-1]["queue"]] == [str(p.uuid) for p in (cora, beto, dani, ana)]
    stack.do_request_turn(meeting, eli)
    dani_turn = Turn.objects.get(participant=dani, state=TurnState.WAITING)
    stack.do_move_turn(dani_turn, 0, by=facilitator)  # pinned first in the main lane
    for _ in range(6):  # through everyone, and once more with nobody waiting
        tap_and_compare()
    assert drawn[-1]["queue"] == []
    assert drawn[-1]["speaking"] is None


def test_a_tap_reads_the_side_stack_and_the_agenda_with_the_lock_and_the_queue_in_one_query(
    meeting: Meeting,
    facilitator: User,
    monkeypatch: pytest.MonkeyPatch,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    """Every round trip under the meeting's lock is time before the screens hear of a tap: the lock reads the
    open side stack and the agenda's boxes with the row, and the queue comes with who has spoken. With a side
    stack open or not, the picture is still exactly the one read afresh."""
    drawn: list[dict[str, Any]] = []
    monkeypatch.setattr(seam, "publish", lambda channel, event, data: drawn.append(data))
    ana, beto, cora = (guest(meeting, name) for name in ("Ana", "Beto", "Cora"))
    for person in (ana, beto, cora):
        stack.do_request_turn(meeting, person)
    stack.do_next_speaker(meeting, by=facilitator)  # Ana speaks
    stack.do_request_turn(meeting, ana)  # a second turn: behind the others
    with django_assert_max_num_queries(8):  # lock, the one speaking and its end, queue, next, version; and
        # the transaction's own two (a savepoint here, BEGIN and COMMIT in a request)
        stack.do_next_speaker(meeting, by=facilitator)
    afresh = live.picture(Meeting.objects.get(pk=meeting.pk))
    assert {**drawn[-1], "now": None} == {**afresh, "now": None}
    assert [turn["who"] for turn in drawn[-1]["queue"]] == [str(cora.uuid), str(ana.uuid)]

    stack.do_open_side_stack(meeting, "Direct responses", by=facilitator)
    stack.do_request_turn(meeting, beto)
    with django_assert_max_num_queries(9):  # and the side stack's row
        stack.do_next_speaker(meeting, by=facilitator)
    afresh = live.picture(Meeting.objects.get(pk=meeting.pk))
    assert {**drawn[-1], "now": None} == {**afresh, "now": None}
    assert drawn[-1]["side"]["title"] == "Direct responses"
    assert drawn[-1]["speaking"]["who"] == str(beto.uuid)


def test_interrupts_jump_the_queue_in_their_lanes_and_the_keeper_can_send_one_back(
    meeting: Meeting, facilitator: User
) -> None:
    ana, beto, cora, dani = (guest(meeting, name) for name in ("Ana", "Beto", "Cora", "Dani"))
    stack.do_request_turn(meeting, ana)
    stack.do_request_turn(meeting, beto, Lane.CLARIFYING)
    wrong = stack.do_request_turn(meeting, cora, Lane.INFORMATION)
    stack.do_request_turn(meeting, dani, Lane.PROCESS)

    assert names(meeting) == ["Dani", "Cora", "Beto", "Ana"]

    stack.do_to_main_lane(wrong, by=facilitator)
    assert names(meeting) == ["Dani", "Beto", "Ana", "Cora"]


def test_asking_twice_keeps_one_place(meeting: Meeting) -> None:
    ana = guest(meeting, "Ana")
    first = stack.do_request_turn(meeting, ana)
    assert stack.do_request_turn(meeting, ana) == first
    assert Turn.objects.filter(participant=ana, state=TurnState.WAITING).count() == 1


def test_the_keeper_moves_anyone_and_the_order_given_holds(meeting: Meeting, facilitator: User) -> None:
    people = [guest(meeting, name) for name in ("Ana", "Beto", "Cora", "Dani")]
    turns = [stack.do_request_turn(meeting, person) for person in people]

    stack.do_move_turn(turns[3], 0, by=facilitator)
    assert names(meeting) == ["Dani", "Ana", "Beto", "Cora"]
    stack.do_move_turn(turns[0], 3, by=facilitator)
    assert names(meeting) == ["Dani", "Beto", "Cora", "Ana"]
    # Someone new comes after what the keeper placed.
    stack.do_request_turn(meeting, guest(meeting, "Eli"))
    assert names(meeting) == ["Dani", "Beto", "Cora", "Ana", "Eli"]


def test_a_side_stack_is_heard_first_and_closing_it_returns_to_the_main_queue(
    meeting: Meeting, facilitator: User
) -> None:
    ana, beto = guest(meeting, "Ana"), guest(meeting, "Beto")
    stack.do_request_turn(meeting, ana)
    stack.do_open_side_stack(meeting, "Direct responses to the budget", by=facilitator)
    stack.do_request_turn(meeting, beto)
    assert names(meeting) == ["Beto"]
    with pytest.raises(ValidationError):
        stack.do_open_side_stack(meeting, "Another", by=facilitator)

    assert stack.do_close_side_stack(meeting, by=facilitator)
    assert names(meeting) == ["Ana"]


def test_a_closed_stack_takes_nobody_new_and_a_break_has_no_stack(meeting: Meeting, facilitator: User) -> None:
    ana = guest(meeting, "Ana")
    stack.do_set_stack_open(meeting, False, by=facilitator)
    with pytest.raises(ValidationError, match="closed"):
        stack.do_request_turn(meeting, ana)
    stack.do_set_stack_open(meeting, True, by=facilitator)
    services.do_take_break(meeting, by=facilitator)
    with pytest.raises(ValidationError, match="break"):
        stack.do_request_turn(meeting, ana)


def test_speaking_time_is_kept_per_person(meeting: Meeting, facilitator: User) -> None:
    ana = guest(meeting, "Ana")
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        stack.do_request_turn(meeting, ana)
        stack.do_next_speaker(meeting, by=facilitator)
        traveller.shift(timedelta(seconds=95))
        assert stack.do_next_speaker(meeting, by=facilitator) is None
    meeting.refresh_from_db()
    [tally] = stack.tallies(meeting)
    assert (tally.participant, tally.turns, tally.on_item, tally.seconds) == (ana, 1, 1, 95)


def test_someone_who_texted_hears_they_are_next_once(meeting: Meeting, facilitator: User) -> None:
    ana, beto = guest(meeting, "Ana"), guest(meeting, "Beto", "es")
    beto.phone = "+19195550160"
    beto.save()
    stack.do_request_turn(meeting, ana)
    stack.do_request_turn(meeting, beto)
    assert not Message.objects.exists()

    stack.do_next_speaker(meeting, by=facilitator)
    stack.do_withdraw_turn(stack.do_request_turn(meeting, guest(meeting, "Cora")))  # more changes, one text

    [text] = Message.objects.all()
    assert text.language == "es"
    assert "Asamblea general" in text.content["text"]


def test_roles_rotate_and_the_meeting_closes_only_once_the_next_is_set(
    meeting: Meeting, facilitator: User, member: User
) -> None:
    services.do_set_role(meeting, Duty.STACK_KEEPER, member, by=facilitator)
    assert meeting.roles.get(duty=Duty.STACK_KEEPER).user == member

    with pytest.raises(ValidationError, match="next meeting"):
        services.do_close_meeting(meeting, by=facilitator)
    following = services.do_set_next_meeting(meeting, timezone.now() + timedelta(days=28), by=facilitator)
    services.do_close_meeting(meeting, by=facilitator)

    meeting.refresh_from_db()
    assert (meeting.state, meeting.next_meeting) == (State.CLOSED, following)
    assert (following.state, following.place) == (State.SCHEDULED, meeting.place)
    assert not following.roles.exists()  # roles rotate: the next meeting names its own


def test_the_demo_has_last_months_assembly_the_next_one_and_a_meeting_under_way() -> None:
    call_command("demo")

    closed = Meeting.objects.get(state=State.CLOSED)
    assert closed.starts_at < timezone.now() - timedelta(days=20)
    following = closed.next_meeting
    assert following is not None
    assert following.state == State.SCHEDULED
    assert following.items.filter(kind=ItemKind.BREAK).count() == 3
    assert following.items.filter(kind=ItemKind.REPORT).count() == 3
    assert Decision.objects.filter(meeting=closed, proposal__state=ProposalState.PASSED).count() == 1
    carried = ActionItem.objects.get(carried_to=following)
    assert following.items.filter(title_en="Open action items").exists()
    assert carried.owner is not None
    facilitators = [meeting.roles.get(duty=Duty.FACILITATOR).user for meeting in (closed, following)]
    assert facilitators[0] != facilitators[1]  # the roles rotate
    under_way = Meeting.objects.get(state=State.LIVE)
    assert len(queue_of(under_way.items.get(position=1))) == 3
    call_command("demo")
    assert Meeting.objects.count() == 3


def test_those_who_said_they_would_come_are_reminded_and_told_of_a_cancellation(
    assembly: WorkingGroup, facilitator: User, member: User
) -> None:
    meeting = make_meeting(assembly, facilitator, in_days=3)
    services.do_say_coming(meeting, member, True)
    services.do_say_coming(meeting, facilitator, False)  # said no: never reminded

    for kind in (live.DAY_BEFORE_TIMER, live.SOON_TIMER):
        timer = find_timer(kind, str(meeting.uuid))
        assert timer is not None
        with time_machine.travel(timer.due_at, tick=False):
            assert run_once() == 1
    services.do_cancel_meeting(meeting, by=facilitator)

    emails = [email.message_from_string(message.content["mime"], policy=default) for message in Message.objects.all()]
    assert [str(each["To"]) for each in emails] == [str(member.email)] * 3
    assert [str(each["Subject"]).split(":")[0] for each in emails] == ["Reminder", "Reminder", "Cancelled"]
    body = emails[0].get_body(preferencelist=("plain",))
    assert body is not None
    assert f"/en/meetings/{meeting.code}/" in body.get_content()
    assert "Union hall, 5th street" in body.get_content()
    assert find_timer(live.SOON_TIMER, str(meeting.uuid)) is None


def test_the_running_total_is_kept_against_the_plan_as_it_was_when_the_meeting_began(
    meeting: Meeting, facilitator: User
) -> None:
    planned = meeting.starts_at + timedelta(minutes=60)  # 10 + 30 + 20
    assert live.picture(meeting)["planned_end"] == planned.isoformat()
    assert live.picture(meeting)["after_seconds"] == 50 * 60

    services.do_take_break(meeting, 10, by=facilitator)  # not the plan: the plan's end stays
    services.do_extend_item(meeting, 5, by=facilitator)
    meeting.refresh_from_db()
    picture = live.picture(meeting)
    assert picture["planned_end"] == planned.isoformat()
    assert picture["after_seconds"] == 50 * 60
    screen = screen_of(meeting, None)
    assert screen.expected_end is not None
    assert screen.item_ends_at is not None
    assert screen.expected_end == screen.item_ends_at + timedelta(minutes=50)
