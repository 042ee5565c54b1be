"""The meeting's record: proposals decided under each rule (with quorum, stand-asides, blocks and their reasons,
the fallback vote), the consent calendar, the minutes written live and amended after the meeting, their
publication and who reads them, action items reminded through the outbox and carried to the next meeting,
and the pages, to their keepers, their readers, outsiders and in Spanish."""

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.http import Http404
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solidarity.accounts.models import User, WorkingGroup
from solidarity.core import retention
from solidarity.core.timers import find_timer, fire_due
from solidarity.meetings import actions, decisions, minutes, services
from solidarity.meetings.decisions import DecisionValues, ProposalValues, Tally, outcome_of
from solidarity.meetings.models import (
    ActionState,
    AgendaItem,
    AmendmentState,
    Audience,
    EntryKind,
    How,
    ItemKind,
    Meeting,
    ProposalState,
    Rule,
    State,
    Visibility,
)
from solidarity.meetings.record_access import access_record
from tests.factories.accounts import client_for, make_member, make_user
from tests.factories.meetings import make_meeting, started
from tests.factories.messaging import deliver

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=NEW_YORK)  # a Monday


@pytest.fixture
def monday() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def live_meeting(group: WorkingGroup, by: User, **values: Any) -> Meeting:
    return started(make_meeting(group, by, **values), by)


def current(meeting: Meeting) -> AgendaItem:
    meeting.refresh_from_db()
    assert meeting.current_item is not None
    return meeting.current_item


def url(name: str, meeting: Meeting, language: str = "en", **kwargs: object) -> str:
    with translation.override(language):
        return reverse(f"meetings-record:{name}", kwargs={"meeting": meeting.code, **kwargs})


# The outcome, rule by rule: a pure function.

C, CM, M = Rule.CONSENSUS, Rule.CONSENSUS_MINUS, Rule.MAJORITY


@pytest.mark.parametrize(
    ("tally", "passed", "reason"),
    [
        (Tally(C, present=10), True, "consensus"),
        (Tally(C, present=10, agree=7, stand_asides=3), True, "consensus"),  # stand-asides do not stop it
        (Tally(C, present=10, blocks=1), False, "blocked"),  # no fallback vote held
        (Tally(C, present=10, blocks=1, yes=6, no=2, abstain=2), True, "fallback_passed"),  # 75% of votes cast
        (Tally(C, present=10, blocks=1, yes=5, no=2, abstain=3), False, "fallback_failed"),  # 71%
        (Tally(C, present=10, blocks=1, yes=0, no=0, abstain=10), False, "fallback_failed"),  # nobody voted
        (Tally(C, present=10, blocks=2, yes=9, no=1, fallback_percent=90), True, "fallback_passed"),
        (Tally(CM, present=10, blocks=1, minus_blocks=1), True, "within_blocks"),
        (Tally(CM, present=10, blocks=2, minus_blocks=1), False, "too_many_blocks"),
        (Tally(CM, present=10, blocks=0, minus_blocks=0), True, "within_blocks"),
        (Tally(M, present=10, yes=5, no=4, abstain=1), True, "majority"),
        (Tally(M, present=10, yes=4, no=4, abstain=2), False, "no_majority"),  # a tie does not pass
        (Tally(M, present=10, yes=2, no=1, abstain=7), True, "majority"),  # abstentions do not count
        (Tally(C, present=4, quorum=5), False, "no_quorum"),
        (Tally(M, present=4, quorum=5, yes=4, no=0), False, "no_quorum"),
        (Tally(M, present=4, quorum=5, yes=1, no=3), False, "no_majority"),  # failing without quorum is just failing
        (Tally(C, present=5, quorum=5), True, "consensus"),
    ],
)
def test_the_outcome_of_each_rule(tally: Tally, passed: bool, reason: str) -> None:
    outcome = outcome_of(tally)
    assert (outcome.passed, outcome.reason) == (passed, reason)
    assert decisions.explain(outcome, tally)


counts = st.integers(min_value=0, max_value=60)


