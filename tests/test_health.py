"""/healthz tells monitors whether the database and the worker are fine."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone
from pytest_django.fixtures import Settings

from solidarity.core.models import WorkerHeartbeat
from solidarity.messaging.sms.loopback import LoopbackBackend


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
    assert response.json()["sms"] == {"configured": False, "backends": []}

    settings.SMS_BACKENDS = [LoopbackBackend(tmp_path / "sms.jsonl", "a-long-loopback-token")]
    assert client.get("/healthz").json()["sms"] == {"configured": True, "backends": ["loopback"]}
