"""Drills: the same flow as a real incident with every message marked DRILL / SIMULACRO, nothing public, nobody
held back from a real incident, and a report that names the gaps, as a table and as charts."""

from datetime import timedelta
from email import message_from_string, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from solidarity.accounts.models import User
from solidarity.core import timers
from solidarity.incidents.dispatch import do_answer_alert, do_mark_arrived
from solidarity.incidents.drill_messages import DRILL_PREFIX
from solidarity.incidents.drills import Stage, drill_report
from solidarity.incidents.models import (
    Alert,
    AlertState,
    Entry,
    EntryKind,
    Incident,
    IncidentState,
    Report,
)
from solidarity.incidents.purge import do_purge_incident
from solidarity.incidents.services import IncidentError, do_confirm, do_merge, do_resolve
from solidarity.incidents.timeline import hotline_settings
from solidarity.messaging import outcomes
from solidarity.messaging.models import Channel, Message, State
from solidarity.messaging.priority import Priority
from tests.factories.accounts import client_for
from tests.factories.drills import drill, gappy_drill, only
from tests.factories.incidents import catalogued, incident_of, report, responder
from tests.factories.messaging import text_in, texts_out
from tests.factories.people import zone

pytestmark = pytest.mark.django_db

VERIFIER = "+19195550181"
DECLINING = "+19195550182"
GOING = "+19195550183"


