"""Trainings: seats and the waiting list, CONFIRM / DROP by SMS and by link, reminders, attendance, health answers."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test import Client
from icalendar import Calendar

from solidarity.accounts.models import User, WorkingGroup
from solidarity.core.models import AuditEntry
from solidarity.core.timers import find_timer, run_once
from solidarity.messaging.models import Inbound, InboundState
from solidarity.people.feeds import do_make_calendar_feed, feed_path
from solidarity.people.models import Certification, Person
from solidarity.trainings.models import Session, SignUp, SignUpState
from solidarity.trainings.services import (
    DAY_BEFORE_TIMER,
    OVER_TIMER,
    SOON_TIMER,
    Answers,
    SessionValues,
    do_cancel_session,
    do_cancel_sign_up,
    do_create_session,
    do_edit_session,
    do_mark_attendance,
    do_sign_up,
    erase_past_health,
    link_token,
)
from tests.conftest import in_threads
from tests.factories.messaging import deliver, text_in, texts_out
from tests.factories.people import make_person, skill

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=NEW_YORK)  # a Monday
# Sunday 8 March 2026: clocks go 02:00 -> 03:00 in New York. The session is that morning.
SPRING_FORWARD_MORNING = datetime(2026, 3, 8, 10, 0, tzinfo=NEW_YORK)


@pytest.fixture
def monday() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def phone(index: int) -> str:
    return f"+1919555{index + 100:04d}"  # 555-01xx: fictional


def make_session(group: WorkingGroup, by: User | None = None, **changes: object) -> Session:
    values = {
        "title_en": "Street medic refresher",
        "title_es": "Repaso de medicina callejera",
        "starts_at": SPRING_FORWARD_MORNING,
        "ends_at": SPRING_FORWARD_MORNING + timedelta(hours=3),
        "place": "Public library, room 2",
        "capacity": 2,
        **changes,
    }
    return do_create_session(group, SessionValues(**values), by=by)  # type: ignore[arg-type]


def people(count: int, *, language: str = "en") -> list[Person]:
    return [make_person(f"Volunteer {i}", phones=[phone(i)], language=language) for i in range(count)]


def sent_to(outbox: Path, number: str) -> list[str]:
    return [sent["body"] for sent in texts_out(outbox) if sent["to"] == number]


def states(session: Session) -> list[str]:
    return list(session.sign_ups.order_by("pk").values_list("state", flat=True))


def test_seats_then_the_waiting_list_and_a_seat_given_back_goes_to_the_first_in_line(
    medics: WorkingGroup, loopback: Path, monday: None
) -> None:
    session = make_session(medics)
    ana, ben, cruz, dora = people(4)
    sign_ups = [do_sign_up(session, person, by=None) for person in (ana, ben, cruz, dora)]
    assert states(session) == ["seat", "seat", "waiting", "waiting"]
    assert "waiting list" in sent_to(loopback, phone(2))[0]

    do_cancel_sign_up(sign_ups[0], by=None)

    assert states(session) == ["cancelled", "seat", "seat", "waiting"]
    promoted = sent_to(loopback, phone(2))[-1]
    assert promoted.startswith("Solidarity: a seat freed up: you have a seat at Street medic refresher")
    assert f"DROP {sign_ups[2].code}" in promoted
    assert sent_to(loopback, phone(3))[-1].count("waiting list") == 1  # still waiting, told nothing new
    details = [entry.detail for entry in AuditEntry.objects.filter(object_type="trainings.signup")]
    assert {"state": "seat", "promoted": True} in details


def test_signing_up_twice_keeps_the_one_sign_up(medics: WorkingGroup, loopback: Path, monday: None) -> None:
    session = make_session(medics)
    (ana,) = people(1)
    first = do_sign_up(session, ana, by=None)
    assert do_sign_up(session, ana, by=None).pk == first.pk
    assert SignUp.objects.count() == 1


def test_raising_the_capacity_promotes_and_lowering_it_bumps_nobody(
    medics: WorkingGroup, coordinator: User, loopback: Path, monday: None
) -> None:
    session = make_session(medics, capacity=1)
    for person in people(3):
        do_sign_up(session, person, by=None)
    assert states(session) == ["seat", "waiting", "waiting"]

    values = SessionValues(
        title_en=session.title_en,
        title_es=session.title_es,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        place=session.place,
        capacity=2,
    )
    assert do_edit_session(session, values, by=coordinator) == 1
    assert states(session) == ["seat", "seat", "waiting"]
    assert "a seat freed up" in sent_to(loopback, phone(1))[-1]

    lowered = SessionValues(**{**values.__dict__, "capacity": 1})
    assert do_edit_session(session, lowered, by=coordinator) == 0
    assert states(session) == ["seat", "seat", "waiting"]  # nobody loses a seat
    do_cancel_sign_up(session.sign_ups.order_by("pk")[0], by=None)
    assert states(session) == ["cancelled", "seat", "waiting"]  # over capacity: nobody promoted


def test_drop_by_sms_gives_the_seat_to_the_first_in_line(
    client: Client, medics: WorkingGroup, loopback: Path, monday: None
) -> None:
    session = make_session(medics, capacity=1)
    ana, ben = people(2)
    seat = do_sign_up(session, ana, by=None)
    do_sign_up(session, ben, by=None)

    text_in(client, f"drop {seat.code.lower()}", sender=phone(0))

    assert states(session) == ["cancelled", "seat"]
    assert sent_to(loopback, phone(0))[-1] == (
        "Solidarity: done, your place at Street medic refresher goes to someone else. Thank you for telling us."
    )
    assert "a seat freed up" in sent_to(loopback, phone(1))[-1]
    inbound = Inbound.objects.get()
    assert (inbound.state, inbound.command) == (InboundState.HANDLED, "drop")


def test_cedo_alone_acts_on_the_one_seat_and_a_code_from_another_number_does_nothing(
    client: Client, medics: WorkingGroup, loopback: Path, monday: None
) -> None:
    session = make_session(medics, capacity=3)
    ana, ben = people(2, language="es")
    do_sign_up(session, ana, by=None)
    bens = do_sign_up(session, ben, by=None)

    text_in(client, f"CEDO {bens.code}", sender=phone(0))  # Ben's code, from Ana's phone
    assert states(session) == ["seat", "seat"]
    text_in(client, "Cedo", sender=phone(0))
    assert states(session) == ["cancelled", "seat"]
    assert sent_to(loopback, phone(0))[-1] == (
        "Solidarity: listo, su lugar en Repaso de medicina callejera pasa a otra persona. Gracias por avisarnos."
    )


def test_confirm_by_sms_keeps_the_seat(client: Client, medics: WorkingGroup, loopback: Path, monday: None) -> None:
    session = make_session(medics)
    (ana,) = people(1)
    seat = do_sign_up(session, ana, by=None)

    text_in(client, f"CONFIRM {seat.code}", sender=phone(0))

    seat.refresh_from_db()
    assert seat.confirmed_at is not None
    assert seat.state == SignUpState.SEAT
    assert sent_to(loopback, phone(0))[-1] == (
        "Solidarity: confirmed. Your seat at Street medic refresher is kept. See you there!"
    )


def test_confirm_by_link_the_get_changes_nothing_and_the_button_confirms(medics: WorkingGroup, monday: None) -> None:
    session = make_session(medics, capacity=1)
    ana = make_person("Ana Ejemplo", emails=["ana@example.org"])
    ben = make_person("Ben Ejemplo", emails=["ben@example.org"])
    seat = do_sign_up(session, ana, by=None)
    do_sign_up(session, ben, by=None)
    sent = deliver()
    assert [message.to for message in sent] == [["ana@example.org"], ["ben@example.org"]]
    link = f"/en/trainings/seat/{link_token(seat)}/"
    assert link in sent[0].body
    client = Client()

    page = client.get(link)
    assert page.status_code == 200
    assert "I am coming: keep my seat" in page.text
    seat.refresh_from_db()
    assert seat.confirmed_at is None

    client.post(link, {"action": "confirm"})
    seat.refresh_from_db()
    assert seat.confirmed_at is not None

    client.post(link, {"action": "give_back"})
    assert states(session) == ["cancelled", "seat"]
    assert "A seat freed up" in deliver()[-1].subject
    assert Client().get("/en/trainings/seat/not-a-token/").status_code == 404


def test_reminders_fire_at_local_times_across_the_clock_change(
    medics: WorkingGroup, loopback: Path, monday: None
) -> None:
    session = make_session(medics)
    (ana,) = people(1)
    do_sign_up(session, ana, by=None)

    day_before = find_timer(DAY_BEFORE_TIMER, str(session.uuid))
    soon = find_timer(SOON_TIMER, str(session.uuid))
    over = find_timer(OVER_TIMER, str(session.uuid))
    assert day_before is not None
    assert soon is not None
    assert over is not None
    # Saturday 18:00 is still standard time (UTC-5); Sunday 08:00 is daylight time (UTC-4).
    assert day_before.due_at == datetime(2026, 3, 7, 23, 0, tzinfo=UTC)
    assert soon.due_at == datetime(2026, 3, 8, 12, 0, tzinfo=UTC)

    with time_machine.travel(datetime(2026, 3, 7, 17, 59, tzinfo=NEW_YORK), tick=False):
        assert run_once() == 0
    seat = session.sign_ups.get()
    with time_machine.travel(datetime(2026, 3, 7, 18, 0, tzinfo=NEW_YORK), tick=False):
        assert run_once() == 1
        assert sent_to(loopback, phone(0))[-1] == (
            f"Solidarity: Street medic refresher is Sun 3/8 10 a.m. at Public library, room 2. "
            f"Reply CONFIRM {seat.code} to keep your seat or DROP {seat.code} "
            "to give it to someone on the waiting list."
        )
    with time_machine.travel(datetime(2026, 3, 8, 8, 0, tzinfo=NEW_YORK), tick=False):
        assert run_once() == 1
        assert run_once() == 0  # fired once
        assert "starts soon" in sent_to(loopback, phone(0))[-1]


def test_attendance_grants_and_renews_the_skill_lapsing_at_local_midnight_and_can_be_undone(
    medics: WorkingGroup, coordinator: User, loopback: Path, monday: None
) -> None:
    naloxone = skill("naloxone")
    session = make_session(medics, skill=naloxone)
    (ana,) = people(1)
    seat = do_sign_up(session, ana, by=None)

    with time_machine.travel(SPRING_FORWARD_MORNING + timedelta(minutes=30), tick=False):
        do_mark_attendance(seat, True, by=coordinator)
        certification = Certification.objects.get(person=ana, skill=naloxone)
        assert certification.source == f"training:{session.uuid}"
        lapses = certification.lapses_at.astimezone(NEW_YORK)
        assert (lapses.hour, lapses.minute) == (0, 0)
        assert lapses.date() == (SPRING_FORWARD_MORNING + timedelta(days=naloxone.refresher_days)).date()

        do_mark_attendance(seat, None, by=coordinator)
        seat.refresh_from_db()
        assert (seat.state, seat.marked_at) == (SignUpState.SEAT, None)
        assert not Certification.objects.filter(person=ana).exists()  # given by this mark: gone with it
        do_mark_attendance(seat, True, by=coordinator)
        do_mark_attendance(seat, False, by=coordinator)
        seat.refresh_from_db()
        assert seat.state == SignUpState.NO_SHOW
        assert not Certification.objects.filter(person=ana).exists()
        do_mark_attendance(seat, True, by=coordinator)
        certification = Certification.objects.get(person=ana, skill=naloxone)

    later = make_session(
        medics,
        skill=naloxone,
        starts_at=datetime(2026, 4, 4, 10, tzinfo=NEW_YORK),
        ends_at=datetime(2026, 4, 4, 12, tzinfo=NEW_YORK),
    )
    again = do_sign_up(later, ana, by=None)
    with time_machine.travel(datetime(2026, 4, 4, 10, 5, tzinfo=NEW_YORK), tick=False):
        do_mark_attendance(again, True, by=coordinator)
    renewed = Certification.objects.get(person=ana, skill=naloxone)
    assert renewed.first_granted_at == certification.first_granted_at
    assert renewed.lapses_at > certification.lapses_at
    with time_machine.travel(datetime(2026, 4, 4, 10, 6, tzinfo=NEW_YORK), tick=False):
        do_mark_attendance(again, None, by=coordinator)
    assert Certification.objects.filter(person=ana, skill=naloxone).exists()  # a renewal stays: a keeper corrects it


def test_attendance_is_not_marked_before_the_day(medics: WorkingGroup, coordinator: User, monday: None) -> None:
    from django.core.exceptions import ValidationError

    session = make_session(medics)
    (ana,) = people(1)
    seat = do_sign_up(session, ana, by=None)
    with pytest.raises(ValidationError):
        do_mark_attendance(seat, True, by=coordinator)


def test_health_answers_are_erased_when_the_session_is_over(medics: WorkingGroup, monday: None) -> None:
    session = make_session(medics, asks_health=True, asks_food=True)
    (ana,) = people(1)
    seat = do_sign_up(session, ana, Answers(health="Peanuts", food="Vegetarian"), by=None)
    seat.refresh_from_db()
    assert (str(seat.health), str(seat.food)) == ("Peanuts", "Vegetarian")

    with time_machine.travel(session.ends_at + timedelta(minutes=1), tick=False):
        assert run_once() >= 1
    seat.refresh_from_db()
    session.refresh_from_db()
    assert (str(seat.health), str(seat.food), session.state) == ("", "Vegetarian", "done")
    assert seat.health_erased_at is not None
    with connection.cursor() as cursor:
        cursor.execute("SELECT health FROM trainings_signup WHERE id = %s", [seat.pk])
        assert cursor.fetchone()[0] == ""


def test_the_hourly_safety_net_erases_health_answers_a_timer_missed(medics: WorkingGroup, monday: None) -> None:
    session = make_session(medics, asks_health=True)
    (ana,) = people(1)
    seat = do_sign_up(session, ana, Answers(health="Bees"), by=None)
    with time_machine.travel(session.ends_at + timedelta(hours=1), tick=False):
        assert erase_past_health() == 1
        assert erase_past_health() == 0
    seat.refresh_from_db()
    assert str(seat.health) == ""


def test_answers_the_session_does_not_ask_are_not_kept(medics: WorkingGroup, monday: None) -> None:
    session = make_session(medics, asks_food=True)
    (ana,) = people(1)
    seat = do_sign_up(session, ana, Answers(food="No pork", health="Latex"), by=None)
    seat.refresh_from_db()
    assert (str(seat.food), str(seat.health)) == ("No pork", "")


def test_cancelling_the_session_tells_everyone_signed_up(
    medics: WorkingGroup, coordinator: User, loopback: Path, monday: None
) -> None:
    session = make_session(medics, capacity=1)
    for person in people(2):
        do_sign_up(session, person, by=None)

    assert do_cancel_session(session, by=coordinator) == 2

    assert states(session) == ["cancelled", "cancelled"]
    for index in range(2):
        assert "is cancelled" in sent_to(loopback, phone(index))[-1]
    assert find_timer(DAY_BEFORE_TIMER, str(session.uuid)) is None
    assert do_cancel_session(session, by=coordinator) == 0


def test_public_sign_up_without_javascript_is_held_once_confirmed_by_sms(
    client: Client, medics: WorkingGroup, loopback: Path, monday: None
) -> None:
    session = make_session(medics, is_public=True, asks_childcare=True)
    page = client.get(f"/es/trainings/{session.uuid}/")
    assert page.status_code == 200
    assert "Repaso de medicina callejera" in page.text
    assert len(page.content) < 100_000

    answer = client.post(
        f"/es/trainings/{session.uuid}/",
        {"display_name": "Lupe", "contact": "(919) 555-0177", "language": "es", "childcare": "Dos, 4 y 6 años"},
    )

    assert answer.status_code == 200
    sign_up = SignUp.objects.get()
    assert (sign_up.state, str(sign_up.childcare)) == (SignUpState.PENDING, "Dos, 4 y 6 años")
    assert (sign_up.person.vouch_count, sign_up.person.vetted_by_import_at) == (0, None)
    person = sign_up.person  # asked for this training and to hear of it; not for alerts or announcements
    assert (person.consent_trainings, person.consent_alerts, person.consent_announcements) == (True, False, False)
    text = sent_to(loopback, "+19195550177")[-1]
    assert f"CONFIRMAR {sign_up.code}" in text

    text_in(client, f"confirmar {sign_up.code}", sender="+19195550177")
    sign_up.refresh_from_db()
    assert sign_up.state == SignUpState.SEAT
    # The same contact again: the same person, the same sign-up; the page answers alike.
    client.post(f"/es/trainings/{session.uuid}/", {"display_name": "L", "contact": "9195550177", "language": "es"})
    assert (Person.objects.count(), SignUp.objects.count()) == (1, 1)


def test_a_session_that_is_not_public_has_no_public_page(client: Client, medics: WorkingGroup, monday: None) -> None:
    session = make_session(medics)
    assert client.get(f"/en/trainings/{session.uuid}/").status_code == 404
    assert "Street medic" not in client.get("/en/trainings/").text


@pytest.mark.django_db(transaction=True)
def test_no_seat_is_oversold_when_many_sign_up_at_once(medics: WorkingGroup) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite serialises every writer anyway")
    start = datetime.now(UTC) + timedelta(days=2)
    session = make_session(medics, capacity=3, starts_at=start, ends_at=start + timedelta(hours=2))
    crowd = people(8)

    in_threads(8, lambda index: do_sign_up(session, crowd[index], by=None))

    assert sorted(states(session)) == ["seat"] * 3 + ["waiting"] * 5
    mail.outbox.clear()


def test_retention_removes_sign_ups_of_sessions_long_past_and_public_ones_never_confirmed(
    medics: WorkingGroup, loopback: Path, monday: None
) -> None:
    from solidarity.core.retention import purge

    session = make_session(medics, is_public=True)
    (ana,) = people(1)
    do_sign_up(session, ana, by=None)
    client = Client()
    client.post(
        f"/en/trainings/{session.uuid}/", {"display_name": "Lupe", "contact": "lupe@example.org", "language": "en"}
    )
    assert states(session) == ["seat", "pending"]

    with time_machine.travel(NOW + timedelta(days=15), tick=False):
        counts = {result.rule: result.count for result in purge()}
    assert counts["trainings.never-confirmed"] == 1
    assert states(session) == ["seat"]

    with time_machine.travel(session.ends_at + timedelta(days=366), tick=False):
        counts = {result.rule: result.count for result in purge()}
    assert counts["trainings.past-sessions"] == 1
    assert states(session) == []


def test_the_demo_has_a_full_refresher_with_a_waiting_list_and_a_public_workshop_and_sends_nothing() -> None:
    from solidarity.accounts import demo as accounts_demo
    from solidarity.lists import demo as lists_demo
    from solidarity.messaging.models import Message
    from solidarity.people import demo as people_demo
    from solidarity.trainings import demo as trainings_demo

    accounts_demo.load()
    lists_demo.load()  # the zones the roster's zones touch
    people_demo.load()
    messages_before = Message.objects.count()
    assert trainings_demo.load() == 4
    assert trainings_demo.load() == 0

    refresher = Session.objects.get(title_en="Street medic refresher")
    assert states(refresher) == ["seat"] * 4 + ["waiting"] * 3
    assert refresher.skill is not None
    assert refresher.skill.slug == "street-medic-basic"
    public = Client().get("/es/trainings/")
    assert "Taller: conozca sus derechos" in public.text
    assert "Primeros auxilios básicos" in public.text
    assert "Street medic refresher" not in public.text
    assert Message.objects.count() == messages_before


def test_public_sign_up_by_email_is_confirmed_by_the_links_button_not_by_opening_it(
    medics: WorkingGroup, monday: None
) -> None:
    session = make_session(medics, is_public=True, capacity=1)
    client = Client()
    client.post(
        f"/en/trainings/{session.uuid}/", {"display_name": "Lupe", "contact": "Lupe@Example.org", "language": "en"}
    )
    sign_up = SignUp.objects.get()
    (sent,) = deliver()
    assert sent.to == ["lupe@example.org"]
    assert sent.subject == "Confirm your seat at Street medic refresher"
    link = f"/en/trainings/seat/{link_token(sign_up)}/"
    assert link in sent.body

    assert "Confirm my sign-up" in client.get(link).text
    sign_up.refresh_from_db()
    assert sign_up.state == SignUpState.PENDING
    client.post(link, {"action": "confirm"})
    sign_up.refresh_from_db()
    assert sign_up.state == SignUpState.SEAT
    assert deliver()[-1].subject == "You have a seat at Street medic refresher"


def test_a_volunteers_own_calendar_feed_shows_their_seat_and_their_place_in_line(
    medics: WorkingGroup, loopback: Path, monday: None
) -> None:
    session = make_session(medics, capacity=1)
    ana, ben = people(2, language="es")
    do_sign_up(session, ana, by=None)
    do_sign_up(session, ben, by=None)

    def summaries(person: Person) -> list[str]:
        body = Client().get(feed_path(do_make_calendar_feed(person, by=None))).content
        events = Calendar.from_ical(body).walk("VEVENT")
        return [str(event["SUMMARY"]) for event in events if str(event["UID"]).startswith("training-signup-")]

    assert summaries(ana) == ["Repaso de medicina callejera"]
    assert summaries(ben) == ["En lista de espera: Repaso de medicina callejera"]
