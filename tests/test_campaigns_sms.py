"""Calling by text, CALL / LLAMAR and the 1-5 that follows, through the loopback webhook and the router (campaigns.sms).

Offices, numbers and people are fictional (555-01xx). Segments, with the seed's campaign (tests/factories/campaigns):
- English: the first answer (intro, office, number, script, what to reply) 3 segments, GSM-7; each next one 2.
- Spanish: the seed's intro has "está" (UCS-2): it goes in a text of its own, 2 segments, then the answer, 2
  segments, GSM-7 (one text would take 6); each next one 2. An intro within GSM-7 goes in the answer: 3.
- Every other answer (a code no campaign has, closed, paused, no office open now, the list of codes): 1.
"""

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import timezone, translation
from django.utils.translation import gettext

from solidarity.accounts.models import User, WorkingGroup
from solidarity.campaigns import sms
from solidarity.campaigns.models import Call, Campaign, Line, Outcome, SmsCaller, State, Target, Via, Visibility
from solidarity.campaigns.services import LineValues, do_check_target, do_close_campaign, do_go_live, do_pause
from solidarity.core import retention
from solidarity.core.fields import find_by_index
from solidarity.core.models import AuditEntry
from solidarity.core.permissions import Role
from solidarity.core.services import get_network_settings
from solidarity.messaging.inbound import unmatched_text
from solidarity.messaging.keywords import Command
from solidarity.messaging.models import Inbound, InboundState
from solidarity.messaging.sms.text import encoding, segments
from tests.factories.accounts import make_member, make_user
from tests.factories.campaigns import OFFICE_HOURS, add_target, live_campaign, make_campaign
from tests.factories.messaging import NEIGHBOUR, deliver, text_in, texts_out
from tests.factories.people import holds_a_number, make_person

pytestmark = pytest.mark.django_db

OTHER = "+19195550150"
THIRD = "+19195550151"
DHS, ICE, WASHINGTON, DISTRICT = (
    "Department of Homeland Security",
    "ICE Field Office (fictional)",
    "Rep. Example, Washington office",
    "Rep. Example, district office",
)
REPLY_EN = "Then reply 1 reached, 2 voicemail, 3 no answer, 4 busy/full, 5 wrong number."
REPLY_ES = "Luego responda 1 contestaron, 2 dejé mensaje, 3 no contestan, 4 ocupado/lleno, 5 numero equivocado."
SCRIPT_EN = (
    "Hi, I am calling from [your city] about a member of our community. Please release them on bond today. Thank you."
)
SCRIPT_ES = (
    "Hola, llamo desde [su ciudad] por un miembro de nuestra comunidad. Por favor, libérenlo bajo fianza hoy. Gracias."
)


@pytest.fixture
def second(medics: WorkingGroup) -> User:
    """A second organiser, who checks the offices."""
    return make_member("co.second", medics, Role.COORDINATOR)


@pytest.fixture
def campaign(medics: WorkingGroup, coordinator: User, second: User) -> Campaign:
    """The seed's campaign, live, public, its four offices open at any hour."""
    return live_campaign(medics, coordinator, second)


def answers(outbox: Path, to: str = NEIGHBOUR) -> list[str]:
    """The texts sent to the number so far, in order."""
    return [sent["body"] for sent in texts_out(outbox) if sent["to"] == to]


def last(outbox: Path, to: str = NEIGHBOUR) -> str:
    return answers(outbox, to)[-1]


def network() -> str:
    return get_network_settings().name


def inbound() -> Inbound:
    found = Inbound.objects.order_by("-pk").first()
    assert found is not None
    return found


def caller(campaign: Campaign, phone: str = NEIGHBOUR) -> SmsCaller:
    [found] = find_by_index(SmsCaller.objects.filter(campaign=campaign), "phone_index", phone)
    assert isinstance(found, SmsCaller)
    return found


def office(name: str) -> Target:
    return Target.objects.get(name_en=name)


