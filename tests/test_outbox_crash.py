"""Crash safety of the outbox, across real processes: a 5,000-recipient broadcast through a real SMTP server.

While the worker sends, it is killed with SIGKILL at random moments and started again, the mail server
refuses connections for a while, and (on PostgreSQL, a throwaway cluster of its own) the database restarts.
Nobody is missed, and only a message in flight at one of those interruptions can arrive twice: the
test counts them and holds the duplicates to that bound (at most one per claim cut short: one per
sender per interruption). Copies share their Message-ID, so a receiver can drop them.
"""

import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from random import Random
from typing import Any, TextIO

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from solidarity.messaging.models import Message, State
from solidarity.messaging.pump import EMAIL_BATCH
from tests.conftest import ROOT, command_env, free_port, run_solidarity, worker_env
from tests.smtp import SmtpServer

RECIPIENTS = 5000
LEASE_SECONDS = 2
SENDERS = 4  # the worker's SMTP connections, each with a claim of its own
OUTAGE_SECONDS = 4.0
TABLE = Message._meta.db_table

Query = Callable[[str, Sequence[str]], list[tuple[Any, ...]]]

# Run in the worker's database by `solidarity manage shell`: this process's connection is the suite's.
ENQUEUE = """
import os
from django.db import transaction
from solidarity.messaging.models import Channel
from solidarity.messaging.priority import Priority
from solidarity.messaging.mail import email_content
from solidarity.messaging.services import Outgoing, enqueue_many

outgoing = []
for n in range(int(os.environ["CRASH_RECIPIENTS"])):
    to = f"neighbour{n}@example.org"
    text = f"Hello neighbour {n}, the assembly is on Thursday at the community centre."
    content = email_content(to=to, subject="Assembly on Thursday", text=text, language="en")
    outgoing.append(
        Outgoing(Channel.EMAIL, to, content, idempotency_key=f"crash:{n}", language="en",
                 priority=Priority.ANNOUNCEMENT, batch="crash")
    )
with transaction.atomic():
    print("enqueued", enqueue_many(outgoing))
"""


@dataclass
class Interruption:
    what: str
    received: int  # copies the SMTP server had received at that moment
    seconds: float  # since the worker first started
    # The claims cut short: (idempotency key, lease token) of each message a worker held (`sending`). Only
    # these can be sent again, each at most once more: a claim hands a message over once.
    in_flight: set[tuple[str, str]]


@dataclass
class Target:
    """The database the worker sends from, and how this process reads it."""

    env: dict[str, str]
    query: Query
    restart: Callable[[], None] | None = None  # restarts the database server (only the throwaway cluster can)


@dataclass
class Cluster:
    """A throwaway PostgreSQL cluster (initdb, pg_ctl) on a free port: restarting it cuts no one else's connections."""

    bin: Path
    root: Path
    port: int = field(default_factory=free_port)

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/solidarity_crash"

    def run(self, tool: str, *args: str) -> None:
        # initdb refuses to run as root: the cluster belongs to the postgres account then.
        as_owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        done = subprocess.run(
            [*as_owner, str(self.bin / tool), *args], capture_output=True, text=True, timeout=60, check=False
        )
        assert done.returncode == 0, f"{tool} {' '.join(args)} failed:\n{done.stdout}{done.stderr}"

    def start(self) -> None:
        data = str(self.root / "data")
        self.run("initdb", "-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "--no-instructions")
        options = f"-h 127.0.0.1 -p {self.port} -k {self.root} -c fsync=off"
        self.run("pg_ctl", "start", "-D", data, "-l", str(self.root / "log"), "-w", "-o", options)
        self.run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "solidarity_crash")

    def restart(self) -> None:
        # Its output goes to the log again: left on pg_ctl's, it would hold this process's pipe open.
        self.run("pg_ctl", "restart", "-D", str(self.root / "data"), "-l", str(self.root / "log"), "-m", "fast", "-w")

    def stop(self) -> None:
        if (self.root / "data" / "postmaster.pid").exists():
            self.run("pg_ctl", "stop", "-D", str(self.root / "data"), "-m", "immediate", "-w")

    def query(self, sql: str, params: Sequence[str]) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.url.replace("postgres://", "postgresql://"), autocommit=True) as db:
            return db.execute(sql, params).fetchall()


