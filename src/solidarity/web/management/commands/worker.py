import os
import smtplib
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.management import call_command
from django.core.management.base import CommandParser
from django.db import InterfaceError, OperationalError, close_old_connections, connections
from django_tasks_db.management.commands.db_worker import Worker

from solidarity.core import keyring, timers
from solidarity.core.commands import Command as SolidarityCommand
from solidarity.core.processes import Supervisor, die_with_parent, on_stop_signal, settle
from solidarity.core.schedule import enqueue_due
from solidarity.core.tasks import heartbeat
from solidarity.messaging import pump
from solidarity.messaging.models import Channel

HEARTBEAT_SECONDS = 15.0
UNLOCK_POLL_SECONDS = 1.0
TICKER_JOIN_SECONDS = 10.0
DATABASE_RETRY_SECONDS = 2.0
CONNECTION_SECONDS = 60  # how long a worker's thread keeps its database connection from one poll to the next


def beat_forever(worker_id: str, stop: threading.Event) -> None:
    """Enqueue a heartbeat job now and every HEARTBEAT_SECONDS: running it proves the queue moves.

    Each tick also enqueues the periodic jobs that are due (core.schedule): every worker ticks,
    and each run is claimed by one of them.
    """
    ticks: list[tuple[str, Callable[[], object]]] = [
        ("the heartbeat", lambda: heartbeat.enqueue(worker_id)),
        ("periodic jobs", enqueue_due),
    ]
    while not stop.is_set():
        close_old_connections()
        for name, tick in ticks:
            try:
                tick()
            except Exception as error:  # a database or Redis blip must not kill the ticker
                print(f"solidarity worker: could not enqueue {name} ({type(error).__name__})", flush=True)
        stop.wait(HEARTBEAT_SECONDS)


class Command(SolidarityCommand):
    help = "Run the background worker: jobs from the database queue, or from Redis when SOLIDARITY_REDIS_URL is set."
    examples = "  solidarity worker\n  SOLIDARITY_REDIS_URL=redis://127.0.0.1:6379/0 solidarity worker\n"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=0.2, help="seconds between polls of the database queue")
        parser.add_argument(
            "--mail-only",
            action="store_true",
            help="send the outbox's email and nothing else (the worker starts these itself: "
            "SOLIDARITY_OUTBOX_EMAIL_PROCESSES)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # RQ forks a process per job and one for its scheduler: none may outlive this worker.
        os.register_at_fork(after_in_child=die_with_parent)
        keep_connections()
        if options["mail_only"]:
            send_mail_only()
            return
        wait_until_unlocked()
        keyring.after_unlock()  # what arrived while the keys were locked (texts to route) is handled first
        settle()
        worker_id = f"{socket.gethostname()}:{os.getpid()}"
        stop = threading.Event()
        threads = [threading.Thread(target=beat_forever, args=(worker_id, stop), name="heartbeat", daemon=True)]
        # The outbox is sent by its own loops, one per channel, so an SMS throttle never holds up an email.
        threads += [
            threading.Thread(target=pump.run_forever, args=(channel, stop), name=f"outbox-{channel}", daemon=True)
            for channel in pump.channels()
        ]
        # Timers fire from a thread of their own: a slow mail server or a long job never makes one late.
        threads.append(threading.Thread(target=timers.run_forever, args=(stop,), name="timers", daemon=True))
        for thread in threads:
            thread.start()
        # More processes that send mail: OpenPGP's encryption holds Python's lock, so threads share one core.
        senders = [Supervisor(["worker", "--mail-only"], "a mail sender") for _ in range(mail_processes() - 1)]
        for sender in senders:
            sender.start()
        try:
            if settings.REDIS_URL:
                call_command(
                    "rqworker",
                    "default",
                    job_class="django_tasks_rq.Job",
                    # Jobs run in this process, not in a forked child: a fork while the outbox's threads hold
                    # a lock (a connection's, logging's) leaves the child waiting on it forever.
                    worker_class="rq.worker.SimpleWorker",
                    with_scheduler=True,
                    name=worker_id,
                    verbosity=0,  # RQ logs every job at INFO
                )
            else:
                run_database_worker(worker_id, options["interval"])
        finally:
            # Let the threads finish what they are doing: a daemon thread cut off at exit while it holds a
            # lock (logging's, a connection's) can leave the interpreter waiting on that lock forever.
            stop.set()
            for sender in senders:
                sender.stop()
            for thread in threads:
                thread.join(timeout=TICKER_JOIN_SECONDS)


def keep_connections() -> None:
    """Let this process's threads keep their database connections for CONNECTION_SECONDS from one poll to the next.

    CONN_MAX_AGE is 0, right for web requests. The worker's loops (the jobs' every 0.2 s, the
    outbox's, the timers') then opened a connection at every poll, and a new SQLite connection
    reads the database's schema again (some 600 tables and indexes, 3 ms): 6 % of a core on a
    network doing nothing. A connection that met an error is still closed at once
    (close_old_connections), and the next poll opens another.
    """
    for alias in connections:
        connections.settings[alias]["CONN_MAX_AGE"] = CONNECTION_SECONDS


def mail_processes() -> int:
    return max(int(getattr(settings, "OUTBOX_EMAIL_PROCESSES", 1)), 1)


def send_mail_only() -> None:
    """The outbox's email loops alone, until SIGTERM: one more process beside the worker's own (see Command).

    Claims take turns with the worker's (SKIP LOCKED on PostgreSQL; on SQLite, one writer at a time),
    so each message still goes once. Jobs, timers and texts stay with the worker.
    """
    wait_until_unlocked()
    settle()
    stop = threading.Event()
    on_stop_signal(stop.set)
    pump.run_forever(Channel.EMAIL, stop)


def notify_locked() -> None:
    """Tell the operator (SOLIDARITY_OPERATOR_EMAIL) that the network waits to be unlocked."""
    print("solidarity worker: the keys are locked; waiting for `solidarity keys unlock`", flush=True)
    if not settings.OPERATOR_EMAIL:
        return
    # Straight to the transport, not through the outbox: the outbox stores what it sends encrypted, and
    # the keys are locked. Nothing personal is in it, and the address is the deployment's own.
    try:
        EmailMessage(
            "Solidarity is locked",
            f"The network at {settings.BASE_URL} started sealed and locked. Until an operator runs\n"
            "`solidarity keys unlock` on the server, it shows public pages only and keeps its jobs waiting.",
            to=[settings.OPERATOR_EMAIL],
        ).send(using="transport")
    except (OSError, smtplib.SMTPException):  # mail trouble must not stop the worker waiting for the unlock
        print("solidarity worker: could not email the operator that the keys are locked", flush=True)


def wait_until_unlocked() -> None:
    """A sealed, locked network keeps its queue: jobs wait, none fails for want of keys, nothing is lost."""
    if keyring.is_locked():
        notify_locked()
    while keyring.is_locked():
        time.sleep(UNLOCK_POLL_SECONDS)


def run_database_worker(worker_id: str, interval: float) -> None:
    worker = Worker(
        queue_names=["default"],
        interval=interval,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    )
    worker.configure_signals()
    while worker.running:
        try:
            worker.run()
        except (OperationalError, InterfaceError) as error:
            # The database went away (a restart, a failover): wait and carry on, as the outbox loops do,
            # rather than exit and leave the jobs to whoever restarts the worker.
            print(f"solidarity worker: the database is unreachable ({type(error).__name__}); retrying", flush=True)
            close_old_connections()
            connections.close_all()
            time.sleep(DATABASE_RETRY_SECONDS)