@given(
    rule=st.sampled_from([C, CM, M]),
    present=counts,
    quorum=counts,
    blocks=counts,
    yes=counts,
    no=counts,
    percent=st.integers(min_value=51, max_value=100),
    allowed=st.integers(min_value=0, max_value=20),
)
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
def test_the_outcome_follows_its_rule_for_any_counts(
    rule: str, present: int, quorum: int, blocks: int, yes: int, no: int, percent: int, allowed: int
) -> None:
    tally = Tally(rule, present, percent, allowed, quorum, blocks=blocks, yes=yes, no=no)
    outcome = outcome_of(tally)
    if rule == C:
        expected = blocks == 0 or (yes + no > 0 and yes / (yes + no) >= percent / 100)
    elif rule == CM:
        expected = blocks <= allowed
    else:
        expected = yes > no
    assert outcome.passed == (expected and (quorum == 0 or present >= quorum))
    assert outcome.lacks_quorum == (expected and quorum > 0 and present < quorum)
    # One more block never makes a proposal pass; one more yes never makes one fail.
    assert not (
        outcome_of(Tally(rule, present, percent, allowed, quorum, blocks=blocks + 1, yes=yes, no=no)).passed
        and not outcome.passed
    )
    assert not (
        outcome.passed
        and not outcome_of(Tally(rule, present, percent, allowed, quorum, blocks=blocks, yes=yes + 1, no=no)).passed
    )


# Deciding.


def test_a_decision_under_consensus_records_stand_asides_and_blocks_with_reasons_and_the_fallback_vote(
    assembly: WorkingGroup, facilitator: User
) -> None:
    meeting = live_meeting(assembly, facilitator, fallback_percent=75)
    proposal = decisions.do_add_proposal(
        current(meeting),
        ProposalValues("Fund the bond for the Ruiz family", "Pagar la fianza de la familia Ruiz"),
        by=facilitator,
    )

    with pytest.raises(ValidationError) as refused:
        decisions.do_record_decision(proposal, DecisionValues(present=12, blocks=[""]), by=facilitator)
    assert "blocks" in refused.value.message_dict  # a block states its reason under consensus
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.OPEN

    values = DecisionValues(
        present=12,
        agree=8,
        stand_asides=["Not sure of the amount", ""],
        blocks=["Breaks our budget agreement"],
        yes=9,
        no=2,
        abstain=1,
    )
    decision = decisions.do_record_decision(proposal, values, by=facilitator)

    proposal.refresh_from_db()
    assert proposal.state == ProposalState.PASSED
    assert (decision.how, decision.passed, decision.rule, decision.fallback_percent) == (How.FALLBACK, True, C, 75)
    assert (decision.stand_asides, decision.blocks, decision.yes, decision.no) == (2, 1, 9, 2)
    assert sorted(o.reason for o in decision.objections.all()) == [
        "",
        "Breaks our budget agreement",
        "Not sure of the amount",
    ]
    [entry] = meeting.minute_entries.all()
    assert entry.kind == EntryKind.DECISION
    summary = minutes.summary_of(entry)
    assert "Fund the bond for the Ruiz family" in summary
    assert "Passed" in summary
    with translation.override("es"):
        assert "Pagar la fianza" in minutes.summary_of(entry)
    with pytest.raises(ValidationError, match="already"):
        decisions.do_record_decision(proposal, DecisionValues(present=12), by=facilitator)


def test_without_quorum_a_proposal_cannot_pass_and_stays_open(assembly: WorkingGroup, facilitator: User) -> None:
    meeting = live_meeting(assembly, facilitator, quorum=3)
    services.participant_for(meeting, facilitator)  # one present, by the app's count
    proposal = decisions.do_add_proposal(current(meeting), ProposalValues("Meet monthly", ""), by=facilitator)

    with pytest.raises(ValidationError, match="No quorum: 1 present, 3 needed") as refused:
        decisions.do_record_decision(proposal, DecisionValues(), by=facilitator)
    assert refused.value.code == "no_quorum"
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.OPEN
    assert not meeting.decisions.exists()

    decision = decisions.do_record_decision(proposal, DecisionValues(present=25), by=facilitator)  # the room's count
    assert (decision.passed, decision.present, decision.present_entered) == (True, 25, True)


