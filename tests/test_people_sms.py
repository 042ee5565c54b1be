"""A volunteer by SMS alone: PAUSE / PAUSA, BACK / VUELVO and STATUS / ESTADO, through the loopback webhook."""

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from solidarity.core.models import AuditEntry
from solidarity.messaging.keywords import Command
from solidarity.messaging.models import Inbound, InboundState, Message
from solidarity.messaging.priority import Priority
from solidarity.messaging.sms.text import encoding, segments
from solidarity.people.models import Person, PersonState
from solidarity.people.services import Window, do_add_one_off_shift, do_grant_certification, do_leave, do_pause
from tests.factories.messaging import NEIGHBOUR, text_in, texts_out
from tests.factories.people import holds_a_number, make_person, skill

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
PHONE = "(919) 555-0123"  # 555-01xx: fictional
VOLUNTEER = "+19195550123"
SUNDAY, WEDNESDAY = 6, 2
TUESDAY_NOON = datetime(2026, 3, 10, 12, 0, tzinfo=NEW_YORK)
SATURDAY_BEFORE_SPRING_FORWARD = datetime(2026, 3, 7, 12, 0, tzinfo=NEW_YORK)  # clocks go 02:00 -> 03:00 on the 8th


@pytest.fixture
def tuesday() -> Iterator[None]:
    with time_machine.travel(TUESDAY_NOON, tick=False):
        yield


def volunteer(*, language: str = "en", windows: tuple[Window, ...] = (), skills: tuple[str, ...] = ()) -> Person:
    return make_person("Rosa Ejemplo", phones=[PHONE], language=language, windows=windows, skills=skills)


def answers(outbox: Path) -> list[str]:
    """The texts sent to the volunteer's number, each checked to fit one GSM-7 SMS."""
    bodies = [sent["body"] for sent in texts_out(outbox) if sent["to"] == VOLUNTEER]
    for body in bodies:
        assert encoding(body) == "GSM-7", body
        assert segments(body) == 1, body
    return bodies


def test_pausa_7_pauses_for_seven_days_and_answers_in_spanish(client: Client, loopback: Path, tuesday: None) -> None:
    rosa = volunteer(language="es")

    text_in(client, "PAUSA 7", sender=VOLUNTEER)

    rosa.refresh_from_db()
    assert (rosa.state, rosa.paused_until) == (PersonState.PAUSED, date(2026, 3, 17))
    assert answers(loopback) == [
        "Solidarity: en pausa. No le enviaremos alertas hasta el mar 17/3. Para volver antes, escriba VUELVO."
    ]
    inbound = Inbound.objects.get()
    assert (inbound.state, inbound.command) == (InboundState.HANDLED, Command.PAUSE)
    entry = AuditEntry.objects.filter(object_type="people.person").latest("seq")
    assert (entry.actor, entry.object_ids, entry.detail) == ("public", [str(rosa.uuid)], {"state": "paused", "days": 7})


def test_pausa_2_semanas_pauses_for_two_weeks(client: Client, loopback: Path, tuesday: None) -> None:
    rosa = volunteer(language="es")

    text_in(client, "pausa 2 semanas", sender=VOLUNTEER)

    rosa.refresh_from_db()
    assert (rosa.state, rosa.paused_until) == (PersonState.PAUSED, date(2026, 3, 24))
    assert answers(loopback) == [
        "Solidarity: en pausa. No le enviaremos alertas hasta el mar 24/3. Para volver antes, escriba VUELVO."
    ]


def test_the_reply_is_in_the_persons_language_whatever_the_keyword(
    client: Client, loopback: Path, tuesday: None
) -> None:
    volunteer(language="en")

    text_in(client, "pausa 14 días", sender=VOLUNTEER)

    assert answers(loopback) == [
        "Solidarity: paused. You will get no alerts until Tue 3/24. Text BACK to come back sooner."
    ]


def test_pause_alone_is_for_a_week_and_a_length_out_of_range_is_explained(
    client: Client, loopback: Path, tuesday: None
) -> None:
    rosa = volunteer()

    text_in(client, "Pause 0", sender=VOLUNTEER)
    rosa.refresh_from_db()
    assert rosa.state == PersonState.ACTIVE
    text_in(client, "PAUSE", sender=VOLUNTEER)
    rosa.refresh_from_db()
    assert (rosa.state, rosa.paused_until) == (PersonState.PAUSED, date(2026, 3, 17))

    assert answers(loopback) == [
        "Solidarity: for a two-week pause, text PAUSE 14 (up to PAUSE 365).",
        "Solidarity: paused. You will get no alerts until Tue 3/17. Text BACK to come back sooner.",
    ]


