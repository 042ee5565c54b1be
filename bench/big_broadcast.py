"""A broadcast to a big list, end to end: from the Send button's service call to the last message at a mail server.

    uv run python bench/big_broadcast.py [--recipients 50000] [--workers 1] [--senders 4]
        [--database-url postgres://USER@HOST:PORT/THROWAWAY_DB --redis-url redis://HOST:PORT/DB]

Self-contained: a throwaway SOLIDARITY_HOME (SQLite in it unless --database-url; that database is DROPPED
and made again, and the Redis database of --redis-url is flushed: give throwaway ones), an aiosmtpd sink
on 127.0.0.1 in a process of its own that counts each message and notes when the first and the last
arrived, and --workers real `solidarity worker` processes sending to it (OUTBOX_EMAIL_SENDERS=--senders).
One list of --recipients confirmed email subscribers (a second list holding 1 % of them again, so the
broadcast has someone on both lists to send one message to).

After a warm-up broadcast to the second list, two broadcasts of the same announcement to the same people,
one after the other, in the same run:
  baseline: what Send did before lists queued big broadcasts in the background: every address decrypted
    and de-duplicated (`recipients`), every message built (`outgoing`) and `enqueue_many` in one
    transaction, in the request;
  chunked: `do_send_broadcast` as it is: the request claims the broadcast and returns; a worker's job
    queues the messages in committed chunks while the senders start on the first.
For each: seconds from the call to its return, to the first message at the sink, to the whole
audience queued, and to the last message at the sink.
"""

import argparse
import multiprocessing
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from multiprocessing.sharedctypes import Synchronized
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from broadcast import machine  # this folder's

ROOT = Path(__file__).resolve().parent.parent
OVERLAP = 100  # one in this many subscribers is on the second list too


class Stamps:
    """An aiosmtpd handler that counts each message, noting the wall-clock time of the first and of the last."""

    def __init__(self, count: "Synchronized[int]", first: "Synchronized[float]", last: "Synchronized[float]") -> None:
        self.count, self.first, self.last = count, first, last

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        now = time.time()
        with self.count.get_lock():
            self.count.value += len(envelope.rcpt_tos)
            if not self.first.value:
                self.first.value = now
            self.last.value = now
        return "250 OK"