def test_consensus_minus_and_majority_decisions(assembly: WorkingGroup, facilitator: User) -> None:
    minus = live_meeting(assembly, facilitator, rule=CM, minus_blocks=1)
    first = decisions.do_add_proposal(current(minus), ProposalValues("A", ""), by=facilitator)
    second = decisions.do_add_proposal(current(minus), ProposalValues("B", ""), by=facilitator)
    with pytest.raises(ValidationError, match="no fallback vote"):
        decisions.do_record_decision(first, DecisionValues(present=9, blocks=["x"], yes=3, no=1), by=facilitator)
    assert decisions.do_record_decision(first, DecisionValues(present=9, blocks=["Safety"]), by=facilitator).passed
    assert not decisions.do_record_decision(second, DecisionValues(present=9, blocks=["a", "b"]), by=facilitator).passed
    second.refresh_from_db()
    assert second.state == ProposalState.FAILED

    vote = live_meeting(assembly, facilitator, rule=M)
    third = decisions.do_add_proposal(current(vote), ProposalValues("C", ""), by=facilitator)
    with pytest.raises(ValidationError, match="Count the yes and the no"):
        decisions.do_record_decision(third, DecisionValues(present=9), by=facilitator)
    decision = decisions.do_record_decision(third, DecisionValues(present=9, yes=3, no=2, abstain=4), by=facilitator)
    assert (decision.how, decision.passed) == (How.MAJORITY, True)


def test_a_consent_calendar_passes_together_but_a_pulled_proposal_is_decided_alone(
    assembly: WorkingGroup, facilitator: User
) -> None:
    meeting = make_meeting(assembly, facilitator, items=(("Welcome", 5),))
    calendar = services.do_add_item(
        meeting, services.ItemValues("Consent calendar", "Acuerdos en bloque", 5, kind=ItemKind.CONSENT), by=facilitator
    )
    approved = [
        decisions.do_add_proposal(calendar, ProposalValues(text, ""), by=facilitator)
        for text in ("Approve last minutes", "Renew the hall booking", "Buy a new banner")
    ]
    started(meeting, facilitator)
    with pytest.raises(ValidationError, match="consent calendar"):
        decisions.do_record_decision(approved[2], DecisionValues(present=10), by=facilitator)
    decisions.do_pull_proposal(approved[2], by=facilitator)

    passed = decisions.do_pass_consent_calendar(calendar, by=facilitator, present=10)

    assert {decision.proposal for decision in passed} == set(approved[:2])
    assert all(decision.how == How.CONSENT and decision.passed for decision in passed)
    approved[2].refresh_from_db()
    assert approved[2].state == ProposalState.OPEN
    blocked = decisions.do_record_decision(
        approved[2], DecisionValues(present=10, blocks=["Too costly"]), by=facilitator
    )
    assert not blocked.passed
    with pytest.raises(ValidationError, match="Nothing is left"):
        decisions.do_pass_consent_calendar(calendar, by=facilitator, present=10)
    assert meeting.minute_entries.filter(kind=EntryKind.DECISION).count() == 3


# The minutes.


def closed(meeting: Meeting, by: User) -> Meeting:
    services.do_set_next_meeting(meeting, timezone.now() + timedelta(days=28), by=by)
    services.do_close_meeting(meeting, by=by)
    meeting.refresh_from_db()
    return meeting


