"""/healthz tells monitors whether the database and the worker are fine."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from solidarity.core.models import WorkerHeartbeat


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