def email_of(message: Message) -> EmailMessage:
    parsed = message_from_string(message.content["mime"], policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def said(message: Message) -> list[str]:
    """What the person reads first: a text's words; an email's subject and the start of its text."""
    if message.channel == Channel.SMS:
        return [str(message.content["text"])]
    mail = email_of(message)
    body = mail.get_body(("plain",))
    assert body is not None
    return [str(mail["Subject"]), str(body.get_content())]


# The same flow, every message marked.


def test_a_drill_runs_end_to_end_by_text_and_every_message_it_sends_starts_drill_simulacro(
    client: Client, loopback: Path, dispatcher: User
) -> None:
    only([("checkpoint", "legal-observer", 1), ("checkpoint", "licensed-driver", 1)])  # no driver: a page
    hotline = hotline_settings()
    hotline.verifier_skills.set([catalogued("verifier")])
    hotline.over_ask_percent = 300
    hotline.save()
    responder("Vera Simulacro", "verifier", phone=VERIFIER)
    declining = responder("Olga Simulacro", "legal-observer", phone=DECLINING)
    going = responder("Omar Simulacro", "legal-observer", phone=GOING)
    by_email = responder("Eva Simulacro", "legal-observer", email="eva.simulacro@example.org")

    drilled = drill(Stage.VERIFY, by=dispatcher, scenario="Practice: a checkpoint by the bridge")
    assert drilled.drill
    assert drilled.state == IncidentState.VERIFYING
    [verify] = texts_out(loopback)
    assert verify["to"] == VERIFIER
    assert verify["body"].startswith(DRILL_PREFIX)
    text_in(client, "VOY", sender=VERIFIER)
    text_in(client, "REPORTE 3 vans, practice only", sender=VERIFIER)  # their account, on the drill's timeline
    assert Entry.objects.get(incident=drilled, kind=EntryKind.VERIFICATION).text == "3 vans, practice only"

    do_confirm(drilled, by=dispatcher)
    asked = {
        alert.person: alert for alert in Alert.objects.filter(incident=drilled, need__skill__slug="legal-observer")
    }
    assert set(asked) == {declining, going, by_email}
    text_in(client, f"NO {asked[declining].code}", sender=DECLINING)
    text_in(client, "GO", sender=GOING)
    text_in(client, "LLEGUE", sender=GOING)
    with time_machine.travel(timezone.now() + timedelta(minutes=hotline.page_minutes, seconds=1)):
        timers.fire_due()  # nobody drives: the dispatcher is paged
        timers.fire_due()
    do_resolve(drilled, by=dispatcher)
    text_in(client, f"SALI {asked[going].code}", sender=GOING)

    assert Alert.objects.get(pk=asked[going].pk).state == AlertState.LEFT
    assert Alert.objects.get(pk=asked[by_email].pk).state == AlertState.COVERED
    kinds = {key.split(":")[0] for key in Message.objects.values_list("idempotency_key", flat=True)}
    assert {"incidents.alert", "incidents.page", "incidents.over", "incidents.stood_down", "messaging.reply"} <= kinds
    assert Message.objects.filter(channel=Channel.EMAIL).count() >= 2  # Eva's alert, the dispatcher's page
    unmarked = [
        (m.idempotency_key, text)
        for m in Message.objects.all()
        for text in said(m)
        if not text.startswith(DRILL_PREFIX)
    ]
    assert not unmarked
    sent = texts_out(loopback)
    assert len(sent) >= 8
    assert all(text["body"].startswith(DRILL_PREFIX) for text in sent)
    assert not Report.objects.exists()
    assert not Message.objects.filter(priority=Priority.ALERT).exists()  # a drill never takes the alert lane


# A drill never holds anyone back from a real incident.


def test_a_real_incident_asks_someone_who_is_out_on_a_drill(loopback: Path) -> None:
    only([("checkpoint", "legal-observer", 1)])
    observer = responder("Olga Ocupada", "legal-observer")
    drilled = drill()
    on_drill = Alert.objects.get(incident=drilled, person=observer)
    do_answer_alert(on_drill, going=True)
    do_mark_arrived(on_drill)

    real = incident_of(report())
    do_confirm(real, by=None)

    assert real != drilled
    assert Alert.objects.get(incident=real, person=observer).state == AlertState.ASKED


def test_the_least_recently_asked_ranking_leaves_a_drills_alerts_out() -> None:
    only([("checkpoint", "legal-observer", 1)])
    hotline = hotline_settings()
    hotline.over_ask_percent = 100
    hotline.save()
    asked_for_real = responder("Bea Antes", "legal-observer")  # first in the stable order
    drilled_only = responder("Ana Simulacro", "legal-observer")
    with time_machine.travel(timezone.now() - timedelta(days=3)):
        earlier = incident_of(report())
        do_confirm(earlier, by=None)
        assert Alert.objects.get(incident=earlier).person == asked_for_real
        do_resolve(earlier, by=None)
    drilled = drill()
    assert Alert.objects.get(incident=drilled).person == drilled_only  # never asked for real: first

    real = incident_of(report())
    do_confirm(real, by=None)

    found = Alert.objects.get(incident=real)
    assert found.person == drilled_only  # asked today, but for a drill: still "never asked"
    assert found.reasons["last_asked_days"] is None


def test_a_real_alert_cancels_what_a_drill_still_has_queued_and_the_drill_asks_nobody_in_their_place(
    loopback: Path,
) -> None:
    only([("checkpoint", "legal-observer", 1)])
    for n in range(4):
        responder(f"Observadora Lista {n}", "legal-observer")
    drilled = drill()
    queued = Message.objects.filter(batch=f"incidents.drill:{drilled.uuid}")
    assert queued.filter(state=State.QUEUED, priority=Priority.DIRECT).count() == 2
    drill_alerts = set(Alert.objects.filter(incident=drilled).values_list("pk", flat=True))

    real = incident_of(report())
    do_confirm(real, by=None)
    outcomes.tell()  # the outcome handlers (told on commit in production)

    assert not queued.filter(state=State.QUEUED).exists()
    assert queued.filter(state=State.CANCELLED).count() == 2
    assert set(Alert.objects.filter(incident=drilled).values_list("pk", flat=True)) == drill_alerts  # nobody new
    assert set(Alert.objects.filter(incident=drilled).values_list("state", flat=True)) == {AlertState.UNDELIVERED}
    reasons = {e.data.get("reason") for e in Entry.objects.filter(incident=drilled, kind=EntryKind.ANSWER)}
    assert reasons == {"real_alert"}
    sent = texts_out(loopback)
    assert len(sent) == 2
    assert not any(text["body"].startswith(DRILL_PREFIX) for text in sent)


# Nothing public.


def test_a_real_report_never_joins_a_drill_nor_merges_with_one_and_a_drill_tells_no_reporter() -> None:
    drilled = drill(Stage.REPORTED)

    real = incident_of(report())  # same type, same zone, within the window

    assert real != drilled
    assert not real.drill
    assert drilled.reports.count() == 0
    with pytest.raises(IncidentError) as refused:
        do_merge(real, drilled, by=None)
    assert refused.value.code == "drill_and_real"
    do_confirm(drilled, by=None)
    assert not Entry.objects.filter(incident=drilled, kind=EntryKind.OUTCOME).exists()


def test_a_drill_is_purged_like_any_incident(loopback: Path) -> None:
    only([("checkpoint", "legal-observer", 1)])
    responder("Olga Purga", "legal-observer")
    drilled = drill(scenario="Practice: purge-canary-drill")
    texts_out(loopback)
    assert Message.objects.filter(batch=f"incidents.drill:{drilled.uuid}").exists()

    purged = do_purge_incident(drilled, actor="system")

    assert purged.incidents == 1
    assert purged.alerts == 1
    assert purged.messages_sent >= 1
    assert not Incident.objects.filter(pk=drilled.pk).exists()
    assert not Message.objects.filter(batch=f"incidents.drill:{drilled.uuid}").exists()
    assert not Entry.objects.filter(incident_id=drilled.pk).exists()


# The report.


def test_the_report_counts_per_zone_and_role_and_names_its_gaps() -> None:
    gappy = gappy_drill()

    with translation.override("en"):
        found = drill_report(gappy.drill)

    rows = {(row.zone_slug, row.skill): row for row in found.rows}
    assert list(rows) == [
        ("east-durham", "legal-observer"),
        ("east-durham", "interpreter"),
        ("walltown", "interpreter"),
    ]
    observers = rows["east-durham", "legal-observer"]
    assert (observers.asked, observers.answered, observers.accepted, observers.answered_in_time) == (2, 2, 1, 2)
    assert observers.median_answer == timedelta(minutes=3, seconds=30)
    near = rows["east-durham", "interpreter"]
    assert (near.asked, near.answered, near.accepted, near.median_answer) == (1, 0, 0, None)
    far = rows["walltown", "interpreter"]
    assert (far.asked, far.answered, far.accepted, far.answered_in_time) == (1, 1, 1, 0)
    assert far.median_answer == timedelta(minutes=14, seconds=59)
    roles = {role.skill: role for role in found.roles}
    assert roles["legal-observer"].time_to_fill == timedelta(minutes=4)
    assert roles["legal-observer"].filled_in_time
    assert roles["interpreter"].time_to_fill == timedelta(minutes=20)
    assert not roles["interpreter"].filled_in_time
    assert roles["licensed-driver"].time_to_fill is None
    assert roles["licensed-driver"].asked == 0
    assert [gap.text for gap in found.gaps] == [
        "No interpreter answered in East Durham within 15 minutes.",
        "No interpreter answered in Walltown within 15 minutes.",
        "The interpreter role was filled after 20 minutes, later than 15.",
        "Nobody could be asked as driver with a valid licence: no one was on call within reach of East Durham.",
        "The driver with a valid licence role was never filled: 0 of 1 places taken.",
    ]
    assert found.scenario == "Practice: a checkpoint by the bridge"

    with translation.override("es"):
        spanish = drill_report(gappy.drill)
    assert spanish.gaps[1].text == (
        "Nadie con el rol de interpreter respondió en Walltown (es) en 15 minutos."  # the skill as the test made it
    )


def test_the_report_page_shows_the_gaps_a_table_and_accessible_svg_charts(dispatcher: User) -> None:
    gappy = gappy_drill()
    client = client_for(dispatcher)

    page = client.get(reverse("incidents:drill", args=[gappy.drill.code]))

    assert page.status_code == 200
    body = page.content.decode()
    assert body.count("<svg") == 2
    assert 'role="img"' in body
    assert '<title id="drill-answers-title">' in body
    assert '<desc id="drill-fill-desc">' in body
    assert "No interpreter answered in East Durham within 15 minutes." in body
    assert "<table>" in body
    assert "Observadora" not in body
    assert "<script" not in body.split("<main", 1)[-1]
    with translation.override("es"):
        spanish = client.get(reverse("incidents:drill", args=[gappy.drill.code]))
    assert "Simulacro" in spanish.content.decode()


def test_the_drills_page_starts_one_and_lists_it_for_a_coordinator(coordinator: User, outsider: User) -> None:
    only([("checkpoint", "legal-observer", 1)])
    keeper = client_for(coordinator)
    catalogued("legal-observer")
    zone("east-durham")

    started = keeper.post(
        reverse("incidents:drills"),
        {"zone": "east-durham", "type": "checkpoint", "stage": "reported", "scenario": "A practice"},
    )

    made = Incident.objects.get(drill=True)
    assert started.status_code == 302
    assert started["Location"] == reverse("incidents:drill", args=[made.code])
    assert made.state == IncidentState.REPORTED
    listing = keeper.get(reverse("incidents:drills")).content.decode()
    assert made.code in listing
    assert keeper.post(reverse("incidents:drills"), {"zone": "nowhere", "type": "checkpoint"}).status_code == 400
    assert client_for(outsider).get(reverse("incidents:drills")).status_code in (403, 404)
    assert client_for(outsider).get(reverse("incidents:drill", args=[made.code])).status_code in (403, 404)


def test_the_board_and_the_incident_page_mark_a_drill(dispatcher: User) -> None:
    drilled = drill(Stage.REPORTED)
    desk = client_for(dispatcher)

    board = desk.get(reverse("incidents:board")).content.decode()
    page = desk.get(reverse("incidents:incident", args=[drilled.code])).content.decode()

    assert 'class="tag drill"' in board
    assert reverse("incidents:drills") in board
    assert "DRILL / SIMULACRO" in page
    assert reverse("incidents:drill", args=[drilled.code]) in page


def test_a_real_incidents_code_is_no_drill(dispatcher: User) -> None:
    real = incident_of(report())
    assert client_for(dispatcher).get(reverse("incidents:drill", args=[real.code])).status_code == 404