def test_minutes_are_written_live_amended_by_those_present_and_published_for_their_audience(
    assembly: WorkingGroup, facilitator: User, outsider: User, rapid_response: WorkingGroup
) -> None:
    meeting = make_meeting(assembly, facilitator, visibility=Visibility.GROUP)
    with pytest.raises(ValidationError, match="begun"):
        minutes.do_add_note(meeting, "Too early", by=facilitator)
    minutes.do_set_amend_days(meeting, 3, by=facilitator)
    started(meeting, facilitator)
    note = minutes.do_add_note(meeting, "Ana reported 12 calls", item=current(meeting), by=facilitator)
    minutes.do_add_note(meeting, "Thanks to the union hall", by=facilitator)
    there = make_member("tom.there", assembly)
    services.participant_for(meeting, there)
    away = make_member("abi.away", assembly)
    elsewhere = make_member("eli.elsewhere", rapid_response)

    with pytest.raises(ValidationError, match="not being taken"):
        minutes.do_propose_amendment(meeting, there, "It was 14 calls", entry=note)
    assert access_record(there, meeting.code)[0] == meeting  # the draft: those who were there
    assert access_record(away, meeting.code)[0] == meeting  # and the meeting's group
    with pytest.raises(Http404):
        access_record(elsewhere, meeting.code)

    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        closed(meeting, facilitator)
        amendment = minutes.do_propose_amendment(meeting, there, "Ana reported 14 calls", entry=note)
        added = minutes.do_propose_amendment(meeting, there, "Beto offered his van")
        with pytest.raises(ValidationError, match="were at the meeting"):
            minutes.do_propose_amendment(meeting, away, "I was not there")
        with pytest.raises(ValidationError, match="publish after that"):
            minutes.do_publish_minutes(meeting, Audience.MEETING, by=facilitator)
        minutes.do_decide_amendment(amendment, True, by=facilitator)
        minutes.do_decide_amendment(added, False, by=facilitator)
        note.refresh_from_db()
        assert (note.text, note.is_amended) == ("Ana reported 14 calls", True)

        traveller.shift(timedelta(days=3, minutes=1))
        with pytest.raises(ValidationError, match="not being taken"):
            minutes.do_propose_amendment(meeting, there, "Too late")
        with pytest.raises(ValidationError, match="public meeting"):
            minutes.do_publish_minutes(meeting, Audience.PUBLIC, by=facilitator, may_make_public=True)
        minutes.do_publish_minutes(meeting, Audience.MEMBERS, by=facilitator)

    assert access_record(elsewhere, meeting.code)[0] == meeting  # any member of the network, now
    assert Client().get(url("minutes", meeting)).status_code == 404  # never the public: a group's meeting
    assert added.state == AmendmentState.REJECTED
    with pytest.raises(ValidationError, match="published"):
        minutes.do_add_note(meeting, "Afterthought", by=facilitator)


def test_public_minutes_are_read_by_anyone_only_when_the_facilitator_chooses(
    assembly: WorkingGroup, facilitator: User
) -> None:
    meeting = live_meeting(assembly, facilitator, visibility=Visibility.PUBLIC)
    minutes.do_set_amend_days(meeting, 0, by=facilitator)
    minutes.do_add_note(meeting, "We agreed to march on Saturday", by=facilitator)
    assert Client().get(url("minutes", meeting)).status_code == 404  # a draft
    closed(meeting, facilitator)
    with pytest.raises(ValidationError, match="Only the facilitator"):
        minutes.do_publish_minutes(meeting, Audience.PUBLIC, by=facilitator)
    minutes.do_publish_minutes(meeting, Audience.PUBLIC, by=facilitator, may_make_public=True)

    page = Client().get(url("minutes", meeting))
    assert page.status_code == 200
    assert "We agreed to march on Saturday" in page.content.decode()


# Action items.