def test_back_brings_a_paused_volunteer_back_and_says_the_next_shift(
    client: Client, loopback: Path, tuesday: None
) -> None:
    rosa = volunteer(language="es", windows=(Window(WEDNESDAY, time(18, 0), 240),))
    do_pause(rosa, date(2026, 3, 20), by=None)

    text_in(client, "¡Vuelvo!", sender=VOLUNTEER)
    text_in(client, "VUELVO", sender=VOLUNTEER)

    rosa.refresh_from_db()
    assert (rosa.state, rosa.paused_until) == (PersonState.ACTIVE, None)
    assert answers(loopback) == [
        "Solidarity: su pausa ha terminado. Ya puede recibir alertas otra vez. "
        "Siguiente turno de guardia: mié 11/3 18:00 a 22:00.",
        "Solidarity: usted no estaba en pausa. Siguiente turno de guardia: mié 11/3 18:00 a 22:00.",
    ]


def test_status_gives_the_next_shift_across_a_daylight_saving_change_and_a_skill_lapsing_soon(
    client: Client, loopback: Path
) -> None:
    with time_machine.travel(datetime(2025, 3, 20, 12, 0, tzinfo=NEW_YORK), tick=False):
        rosa = volunteer(windows=(Window(SUNDAY, time(9, 0), 8 * 60),), skills=("naloxone",))  # lapses 2026-03-20
    do_grant_certification(rosa, skill("de-escalation"), by=None)  # a year from now: not soon

    with time_machine.travel(SATURDAY_BEFORE_SPRING_FORWARD, tick=False):
        text_in(client, "status?", sender=VOLUNTEER)

    # 09:00 on Sunday is 09:00 summer time, though it is winter time when the text comes.
    assert answers(loopback) == [
        "Solidarity: you are active. Next shift: Sun 3/8 9 a.m. to 5 p.m. Lapsing soon: Naloxone on 3/20."
    ]


def test_a_shift_at_a_time_the_clocks_skip_starts_an_hour_later_on_the_clock(client: Client, loopback: Path) -> None:
    # As the on-call query reads it (people.oncall): 02:30 winter time is 03:30 summer time.
    with time_machine.travel(SATURDAY_BEFORE_SPRING_FORWARD, tick=False):
        volunteer(language="es", windows=(Window(SUNDAY, time(2, 30), 60),))
        text_in(client, "ESTADO", sender=VOLUNTEER)

    assert answers(loopback) == ["Solidarity: en activo. Siguiente turno de guardia: dom 8/3 03:30 a 04:30."]


def test_status_while_paused_gives_the_first_shift_after_the_pause(
    client: Client, loopback: Path, tuesday: None
) -> None:
    rosa = volunteer(windows=(Window(WEDNESDAY, time(18, 0), 240),))
    do_pause(rosa, date(2026, 3, 20), by=None)  # a Friday: Wednesday the 18th is still paused

    text_in(client, "STATUS", sender=VOLUNTEER)

    assert answers(loopback) == ["Solidarity: paused until Fri 3/20. Next shift: Wed 3/25 6 p.m. to 10 p.m."]


def test_status_on_call_now_and_with_a_one_off_change(client: Client, loopback: Path, tuesday: None) -> None:
    rosa = volunteer(windows=(Window(1, time(9, 0), 10 * 60), Window(WEDNESDAY, time(18, 0), 240)))
    wednesday = datetime(2026, 3, 11, 17, 0, tzinfo=NEW_YORK)
    do_add_one_off_shift(rosa, wednesday, wednesday + timedelta(hours=6), is_on_call=False, by=None)  # away

    text_in(client, "STATUS", sender=VOLUNTEER)
    assert answers(loopback) == ["Solidarity: you are active. On call now until 7 p.m."]
    with time_machine.travel(TUESDAY_NOON + timedelta(hours=8), tick=False):
        text_in(client, "STATUS", sender=VOLUNTEER)
        assert answers(loopback)[1:] == ["Solidarity: you are active. Next shift: Tue 3/17 9 a.m. to 7 p.m."]


