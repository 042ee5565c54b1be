"""Rapid response end to end across processes, as a network runs it on the scale path: a real `solidarity web`
takes the public report, the texts at the loopback webhook and the dispatcher's API calls; a real
`solidarity worker` hands the alerts to the loopback SMS backend and fires the timers; this process only
sets the network up and reads what happened. Then the worker is killed in the middle of a dispatch: nothing
is lost, nothing paged twice. The same tests run on SQLite and on PostgreSQL + Redis (the two CI passes).

Time is driven, not waited for: a timer is made due now by moving its due time, as the clock would.
"""

import json
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from django.utils import timezone

from solidarity.accounts.models import User
from solidarity.accounts.services import do_create_token
from solidarity.core.models import Timer, TimerState
from solidarity.incidents import dispatch
from solidarity.incidents.intake import ReportValues, do_take_report
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
    Requirement,
    Source,
)
from solidarity.incidents.services import do_confirm
from solidarity.incidents.timeline import hotline_settings
from solidarity.messaging.models import Message
from solidarity.people.models import Person
from tests.conftest import free_port, require_services, solidarity, worker_env
from tests.factories.accounts import bearer
from tests.factories.incidents import catalogued, neighbours, responder
from tests.factories.messaging import use_loopback
from tests.factories.people import make_person, zone

TOKEN = "a-long-loopback-token-for-the-incidents-worker-test"
LOOPBACK = {
    "SOLIDARITY_SMS_BACKEND": "loopback",
    "SOLIDARITY_LOOPBACK_TOKEN": TOKEN,
    "SOLIDARITY_OUTBOX_LEASE_SECONDS": "2",  # a text held by a killed worker is another's this soon
}
VERIFIER = "+19195550140"
DISPATCHER = "+19195550141"
OBSERVERS = [f"+1919555{n:04d}" for n in range(110, 116)]  # 555-01xx: fictional


def sent(outbox: Path) -> list[dict[str, str]]:
    return [json.loads(line) for line in outbox.read_text().splitlines()] if outbox.exists() else []


def texts_to(outbox: Path, number: str) -> list[str]:
    return [text["body"] for text in sent(outbox) if text["to"] == number]