def test_an_action_item_owner_is_reminded_through_the_outbox_two_days_before_at_nine(
    assembly: WorkingGroup, facilitator: User, monday: None
) -> None:
    owner = make_member("oso.owner", assembly)
    owner.email, owner.language = "oso@example.org", "es"
    owner.save()
    meeting = live_meeting(assembly, facilitator, in_days=0.01)
    values = actions.ActionValues(what="Book the hall for April", owner=owner, due_on=date(2026, 3, 10))
    action = actions.do_add_action_item(meeting, values, by=facilitator)
    assert action.owner_name == "oso.owner"
    timer = find_timer(actions.REMINDER_TIMER, str(action.uuid))
    assert timer is not None
    assert timer.due_at == datetime(2026, 3, 8, 9, 0, tzinfo=NEW_YORK)  # daylight time begins that night: still 09:00

    with time_machine.travel(datetime(2026, 3, 8, 8, 59, tzinfo=NEW_YORK), tick=False):
        fire_due()
    assert deliver() == []
    with time_machine.travel(datetime(2026, 3, 8, 9, 0, tzinfo=NEW_YORK), tick=False):
        fire_due()
        fire_due()  # fired once
        [mail] = deliver()
    assert mail.to == ["oso@example.org"]
    assert "Book the hall for April" in str(mail.body)
    assert "/es/me/tasks/" in str(mail.body)


def test_a_task_done_is_not_reminded_and_a_late_one_is_reminded_at_once(
    assembly: WorkingGroup, facilitator: User, monday: None
) -> None:
    owner = make_member("oso.owner", assembly)
    owner.email = "oso@example.org"
    owner.save()
    meeting = live_meeting(assembly, facilitator, in_days=0.01)
    early = actions.do_add_action_item(
        meeting, actions.ActionValues("Call the clinic", owner=owner, due_on=date(2026, 3, 20)), by=facilitator
    )
    assert actions.do_finish_action_item(early, ActionState.DONE, by=owner)
    assert not actions.do_finish_action_item(early, ActionState.DONE, by=owner)
    assert find_timer(actions.REMINDER_TIMER, str(early.uuid)) is None

    actions.do_add_action_item(
        meeting, actions.ActionValues("Print flyers", owner=owner, due_on=date(2026, 3, 3)), by=facilitator
    )
    fire_due()
    [mail] = deliver()
    assert "Print flyers" in str(mail.body)
    named = actions.do_add_action_item(meeting, actions.ActionValues("Bring snacks", owner_name="Beto"), by=facilitator)
    assert (named.owner, named.owner_name, named.reminder_token) == (None, "Beto", None)
    with pytest.raises(ValidationError) as refused:
        actions.do_add_action_item(meeting, actions.ActionValues("Nobody's", due_on=date(2026, 1, 1)), by=facilitator)
    assert set(refused.value.message_dict) == {"owner_name", "due_on"}


def test_open_action_items_come_back_on_the_next_meeting_s_agenda_until_done(
    assembly: WorkingGroup, facilitator: User
) -> None:
    meeting = live_meeting(assembly, facilitator)
    book = actions.do_add_action_item(meeting, actions.ActionValues("Book the hall", owner_name="Ana"), by=facilitator)
    done = actions.do_add_action_item(meeting, actions.ActionValues("Call Beto", owner_name="Cora"), by=facilitator)
    actions.do_finish_action_item(done, ActionState.DONE, by=facilitator)

    following = closed(meeting, facilitator).next_meeting
    assert following is not None
    book.refresh_from_db()
    assert book.carried_to == following
    [item] = following.items.all()
    assert (item.title("en"), item.title("es"), book.carried_item) == ("Open action items", "Tareas pendientes", item)
    assert list(actions.actions_of(following)) == [book]

    late = actions.do_add_action_item(meeting, actions.ActionValues("Late one", owner_name="Dee"), by=facilitator)
    late.refresh_from_db()
    assert late.carried_to == following  # added to the closed meeting's minutes: carried at once
    assert following.items.count() == 1

    started(following, facilitator)
    services.do_add_item(following, services.ItemValues("Anything else", "", 5), by=facilitator)
    third = closed(following, facilitator).next_meeting
    assert third is not None
    assert set(actions.open_actions_of(third)) == {book, late}
    assert third.items.get().title_en == "Open action items"


# The pages.


