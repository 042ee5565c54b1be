"""Rapid response: reports grouped into incidents, verification, quota dispatch, answers by SMS and escalation."""

from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.utils import timezone

from solidarity.accounts.models import User
from solidarity.core import timers
from solidarity.incidents import dispatch
from solidarity.incidents.intake import ReportValues, do_take_report, forget_senders
from solidarity.incidents.models import (
    Alert,
    AlertState,
    Entry,
    EntryKind,
    Incident,
    IncidentState,
    Need,
    NeedState,
    Purpose,
    Report,
    ReportState,
    Requirement,
    Source,
)
from solidarity.incidents.services import (
    IncidentError,
    do_confirm,
    do_mark_false_alarm,
    do_mark_unverified,
    do_merge,
    do_resolve,
    do_split,
    do_stand_down,
    do_start_verifying,
)
from solidarity.incidents.timeline import hotline_settings
from solidarity.messaging import outcomes
from solidarity.messaging.models import Message, State
from solidarity.messaging.sms.text import encoding, segments
from solidarity.people.models import Person
from tests.conftest import in_threads
from tests.factories.incidents import catalogued, incident_of, neighbours, report, responder
from tests.factories.messaging import text_in, texts_out
from tests.factories.people import zone

pytestmark = pytest.mark.django_db

Confirmed = tuple[Incident, list[Person]]


def only(requirements: list[tuple[str, str, int]]) -> None:
    """The dispatch requirements are exactly these (type, skill, count)."""
    Requirement.objects.all().delete()
    for kind, slug, count in requirements:
        Requirement.objects.create(type=kind, skill=catalogued(slug), count=count)


def alerts_to(person_phone: str) -> list[Message]:
    return list(Message.objects.filter(to=person_phone).order_by("pk"))


def phone_of(person: Person) -> str:
    return str(person.contacts.get().value)


# Intake and grouping.


def test_reports_of_one_checkpoint_in_neighbouring_zones_make_one_incident_with_a_count() -> None:
    neighbours("east-durham", "walltown")

    first = report("checkpoint", "east-durham")
    second = report("checkpoint", "walltown")
    elsewhere = report("checkpoint", "old-west")
    other_kind = report("home_raid", "east-durham")

    incident = incident_of(first)
    assert incident_of(second) == incident
    assert incident.report_count == 2
    assert incident.state == IncidentState.REPORTED
    assert incident_of(elsewhere) != incident
    assert incident_of(other_kind) != incident
    assert [entry.kind for entry in incident.timeline.all()] == [EntryKind.REPORT, EntryKind.REPORT]


def test_a_report_after_the_window_starts_a_new_incident() -> None:
    first = report()
    with time_machine.travel(timezone.now() + timedelta(minutes=hotline_settings().group_window_minutes + 1)):
        later = report()
    assert incident_of(later) != incident_of(first)


def test_a_report_over_the_public_limits_waits_for_review_and_starts_nothing() -> None:
    found = do_take_report(
        ReportValues(type="checkpoint", zone=zone("east-durham")), source=Source.API, for_review=True
    )

    assert found.state == ReportState.FOR_REVIEW
    assert found.incident is None


def test_bad_report_values_are_refused_by_field() -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        do_take_report(
            ReportValues(type="nonsense", zone=zone("east-durham"), occurred_at=timezone.now() + timedelta(hours=2)),
            source=Source.WEB,
        )
    assert set(refused.value.message_dict) == {"type", "occurred_at"}


# Verifying and confirming.


def test_verifying_asks_the_nearest_on_call_verifier_first() -> None:
    neighbours("east-durham", "walltown")
    near = responder("Vera Cerca", "verifier", zones=["east-durham"])
    far = responder("Vito Lejos", "verifier", zones=["walltown"])
    hotline_settings()  # verifier skills seeded by the migration
    incident = incident_of(report())

    do_start_verifying(incident, by=None)

    asked = list(Alert.objects.filter(incident=incident).order_by("rank"))
    assert asked[0].person == near
    assert {alert.person for alert in asked} <= {near, far}
    assert asked[0].need.purpose == Purpose.VERIFY
    incident.refresh_from_db()
    assert incident.state == IncidentState.VERIFYING