def calls_to(name: str) -> list[Call]:
    return list(Call.objects.filter(target__name_en=name).order_by("pk"))


def said(language: str, msgid: str, **values: str) -> str:
    with translation.override(language):
        return f"{network()}: " + gettext(msgid) % values


# CALL / LLAMAR.


def test_call_and_the_code_gives_the_intro_the_office_its_number_and_script_in_three_segments(
    client: Client, loopback: Path, campaign: Campaign
) -> None:
    text_in(client, f"CALL {campaign.code.lower()}")

    [answer] = answers(loopback)
    assert answer == (
        f"{network()}: A member of our community is detained. Calls work when many call at once.\n"
        f"Call {DHS} at (202) 555-0140 and say:\n{SCRIPT_EN}\n{REPLY_EN}"
    )
    assert (encoding(answer), segments(answer)) == ("GSM-7", 3)
    assert (inbound().state, inbound().command) == (InboundState.HANDLED, Command.CALL)
    kept = caller(campaign)
    assert (str(kept.phone), kept.language, kept.called_targets) == (NEIGHBOUR, "en", [office(DHS).pk])
    assert kept.call is not None
    assert (kept.call.via, kept.call.language, kept.call.outcome, kept.call.credited_to) == (Via.SMS, "en", None, None)


def test_llamar_answers_in_spanish_the_intro_in_a_text_of_its_own_when_that_saves_segments(
    client: Client, loopback: Path, campaign: Campaign
) -> None:
    text_in(client, f"LLAMAR {campaign.code}")

    intro, answer = answers(loopback)
    # The organisers' intro as they wrote it ("está"): UCS-2, so it goes alone; our words stay GSM-7.
    assert intro == f"{network()}: {campaign.intro_es}"
    assert (encoding(intro), segments(intro)) == ("UCS-2", 2)
    assert answer == f"{network()}: Llame a {DHS} al (202) 555-0140 y diga:\n{SCRIPT_ES}\n{REPLY_ES}"
    assert (encoding(answer), segments(answer)) == ("GSM-7", 2)  # in one text: 6 segments of UCS-2
    assert segments(f"{intro}\n{answer}") == 6
    assert caller(campaign).language == "es"


def test_an_intro_within_gsm_7_goes_in_the_answer_itself(
    client: Client, loopback: Path, medics: WorkingGroup, coordinator: User, second: User
) -> None:
    intro = "Un miembro de nuestra comunidad sigue detenido. Las llamadas funcionan cuando llamamos muchos."
    campaign = live_campaign(medics, coordinator, second, intro_es=intro)

    text_in(client, f"llamar {campaign.code}")

    [answer] = answers(loopback)
    assert answer.startswith(f"{network()}: {intro}\nLlame a {DHS} al (202) 555-0140 y diga:\n")
    assert (encoding(answer), segments(answer)) == ("GSM-7", 3)


def test_a_long_intro_is_shortened_to_its_first_sentences_and_the_second_call_has_none(
    client: Client, loopback: Path, medics: WorkingGroup, coordinator: User, second: User
) -> None:
    first = "A member of our community has been held for three weeks at the county jail without a hearing."
    campaign = live_campaign(medics, coordinator, second, intro_en=f"{first} " + "And so on " * 20 + "ever.")

    text_in(client, f"CALL {campaign.code}")
    text_in(client, f"CALL {campaign.code}")

    first_answer, second_answer = answers(loopback)
    assert first_answer.startswith(f"{network()}: {first}\nCall {DHS} at")
    assert second_answer.startswith(f"{network()}: Call {ICE} at (919) 555-0141 and say:\n")
    assert sms.short("word " * 60).endswith("word...")
    assert len(sms.short("word " * 60)) <= sms.INTRO_CHARACTERS


