"""The worker process sends the outbox: mail queued here leaves through SMTP from there (every backend pair)."""

import subprocess
import time

import pytest
from django.db import close_old_connections, connection, connections

from solidarity.messaging import mail, services
from solidarity.messaging.models import Channel, Message, State
from solidarity.messaging.priority import Priority
from solidarity.web.management.commands import worker
from tests.conftest import in_threads, require_services, solidarity, worker_env
from tests.smtp import smtp_server


@pytest.mark.django_db(transaction=True)
def test_a_worker_process_sends_what_another_process_queued(stop_processes: list[subprocess.Popen[str]]) -> None:
    require_services()
    with smtp_server() as server:
        env = {**worker_env(), "SOLIDARITY_EMAIL_URL": f"smtp://127.0.0.1:{server.port}"}
        services.enqueue_many(
            [
                services.Outgoing(
                    Channel.EMAIL,
                    f"vecino{n}@example.org",
                    mail.email_content(to=f"vecino{n}@example.org", subject="Asamblea", text="El jueves."),
                    idempotency_key=f"worker-test:{n}",
                    priority=Priority.ANNOUNCEMENT,
                )
                for n in range(30)
            ]
        )
        stop_processes.append(solidarity("worker", env=env))

        deadline = time.monotonic() + 60
        while Message.objects.exclude(state=State.SENT).exists():
            assert time.monotonic() < deadline, "the worker did not send the outbox"
            time.sleep(0.2)

    assert sorted(received.recipients[0] for received in server.inbox.messages) == sorted(
        f"vecino{n}@example.org" for n in range(30)
    )


@pytest.mark.django_db(transaction=True)
def test_a_worker_with_two_mail_processes_sends_each_message_once_from_both(
    stop_processes: list[subprocess.Popen[str]],
) -> None:
    require_services()
    with smtp_server() as server:
        env = {
            **worker_env(),
            "SOLIDARITY_EMAIL_URL": f"smtp://127.0.0.1:{server.port}",
            "SOLIDARITY_OUTBOX_EMAIL_PROCESSES": "2",
        }
        services.enqueue_many(
            [
                services.Outgoing(
                    Channel.EMAIL,
                    f"vecina{n}@example.org",
                    mail.email_content(to=f"vecina{n}@example.org", subject="Asamblea", text="El jueves."),
                    idempotency_key=f"worker-test:{n}",
                    priority=Priority.ANNOUNCEMENT,
                )
                for n in range(600)  # three claims' worth: both processes get some
            ]
        )
        worker = solidarity("worker", env=env)
        stop_processes.append(worker)

        deadline = time.monotonic() + 120
        while Message.objects.exclude(state=State.SENT).exists():
            assert time.monotonic() < deadline, "the worker did not send the outbox"
            time.sleep(0.2)
        children = subprocess.run(["pgrep", "-P", str(worker.pid)], capture_output=True, text=True).stdout.split()
        commands = [open(f"/proc/{pid}/cmdline").read() for pid in children]  # noqa: PTH123, SIM115

    assert sum("--mail-only" in command for command in commands) == 1
    received = [received.recipients[0] for received in server.inbox.messages]
    assert sorted(received) == sorted(f"vecina{n}@example.org" for n in range(600))  # each exactly once


@pytest.mark.django_db(transaction=True)
def test_a_workers_threads_keep_their_database_connection_from_one_poll_to_the_next(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Web requests close theirs (CONN_MAX_AGE 0); the worker's loops poll several times a second and keep theirs."""
    monkeypatch.setitem(connections.settings["default"], "CONN_MAX_AGE", 0)  # as configured; restored after

    def poll(_: int) -> bool:
        try:
            Message.objects.exists()
            close_old_connections()  # what every loop does before its next poll
            return connection.connection is not None
        finally:
            connection.close()

    assert in_threads(1, poll) == [False]  # a web request's rule: a new connection for every poll
    worker.keep_connections()
    assert in_threads(1, poll) == [True]
