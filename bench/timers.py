"""Durable timers fired by a real `solidarity worker`: how late, and how many a second, with 10,000 pending.

    uv run python bench/timers.py [--timers 10000] [--spread 10] [--runs 1] [--database sqlite]
        [--database postgres://postgres@127.0.0.1:5432/sol_timers_bench] [--redis redis://127.0.0.1:6379/11]

Each --database (default: sqlite, a fresh file in a throwaway home; a PostgreSQL database is
created when missing, migrated, and its timers emptied first) runs in a process of its own,
the databases taking turns when --runs repeats them (the tables show medians):

  a. baseline: a plain Python loop that sleeps until each due time and records how late it woke;
  b. baseline: the same loop that also marks each timer fired in the database, one UPDATE and
     one commit per timer over a DB-API connection of its own (sqlite3 or psycopg): what a
     hand-written timer loop on this machine and this database can do;
  c. the worker: `solidarity worker` (every thread, as in production, with the bench's handlers:
     bench/timerbench) running; 10,000 timers due over --spread seconds, starting 3 s ahead,
     are inserted at once; each handler sets its timer's next step, as an escalation does;
  d. the worker, a backlog: 10,000 timers all due at once (a worker that was down): how fast
     it drains, with the same handlers and with handlers that do nothing (the timers' own cost);
  e. `set_timer` one by one, in one transaction: how fast a part can set them.
Lateness is the fired time (the worker's, just before its fire commits) minus the due time;
"vs baseline" divides the worker's p99 by the plain database loop's (c by b), and its rate by
that loop's rate on a backlog (d by the backlog run of b). The bench's own connection only reads
the timer table, a few times a second, while the worker fires.
"""

import argparse
import json
import os
import platform
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
LEAD_SECONDS = 3.0  # between inserting the timers and the first due time

# Django and Solidarity are imported inside the functions: settings read the environment (the
# throwaway home, the database) when they are first imported, so one_database() sets it up first.


@dataclass(frozen=True)
class Row:
    phase: str
    count: int
    latenesses: list[float]  # seconds, one per timer (empty when not measured)
    seconds: float  # from the first due time to the last fired (or the whole phase)
    baseline: str = ""

    def percentile(self, p: int) -> float:
        return statistics.quantiles(self.latenesses, n=100, method="inclusive")[p - 1] if self.latenesses else 0.0

    @property
    def rate(self) -> float:
        return self.count / self.seconds

    def summary(self) -> "Summary":
        late = bool(self.latenesses)
        return Summary(
            self.phase,
            self.count,
            self.percentile(50) if late else None,
            self.percentile(99) if late else None,
            max(self.latenesses) if late else None,
            self.rate,
            self.baseline,
        )


@dataclass(frozen=True)
class Summary:
    """A phase's figures, in seconds and timers per second (what a run hands back to the parent process)."""

    phase: str
    count: int
    p50: float | None
    p99: float | None
    max: float | None
    rate: float
    baseline: str


def medians(runs: list[list[Summary]]) -> list[Summary]:
    def median(values: list[float | None]) -> float | None:
        return None if values[0] is None else statistics.median(value or 0.0 for value in values)

    return [
        replace(
            rows[0],
            p50=median([row.p50 for row in rows]),
            p99=median([row.p99 for row in rows]),
            max=median([row.max for row in rows]),
            rate=statistics.median(row.rate for row in rows),
        )
        for rows in zip(*runs, strict=True)
    ]


def spread_dues(count: int, spread: float, start: float) -> list[float]:
    return [start + spread * n / count for n in range(count)]


# Baselines, without Django.


def sleeping_loop(dues: list[float], work: Callable[[int], None] = lambda n: None) -> list[float]:
    """Sleep until each due time (time.time()), do `work`, record how late it was done."""
    latenesses = []
    for n, due in enumerate(dues):
        wait = due - time.time()
        if wait > 0:
            time.sleep(wait)
        work(n)
        latenesses.append(time.time() - due)
    return latenesses


