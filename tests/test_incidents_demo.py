"""The demo's incidents: a checkpoint partly filled, a raid waiting to be verified, a text waiting for a zone."""

import pytest
from django.core.management import call_command

from solidarity.incidents import demo as incidents_demo
from solidarity.incidents.case_models import Case
from solidarity.incidents.models import Alert, AlertState, Incident, IncidentState, Need, Report, ReportState
from solidarity.messaging.models import Message
from solidarity.people.demo import FIRST_NUMBER, ROSTER

pytestmark = pytest.mark.django_db(transaction=False)

FICTIONAL = (*tuple(f"+1919555{FIRST_NUMBER + index:04d}" for index in range(len(ROSTER))), incidents_demo.TEXTED_FROM)


def test_the_demo_has_a_confirmed_checkpoint_partly_filled_a_raid_to_verify_and_a_text_to_place() -> None:
    call_command("demo")
    call_command("demo")  # once

    assert Report.objects.count() == 6
    checkpoint = Incident.objects.get(type="checkpoint")
    assert checkpoint.state == IncidentState.CONFIRMED
    assert checkpoint.report_count == 2
    observers = Need.objects.get(incident=checkpoint, skill__slug="legal-observer")
    states = sorted(observers.alerts.values_list("state", flat=True))
    assert states.count(AlertState.GOING) == 1
    assert states.count(AlertState.DECLINED) == 1
    assert AlertState.ASKED in states  # the no asked the next one at once
    assert observers.state == "open"
    assert Alert.objects.filter(incident=checkpoint, need__skill__slug="licensed-driver", state="asked").exists()

    raid = Incident.objects.get(type="home_raid")
    assert raid.state == IncidentState.REPORTED
    assert raid.report_count == 3
    assert not raid.alerts.exists()

    (texted,) = Report.objects.filter(state=ReportState.NEEDS_ZONE)
    assert texted.source == "sms"
    assert texted.incident is None

    (case,) = Case.objects.all()  # a fictional family's case from the checkpoint, its team the demo dispatcher
    assert case.incident == checkpoint
    assert [user.username for user in case.team.all()] == ["sam.placeholder"]


def test_the_demos_alerts_go_only_to_its_fictional_numbers() -> None:
    call_command("demo")

    sms = Message.objects.filter(channel="sms")
    assert sms.exists()
    assert all(str(message.to) in FICTIONAL for message in sms)
    assert all(alert.person.display_name in {entry[0] for entry in ROSTER} for alert in Alert.objects.all())