def test_an_observer_asked_to_verify_and_not_needed_is_asked_to_go_once_it_is_confirmed(
    client: Client, loopback: Path
) -> None:
    """In a small network the nearest legal observer is asked to look, then to go: one need does not spend them."""
    only([("checkpoint", "legal-observer", 1)])
    hotline_settings().verifier_skills.set([catalogued("verifier"), catalogued("legal-observer")])
    looker = responder("Vera Mira", "verifier", phone="+19195550131")
    observer = responder("Olga Mira", "legal-observer", phone="+19195550132")
    incident = incident_of(report())
    do_start_verifying(incident, by=None)
    texts_out(loopback)
    assert {alert.person for alert in Alert.objects.all()} == {looker, observer}
    text_in(client, "VOY", sender="+19195550131")  # the verifier goes: the observer is not needed to look
    assert Alert.objects.get(person=observer).state == AlertState.COVERED

    do_confirm(incident, by=None)

    going = Alert.objects.get(person=observer, need__purpose=Purpose.RESPOND)
    assert going.state == AlertState.ASKED
    text_in(client, "VOY", sender="+19195550132")  # a bare answer goes to the alert still asking
    going.refresh_from_db()
    assert going.state == AlertState.GOING
    assert not any("which alert" in text["body"] for text in texts_out(loopback))


def reported_with_follow_up(contact: str, language: str = "en", zone_slug: str = "east-durham") -> Report:
    values = ReportValues(type="checkpoint", zone=zone(zone_slug), follow_up=True, contact=contact, language=language)
    return do_take_report(values, source=Source.WEB)


def test_reporters_who_asked_to_hear_back_are_told_the_outcome_false_alarms_too(loopback: Path) -> None:
    by_text = reported_with_follow_up("(919) 555-0171", language="es")
    by_email = reported_with_follow_up("vecina.171@example.org")
    silent = report()  # did not ask to hear back
    incident = by_text.incident
    assert incident is not None
    assert by_email.incident == incident == silent.incident

    do_mark_false_alarm(incident, by=None, note="A film crew")

    texts = [text["body"] for text in texts_out(loopback)]
    assert len(texts) == 1
    assert by_text.code in texts[0]
    assert "falsa alarma" in texts[0]
    assert encoding(texts[0]) == "GSM-7"
    emails = Message.objects.filter(idempotency_key=f"incidents.outcome:{by_email.uuid}:false_alarm")
    [email] = list(emails)
    assert "false alarm" in str(email.content["mime"])
    assert not Message.objects.filter(idempotency_key__contains=str(silent.uuid)).exists()
    assert Entry.objects.filter(incident=incident, kind=EntryKind.OUTCOME).get().data["told"] == 2


def test_a_confirmed_or_unverified_incident_is_told_once_to_its_reporters(loopback: Path) -> None:
    confirmed = reported_with_follow_up("(919) 555-0172")
    assert confirmed.incident is not None
    do_confirm(confirmed.incident, by=None)
    with pytest.raises(IncidentError):
        do_confirm(confirmed.incident, by=None)
    stale = reported_with_follow_up("(919) 555-0173", zone_slug="old-west")
    assert stale.incident is not None
    do_mark_unverified(stale.incident, by=None)

    bodies = {text["to"]: text["body"] for text in texts_out(loopback)}
    assert "confirmed it" in bodies["+19195550172"]
    assert "could not confirm" in bodies["+19195550173"]
    assert len(texts_out(loopback)) == 2


def test_nothing_is_dispatched_before_a_person_confirms() -> None:
    only([("checkpoint", "legal-observer", 1)])
    responder("Lola Observadora", "legal-observer")
    for _ in range(30):
        report()

    assert not Alert.objects.exists()


def test_confirming_opens_one_need_per_requirement_and_asks_more_than_needed(settings: object) -> None:
    only([("checkpoint", "legal-observer", 2), ("checkpoint", "licensed-driver", 1)])
    observers = [responder(f"Observadora {n}", "legal-observer") for n in range(6)]
    driver = responder("Dario Conductor", "licensed-driver")
    incident = incident_of(report())

    do_confirm(incident, by=None, where="Main St and 3rd")

    needs = {need.skill.slug: need for need in Need.objects.filter(incident=incident) if need.skill}
    assert needs["legal-observer"].alerts.count() == 4  # 2 places, asked 200 %
    assert needs["licensed-driver"].alerts.count() == 1  # only one on call
    assert Alert.objects.get(need=needs["licensed-driver"]).person == driver
    asked = {alert.person for alert in needs["legal-observer"].alerts.all()}
    assert asked <= set(observers)
    texts = [message.content["text"] for message in Message.objects.filter(priority=0)]
    assert all("Main St and 3rd" in text and "GO " in text for text in texts)


# Answers by SMS, through the loopback webhook.


