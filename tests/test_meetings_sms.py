"""Getting on stack by text, STACK / TURNO, through the loopback webhook and the inbound router (meetings.sms)."""

from pathlib import Path

import pytest
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from solidarity.accounts.models import User, WorkingGroup
from solidarity.core.fields import find_by_index
from solidarity.core.services import get_network_settings
from solidarity.meetings import services, stack
from solidarity.meetings.models import Lane, Meeting, Participant, Turn, TurnState, Via
from solidarity.meetings.queue import queue_of
from solidarity.messaging.keywords import Command
from solidarity.messaging.models import Inbound, InboundState
from solidarity.messaging.sms.text import encoding, gsm_friendly, segments
from tests.factories.meetings import guest, make_meeting, started
from tests.factories.messaging import NEIGHBOUR, text_in, texts_out

pytestmark = pytest.mark.django_db

OTHER = "+19195550143"


@pytest.fixture
def meeting(assembly: WorkingGroup, facilitator: User) -> Meeting:
    """A bilingual general assembly under way, on its first item ("Welcome and agenda")."""
    return started(make_meeting(assembly, facilitator), facilitator)


def answers(outbox: Path, to: str = NEIGHBOUR) -> list[str]:
    """The texts sent to the number, each checked to be one GSM-7 segment."""
    bodies = [sent["body"] for sent in texts_out(outbox) if sent["to"] == to]
    for body in bodies:
        assert encoding(body) == "GSM-7", body
        assert segments(body) == 1, body
    return bodies


def said(language: str, msgid: str, **values: str) -> str:
    """A reply as the catalog has it in `language` (the English until it is translated), GSM-7 friendly."""
    network = get_network_settings().name
    with translation.override(language):
        return gsm_friendly(gettext(msgid) % ({"network": network} | values))


NOT_BEGUN = "%(network)s: the meeting %(code)s has not begun. Text STACK %(code)s again once it has."
ON_STACK = "%(network)s: %(name)s, you are number %(place)s on stack for: %(item)s. Text STACK OFF to take it back."


def participant_of(meeting: Meeting, phone: str = NEIGHBOUR) -> Participant:
    [found] = find_by_index(meeting.participants.all(), "phone_index", phone)
    assert isinstance(found, Participant)
    return found


def inbound() -> Inbound:
    return Inbound.objects.order_by("-pk").first()  # type: ignore[return-value]  # a text was just received


def test_turno_and_the_code_with_a_name_joins_by_phone_and_gets_on_stack_in_spanish(
    client: Client, loopback: Path, meeting: Meeting
) -> None:
    guest(meeting, "Bo")
    stack.do_request_turn(meeting, guest(meeting, "Cy"))

    text_in(client, f"TURNO {meeting.code.lower()} Ana María")

    ana = participant_of(meeting)
    assert (str(ana.name), str(ana.phone), ana.language) == ("Ana María", NEIGHBOUR, "es")
    [turn] = Turn.objects.filter(participant=ana)
    assert (turn.state, turn.lane, turn.via) == (TurnState.WAITING, Lane.MAIN, Via.SMS)
    [answer] = answers(loopback)
    assert answer == said("es", ON_STACK, name="Ana María", place="2", item="Welcome and agenda")
    assert (inbound().state, inbound().command) == (InboundState.HANDLED, Command.STACK)


def test_stack_and_the_code_without_a_name_is_phone_one_then_phone_two_in_english(
    client: Client, loopback: Path, meeting: Meeting
) -> None:
    text_in(client, f"stack {meeting.code}")
    text_in(client, f"STACK {meeting.code}", sender=OTHER)

    assert str(participant_of(meeting).name) == "Phone 1"
    assert str(participant_of(meeting, OTHER).name) == "Phone 2"
    first = said("en", ON_STACK, name="Phone 1", place="1", item="Welcome and agenda")
    assert first in answers(loopback)
    assert first.startswith(f"{get_network_settings().name}: Phone 1, you are number 1 on stack for: Welcome")
    [second] = answers(loopback, OTHER)
    assert "Phone 2, you are number 2 on stack" in second


def test_the_code_again_with_a_name_renames_without_losing_the_place(
    client: Client, loopback: Path, meeting: Meeting
) -> None:
    text_in(client, f"TURNO {meeting.code}")
    stack.do_request_turn(meeting, guest(meeting, "Bo"))

    text_in(client, f"TURNO {meeting.code} Rosa")

    rosa = participant_of(meeting)
    assert str(rosa.name) == "Rosa"
    assert Turn.objects.filter(participant=rosa).count() == 1
    assert said("es", ON_STACK, name="Rosa", place="1", item="Welcome and agenda") in answers(loopback)


def test_turno_alone_gets_back_on_stack_for_the_next_item(
    client: Client, loopback: Path, meeting: Meeting, facilitator: User
) -> None:
    text_in(client, f"TURNO {meeting.code} Ana")
    services.do_next_item(meeting, by=facilitator)

    text_in(client, "turno")

    meeting.refresh_from_db()
    assert meeting.current_item is not None
    [turn] = queue_of(meeting.current_item)
    assert (str(turn.participant.name), turn.via) == ("Ana", Via.SMS)
    assert said("es", ON_STACK, name="Ana", place="1", item="Bond fund") in answers(loopback)


def test_turno_quitar_takes_the_turn_back_and_again_says_there_is_none(
    client: Client, loopback: Path, meeting: Meeting
) -> None:
    text_in(client, f"TURNO {meeting.code} Ana")
    text_in(client, "TURNO QUITAR")
    text_in(client, "turno quitar")

    [turn] = Turn.objects.filter(participant=participant_of(meeting))
    assert turn.state == TurnState.WITHDRAWN
    *_joined, off, none = answers(loopback)
    assert off == said("es", "%(network)s: done, you are off the stack. Text STACK to get back on.")
    assert none == said("es", "%(network)s: you have no turn waiting. Text STACK to get on stack.")