def plain_connection(database: str, home: Path) -> Any:
    if database == "sqlite":
        connection = sqlite3.connect(home / "solidarity.sqlite3", isolation_level=None)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        return connection
    import psycopg

    return psycopg.connect(database.replace("postgres://", "postgresql://", 1), autocommit=True)


def database_loop(database: str, home: Path, pks: list[int], dues: list[float]) -> list[float]:
    """The plain loop marking each timer fired: one UPDATE, one commit."""
    connection = plain_connection(database, home)
    mark = "UPDATE core_timer SET state = 'fired', fired_at = {0} WHERE id = {0}"
    sql = mark.format("?") if database == "sqlite" else mark.format("%s")
    sqlite = database == "sqlite"

    def fire(n: int) -> None:
        fired_at = datetime.now(UTC)
        if sqlite:
            connection.execute("BEGIN IMMEDIATE")
            connection.execute(sql, (fired_at.replace(tzinfo=None).isoformat(" "), pks[n]))
            connection.execute("COMMIT")
        else:
            with connection.transaction():
                connection.execute(sql, (fired_at, pks[n]))

    try:
        return sleeping_loop(dues, fire)
    finally:
        connection.close()


# Timers, through Django.


def insert_timers(kind: str, dues: list[float], *, key: str = "t") -> list[int]:
    """The timers, inserted at once (as 10,000 parts' calls of set_timer would leave them, without their cost)."""
    from django.utils import timezone

    from solidarity.core.models import Timer

    now = timezone.now()
    rows = []
    for n, due in enumerate(dues):
        at = datetime.fromtimestamp(due, UTC)
        rows.append(Timer(kind=kind, key=f"{key}{n}", due_at=at, next_attempt_at=at, data={"n": n}, set_at=now))
    Timer.objects.bulk_create(rows, batch_size=1000)
    return list(Timer.objects.filter(kind=kind).order_by("due_at", "pk").values_list("pk", flat=True))


def empty() -> None:
    """No timers left; on PostgreSQL the table vacuumed and analysed, as autovacuum keeps it in production
    (this machine's server runs without autovacuum: each run would leave the next 30,000 dead rows to skip)."""
    from django.db import connection

    from solidarity.core.models import Timer

    Timer.objects.all().delete()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {Timer._meta.db_table}")


def latenesses(kind: str) -> tuple[list[float], float]:
    """Each fired timer's lateness, and the seconds from the first due time to the last fire."""
    from solidarity.core.models import Timer, TimerState

    rows = list(Timer.objects.filter(kind=kind, state=TimerState.FIRED).values_list("due_at", "fired_at", "attempts"))
    if any(attempts != 1 for _due, _fired, attempts in rows):
        raise SystemExit(f"{kind}: a timer was tried more than once")
    late = [(fired - due).total_seconds() for due, fired, _attempts in rows]
    span = (max(fired for _due, fired, _a in rows) - min(due for due, _fired, _a in rows)).total_seconds()
    return late, span


def wait_fired(kind: str, count: int, timeout: float, worker: subprocess.Popen[bytes]) -> None:
    from solidarity.core.models import Timer, TimerState

    deadline = time.monotonic() + timeout
    while Timer.objects.filter(kind=kind, state=TimerState.FIRED).count() < count:
        if worker.poll() is not None:
            raise SystemExit(f"the worker ended ({worker.returncode})")
        if time.monotonic() > deadline:
            raise SystemExit(f"{kind}: not all fired in {timeout:.0f} s")
        time.sleep(0.25)