def test_the_minute_taker_records_from_the_pages_without_javascript(
    assembly: WorkingGroup, facilitator: User, outsider: User
) -> None:
    meeting = live_meeting(assembly, facilitator, visibility=Visibility.MEMBERS)
    taker = make_user("mina.taker")
    services.do_set_role(meeting, "minute_taker", taker, by=facilitator)
    client = client_for(taker)

    assert client.get(url("proposals", meeting)).status_code == 200
    item = str(current(meeting).uuid)
    client.post(url("proposals", meeting), {"item": item, "text_en": "Hold a teach-in", "proposed_by": "Ana"})
    proposal = meeting.proposals.get()
    decide = url("decide", meeting, proposal=proposal.uuid)
    page = client.get(decide).content.decode()
    assert 'name="block_reasons"' in page
    assert '<label for="id_block_reasons">' in page
    refused = client.post(decide, {"present": "10", "blocks": "1", "block_reasons": ""})
    assert refused.status_code == 400
    assert "every block states its reason" in refused.content.decode()
    client.post(decide, {"present": "10", "stand_asides": "1", "blocks": "0"})
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.PASSED

    client.post(url("add-entry", meeting), {"text": "Teach-in on the 12th", "item": str(current(meeting).uuid)})
    client.post(url("add-action", meeting), {"what": "Find a room", "owner_name": "Beto", "due_on": ""})
    page = client.get(url("minutes", meeting)).content.decode()
    assert "Teach-in on the 12th" in page
    assert "Hold a teach-in" in page
    assert "Find a room" in page

    assert client_for(outsider).get(url("minutes", meeting)).status_code == 404  # a draft: not for any member
    assert client_for(outsider).get(url("proposals", meeting)).status_code == 404
    assert client_for(outsider).post(url("add-entry", meeting), {"text": "x"}).status_code == 404
    assert Client().get(url("actions", meeting)).status_code == 404


def test_an_owner_marks_their_task_done_from_my_tasks_and_others_cannot(
    assembly: WorkingGroup, facilitator: User, outsider: User
) -> None:
    meeting = live_meeting(assembly, facilitator)
    owner = make_member("oso.owner", assembly)
    action = actions.do_add_action_item(meeting, actions.ActionValues("Call the clinic", owner=owner), by=facilitator)
    done = url("action-done", meeting, action_item=action.uuid)

    assert client_for(outsider).post(done).status_code == 404
    page = client_for(owner).get(reverse("meetings-record:my-tasks")).content.decode()
    assert "Call the clinic" in page
    assert client_for(owner).post(done).status_code == 302
    action.refresh_from_db()
    assert action.state == ActionState.DONE


def test_the_record_pages_render_in_spanish(assembly: WorkingGroup, facilitator: User) -> None:
    meeting = live_meeting(assembly, facilitator)
    decisions.do_add_proposal(current(meeting), ProposalValues("", "Marchar el sábado"), by=facilitator)
    client = client_for(facilitator)
    for name in ("minutes", "proposals", "actions"):
        response = client.get(url(name, meeting, "es"))
        assert response.status_code == 200
        assert 'lang="es"' in response.content.decode()
    assert "Marchar el sábado" in client.get(url("proposals", meeting, "es")).content.decode()
    assert meeting.state == State.LIVE


def test_amendments_and_their_authors_go_some_weeks_after_they_were_proposed(
    assembly: WorkingGroup, facilitator: User
) -> None:
    meeting = live_meeting(assembly, facilitator)
    note = minutes.do_add_note(meeting, "Twelve calls", by=facilitator)
    there = make_member("tom.there", assembly)
    services.participant_for(meeting, there)
    closed(meeting, facilitator)
    amendment = minutes.do_propose_amendment(meeting, there, "Fourteen calls", entry=note)
    minutes.do_decide_amendment(amendment, True, by=facilitator)

    with time_machine.travel(timezone.now() + timedelta(days=91), tick=False):
        purged = {result.rule: result.count for result in retention.purge()}
    assert purged["meetings.amendments"] == 1
    assert not meeting.amendments.exists()
    note.refresh_from_db()
    assert (note.text, note.is_amended) == ("Fourteen calls", True)  # the minutes keep what was accepted