def wait_until(condition: Callable[[], bool], what: str, worker: subprocess.Popen[str], timeout: float = 60) -> None:
    """Poll with a deadline: a hang fails the test rather than blocking the suite; no timing assert."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert worker.poll() is None, f"the worker ended ({worker.returncode}) before {what}"
        assert time.monotonic() < deadline, f"{what} (waited {timeout:.0f} s)"
        time.sleep(0.05)


def start_worker(stop_processes: list[subprocess.Popen[str]]) -> subprocess.Popen[str]:
    worker = solidarity("worker", env=worker_env() | LOOPBACK | {"DJANGO_SETTINGS_MODULE": "tests.worker_settings"})
    stop_processes.append(worker)
    return worker


def due_now(kind: str, need: Need) -> None:
    """The clock reaches the timer: its due time is now (the worker's own clock is left alone)."""
    now = timezone.now()
    Timer.objects.filter(kind=kind, key=str(need.uuid), state=TimerState.PENDING).update(
        due_at=now, next_attempt_at=now
    )


def only(requirements: list[tuple[str, str, int]]) -> None:
    """The dispatch requirements are exactly these, and verifiers verify (what a flush of an earlier
    transactional test took from the seeded catalogue is made again)."""
    Requirement.objects.all().delete()
    for kind, slug, count in requirements:
        Requirement.objects.create(type=kind, skill=catalogued(slug), count=count)
    hotline_settings().verifier_skills.add(catalogued("verifier"), catalogued("legal-observer"))


def phone_of(person: Person) -> str:
    return str(person.contacts.get().value)


def every_alert_sent_once(outbox: Path) -> bool:
    bodies = Counter((text["to"], text["body"]) for text in sent(outbox))
    codes = {(phone_of(alert.person), alert.code) for alert in Alert.objects.select_related("person")}
    return all(any(to == number and code in body for (to, body) in bodies) for number, code in codes)


@pytest.fixture
def outbox(own_home: Path, settings: object) -> Path:
    return use_loopback(settings, own_home / "sms-outbox.jsonl", TOKEN)  # type: ignore[arg-type]


@dataclass
class Web:
    """A `solidarity web` process on this test's database, spoken to over HTTP."""

    url: str
    process: subprocess.Popen[str]

    def text(self, body: str, sender: str) -> int:
        """A text arriving at the loopback webhook, as a provider posts it: the webhook's status."""
        response = httpx.post(
            f"{self.url}/webhooks/sms/loopback/",
            data={"From": sender, "Body": body},
            headers={"Authorization": f"Bearer {TOKEN}"},
            timeout=30,
        )
        return response.status_code

    def call(self, path: str, secret: str, body: dict[str, str] | None = None) -> dict[str, object]:
        """A dispatcher's API call with their token; its JSON (a failed call fails the test)."""
        response = httpx.post(f"{self.url}/api/v1{path}", json=body or {}, headers=bearer(secret), timeout=30)
        assert response.status_code == 200, response.text
        answer: dict[str, object] = response.json()
        return answer


def answering(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code in {200, 503}
    except httpx.TransportError:
        return False


@pytest.fixture
def web(outbox: Path, stop_processes: list[subprocess.Popen[str]]) -> Web:
    port = free_port()
    process = solidarity("web", "--port", str(port), env=worker_env() | LOOPBACK)
    stop_processes.append(process)
    output: list[str] = []
    assert process.stdout is not None
    stdout = process.stdout
    threading.Thread(target=lambda: output.extend(stdout), daemon=True).start()  # never a full pipe
    deadline = time.monotonic() + 60
    while not answering(f"http://127.0.0.1:{port}/healthz"):  # 503 until a worker beats: answering is enough
        assert process.poll() is None, f"web ended:\n{''.join(output)}"
        assert time.monotonic() < deadline, f"web did not answer in 60 s:\n{''.join(output)}"
        time.sleep(0.2)
    return Web(f"http://127.0.0.1:{port}", process)


@pytest.mark.django_db(transaction=True)
def test_the_whole_loop_from_a_report_to_standing_down_through_web_and_worker_processes(
    web: Web, outbox: Path, dispatcher: User, stop_processes: list[subprocess.Popen[str]]
) -> None:
    require_services()
    only([("checkpoint", "legal-observer", 2)])
    neighbours("east-durham", "walltown")
    make_person("Dani Despacho", phones=[DISPATCHER], user=dispatcher)
    desk = do_create_token(dispatcher, name="hotline desk").secret
    verifier = responder("Vera Cerca", "verifier", phone=VERIFIER)
    observers = [responder(f"Observadora {n}", "legal-observer", phone=number) for n, number in enumerate(OBSERVERS)]
    worker = start_worker(stop_processes)

    # A public report through the API, and a texted one nearby, grouped with it.
    taken = httpx.post(
        f"{web.url}/api/v1/reports",
        json={"type": "checkpoint", "zone": "east-durham", "description": "Agents by the bridge"},
        timeout=30,
    )
    assert taken.status_code == 201, taken.text
    assert web.text("REPORTE reten de la migra en Walltown junto al puente", sender="+19195550177") == 200
    incident = Incident.objects.get()
    assert incident.report_count == 2
    wait_until(lambda: bool(texts_to(outbox, "+19195550177")), "the texted report's reference was not sent", worker)

    # Verifying: the worker hands the verifier's alert to the SMS backend; they go and tell what they see.
    web.call(f"/incidents/{incident.code}/verify", desk)
    check = Alert.objects.get(person=verifier)
    wait_until(lambda: any(check.code in body for body in texts_to(outbox, VERIFIER)), "no alert to verify", worker)
    assert web.text(f"GO {check.code}", sender=VERIFIER) == 200
    assert web.text("REPORT 4 agents, 2 vans, stopping every car", sender=VERIFIER) == 200
    assert Entry.objects.get(incident=incident, kind=EntryKind.VERIFICATION).text.startswith("4 agents")
    assert Incident.objects.count() == 1  # the verifier's text is their account, not a new incident

    # A dispatcher confirms: alerts go out; a NO asks the next person at once.
    web.call(f"/incidents/{incident.code}/confirm", desk, {"where": "The bridge on Main St"})
    need = Need.objects.get(incident=incident, purpose=Purpose.RESPOND)
    wait_until(lambda: every_alert_sent_once(outbox), "the alerts were not sent", worker)
    asked = list(need.alerts.order_by("rank"))
    count = len(asked)
    web.text(f"NO {asked[0].code}", sender=phone_of(asked[0].person))
    assert need.alerts.count() == count + 1
    wait_until(lambda: every_alert_sent_once(outbox), "the next alert was not sent", worker)

    # Two GOs fill the need; the others still asked are told they are covered.
    going = [alert for alert in need.alerts.order_by("rank") if alert.state == AlertState.ASKED][:2]
    for alert in going:
        web.text(f"VOY {alert.code}", sender=phone_of(alert.person))
    need.refresh_from_db()
    assert need.state == NeedState.FILLED
    covered = list(need.alerts.filter(state=AlertState.COVERED))
    assert covered
    for alert in covered:
        number = phone_of(alert.person)
        wait_until(lambda n=number: len(texts_to(outbox, n)) >= 2, "the covered were not told", worker)  # type: ignore[misc]

    # Standing down tells those on the way.
    web.call(f"/incidents/{incident.code}/stand-down", desk)
    for alert in going:
        number = phone_of(alert.person)
        wait_until(lambda n=number: len(texts_to(outbox, n)) >= 3, "those going were not stood down", worker)  # type: ignore[misc]
    incident.refresh_from_db()
    assert incident.stood_down_at is not None
    assert {observer.pk for observer in observers} >= {alert.person_id for alert in going}
    assert web.process.poll() is None  # the web process answered every call, and is still up


@pytest.mark.django_db(transaction=True)
def test_an_unfilled_need_escalates_when_its_timers_come_due_in_the_worker(
    outbox: Path, dispatcher: User, stop_processes: list[subprocess.Popen[str]]
) -> None:
    require_services()
    only([("checkpoint", "legal-observer", 1)])
    neighbours("east-durham", "walltown")
    make_person("Dani Despacho", phones=[DISPATCHER], user=dispatcher)
    near = responder("Lola Cerca", "legal-observer", zones=["east-durham"], phone=OBSERVERS[0])
    far = responder("Lalo Lejos", "legal-observer", zones=["walltown"], phone=OBSERVERS[1])
    worker = start_worker(stop_processes)
    incident = do_take_report(ReportValues(type="checkpoint", zone=zone("east-durham")), source=Source.WEB).incident
    assert incident is not None
    do_confirm(incident, by=dispatcher)
    need = Need.objects.get(incident=incident)
    assert {alert.person for alert in Alert.objects.all()} == {near}

    due_now(dispatch.RING_TIMER, need)
    wait_until(lambda: Alert.objects.filter(person=far).exists(), "the next ring was not asked", worker)
    wait_until(lambda: bool(texts_to(outbox, OBSERVERS[1])), "the next ring's alert was not sent", worker)
    due_now(dispatch.PAGE_TIMER, need)
    wait_until(lambda: bool(texts_to(outbox, DISPATCHER)), "the dispatcher was not paged", worker)
    need.refresh_from_db()
    assert need.paged_at is not None
    incident.refresh_from_db()
    assert incident.state == IncidentState.CONFIRMED


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_dispatch_loses_no_alert_and_pages_once(
    outbox: Path, dispatcher: User, stop_processes: list[subprocess.Popen[str]]
) -> None:
    require_services()
    only([("checkpoint", "legal-observer", 3)])
    make_person("Dani Despacho", phones=[DISPATCHER], user=dispatcher)
    for n, number in enumerate(OBSERVERS):
        responder(f"Observadora {n}", "legal-observer", phone=number)
    incident = do_take_report(ReportValues(type="checkpoint", zone=zone("east-durham")), source=Source.WEB).incident
    assert incident is not None
    do_confirm(incident, by=dispatcher)  # six alerts queued, no worker yet
    need = Need.objects.get(incident=incident)
    due_now(dispatch.PAGE_TIMER, need)  # and the page due now

    # A worker starts handing them over and is killed as soon as it has begun (a claim held, or a first text).
    worker = start_worker(stop_processes)
    wait_until(
        lambda: (
            bool(sent(outbox))
            or Timer.objects.filter(lease_token__isnull=False).exists()
            or Message.objects.filter(state="sending").exists()
        ),
        "the worker did not begin",
        worker,
    )
    worker.kill()
    worker.wait()
    # Only a text in flight at the kill (claimed, handed to the backend, not yet marked sent) can leave
    # twice: the outbox hands a message over at least once (its Idempotency-Key lets a provider drop the copy).
    in_flight = {str(message.to) for message in Message.objects.filter(state="sending")}

    # Another worker finishes the work once the leases run out (2 s here).
    second = start_worker(stop_processes)
    wait_until(lambda: every_alert_sent_once(outbox), "an alert was lost", second)
    wait_until(lambda: bool(texts_to(outbox, DISPATCHER)), "the page was lost", second, timeout=90)
    texts = Counter((text["to"], text["body"]) for text in sent(outbox))
    alerts = [key for key in texts if key[0] in OBSERVERS]
    assert len(alerts) == Alert.objects.count()  # each alert's text, none lost
    assert all(texts[key] == 1 or (texts[key] == 2 and key[0] in in_flight) for key in alerts), texts
    assert len(texts_to(outbox, DISPATCHER)) == 1  # paged once
    assert Entry.objects.filter(incident=incident, kind=EntryKind.PAGED).count() == 1