def test_call_alone_gives_the_one_live_public_campaign(client: Client, loopback: Path, campaign: Campaign) -> None:
    text_in(client, "Call")

    assert f"Call {DHS} at (202) 555-0140 and say:" in last(loopback)
    assert inbound().state == InboundState.HANDLED
    assert caller(campaign).call is not None


def test_call_alone_with_two_campaigns_lists_their_codes_and_then_continues_the_one_chosen(
    client: Client, loopback: Path, campaign: Campaign, medics: WorkingGroup, coordinator: User, second: User
) -> None:
    other = live_campaign(medics, coordinator, second, title_en="Stop the transfer", title_es="")

    text_in(client, "CALL")

    listed = last(loopback)
    assert listed == (
        f"{network()}: Text CALL and a campaign's code: {campaign.code} (Free our neighbour), "
        f"{other.code} (Stop the transfer)"
    )
    assert segments(listed) == 1
    assert not SmsCaller.objects.exists()
    text_in(client, f"CALL {other.code}")
    text_in(client, "CALL")  # the campaign this number is calling
    assert last(loopback).startswith(f"{network()}: Call {ICE} at")
    assert caller(other).called_targets == [office_of(other, DHS).pk, office_of(other, ICE).pk]


def office_of(campaign: Campaign, name: str) -> Target:
    return campaign.targets.get(name_en=name)


def test_call_alone_with_no_campaign_open_goes_to_the_inbox_with_a_hint(client: Client, loopback: Path) -> None:
    text_in(client, "LLAMAR")

    [answer] = answers(loopback)
    assert answer == (
        f"{network()}: No hay ninguna campaña de llamadas abierta ahora. Una persona va a leer su mensaje."
    )
    assert segments(answer) == 1
    assert (inbound().state, inbound().command) == (InboundState.UNMATCHED, Command.CALL)


def test_a_code_no_campaign_has_goes_to_the_inbox_with_a_hint(
    client: Client, loopback: Path, campaign: Campaign, medics: WorkingGroup, coordinator: User
) -> None:
    draft = make_campaign(medics, coordinator)  # being prepared, never live: no one calls it yet

    text_in(client, "CALL ZZ99")
    text_in(client, f"LLAMAR {draft.code}", sender=OTHER)

    assert answers(loopback) == [f"{network()}: No campaign has the code ZZ99. Check it and text CALL and the code."]
    assert answers(loopback, OTHER) == [
        f"{network()}: Ninguna campaña tiene el codigo {draft.code}. Compruébelo y escriba LLAMAR y el codigo."
    ]
    assert all(segments(text) == 1 and encoding(text) == "GSM-7" for text in answers(loopback, OTHER))
    assert list(Inbound.objects.values_list("state", flat=True)) == [InboundState.UNMATCHED] * 2
    assert not SmsCaller.objects.exists()
    assert not Call.objects.exists()


@pytest.mark.parametrize("body", ["Call me back", "llamar a mi abogado", "LLAMAR 911", "call the office please"])
def test_a_sentence_with_the_word_is_read_by_a_person(
    client: Client, loopback: Path, campaign: Campaign, body: str
) -> None:
    text_in(client, body)

    assert (inbound().state, inbound().command) == (InboundState.UNMATCHED, Command.UNMATCHED)
    assert not Call.objects.exists()
    assert answers(loopback)[0] in (unmatched_text("en"), unmatched_text("es"))  # the inbox's usual answer


# 1 to 5.


@pytest.mark.parametrize(
    ("body", "outcome"),
    [
        ("1", Outcome.REACHED),
        ("2.", Outcome.VOICEMAIL),
        (" 3 ", Outcome.NO_ANSWER),
        ("#4", Outcome.BUSY),
        ("5)", Outcome.WRONG),
    ],
)
def test_a_digit_counts_the_outcome_and_answers_with_the_next_office(
    client: Client, loopback: Path, campaign: Campaign, body: str, outcome: Outcome
) -> None:
    text_in(client, f"CALL {campaign.code}")

    text_in(client, body)

    [call] = calls_to(DHS)
    assert (call.outcome, call.via) == (outcome, Via.SMS)
    answer = last(loopback)
    assert answer == f"{network()}: Thanks! Next: Call {ICE} at (919) 555-0141 and say:\n{SCRIPT_EN}\n{REPLY_EN}"
    assert (encoding(answer), segments(answer)) == ("GSM-7", 2)
    assert (inbound().state, inbound().command) == (InboundState.HANDLED, Command.UNMATCHED)
    assert caller(campaign).called_targets == [office(DHS).pk, office(ICE).pk]