@pytest.fixture
def confirmed(client: Client, loopback: Path) -> Confirmed:
    only([("checkpoint", "legal-observer", 2)])
    observers = [responder(f"Observadora {n}", "legal-observer", phone=f"+1919555{n:04d}") for n in range(100, 106)]
    incident = incident_of(report())
    do_confirm(incident, by=None)
    return incident, observers


def alert_of(person: Person) -> Alert:
    return Alert.objects.get(person=person)


def test_a_no_asks_the_next_person_at_once(client: Client, confirmed: Confirmed) -> None:
    first = Alert.objects.order_by("rank").first()
    assert first is not None
    asked_before = Alert.objects.count()

    assert text_in(client, f"NO {first.code}", sender=phone_of(first.person)) == 200

    first.refresh_from_db()
    assert first.state == AlertState.DECLINED
    assert Alert.objects.count() == asked_before + 1


def test_go_answers_fill_the_need_and_the_others_are_told_they_are_covered(
    client: Client, confirmed: Confirmed, loopback: Path
) -> None:
    incident, _observers = confirmed
    texts_out(loopback)  # the alerts leave
    asked = list(Alert.objects.order_by("rank"))
    going = asked[:2]

    for alert in going:
        text_in(client, f"VOY {alert.code}", sender=phone_of(alert.person))

    need = Need.objects.get(incident=incident)
    assert need.state == NeedState.FILLED
    states = {alert.person_id: alert.state for alert in Alert.objects.all()}
    assert [states[alert.person_id] for alert in going] == [AlertState.GOING, AlertState.GOING]
    assert all(states[alert.person_id] == AlertState.COVERED for alert in asked[2:])
    sent = texts_out(loopback)
    covered = [text for text in sent if "covered" in text["body"] or "cubierto" in text["body"]]
    assert len(covered) == len(asked) - 2
    # A late GO from someone covered is thanked, not counted.
    late = asked[2]
    text_in(client, f"GO {late.code}", sender=phone_of(late.person))
    late.refresh_from_db()
    assert late.state == AlertState.COVERED
    assert Need.objects.get(incident=incident).alerts.filter(state=AlertState.GOING).count() == 2


def test_a_bare_go_answers_the_only_open_alert(client: Client, confirmed: Confirmed) -> None:
    alert = Alert.objects.order_by("rank").first()
    assert alert is not None

    text_in(client, "si", sender=phone_of(alert.person))

    alert.refresh_from_db()
    assert alert.state == AlertState.GOING


def test_arrived_and_left_by_text(client: Client, confirmed: Confirmed) -> None:
    alert = Alert.objects.order_by("rank").first()
    assert alert is not None
    phone = phone_of(alert.person)
    text_in(client, f"GO {alert.code}", sender=phone)

    text_in(client, f"LLEGUE {alert.code}", sender=phone)
    alert.refresh_from_db()
    assert alert.state == AlertState.ON_SCENE

    text_in(client, "LEFT", sender=phone)
    alert.refresh_from_db()
    assert alert.state == AlertState.LEFT


def test_stop_takes_a_responder_out_and_the_next_is_asked(client: Client, confirmed: Confirmed, loopback: Path) -> None:
    alert = Alert.objects.order_by("rank").first()
    assert alert is not None
    count = Alert.objects.count()

    text_in(client, "STOP", sender=phone_of(alert.person))
    outcomes.tell()  # the minute's sweep (the webhook's request told it on commit)

    alert.refresh_from_db()
    assert alert.state == AlertState.UNDELIVERED
    assert Alert.objects.count() == count + 1


def test_a_report_texted_by_anyone_is_kept_and_answered_with_its_reference(client: Client, loopback: Path) -> None:
    neighbours("east-durham", "walltown")

    text_in(client, "REPORTE reten de la migra en Walltown junto al puente", sender="+19195550177")

    found = Report.objects.get()
    assert found.source == Source.SMS
    assert found.type == "checkpoint"
    assert found.zone == zone("walltown")
    assert found.incident is not None
    reply = texts_out(loopback)[-1]
    assert found.code in reply["body"]
    assert reply["to"] == "+19195550177"


def test_a_texted_reports_number_is_forgotten_after_the_hotlines_hours(client: Client, loopback: Path) -> None:
    text_in(client, "REPORT checkpoint somewhere", sender="+19195550177")
    found = Report.objects.get()
    assert found.state == ReportState.NEEDS_ZONE
    assert found.reply_to == "+19195550177"

    forget_senders(timezone.now() + timedelta(hours=hotline_settings().sender_hours, minutes=1))

    found.refresh_from_db()
    assert found.reply_to == ""