def test_a_lane_word_asks_for_a_point_of_process_which_goes_first(
    client: Client, loopback: Path, meeting: Meeting
) -> None:
    stack.do_request_turn(meeting, guest(meeting, "Bo"))
    text_in(client, f"STACK {meeting.code} Ana")

    text_in(client, "STACK PROCESS")

    meeting.refresh_from_db()
    assert meeting.current_item is not None
    first, *_rest = queue_of(meeting.current_item)
    assert (str(first.participant.name), first.lane) == ("Ana", Lane.PROCESS)
    assert "Ana, you are number 1 (point of process) for: Welcome and agenda." in answers(loopback)[-1]


def test_turno_from_a_number_in_no_meeting_says_how_and_a_person_reads_it_too(client: Client, loopback: Path) -> None:
    text_in(client, "TURNO")

    [answer] = answers(loopback)
    how = "%(network)s: to get on stack, text STACK, the code on the screen and your name, e.g. STACK KQ47 Ana"
    assert answer == said("es", how)
    assert (inbound().state, inbound().command) == (InboundState.UNMATCHED, Command.STACK)


def test_an_unknown_code_is_said_plainly_and_goes_to_the_inbox(
    client: Client, loopback: Path, meeting: Meeting
) -> None:
    text_in(client, "STACK ZZ99 Ana")

    [answer] = answers(loopback)
    assert "ZZ99" in answer
    assert inbound().state == InboundState.UNMATCHED
    assert not Participant.objects.filter(meeting=meeting).exclude(phone_index="").exists()


def test_shift_talk_starting_with_turno_is_no_stack_command(client: Client, loopback: Path, meeting: Meeting) -> None:
    text_in(client, "turno de guardia mañana a las 7")

    assert (inbound().state, inbound().command) == (InboundState.UNMATCHED, Command.UNMATCHED)
    assert not Participant.objects.exclude(phone_index="").exists()


def test_a_closed_stack_a_break_a_meeting_not_begun_and_one_over_each_get_a_clear_reply(
    client: Client, loopback: Path, meeting: Meeting, assembly: WorkingGroup, facilitator: User
) -> None:
    stack.do_set_stack_open(meeting, False, by=facilitator)
    text_in(client, f"STACK {meeting.code} Ana")
    stack.do_set_stack_open(meeting, True, by=facilitator)
    services.do_take_break(meeting, 10, by=facilitator)
    text_in(client, "STACK")
    later = make_meeting(assembly, facilitator)
    text_in(client, f"STACK {later.code}")
    services.do_set_next_meeting(meeting, later.starts_at, by=facilitator)
    services.do_close_meeting(meeting, by=facilitator)
    text_in(client, f"STACK {meeting.code}")

    closed, pause, not_begun, over = answers(loopback)
    assert closed == said("en", "%(network)s: the stack is closed for this item.")
    assert pause == said("en", "%(network)s: it is a break. Text STACK again after it.")
    assert not_begun == said("en", NOT_BEGUN, code=later.code)
    assert over == said("en", "%(network)s: the meeting %(code)s is over. Thank you for coming.", code=meeting.code)
    assert not Turn.objects.filter(via=Via.SMS).exists()


def test_a_members_only_stack_is_not_joined_by_text(
    client: Client, loopback: Path, assembly: WorkingGroup, facilitator: User
) -> None:
    closed = started(make_meeting(assembly, facilitator, is_open=False), facilitator)

    text_in(client, f"TURNO {closed.code} Ana")

    assert not closed.participants.exists()
    [answer] = answers(loopback)
    members = "%(network)s: this meeting's stack is for members. Ask who keeps the stack to add you."
    assert answer == said("es", members)


def test_a_long_item_title_is_shortened_so_the_reply_is_one_segment(
    client: Client, loopback: Path, assembly: WorkingGroup, facilitator: User
) -> None:
    title = "Budget for the bond fund, the medical fund and the legal fund, with the treasurer's report " * 2
    long = started(make_meeting(assembly, facilitator, items=((title[:160], 30),)), facilitator)

    text_in(client, f"STACK {long.code} Ana")

    [answer] = [each for each in answers(loopback) if "STACK OFF" in each]
    assert "Budget for the bond fund" in answer
    assert "..." in answer
    assert answer.endswith("Text STACK OFF to take it back.")


def test_someone_who_texted_hears_once_that_they_are_next_and_never_twice(
    loopback: Path, meeting: Meeting, facilitator: User
) -> None:
    ana = guest(meeting, "Ana")
    stack.do_request_turn(meeting, ana)
    text_in(Client(), f"TURNO {meeting.code} Beto")
    stack.do_request_turn(meeting, guest(meeting, "Cora"))
    assert len(answers(loopback)) == 1  # "number 2"

    stack.do_next_speaker(meeting, by=facilitator)  # Ana speaks: Beto is next
    stack.do_next_speaker(meeting, by=facilitator)  # Beto speaks
    texts = answers(loopback)
    assert len(texts) == 2
    assert texts[-1] == said("es", "%(network)s: you are next to speak at %(title)s.", title="Asamblea general")


def test_who_texts_to_be_first_is_told_number_1_and_not_again_that_they_are_next(
    loopback: Path, meeting: Meeting
) -> None:
    text_in(Client(), f"STACK {meeting.code} Dani")
    assert answers(loopback) == [said("en", ON_STACK, name="Dani", place="1", item="Welcome and agenda")]