class Worker:
    """`solidarity worker` in its own process, started again after each kill; everything it prints goes to one log."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log_path = env, log
        self.log: TextIO = log.open("a")
        self.process: subprocess.Popen[str] | None = None
        self.starts = 0
        self.exits: list[int] = []  # return codes of the times it ended on its own

    def start(self) -> None:
        # Not conftest's `solidarity()`: its output pipe is never read, and a long run could fill it.
        self.process = subprocess.Popen(
            [sys.executable, "-m", "solidarity", "worker"],
            env=self.env,
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.starts += 1

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def supervise(self) -> None:
        """Start it again if it ended on its own, as systemd would, and remember that it did."""
        assert self.process is not None
        if (code := self.process.poll()) is not None:
            self.exits.append(code)
            self.start()

    def kill(self) -> None:
        assert self.process is not None
        assert self.process.poll() is None, "the worker was not running"
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGCONT)
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()

    def tail(self) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-40:])


def wait_until(condition: Callable[[], bool], what: str, worker: Worker, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        worker.supervise()
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} (waited {timeout:.0f} s); the worker's last lines:\n{worker.tail()}")
        time.sleep(0.02)


def claims_in_flight(query: Query) -> set[tuple[str, str]]:
    rows = query(f"SELECT idempotency_key, lease_token FROM {TABLE} WHERE state = %s", [State.SENDING])  # noqa: S608
    return {(key, str(token)) for key, token in rows}


def states(query: Query) -> Counter[str]:
    return Counter(dict(query(f"SELECT state, COUNT(*) FROM {TABLE} GROUP BY state", [])))  # noqa: S608


def suite_query(sql: str, params: Sequence[str]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


@pytest.fixture
def throwaway_postgresql() -> Iterator[Cluster]:
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda path: int(path.parts[-3]))
    if not versions:
        message = "initdb is not installed (/usr/lib/postgresql/*/bin): the PostgreSQL crash test needs it"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    root = Path(tempfile.mkdtemp(prefix="solidarity-crash-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    cluster = Cluster(versions[-1].parent, root)
    try:
        cluster.start()
        yield cluster
    finally:
        try:
            cluster.stop()
        finally:
            shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def target(request: pytest.FixtureRequest) -> Target:
    if request.param == "sqlite":
        if connection.vendor != "sqlite":
            pytest.skip("the SQLite variant runs in the suite's SQLite pass; this pass's database is PostgreSQL")
        return Target(env=worker_env(), query=suite_query)
    cluster: Cluster = request.getfixturevalue("throwaway_postgresql")
    env = command_env(Path(settings.HOME), SOLIDARITY_DATABASE_URL=cluster.url)
    migrated = run_solidarity("manage", "migrate", "--verbosity", "0", env=env)
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    return Target(env=env, query=cluster.query, restart=cluster.restart)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_broadcast_survives_killed_workers_a_mail_server_outage_and_a_database_restart(
    target: Target, tmp_path: Path
) -> None:
    seed = int(os.environ.get("SOLIDARITY_CRASH_SEED") or secrets.randbelow(2**32))
    print(f"\ncrash test seed {seed} (SOLIDARITY_CRASH_SEED={seed} replays its random moments)")
    random = Random(seed)  # noqa: S311  (replayable moments, not secrets)
    began = time.monotonic()

    # Given 5,000 personalised emails in the outbox of the database the worker uses.
    env = target.env | {"CRASH_RECIPIENTS": str(RECIPIENTS)}
    enqueued = run_solidarity("manage", "shell", "-c", ENQUEUE, env=env)
    assert f"enqueued {RECIPIENTS}" in enqueued.stdout, enqueued.stdout + enqueued.stderr
    assert states(target.query) == {State.QUEUED: RECIPIENTS}
    print(f"enqueued {RECIPIENTS} in {time.monotonic() - began:.1f} s")

    # And a real SMTP server, and a worker sending through it with a short lease.
    smtp = SmtpServer()
    inbox = smtp.inbox
    smtp.start()
    sending_env = target.env | {
        "SOLIDARITY_EMAIL_URL": f"smtp://127.0.0.1:{smtp.port}",
        "SOLIDARITY_OUTBOX_LEASE_SECONDS": str(LEASE_SECONDS),
        "SOLIDARITY_OUTBOX_EMAIL_SENDERS": str(SENDERS),
    }
    worker = Worker(sending_env, tmp_path / "worker.log")
    events = ["kill", "kill", "mail server outage", "kill", "kill", "database restart", "kill", "kill"]
    if target.restart is None:
        events.remove("database restart")
    # Random moments spread over the broadcast, none so late that the last interruption finds it done.
    moments = sorted(random.sample(range(RECIPIENTS // 20, RECIPIENTS * 3 // 4), len(events)))
    interruptions: list[Interruption] = []
    try:
        worker.start()
        sending_began = time.monotonic()

        def clock() -> float:
            return round(time.monotonic() - sending_began, 1)

        def has_received(count: int) -> Callable[[], bool]:
            return lambda: len(inbox.messages) >= count

        # When, at each random moment, the worker is killed, the mail server goes away or the database restarts.
        for what, moment in zip(events, moments, strict=True):
            before = len(inbox.messages)
            wait_until(has_received(before + 1), f"the worker did not send before the {what}", worker)
            wait_until(has_received(moment), f"the broadcast stopped short of {moment}", worker)
            time.sleep(random.uniform(0, 0.3))
            assert len(inbox.messages) > before, f"the {what} did not land while sending"

            if what == "kill":
                worker.kill()
                # The dead worker holds nothing any more: what it left `sending` is all it can have been handing over.
                interruptions.append(Interruption(what, len(inbox.messages), clock(), claims_in_flight(target.query)))
                worker.start()
                continue

            # The worker is paused for a moment so that what it holds can be read exactly, then it meets the cut.
            os.kill(worker.pid, signal.SIGSTOP)
            interruptions.append(Interruption(what, len(inbox.messages), clock(), claims_in_flight(target.query)))
            if what == "mail server outage":
                smtp.stop()
                os.kill(worker.pid, signal.SIGCONT)
                time.sleep(OUTAGE_SECONDS)
                # Then, while the server refuses connections, the messages wait: nothing fails.
                during = states(target.query)
                assert during[State.QUEUED] + during[State.SENDING] > 0
                assert during[State.FAILED] == during[State.DEAD] == 0, during
                smtp.start()
            else:
                assert target.restart is not None
                target.restart()
                os.kill(worker.pid, signal.SIGCONT)
            # And when it is back, they go.
            at_cut = len(inbox.messages)
            wait_until(has_received(at_cut + 1), f"nothing was sent after the {what}", worker)

        kills = [cut for cut in interruptions if cut.what == "kill"]
        left = states(target.query)
        assert len(kills) >= 5
        assert left[State.QUEUED] + left[State.SENDING] > 0, "the broadcast was over before the last interruption"
        received_at = [cut.received for cut in interruptions]
        assert received_at == sorted(set(received_at)), f"a cut did not land while sending: {received_at}"

        # Then the worker sends the rest.
        wait_until(
            lambda: states(target.query).keys() <= {State.SENT, State.FAILED, State.DEAD, State.CANCELLED},
            "the outbox did not empty",
            worker,
            timeout=120,
        )
        sending_took = time.monotonic() - sending_began
    finally:
        worker.stop()
        smtp.stop()

    # Then every recipient got the message, and nothing ended failed or dead.
    assert states(target.query) == {State.SENT: RECIPIENTS}
    copies: dict[str, list[str]] = defaultdict(list)
    for received in inbox.messages:
        for recipient in received.recipients:
            copies[recipient].append(str(received.message["Message-ID"]))
    assert set(copies) == {f"neighbour{n}@example.org" for n in range(RECIPIENTS)}

    # And a recipient got a copy more only for a claim of its message cut short: duplicates stay within that bound.
    claims = set().union(*(cut.in_flight for cut in interruptions))
    cut_short = Counter(key for key, _token in claims)
    for recipient, ids in copies.items():
        key = f"crash:{recipient.removeprefix('neighbour').removesuffix('@example.org')}"
        assert len(ids) - 1 <= cut_short[key], f"{recipient} got {len(ids)} copies, {cut_short[key]} claims cut short"
    received_total = sum(len(ids) for ids in copies.values())
    duplicates, bound = received_total - RECIPIENTS, len(claims)
    assert duplicates <= bound <= len(interruptions) * SENDERS * EMAIL_BATCH
    # Tighter: a claim sends in order, committing each outcome, so a claim cut short had one message in flight.
    cut_claims = {token for _key, token in claims}
    assert duplicates <= len(cut_claims) <= len(interruptions) * SENDERS
    print(
        f"received {received_total} copies for {RECIPIENTS} recipients: {duplicates} duplicates, bound {bound} "
        f"({len(cut_claims)} claims cut short); "
        f"{len(kills)} kills and {len(interruptions) - len(kills)} other cuts at {received_at} received, "
        f"{[cut.seconds for cut in interruptions]} s, with {[len(cut.in_flight) for cut in interruptions]} in flight; "
        f"{worker.starts} worker starts"
        + (f" ({len(worker.exits)} after it ended on its own, codes {worker.exits})" if worker.exits else "")
        + f"; sending took {sending_took:.1f} s, the whole test {time.monotonic() - began:.1f} s"
    )
    # And the worker never ended on its own: it waits out a database restart instead of exiting.
    assert not worker.exits, worker.exits

    # And a copy carries its original's Message-ID, unique to its recipient, so a receiver can drop it.
    assert all(len(set(ids)) == 1 for ids in copies.values())
    assert len({ids[0] for ids in copies.values()}) == RECIPIENTS