def test_the_next_office_in_spanish_takes_two_segments(client: Client, loopback: Path, campaign: Campaign) -> None:
    text_in(client, f"LLAMAR {campaign.code}")

    text_in(client, "2")

    answer = last(loopback)
    assert answer == f"{network()}: ¡Gracias! Llame a {ICE} al (919) 555-0141 y diga:\n{SCRIPT_ES}\n{REPLY_ES}"
    assert (encoding(answer), segments(answer)) == ("GSM-7", 2)


def test_each_office_is_given_once_before_any_again(client: Client, loopback: Path, campaign: Campaign) -> None:
    text_in(client, f"CALL {campaign.code}")
    for _n in range(4):
        text_in(client, "1")

    given = [call.target.name_en for call in Call.objects.order_by("pk")]
    assert given[:4] == [DHS, ICE, WASHINGTON, DISTRICT]
    assert given[4] in given[:4]  # all called: the rotation starts again
    assert Call.objects.filter(outcome=Outcome.REACHED).count() == 4
    assert len(answers(loopback)) == 5  # each answered, past the automatic-reply limit's first few


def test_a_caller_reporting_many_calls_is_answered_past_the_automatic_reply_limit(
    client: Client, loopback: Path, campaign: Campaign
) -> None:
    text_in(client, f"CALL {campaign.code}")
    for _n in range(9):
        text_in(client, "3")

    assert len(answers(loopback)) == 10  # the router's own limit would have stopped at six an hour
    assert Call.objects.filter(outcome=Outcome.NO_ANSWER).count() == 9


def test_a_digit_from_a_number_with_no_office_pending_goes_to_the_inbox(
    client: Client, loopback: Path, campaign: Campaign
) -> None:
    text_in(client, "1")
    text_in(client, f"CALL {campaign.code}", sender=OTHER)
    text_in(client, "6", sender=OTHER)  # no such outcome

    assert (inbound().state, inbound().command) == (InboundState.UNMATCHED, Command.UNMATCHED)
    assert not Call.objects.filter(outcome__isnull=False).exists()
    first, call, digit = Inbound.objects.order_by("pk")
    assert (first.state, call.state, digit.state) == (
        InboundState.UNMATCHED,
        InboundState.HANDLED,
        InboundState.UNMATCHED,
    )


def test_a_digit_hours_after_the_office_was_given_goes_to_the_inbox(
    client: Client, loopback: Path, campaign: Campaign
) -> None:
    text_in(client, f"CALL {campaign.code}")

    with time_machine.travel(timezone.now() + sms.PENDING_FOR + timedelta(minutes=1)):
        text_in(client, "1")

    assert inbound().state == InboundState.UNMATCHED
    assert not Call.objects.filter(outcome__isnull=False).exists()


def test_a_full_voicemail_steers_the_next_caller_by_text_to_another_office(
    client: Client, loopback: Path, campaign: Campaign
) -> None:
    for name in (ICE, WASHINGTON, DISTRICT):  # three web callers reached the other offices: DHS is least called
        Call.objects.create(
            campaign=campaign, target=office(name), line=office(name).lines.get(), offered_at=timezone.now(), outcome=1
        )
    text_in(client, f"CALL {campaign.code}")
    assert f"Call {DHS} at" in last(loopback)

    text_in(client, "4")

    line = office(DHS).lines.get()
    assert (line.streak_outcome, line.streak_count) == (Outcome.BUSY, 1)
    text_in(client, f"CALL {campaign.code}", sender=OTHER)
    assert f"Call {DHS} at" not in last(loopback, OTHER)
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):  # rested: given again
        text_in(client, f"CALL {campaign.code}", sender=THIRD)
        assert f"Call {DHS} at" in last(loopback, THIRD)