def start_worker(home: Path, database: str, redis: str) -> subprocess.Popen[bytes]:
    from solidarity.core.models import WorkerHeartbeat

    env = {key: value for key, value in os.environ.items() if key != "SOLIDARITY_REDIS_URL"}
    env |= {"DJANGO_SETTINGS_MODULE": "timerbench.settings", "PYTHONPATH": str(BENCH), "SOLIDARITY_HOME": str(home)}
    if redis:
        env["SOLIDARITY_REDIS_URL"] = redis
    log = (home / "worker.log").open("ab")
    worker = subprocess.Popen([sys.executable, "-m", "solidarity", "worker"], env=env, cwd=ROOT, stdout=log, stderr=log)
    name = f"{socket.gethostname()}:{worker.pid}"
    deadline = time.monotonic() + 60
    while not WorkerHeartbeat.objects.filter(worker=name).exists():
        if worker.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"the worker did not start; see {home / 'worker.log'}")
        time.sleep(0.1)
    return worker


def stop_worker(worker: subprocess.Popen[bytes]) -> None:
    worker.send_signal(signal.SIGTERM)
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


def timed_set_timer(count: int) -> Row:
    from django.db import transaction
    from django.utils import timezone

    from solidarity.core.timers import set_timer

    later = timezone.now() + timedelta(days=1)
    started = time.perf_counter()
    with transaction.atomic():
        for n in range(count):
            set_timer("bench.follow-up", f"set{n}", later, {"n": n})
    return Row("e. set_timer, one by one, one transaction", count, [], time.perf_counter() - started)


def one_database(database: str, home: Path, count: int, spread: float, redis: str) -> list[Row]:
    """Every phase on one database; runs in a process of its own (Django is set up once per process)."""
    for name in ("SOLIDARITY_DATABASE_URL", "SOLIDARITY_REDIS_URL"):
        os.environ.pop(name, None)
    os.environ["SOLIDARITY_HOME"] = str(home)
    os.environ["DJANGO_SETTINGS_MODULE"] = "timerbench.settings"
    if database != "sqlite":
        create_database(database)
        os.environ["SOLIDARITY_DATABASE_URL"] = database
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    empty()
    say(f"{database}: {count:,} timers over {spread:g} s; home {home}")

    rows = []
    dues = spread_dues(count, spread, time.time() + 1)
    rows.append(Row("a. baseline: a loop sleeping until each due time", count, sleeping_loop(dues), spread))
    say(f"  a. p99 {rows[-1].percentile(99) * 1000:.2f} ms")
    a = rows[-1].phase

    dues = spread_dues(count, spread, time.time() + LEAD_SECONDS)
    pks = insert_timers("bench.fire", dues)
    late = database_loop(database, home, pks, dues)
    b = "b. baseline: that loop, one UPDATE + commit per timer"
    rows.append(Row(b, count, late, dues[-1] + late[-1] - dues[0], a))
    say(f"  b. p99 {rows[-1].percentile(99) * 1000:.2f} ms")
    empty()
    dues = [time.time() + LEAD_SECONDS] * count
    pks = insert_timers("bench.fire", dues)
    late = database_loop(database, home, pks, dues)
    b_backlog = "b. baseline: that loop, a backlog all due at once"
    rows.append(Row(b_backlog, count, late, late[-1], a))
    say(f"  b. backlog {rows[-1].rate:,.0f}/s")
    empty()

    worker = start_worker(home, database, redis)
    try:
        dues = spread_dues(count, spread, time.time() + LEAD_SECONDS)
        insert_timers("bench.fire", dues)
        if time.time() > dues[0]:
            raise SystemExit("inserting the timers took longer than the lead: raise LEAD_SECONDS")
        wait_fired("bench.fire", count, spread + 300, worker)
        late, span = latenesses("bench.fire")
        rows.append(Row(f"c. worker: {count:,} due over {spread:g} s", count, late, span, b))
        say(f"  c. p99 {rows[-1].percentile(99) * 1000:.2f} ms")
        empty()

        for kind, what in (("bench.fire", "each setting its next step"), ("bench.follow-up", "handlers doing nothing")):
            dues = [time.time() + LEAD_SECONDS] * count
            insert_timers(kind, dues)
            wait_fired(kind, count, 600, worker)
            late, span = latenesses(kind)
            rows.append(Row(f"d. worker: a backlog of {count:,} due at once, {what}", count, late, span, b_backlog))
            say(f"  d. {rows[-1].rate:,.0f}/s")
            empty()
    finally:
        stop_worker(worker)
    empty()
    rows.append(timed_set_timer(count))
    empty()
    return rows