def test_a_verifier_texting_report_adds_their_account_to_the_timeline(client: Client, loopback: Path) -> None:
    verifier = responder("Vera Cerca", "verifier", phone="+19195550150")
    incident = incident_of(report())
    do_start_verifying(incident, by=None)
    alert = Alert.objects.get(person=verifier)
    text_in(client, f"GO {alert.code}", sender="+19195550150")

    text_in(client, "REPORT 4 agents, 2 vans, stopping every car", sender="+19195550150")

    entry = Entry.objects.get(incident=incident, kind=EntryKind.VERIFICATION)
    assert entry.text == "4 agents, 2 vans, stopping every car"
    assert Report.objects.count() == 1


# Escalation, driven by time.


def test_an_unfilled_need_asks_the_next_ring_then_pages_the_dispatchers_once(dispatcher: User) -> None:
    only([("checkpoint", "legal-observer", 1)])
    neighbours("east-durham", "walltown")
    near = responder("Lola Cerca", "legal-observer", zones=["east-durham"])
    far = responder("Lalo Lejos", "legal-observer", zones=["walltown"])
    incident = incident_of(report())
    do_confirm(incident, by=None)
    assert {alert.person for alert in Alert.objects.all()} == {near}
    hotline = hotline_settings()

    with time_machine.travel(timezone.now() + timedelta(minutes=hotline.ring_minutes, seconds=1)):
        timers.fire_due()
        assert {alert.person for alert in Alert.objects.all()} == {near, far}
    with time_machine.travel(timezone.now() + timedelta(minutes=hotline.page_minutes, seconds=1)):
        timers.fire_due()
        timers.fire_due()
    need = Need.objects.get(incident=incident)
    assert need.paged_at is not None
    assert Entry.objects.filter(incident=incident, kind=EntryKind.PAGED).count() == 1
    assert Message.objects.filter(idempotency_key__startswith="incidents.page:").count() == 1


def test_a_stale_timer_after_confirmation_does_nothing() -> None:
    incident = incident_of(report())
    do_confirm(incident, by=None)

    with time_machine.travel(timezone.now() + timedelta(minutes=hotline_settings().stale_after_minutes + 1)):
        timers.fire_due()

    incident.refresh_from_db()
    assert incident.state == IncidentState.CONFIRMED


def test_an_unconfirmed_incident_goes_stale() -> None:
    incident = incident_of(report())

    with time_machine.travel(timezone.now() + timedelta(minutes=hotline_settings().stale_after_minutes + 1)):
        timers.fire_due()

    incident.refresh_from_db()
    assert incident.state == IncidentState.UNVERIFIED


# Standing down, closing, merging, splitting.


def test_texts_to_spanish_speakers_stay_gsm_7_and_one_sms(client: Client, loopback: Path) -> None:
    """An accent GSM-7 lacks (á, í, ó, ú) would make a text UCS-2: 70 characters an SMS instead of 160."""
    only([("checkpoint", "legal-observer", 1)])
    for n in range(2):
        responder(f"Vecina {n}", "legal-observer", phone=f"+1919555{120 + n:04d}", language="es")
    incident = incident_of(report())
    do_confirm(incident, by=None, where="La plaza junto al mercado")
    texts_out(loopback)  # both alerts leave
    first = Alert.objects.order_by("rank").first()
    assert first is not None
    text_in(client, f"VOY {first.code}", sender=phone_of(first.person))  # the other is told it is covered
    text_in(client, "REPORTE hay 3 camionetas en la plaza", sender="+19195550199")

    sent = texts_out(loopback)
    assert any("cubierto" in text["body"] for text in sent), [text["body"] for text in sent]
    assert all(encoding(text["body"]) == "GSM-7" for text in sent), [text["body"] for text in sent]
    assert all(segments(text["body"]) == 1 for text in sent), [text["body"] for text in sent]


def test_standing_down_tells_everyone_on_the_way(confirmed: Confirmed, client: Client, loopback: Path) -> None:
    incident, _observers = confirmed
    alert = Alert.objects.order_by("rank").first()
    assert alert is not None
    text_in(client, f"GO {alert.code}", sender=phone_of(alert.person))
    before = len(texts_out(loopback))

    told = do_stand_down(incident, by=None)

    assert told == Alert.objects.count()
    assert not Alert.objects.filter(state__in=(AlertState.ASKED, AlertState.GOING)).exists()
    assert not Need.objects.filter(state=NeedState.OPEN).exists()
    # Told the alert is over, not that it is covered: nobody may have gone at all.
    bodies = [text["body"] for text in texts_out(loopback)[before:]]
    assert len(bodies) == told
    assert all(("is over" in body or "ya termin" in body) and "cubierto" not in body for body in bodies), bodies