def test_a_number_reported_wrong_twice_is_no_longer_given_and_the_organisers_are_told(
    client: Client, loopback: Path, medics: WorkingGroup, coordinator: User, second: User
) -> None:
    campaign = make_campaign(medics, coordinator)
    numbers = [LineValues("(919) 555-0141"), LineValues("(919) 555-0144")]
    target = add_target(campaign, coordinator, ICE, "", lines=numbers)
    do_check_target(target, by=second)
    do_go_live(campaign, by=coordinator)
    mail.outbox.clear()

    text_in(client, f"CALL {campaign.code}")
    assert "(919) 555-0141" in last(loopback)
    text_in(client, "5")
    text_in(client, f"CALL {campaign.code}", sender=OTHER)
    assert "(919) 555-0141" in last(loopback, OTHER)
    text_in(client, "5", sender=OTHER)

    wrong = Line.objects.get(phone="+19195550141")
    assert wrong.wrong_reports == 2
    for phone in (THIRD, "+19195550152", "+19195550153"):
        text_in(client, f"CALL {campaign.code}", sender=phone)
        assert "(919) 555-0144" in last(loopback, phone)
    assert sorted(message.to[0] for message in deliver()) == sorted([coordinator.email, second.email])


def test_stop_keeps_working_and_a_call_after_it_gets_nothing(
    client: Client, loopback: Path, campaign: Campaign
) -> None:
    text_in(client, f"CALL {campaign.code}")
    text_in(client, "STOP")
    sent = len(answers(loopback))

    text_in(client, f"CALL {campaign.code}")
    text_in(client, "1")

    assert len(answers(loopback)) == sent  # the STOP holds: nothing more
    assert Call.objects.count() == 1
    assert not Call.objects.filter(outcome__isnull=False).exists()
    assert inbound().state == InboundState.UNMATCHED
    # Its row goes with the others a day after it last texted (messaging has no hook to tell a part of a STOP).
    retention.purge(now=timezone.now() + timedelta(days=1, minutes=1))
    assert not SmsCaller.objects.exists()


# Nothing to call now.


def test_a_closed_campaign_says_so_and_forgets_its_callers(
    client: Client, loopback: Path, campaign: Campaign, coordinator: User
) -> None:
    text_in(client, f"CALL {campaign.code}")
    do_close_campaign(campaign, "won", "Released.", "", by=coordinator)

    text_in(client, "1")
    text_in(client, f"CALL {campaign.code}")

    assert not SmsCaller.objects.exists()
    assert Inbound.objects.order_by("pk")[1].state == InboundState.UNMATCHED  # the digit: no office pending
    answer = last(loopback)
    assert answer == f"{network()}: Calls for {campaign.code} have ended. Thank you for calling."
    assert segments(answer) == 1


def test_a_paused_campaign_says_to_call_again_later(
    client: Client, loopback: Path, campaign: Campaign, coordinator: User
) -> None:
    do_pause(campaign, by=coordinator)

    text_in(client, f"LLAMAR {campaign.code}")

    answer = last(loopback)
    assert answer == (
        f"{network()}: Las llamadas de {campaign.code} se pausaron por ahora. "
        f"Escriba LLAMAR {campaign.code} otra vez después."
    )
    assert (encoding(answer), segments(answer)) == ("GSM-7", 1)
    assert inbound().state == InboundState.HANDLED