def create_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    conninfo = url.replace("postgres://", "postgresql://", 1)
    name = conninfo.rsplit("/", 1)[1]
    with psycopg.connect(conninfo.rsplit("/", 1)[0] + "/postgres", autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def machine() -> str:
    lines = Path("/proc/cpuinfo").read_text().splitlines()
    model = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")), "unknown CPU")
    return f"{os.cpu_count()} CPUs ({model}), Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}"


def table(rows: list[Summary]) -> str:
    by_phase = {row.phase: row for row in rows}
    lines = [
        "| phase | timers | late p50 | late p99 | late max | timers/s | vs baseline |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for row in rows:
        base = by_phase.get(row.baseline)
        ratio = ""
        if base is not None and row.phase.startswith("c.") and row.p99 is not None and base.p99:
            ratio = f"p99 {row.p99 / base.p99:.2f}"
        elif base is not None and row.phase.startswith("d."):
            ratio = f"rate {row.rate / base.rate:.2f}"
        cells = [f"{value * 1000:,.1f} ms" if value is not None else "" for value in (row.p50, row.p99, row.max)]
        lines.append(f"| {row.phase} | {row.count:,} | {' | '.join(cells)} | {row.rate:,.0f} | {ratio} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--timers", type=int, default=10_000)
    parser.add_argument("--spread", type=float, default=10.0, help="seconds over which the timers fall due")
    parser.add_argument(
        "--database", action="append", help="sqlite (the default) or postgres://USER@HOST:PORT/NAME; repeatable"
    )
    parser.add_argument("--redis", default="", help="SOLIDARITY_REDIS_URL for the worker (the scale path)")
    parser.add_argument("--runs", type=int, default=1, help="repeat each database's run; the tables show medians")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # run one database in this process; print JSON
    args = parser.parse_args()
    if args.one:
        home = Path(tempfile.mkdtemp(prefix="solidarity-bench-timers-"))
        rows = one_database(args.one, home, args.timers, args.spread, args.redis)
        shutil.rmtree(home)  # kept when the run failed: its worker.log says why
        print(json.dumps([asdict(row.summary()) for row in rows]))
        return

    databases = args.database or ["sqlite"]
    runs: dict[str, list[list[Summary]]] = {database: [] for database in databases}
    for run in range(args.runs):
        for database in databases:  # alternating, so each meets the machine at the same moments
            say(f"run {run + 1} of {args.runs}")
            command = [sys.executable, __file__, "--one", database, "--timers", str(args.timers)]
            command += ["--spread", str(args.spread), "--redis", args.redis]
            done = subprocess.run(command, cwd=ROOT, stdout=subprocess.PIPE, text=True, check=False)
            if done.returncode:
                raise SystemExit(f"{database}: the bench failed ({done.returncode})")
            runs[database].append([Summary(**row) for row in json.loads(done.stdout.splitlines()[-1])])
    results = {database: medians(found) for database, found in runs.items()}

    print()
    invoked = " ".join(["uv run python bench/timers.py", *sys.argv[1:]])
    print(f"{datetime.now().astimezone().date().isoformat()}, `{invoked}`, {machine()}")
    print(f"medians of {args.runs} runs" if args.runs > 1 else "one run")
    for database, rows in results.items():
        print(f"\n{'SQLite (WAL)' if database == 'sqlite' else 'PostgreSQL'}{' + Redis' if args.redis else ''}:\n")
        print(table(rows))


if __name__ == "__main__":
    main()
