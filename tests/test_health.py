"""/healthz tells monitors whether the database and the worker are fine."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone
from pytest_django.fixtures import Settings

from solidarity.core.models import WorkerHeartbeat
from solidarity.messaging.sms.android import AndroidGatewayBackend
from solidarity.messaging.sms.loopback import LoopbackBackend
from solidarity.messaging.sms_sender import FAILURES_DOWN, do_record_failure, do_record_ping


@pytest.mark.django_db
def test_no_worker_means_503(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["database"]["ok"] is True
    assert body["worker"]["ok"] is False


@pytest.mark.django_db
def test_fresh_heartbeat_means_200(client: Client) -> None:
    WorkerHeartbeat.objects.create(worker="host:1", beat_at=timezone.now() - timedelta(seconds=10))
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


@pytest.mark.django_db
def test_stale_heartbeat_means_503(client: Client) -> None:
    WorkerHeartbeat.objects.create(worker="host:1", beat_at=timezone.now() - timedelta(seconds=61))
    assert client.get("/healthz").status_code == 503


@pytest.mark.django_db
def test_heartbeat_job_records_the_worker() -> None:
    from solidarity.core.tasks import heartbeat

    heartbeat.enqueue("host:2")
    assert WorkerHeartbeat.objects.filter(worker="host:2").exists()


@pytest.mark.django_db
def test_healthz_says_sms_is_not_configured_rather_than_pretend(
    client: Client, settings: Settings, tmp_path: Path
) -> None:
    WorkerHeartbeat.objects.create(worker="host:1", beat_at=timezone.now())
    settings.SMS_BACKENDS = []
    response = client.get("/healthz")
    assert response.status_code == 200  # a network may run on email alone
    assert response.json()["sms"] == {"configured": False, "ok": True, "backends": [], "down": []}

    settings.SMS_BACKENDS = [LoopbackBackend(tmp_path / "sms.jsonl", "a-long-loopback-token")]
    assert client.get("/healthz").json()["sms"] == {
        "configured": True,
        "ok": True,
        "backends": ["loopback"],
        "down": [],
    }


def phone(name: str) -> AndroidGatewayBackend:
    return AndroidGatewayBackend(f"android:{name}", f"http://{name}.lan:8080", "sms", "secret", signing_key="key")


@pytest.mark.django_db
def test_healthz_says_which_sms_backend_is_down_and_stays_200(client: Client, settings: Settings) -> None:
    WorkerHeartbeat.objects.create(worker="host:1", beat_at=timezone.now())
    kitchen, hall = phone("kitchen"), phone("hall")
    settings.SMS_BACKENDS = [kitchen, hall]
    for _ in range(FAILURES_DOWN):  # what the outbox records when the phone cannot be reached
        do_record_failure(kitchen, "android:kitchen answered 400 for +19195550142")

    response = client.get("/healthz")

    assert response.status_code == 200  # the web and the worker are fine: a load balancer keeps this node
    assert response.json()["status"] == "ok"
    assert response.json()["sms"] == {
        "configured": True,
        "ok": False,
        "backends": ["android:kitchen", "android:hall"],
        "down": ["android:kitchen"],
    }
    assert "19195550142" not in response.content.decode()  # a provider's error text never leaves the node


@pytest.mark.django_db
def test_healthz_says_an_sms_backend_is_back(client: Client, settings: Settings) -> None:
    kitchen = phone("kitchen")
    settings.SMS_BACKENDS = [kitchen]
    for _ in range(FAILURES_DOWN):
        do_record_failure(kitchen, "android:kitchen could not be reached (ConnectError)")
    assert client.get("/healthz").json()["sms"]["down"] == ["android:kitchen"]

    do_record_ping("android:kitchen")

    assert client.get("/healthz").json()["sms"] == {
        "configured": True,
        "ok": True,
        "backends": ["android:kitchen"],
        "down": [],
    }