def test_offices_closed_now_say_when_the_next_opens_in_the_networks_time(
    client: Client, loopback: Path, medics: WorkingGroup, coordinator: User, second: User
) -> None:
    saturday = datetime(2026, 12, 5, 15, 0, tzinfo=UTC)  # 10:00 in New York, a Saturday
    with time_machine.travel(saturday, tick=False):
        campaign = live_campaign(medics, coordinator, second, **OFFICE_HOURS)
        text_in(client, f"CALL {campaign.code}")
        text_in(client, f"LLAMAR {campaign.code}", sender=OTHER)
        english, spanish = last(loopback), last(loopback, OTHER)

    assert english == (
        f"{network()}: No office of {campaign.code} is open now. The next opens Mon 12/7 9 a.m. EST: "
        f"text CALL {campaign.code} then."
    )
    assert spanish == (
        f"{network()}: Ninguna oficina de {campaign.code} atiende ahora. La siguiente abre el lun 7/12 09:00 EST: "
        f"escriba LLAMAR {campaign.code} a esa hora."
    )
    assert [(encoding(text), segments(text)) for text in (english, spanish)] == [("GSM-7", 1)] * 2
    assert not Call.objects.exists()
    assert not SmsCaller.objects.exists()
    with time_machine.travel(datetime(2026, 12, 7, 14, 0, tzinfo=UTC), tick=False):
        text_in(client, f"CALL {campaign.code}")
        assert f"Call {DHS} at (202) 555-0140" in last(loopback)


def test_the_last_office_of_the_day_reported_says_thanks_and_when_the_next_opens(
    client: Client, loopback: Path, medics: WorkingGroup, coordinator: User, second: User
) -> None:
    friday = datetime(2026, 12, 4, 21, 50, tzinfo=UTC)  # 16:50 in New York, ten minutes before closing
    with time_machine.travel(friday, tick=False):
        campaign = live_campaign(medics, coordinator, second, **OFFICE_HOURS)
        text_in(client, f"CALL {campaign.code}")
    with time_machine.travel(friday + timedelta(minutes=15), tick=False):  # 17:05: all closed
        text_in(client, "1")
        answer = last(loopback)

    assert calls_to(DHS)[0].outcome == Outcome.REACHED
    assert answer == (
        f"{network()}: Thanks! No office of {campaign.code} is open now. The next opens Mon 12/7 9 a.m. EST: "
        f"text CALL {campaign.code} then."
    )
    assert caller(campaign).call is None
    text_in(client, "1")
    assert inbound().state == InboundState.UNMATCHED  # nothing pending any more


def test_a_campaign_not_begun_says_when_calls_begin(
    client: Client, loopback: Path, medics: WorkingGroup, coordinator: User, second: User
) -> None:
    starts = datetime(2026, 12, 8, 14, 0, tzinfo=UTC)
    with time_machine.travel(datetime(2026, 12, 7, 14, 0, tzinfo=UTC), tick=False):
        campaign = live_campaign(medics, coordinator, second, starts_at=starts)
        text_in(client, f"CALL {campaign.code}")
        answer = last(loopback)

    assert answer == (
        f"{network()}: Calls for {campaign.code} begin Tue 12/8 9 a.m. EST. Text CALL {campaign.code} then."
    )


def test_a_campaign_past_its_window_says_calls_have_ended(client: Client, loopback: Path, campaign: Campaign) -> None:
    with time_machine.travel(campaign.ends_at + timedelta(minutes=1)):
        text_in(client, f"LLAMAR {campaign.code}")
        answer = last(loopback)

    assert answer == f"{network()}: Las llamadas de {campaign.code} ya terminaron. Gracias por llamar."
    assert campaign.state == State.LIVE


# Who may call by text.