def run_sink(port: int, stamps: tuple[Any, Any, Any], ready: Any, stop: Any) -> None:
    from aiosmtpd.controller import Controller

    controller = Controller(Stamps(*stamps), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    stop.wait()
    controller.stop()


@dataclass(frozen=True)
class Sink:
    port: int
    count: "Synchronized[int]"
    first: "Synchronized[float]"
    last: "Synchronized[float]"

    def reset(self) -> None:
        with self.count.get_lock():
            self.count.value, self.first.value, self.last.value = 0, 0.0, 0.0


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fresh_postgres(url: str) -> None:
    """Drop and make again the database `url` names (a throwaway one)."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(scheme="postgresql", path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        db.execute(f'CREATE DATABASE "{name}"')


def the_network(recipients: int) -> tuple[Any, list[Any]]:
    """A group, its coordinator and two lists: every subscriber on the first, one in OVERLAP on the second too."""
    from solidarity.accounts.groups import do_create_group
    from solidarity.accounts.models import User
    from solidarity.lists.announcement_lists import ListValues, do_save_list
    from solidarity.lists.models import Subscription, SubscriptionState
    from solidarity.messaging.models import Channel

    group = do_create_group(name="Tenants Union", description="Every building's committee.")
    by = User(username="bench.coordinator", email="bench.coordinator@example.org")
    by.set_unusable_password()
    by.save()
    lists = []
    for slug in ("all-tenants", "building-captains"):
        values = ListValues(
            name_en=slug.replace("-", " ").title(),
            slug=slug,
            has_email=True,
            has_sms=False,
            keyword="",
            is_public=True,
            shows_count=False,
        )
        lists.append(do_save_list(group, values, by=by))
    now = datetime.now().astimezone()
    addresses = [f"tenant{n}@example.org" for n in range(recipients)]
    for announcement_list, chosen in ((lists[0], addresses), (lists[1], addresses[::OVERLAP])):
        Subscription.objects.bulk_create(
            [
                Subscription(
                    uuid=uuid.uuid4(),
                    announcement_list=announcement_list,
                    channel=Channel.EMAIL,
                    address=address,
                    language="es" if n % 3 == 0 else "en",
                    state=SubscriptionState.CONFIRMED,
                    confirmed_at=now,
                )
                for n, address in enumerate(chosen)
            ],
            batch_size=2000,
        )
    return by, lists


def composed(by: Any, lists: list[Any], name: str) -> Any:
    from solidarity.lists.broadcasts import Draft, do_compose_broadcast

    draft = Draft(
        lists=lists,
        subject_en=f"Rent strike assembly ({name})",
        subject_es=f"Asamblea de la huelga de alquileres ({name})",
        text_en="The assembly is on Thursday at 7 pm in the Walltown library. Bring a neighbour.",
        text_es="La asamblea es el jueves a las 7 pm en la biblioteca de Walltown. Traiga a un vecino.",
        channels=["email"],
    )
    return do_compose_broadcast(lists[0].group, draft, by=by)


def baseline_send(broadcast: Any) -> int:
    """Send as it was before the background enqueue: everything in the request's one transaction."""
    from django.db import transaction
    from django.utils import timezone

    from solidarity.lists.broadcasts import Templates, outgoing, recipients
    from solidarity.lists.models import Broadcast, BroadcastState
    from solidarity.messaging import services

    with transaction.atomic():
        Broadcast.objects.filter(pk=broadcast.pk).update(state=BroadcastState.SENDING, sent_at=timezone.now())
        templates: Templates = {}
        items = [outgoing(broadcast, subscription, templates) for subscription in recipients(broadcast)]
        services.enqueue_many(items)
        Broadcast.objects.filter(pk=broadcast.pk).update(recipients=len(items))
    return len(items)


@dataclass(frozen=True)
class Row:
    name: str
    messages: int
    returned: float  # seconds from the call to its return
    first: float  # to the first message at the sink
    queued: float  # to the whole audience in the outbox
    last: float  # to the last message at the sink


def measure(name: str, sink: Sink, send: Any, broadcast: Any, expected: int) -> Row:
    from django.db import close_old_connections

    from solidarity.lists.models import Broadcast

    sink.reset()
    started = time.time()
    send(broadcast)
    returned = time.time()
    queued = 0.0
    while sink.count.value < expected:
        if not queued and not Broadcast.objects.filter(pk=broadcast.pk, enqueuing=True).exists():
            queued = time.time()
        time.sleep(0.005)
        close_old_connections()
    queued = queued or time.time()
    return Row(
        name,
        expected,
        returned - started,
        sink.first.value - started,
        max(queued, returned) - started,
        sink.last.value - started,
    )


def wait_for_workers(count: int, processes: list[subprocess.Popen[bytes]]) -> None:
    from solidarity.core.models import WorkerHeartbeat

    deadline = time.monotonic() + 120
    while WorkerHeartbeat.objects.count() < count:
        if any(process.poll() is not None for process in processes):
            raise SystemExit("a worker ended before it was ready (see worker.log in the home)")
        if time.monotonic() > deadline:
            raise SystemExit("the workers did not start")
        time.sleep(0.2)


def table(rows: list[Row]) -> str:
    lines = [
        "| send | messages | call returns (s) | first at the sink (s) | all queued (s) | last at sink (s) | msg/s |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        lines.append(
            f"| {row.name} | {row.messages:,} | {row.returned:.2f} | {row.first:.2f} | {row.queued:.2f} "
            f"| {row.last:.2f} | {row.messages / row.last:,.0f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recipients", type=int, default=50_000)
    parser.add_argument("--workers", type=int, default=0, help="worker processes (default: 1 on SQLite, else 2)")
    parser.add_argument("--senders", type=int, default=4, help="OUTBOX_EMAIL_SENDERS of each worker")
    parser.add_argument("--database-url", default="", help="a THROWAWAY PostgreSQL database: it is dropped first")
    parser.add_argument("--redis-url", default="", help="a THROWAWAY Redis database: it is flushed first")
    args = parser.parse_args()
    n = args.recipients
    workers = args.workers or (2 if args.database_url else 1)

    context = multiprocessing.get_context("spawn")
    sink = Sink(free_port(), context.Value("q", 0), context.Value("d", 0.0), context.Value("d", 0.0))
    ready, stop = context.Event(), context.Event()
    sink_process = context.Process(
        target=run_sink, args=(sink.port, (sink.count, sink.first, sink.last), ready, stop), daemon=True
    )
    sink_process.start()
    if not ready.wait(30):
        raise SystemExit("the SMTP sink did not start")

    processes: list[subprocess.Popen[bytes]] = []
    with tempfile.TemporaryDirectory(prefix="solidarity-big-") as home:
        for name in ("SOLIDARITY_DATABASE_URL", "SOLIDARITY_REDIS_URL"):
            os.environ.pop(name, None)
        if args.database_url:
            fresh_postgres(args.database_url)
            os.environ["SOLIDARITY_DATABASE_URL"] = args.database_url
        if args.redis_url:
            import redis

            redis.Redis.from_url(args.redis_url).flushdb()
            os.environ["SOLIDARITY_REDIS_URL"] = args.redis_url
        os.environ["SOLIDARITY_HOME"] = home
        os.environ["SOLIDARITY_EMAIL_URL"] = f"smtp://127.0.0.1:{sink.port}"
        os.environ["SOLIDARITY_OUTBOX_EMAIL_SENDERS"] = str(args.senders)
        os.environ["DJANGO_SETTINGS_MODULE"] = "solidarity.config.settings"
        import django
        from django.core.management import call_command

        django.setup()
        from django.db import connection

        call_command("migrate", verbosity=0)
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from broadcast import size_the_network  # bench/broadcast.py's: the blind indexes sized for the network

        size_the_network(2 * n)
        database = "PostgreSQL" if connection.vendor == "postgresql" else f"SQLite {sqlite3.sqlite_version} (WAL)"
        queue = "Redis (RQ)" if args.redis_url else "the database queue"
        print(f"machine: {machine(database)}")
        print(f"{n:,} subscribers (+{len(range(0, n, OVERLAP)):,} on a second list); {workers} worker(s), {queue}")
        by, lists = the_network(n)

        from solidarity.lists.broadcasts import do_send_broadcast

        log = (Path(home) / "worker.log").open("ab")
        for _ in range(workers):
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "solidarity", "worker"],
                    env=os.environ.copy(),
                    cwd=ROOT,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
        try:
            wait_for_workers(workers, processes)
            rows = []
            # Warm up both processes (templates compiled, keys derived, connections open) on the second list alone.
            measure("warm-up", sink, baseline_send, composed(by, lists[1:], "warm-up"), len(range(0, n, OVERLAP)))
            print("baseline...", flush=True)
            rows.append(
                measure("baseline: one transaction in the request", sink, baseline_send, composed(by, lists, "a"), n)
            )
            print("chunked...", flush=True)
            chunked = composed(by, lists, "b")
            rows.append(
                measure("chunked: a job, committed chunks", sink, lambda b: do_send_broadcast(b, by=by), chunked, n)
            )
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
            stop.set()
            sink_process.join(timeout=10)

    print()
    command = " ".join(["uv run python bench/big_broadcast.py", *sys.argv[1:]])
    print(f"{datetime.now().astimezone().date().isoformat()}, `{command}`, {machine(database)}, {workers} worker(s)")
    print(table(rows))


if __name__ == "__main__":
    main()