def test_status_always_on_call_and_with_no_shift(client: Client, loopback: Path, tuesday: None) -> None:
    volunteer(language="es", windows=(Window(0, time(0), 7 * 24 * 60),))
    make_person("Ana Ejemplo", phones=["(919) 555-0124"], windows=())

    text_in(client, "ESTADO", sender=VOLUNTEER)
    text_in(client, "ESTADO", sender="+19195550124")

    sent = {text["to"]: text["body"] for text in texts_out(loopback)}
    assert sent == {
        VOLUNTEER: "Solidarity: en activo. De guardia ahora.",
        "+19195550124": "Solidarity: you are active. No on-call shifts.",
    }


def test_skills_lapsing_soon_are_listed_soonest_first_in_the_persons_language(client: Client, loopback: Path) -> None:
    with time_machine.travel(datetime(2025, 9, 20, 12, 0, tzinfo=NEW_YORK), tick=False):
        rosa = volunteer(language="es", skills=("tourniquet-pressure-wrapping",))  # 180 days: 2026-03-19
    with time_machine.travel(datetime(2025, 3, 25, 12, 0, tzinfo=NEW_YORK), tick=False):
        for slug in ("naloxone", "hotline-taker", "verifier", "de-escalation"):
            do_grant_certification(rosa, skill(slug), by=None)  # 365 days: 2026-03-25

    with time_machine.travel(TUESDAY_NOON, tick=False):
        text_in(client, "estado", sender=VOLUNTEER)

    [sent] = texts_out(loopback)
    assert sent["body"] == (
        "Solidarity: en activo. Sin turnos de guardia. Vencen pronto: Torniquete y vendaje compresivo el 19/3, "
        "Desescalada de conflictos el 25/3, Persona que atiende la linea de emergencia el 25/3 +2."
    )
    assert encoding(sent["body"]) == "GSM-7"  # "línea" without its accent: two SMS, not four


def test_a_strangers_pause_goes_to_the_inbox_with_the_usual_reply(
    client: Client, loopback: Path, tuesday: None
) -> None:
    volunteer()

    text_in(client, "PAUSE 7", sender=NEIGHBOUR)
    text_in(client, "ICE at my door", sender=NEIGHBOUR)

    [pause, other] = Inbound.objects.order_by("received_at", "pk")
    assert (pause.state, pause.command) == (InboundState.UNMATCHED, Command.PAUSE)
    assert other.state == InboundState.UNMATCHED
    [first, second] = [text["body"] for text in texts_out(loopback)]
    assert first == second  # the same answer as any stranger's text: nothing said about volunteers
    assert "a person will read it" in first
    assert not Person.objects.filter(state=PersonState.PAUSED).exists()


def test_a_number_of_someone_who_left_is_a_strangers(client: Client, loopback: Path, tuesday: None) -> None:
    rosa = volunteer()
    do_leave(rosa, by=None)

    text_in(client, "STATUS", sender=VOLUNTEER)
    text_in(client, "BACK", sender=VOLUNTEER)

    assert set(Inbound.objects.values_list("state", flat=True)) == {InboundState.UNMATCHED}
    assert all("a person will read it" in text["body"] for text in texts_out(loopback))


def test_a_phone_two_people_share_goes_to_the_inbox(client: Client, loopback: Path, tuesday: None) -> None:
    volunteer()
    make_person("Ana Ejemplo", phones=[PHONE])

    text_in(client, "PAUSA 3", sender=VOLUNTEER)

    assert Inbound.objects.get().state == InboundState.UNMATCHED
    assert not Person.objects.filter(state=PersonState.PAUSED).exists()


def test_a_volunteers_own_answers_are_ordinary_replies_limited_per_number(
    client: Client, loopback: Path, tuesday: None
) -> None:
    volunteer()

    for _n in range(8):
        text_in(client, "STATUS", sender=VOLUNTEER)

    assert len(texts_out(loopback)) == 6  # the automatic-reply limit: a robot echoing STATUS cannot loop
    assert {message.priority for message in Message.objects.all()} == {Priority.DIRECT}


def test_neither_the_number_nor_the_words_reach_the_audit_or_the_log(
    client: Client, loopback: Path, tuesday: None, caplog: pytest.LogCaptureFixture
) -> None:
    volunteer()

    text_in(client, "PAUSE 3", sender=VOLUNTEER)
    text_in(client, "BACK", sender=VOLUNTEER)

    audited = " ".join(str((e.actor, e.object_ids, e.detail)) for e in AuditEntry.objects.all())
    assert not holds_a_number(audited)
    assert not holds_a_number(caplog.text)
    for secret in ("PAUSE", "BACK"):
        assert secret not in audited
        assert secret not in caplog.text