def test_a_members_campaign_is_called_by_a_vetted_persons_number_or_an_accounts_and_is_no_code_to_anyone_else(
    client: Client, loopback: Path, medics: WorkingGroup, coordinator: User, second: User
) -> None:
    campaign = live_campaign(medics, coordinator, second, visibility=Visibility.MEMBERS)
    make_person("Rosa Ejemplo", phones=[NEIGHBOUR])  # vetted
    make_person("Nadie Ejemplo", phones=[OTHER], vetted=False, user=make_user("nadie"))
    make_person("Otro Ejemplo", phones=["+19195550152"], vetted=False)  # neither: not a member yet

    text_in(client, f"CALL {campaign.code}")
    text_in(client, f"CALL {campaign.code}", sender=OTHER)
    text_in(client, f"CALL {campaign.code}", sender="+19195550152")
    text_in(client, f"CALL {campaign.code}", sender=THIRD)  # a stranger

    assert f"Call {DHS} at" in last(loopback)
    assert f"Call {ICE} at" in last(loopback, OTHER)
    refused = f"{network()}: No campaign has the code {campaign.code}. Check it and text CALL and the code."
    assert answers(loopback, "+19195550152") == [refused]
    assert answers(loopback, THIRD) == [refused]
    text_in(client, "CALL", sender=THIRD)  # nor is it offered to a stranger's CALL alone
    assert "No call-in campaign is open now" in last(loopback, THIRD)


# What is kept, and what is not.


def test_neither_the_number_nor_the_words_reach_the_audit_or_the_log(
    client: Client, loopback: Path, campaign: Campaign, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        text_in(client, f"CALL {campaign.code}")
        text_in(client, "4")
        text_in(client, "call me back")
        text_in(client, f"LLAMAR {campaign.code}", sender=OTHER)
        answers(loopback)

    audited = " ".join(str((entry.actor, entry.object_ids, entry.detail)) for entry in AuditEntry.objects.all())
    assert not holds_a_number(audited)
    assert not holds_a_number(caplog.text)
    for words in ("call me back", "LLAMAR", "Homeland", "member of our community"):
        assert words not in audited
        assert words not in caplog.text
    stored = SmsCaller.objects.values_list("phone", flat=True)
    assert not any(holds_a_number(str(value)) for value in stored)  # encrypted at rest
    assert Call.objects.filter(credited_to__isnull=False).count() == 0


def test_callers_by_text_go_a_day_after_they_last_texted(client: Client, loopback: Path, campaign: Campaign) -> None:
    text_in(client, f"CALL {campaign.code}")
    text_in(client, f"CALL {campaign.code}", sender=OTHER)
    with time_machine.travel(timezone.now() + timedelta(hours=20)):
        text_in(client, f"CALL {campaign.code}", sender=OTHER)  # seen again: kept a day from now

    retention.purge(now=timezone.now() + timedelta(days=1, minutes=1))

    assert [str(row.phone) for row in SmsCaller.objects.all()] == [OTHER]
    assert Call.objects.count() == 3  # the calls stay, saying nothing of who made them


def test_our_spanish_words_by_text_keep_to_gsm_7() -> None:
    msgids = [
        "No campaign has the code %(code)s. Check it and text CALL and the code.",
        "No call-in campaign is open now. A person will read your message.",
        "Text CALL and a campaign's code: %(codes)s",
        "Calls for %(code)s have ended. Thank you for calling.",
        "Calls for %(code)s are paused for now. Text CALL %(code)s again later.",
        "Thanks!",
        "Thanks! Next:",
        "Call %(office)s at %(number)s and say:",
        "Then reply 1 reached, 2 voicemail, 3 no answer, 4 busy/full, 5 wrong number.",
        "No office of %(code)s can be called now. Thank you for calling.",
        "Calls for %(code)s begin %(when)s. Text CALL %(code)s then.",
        "No office of %(code)s is open now. The next opens %(when)s: text CALL %(code)s then.",
    ]
    with translation.override("es"):
        for msgid in msgids:
            spanish = gettext(msgid)
            assert spanish != msgid, msgid
            assert encoding(spanish) == "GSM-7", spanish
            assert ("LLAMAR" in spanish) == ("CALL" in msgid.replace("call-in", "")), spanish