def test_a_false_alarm_cannot_be_confirmed_and_is_resolved() -> None:
    incident = incident_of(report())
    do_mark_false_alarm(incident, by=None, note="A film crew")

    with pytest.raises(IncidentError):
        do_confirm(incident, by=None)
    do_resolve(incident, by=None)
    incident.refresh_from_db()
    assert incident.state == IncidentState.RESOLVED


def test_merge_and_split() -> None:
    a = incident_of(report("checkpoint", "east-durham"))
    b = incident_of(report("checkpoint", "old-west"))

    do_merge(b, a, by=None)

    a.refresh_from_db()
    b.refresh_from_db()
    assert a.report_count == 2
    assert b.state == IncidentState.MERGED
    moved = Report.objects.get(zone__slug="old-west")
    split = do_split(a, [moved.code], by=None)
    assert split.report_count == 1
    a.refresh_from_db()
    assert a.report_count == 1


def test_a_time_entry_cannot_be_edited() -> None:
    incident = incident_of(report())
    entry = Entry.objects.filter(incident=incident).first()
    assert entry is not None
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        Entry.objects.filter(pk=entry.pk).update(actor="someone")


def test_the_ranking_says_why(confirmed: Confirmed) -> None:
    alert = Alert.objects.order_by("rank").first()
    assert alert is not None
    names = dispatch.zone_names([alert.reasons["zone"]])
    assert dispatch.reason_text(alert.reasons, names) == (
        "on call in East Durham, never asked before, speaks the reporters' language"
    )
    assert State.QUEUED  # the outbox holds the alerts until the worker sends them


# At once (PostgreSQL's row locks; SQLite serialises every writer anyway).


def postgresql_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite serialises every writer anyway")


@pytest.mark.django_db(transaction=True)
def test_many_gos_at_once_never_take_more_places_than_the_need_has() -> None:
    postgresql_only()
    only([("checkpoint", "legal-observer", 2)])
    hotline = hotline_settings()
    hotline.over_ask_percent = 400
    hotline.save()
    for n in range(8):
        responder(f"Observadora {n}", "legal-observer")
    incident = incident_of(report())
    do_confirm(incident, by=None)
    asked = list(Alert.objects.all())
    assert len(asked) == 8

    results = in_threads(8, lambda index: dispatch.do_answer_alert(asked[index], going=True))

    assert sorted(results) == sorted([dispatch.Answer.GOING] * 2 + [dispatch.Answer.COVERED] * 6)
    assert Alert.objects.filter(state=AlertState.GOING).count() == 2
    assert Need.objects.get().state == NeedState.FILLED


@pytest.mark.django_db(transaction=True)
def test_reports_of_one_area_at_once_make_one_incident() -> None:
    postgresql_only()
    neighbours("east-durham", "walltown")
    zones = ["east-durham", "walltown"]

    in_threads(8, lambda index: report("checkpoint", zones[index % 2]))

    assert Report.objects.values("incident").distinct().count() == 1


@pytest.mark.django_db(transaction=True)
def test_answers_while_the_incident_is_closed_do_not_deadlock() -> None:
    postgresql_only()
    only([("checkpoint", "legal-observer", 4)])
    for n in range(6):
        responder(f"Observadora {n}", "legal-observer")
    incident = incident_of(report())
    do_confirm(incident, by=None)
    asked = list(Alert.objects.all())

    def work(index: int) -> object:
        if index == 0:
            return do_resolve(incident, by=None)
        return dispatch.do_answer_alert(asked[index - 1], going=index % 2 == 0)

    in_threads(len(asked) + 1, work)

    incident.refresh_from_db()
    assert incident.state == IncidentState.RESOLVED
    assert not Alert.objects.filter(state__in=(AlertState.ASKED, AlertState.GOING)).exists()


def test_a_number_texting_many_reports_has_the_rest_kept_for_review(client: Client, loopback: Path) -> None:
    zone("walltown")
    for _ in range(7):
        text_in(client, "REPORT checkpoint in Walltown", sender="+19195550177")

    states = list(Report.objects.order_by("pk").values_list("state", flat=True))
    assert states == [ReportState.GROUPED] * 5 + [ReportState.FOR_REVIEW] * 2
    assert Report.objects.filter(state=ReportState.GROUPED).values("incident").distinct().count() == 1
