"""The on-call query (people.oncall) over 50,000 people in 200 zones: p50 and p99 over many zone/skill asks.

    uv run python bench/oncall.py [--people 50000] [--zones 200] [--queries 500] [--database sqlite]
        [--database postgres://postgres@127.0.0.1:5432/sol_oncall_bench]

Each --database (default: sqlite, a fresh file in a throwaway home; a PostgreSQL database is
created when missing and emptied first) runs in a process of its own. The roster is made with
bulk inserts (the services would take minutes): display names encrypted as usual, 1 to 3 zones each
(neighbouring ones), 1 to 4 skills with grants over the last two years (some lapsed, medics mostly
signed off), 0 to 5 weekly windows of 2 to 12 hours, a one-off change for one in ten, most marked
vetted on import and the others with 0 to 3 vouches, 95% agreed to get alerts; 85% active, 8% paused, 7% left. Then the
databases' statistics are gathered (ANALYZE), as a running network's are.

Phases, each over the same asks (a skill, a zone and 0 to 4 of its neighbours, a moment within the
coming week):
  a. baseline: load the people (state, vetting, zones, certifications, shifts, one-off changes) and
     filter in Python, per ask: what a part without the query would do. Fewer asks: it is slow.
  b. baseline: the same filter over people loaded once beforehand: Python's filtering alone.
  c. the query, `people.oncall.on_call_ids`.
Every answer of c is compared with b's: the bench fails if they differ. "vs baseline" is a's p99 over
c's. The Python filter reads the daylight-saving rule from the zone database directly (a start the
clocks skip or repeat resolved as Python's fold=0 does, which is RFC 5545's), not from oncall's
week pieces, so it also checks them.
"""

import argparse
import json
import os
import platform
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
SEED = 20261204
BATCH = 5000


@dataclass(frozen=True)
class Ask:
    skill: str
    zones: list[int]
    now: datetime


def say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share / 100 * (len(ordered) - 1)))]


# The roster.


def build(people: int, zone_count: int) -> None:
    from django.db import transaction
    from django.utils import timezone

    from solidarity.core.models import Zone
    from solidarity.people.models import (
        WEEK_MINUTES,
        Certification,
        Coverage,
        OneOffShift,
        Person,
        PersonState,
        Shift,
        Skill,
        Vouch,
        week_minute,
    )
    from solidarity.people.services import lapse_moment

    chance = random.Random(SEED)
    now = timezone.now()
    skills = list(Skill.objects.order_by("slug"))
    # How common each skill is, roughly as a network's roster: many de-escalation and observers, few advanced medics.
    weights = {
        "de-escalation": 10,
        "legal-observer": 8,
        "naloxone": 6,
        "verifier": 4,
        "hotline-taker": 4,
        "licensed-driver": 5,
        "interpreter-en-es": 5,
        "street-medic-basic": 4,
        "tourniquet-pressure-wrapping": 3,
        "street-medic-advanced": 1,
    }
    skill_weights = [weights.get(skill.slug, 2) for skill in skills]
    with transaction.atomic():
        Zone.objects.bulk_create(
            [Zone(slug=f"zone-{n:03d}", name_en=f"Zone {n}", name_es=f"Zona {n}") for n in range(zone_count)]
        )
    zone_ids = list(Zone.objects.order_by("slug").values_list("pk", flat=True))
    made = 0
    while made < people:
        size = min(BATCH, people - made)
        rows = []
        for n in range(made, made + size):
            roll = chance.random()
            state = PersonState.ACTIVE if roll < 0.85 else PersonState.PAUSED if roll < 0.93 else PersonState.LEFT
            rows.append(
                Person(
                    display_name=f"Persona {n}" if state != PersonState.LEFT else "",
                    language=chance.choice(["en", "es"]),
                    state=state,
                    paused_until=(now + timedelta(days=chance.randint(-3, 30))).date()
                    if state == PersonState.PAUSED
                    else None,
                    left_at=now - timedelta(days=chance.randint(1, 90)) if state == PersonState.LEFT else None,
                    vetted_by_import_at=now if chance.random() < 0.6 else None,
                    consent_alerts=chance.random() < 0.95,
                )
            )
        with transaction.atomic():
            Person.objects.bulk_create(rows, batch_size=1000)
        made += size
    pks = list(Person.objects.order_by("pk").values_list("pk", flat=True))
    say(f"  {len(pks):,} people")

    coverage, certifications, shifts, one_offs = [], [], [], []
    for pk in pks:
        home = chance.randrange(zone_count)
        for step in range(chance.randint(1, 3)):
            coverage.append(Coverage(person_id=pk, zone_id=zone_ids[(home + step) % zone_count]))
        for skill in set(chance.choices(skills, skill_weights, k=chance.randint(1, 4))):
            granted = now - timedelta(days=chance.uniform(0, 730))
            signed = skill.needs_sign_off and chance.random() < 0.7
            certifications.append(
                Certification(
                    person_id=pk,
                    skill=skill,
                    first_granted_at=granted,
                    granted_at=granted,
                    source="bench",
                    lapses_at=lapse_moment(granted, skill.refresher_days),
                    signed_off_at=granted if signed else None,
                )
            )
        for _ in range(chance.randint(0, 5)):
            starts = clock(chance.randrange(24), chance.choice([0, 30]))
            weekday, duration = chance.randrange(7), chance.randint(2, 12) * 60
            start = week_minute(weekday, starts)
            shifts.append(
                Shift(
                    person_id=pk,
                    weekday=weekday,
                    starts=starts,
                    duration_minutes=duration,
                    start_minute=start,
                    end_minute=start + duration,
                )
            )
            assert start < WEEK_MINUTES
        if chance.random() < 0.1:
            begins = now + timedelta(hours=chance.uniform(-24, 7 * 24))
            ends = begins + timedelta(hours=chance.randint(2, 48))
            one_offs.append(OneOffShift(person_id=pk, starts_at=begins, ends_at=ends, is_on_call=chance.random() < 0.5))
    for model, rows in (
        (Coverage, coverage),
        (Certification, certifications),
        (Shift, shifts),
        (OneOffShift, one_offs),
    ):
        for start in range(0, len(rows), BATCH):
            with transaction.atomic():
                model.objects.bulk_create(rows[start : start + BATCH], batch_size=1000)  # type: ignore[attr-defined]
        say(f"  {len(rows):,} {model._meta.verbose_name_plural}")

    live: dict[int, int] = defaultdict(int)
    left = set(Person.objects.filter(state=PersonState.LEFT).values_list("pk", flat=True))
    unvetted = list(Person.objects.filter(vetted_by_import_at__isnull=True).values_list("pk", flat=True))
    vouches = []
    for pk in unvetted:
        for voucher in set(chance.sample(pks, chance.randint(0, 3))) - {pk}:
            vouches.append(Vouch(voucher_id=voucher, vouched_id=pk))
            live[pk] += voucher not in left
    with transaction.atomic():
        Vouch.objects.bulk_create(vouches, batch_size=1000)
        counts: dict[int, list[int]] = defaultdict(list)
        for pk, count in live.items():
            counts[count].append(pk)
        for count, group in counts.items():
            for start in range(0, len(group), 900):
                Person.objects.filter(pk__in=group[start : start + 900]).update(vouch_count=count)
    say(f"  {len(vouches):,} vouches")


def analyse() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def asks(count: int, zone_count: int) -> list[Ask]:
    from django.utils import timezone

    from solidarity.core.models import Zone
    from solidarity.people.models import Skill

    chance = random.Random(SEED + 1)
    zone_ids = list(Zone.objects.order_by("slug").values_list("pk", flat=True))
    slugs = list(Skill.objects.order_by("slug").values_list("slug", flat=True))
    now = timezone.now()
    found = []
    for _ in range(count):
        home = chance.randrange(zone_count)
        near = [zone_ids[(home + step) % zone_count] for step in range(chance.randint(1, 5))]
        found.append(Ask(chance.choice(slugs), near, now + timedelta(minutes=chance.randrange(7 * 24 * 60))))
    return found


# The baselines: the same rule, in Python.


@dataclass
class Loaded:
    """Everything the Python filter needs about the network's people."""

    people: dict[int, tuple[str, date | None, int, bool, bool]]  # pk: state, paused_until, vouches, imported, consent
    people: dict[int, tuple[str, date | None, int, bool]]  # pk: state, paused_until, vouch_count, imported
    zones: dict[int, set[int]]  # zone id: people
    certifications: dict[
        tuple[int, str], tuple[datetime, bool]
    ]  # (person, skill slug): lapses_at, counts if not lapsed
    shifts: dict[int, list[tuple[int, clock, int]]]
    one_offs: dict[int, list[tuple[datetime, datetime, bool]]]


def load() -> Loaded:
    from solidarity.people.models import Certification, Coverage, OneOffShift, Person, Shift

    people = {
        pk: (state, paused, vouches, imported is not None, consent)
        for pk, state, paused, vouches, imported, consent in Person.objects.values_list(
            "pk", "state", "paused_until", "vouch_count", "vetted_by_import_at", "consent_alerts"
        )
    }
    zones: dict[int, set[int]] = defaultdict(set)
    for person, zone in Coverage.objects.values_list("person_id", "zone_id"):
        zones[zone].add(person)
    certifications = {
        (person, slug): (lapses, signed is not None or not needs)
        for person, slug, lapses, signed, needs in Certification.objects.values_list(
            "person_id", "skill__slug", "lapses_at", "signed_off_at", "skill__needs_sign_off"
        )
    }
    shifts: dict[int, list[tuple[int, clock, int]]] = defaultdict(list)
    for person, weekday, starts, duration in Shift.objects.values_list(
        "person_id", "weekday", "starts", "duration_minutes"
    ):
        shifts[person].append((weekday, starts, duration))
    one_offs: dict[int, list[tuple[datetime, datetime, bool]]] = defaultdict(list)
    for person, begins, ends, on in OneOffShift.objects.values_list("person_id", "starts_at", "ends_at", "is_on_call"):
        one_offs[person].append((begins, ends, on))
    return Loaded(people, zones, certifications, shifts, one_offs)


def in_window(weekday: int, starts: clock, duration: int, now: datetime, tz: Any) -> bool:
    local = now.astimezone(tz)
    monday = local.date() - timedelta(days=local.weekday())
    for weeks in (-1, 0, 1):
        day = monday + timedelta(days=weekday, weeks=weeks)
        begins = datetime.combine(day, starts, tzinfo=tz).astimezone(UTC)  # fold=0: RFC 5545's reading
        if begins <= now < begins + timedelta(minutes=duration):
            return True
    return False


def python_filter(loaded: Loaded, ask: Ask, needed: int, tz: Any) -> list[int]:
    today = ask.now.astimezone(tz).date()
    found = set()
    for zone in ask.zones:
        for pk in loaded.zones.get(zone, ()):
            state, paused, vouches, imported, consent = loaded.people[pk]
            if not consent:
                continue
            if not (state == "active" or (state == "paused" and paused is not None and paused <= today)):
                continue
            if not (imported or vouches >= needed):
                continue
            held = loaded.certifications.get((pk, ask.skill))
            if held is None or not held[1] or held[0] <= ask.now:
                continue
            changes = loaded.one_offs.get(pk, [])
            extra = any(on and begins <= ask.now < ends for begins, ends, on in changes)
            away = any(not on and begins <= ask.now < ends for begins, ends, on in changes)
            weekly = any(in_window(*window, ask.now, tz) for window in loaded.shifts.get(pk, []))
            if extra or (weekly and not away):
                found.add(pk)
    return sorted(found)


# One database.


def one_database(database: str, home: Path, people: int, zone_count: int, queries: int) -> dict[str, Any]:
    for name in ("SOLIDARITY_DATABASE_URL", "SOLIDARITY_REDIS_URL"):
        os.environ.pop(name, None)
    os.environ["SOLIDARITY_HOME"] = str(home)
    os.environ["DJANGO_SETTINGS_MODULE"] = "solidarity.config.settings"
    if database != "sqlite":
        fresh_database(database)
        os.environ["SOLIDARITY_DATABASE_URL"] = database
    import django
    from django.core.management import call_command
    from django.db import connection

    django.setup()
    call_command("migrate", verbosity=0)
    from solidarity.core.services import get_network_settings, network_timezone
    from solidarity.people.oncall import on_call, on_call_ids

    say(f"{database}: building {people:,} people in {zone_count} zones")
    started = time.perf_counter()
    build(people, zone_count)
    analyse()
    say(f"  built in {time.perf_counter() - started:.1f} s")
    tz, needed = network_timezone(), get_network_settings().vouches_needed
    work = asks(queries, zone_count)

    times: dict[str, list[float]] = {"a": [], "b": [], "c": []}
    sizes = []
    for ask in work[: max(5, queries // 50)]:
        begun = time.perf_counter()
        python_filter(load(), ask, needed, tz)
        times["a"].append(time.perf_counter() - begun)
    say(f"  a. p99 {percentile(times['a'], 99) * 1000:.1f} ms")
    loaded = load()
    expected = []
    for ask in work:
        begun = time.perf_counter()
        expected.append(python_filter(loaded, ask, needed, tz))
        times["b"].append(time.perf_counter() - begun)
    say(f"  b. p99 {percentile(times['b'], 99) * 1000:.2f} ms")
    on_call_ids(work[0].skill, work[0].zones, now=work[0].now)  # the first call reads the settings into the cache
    for ask, wanted in zip(work, expected, strict=True):
        begun = time.perf_counter()
        got = on_call_ids(ask.skill, ask.zones, now=ask.now)
        times["c"].append(time.perf_counter() - begun)
        if sorted(got) != wanted:
            raise SystemExit(f"the query and the Python filter disagree on {ask}: {len(got)} against {len(wanted)}")
        sizes.append(len(got))
    say(f"  c. p99 {percentile(times['c'], 99) * 1000:.2f} ms")
    sample = work[0]
    query = on_call(sample.skill, sample.zones, now=sample.now)
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        explain = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
        cursor.execute(explain + sql, params)
        plan = "\n".join(" ".join(str(cell) for cell in row) for row in cursor.fetchall())
    return {
        "times": times,
        "sizes": [min(sizes), statistics.median(sizes), max(sizes)],
        "plan": plan,
        "counts": counts(),
    }


def counts() -> dict[str, int]:
    from solidarity.people.models import Certification, Coverage, OneOffShift, Person, Shift, Vouch

    return {
        "people": Person.objects.count(),
        "zones covered": Coverage.objects.count(),
        "certifications": Certification.objects.count(),
        "weekly windows": Shift.objects.count(),
        "one-off changes": OneOffShift.objects.count(),
        "vouches": Vouch.objects.count(),
    }


def fresh_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    conninfo = url.replace("postgres://", "postgresql://", 1)
    name = conninfo.rsplit("/", 1)[1]
    with psycopg.connect(conninfo.rsplit("/", 1)[0] + "/postgres", autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def machine() -> str:
    lines = Path("/proc/cpuinfo").read_text().splitlines()
    model = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")), "unknown CPU")
    return f"{os.cpu_count()} CPUs ({model}), Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}"


def table(result: dict[str, Any]) -> str:
    names = {
        "a": "a. baseline: load the people, filter in Python (per ask)",
        "b": "b. baseline: filter in Python, people loaded once before",
        "c": "c. the on-call query (people.oncall)",
    }
    times = result["times"]
    lines = ["| phase | asks | p50 | p99 | max | p99 vs a |", "| --- | ---: | ---: | ---: | ---: | ---: |"]
    base = percentile(times["a"], 99)
    for key, name in names.items():
        found = times[key]
        p50, p99 = statistics.median(found), percentile(found, 99)
        cells = " | ".join(f"{value * 1000:,.2f} ms" for value in (p50, p99, max(found)))
        lines.append(f"| {name} | {len(found):,} | {cells} | {p99 / base:.4f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--zones", type=int, default=200)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument(
        "--database", action="append", help="sqlite (the default) or postgres://USER@HOST:PORT/NAME; repeatable"
    )
    parser.add_argument("--one", help=argparse.SUPPRESS)  # run one database in this process; print JSON
    args = parser.parse_args()
    if args.one:
        home = Path(tempfile.mkdtemp(prefix="solidarity-bench-oncall-"))
        result = one_database(args.one, home, args.people, args.zones, args.queries)
        shutil.rmtree(home)
        print(json.dumps(result))
        return

    results = {}
    for database in args.database or ["sqlite"]:
        command = [sys.executable, __file__, "--one", database, "--people", str(args.people)]
        command += ["--zones", str(args.zones), "--queries", str(args.queries)]
        done = subprocess.run(command, cwd=ROOT, stdout=subprocess.PIPE, text=True, check=False)
        if done.returncode:
            raise SystemExit(f"{database}: the bench failed ({done.returncode})")
        results[database] = json.loads(done.stdout.splitlines()[-1])

    print()
    invoked = " ".join(["uv run python bench/oncall.py", *sys.argv[1:]])
    print(f"{datetime.now().astimezone().date().isoformat()}, `{invoked}`, {machine()}")
    for database, result in results.items():
        print(f"\n{'SQLite (WAL)' if database == 'sqlite' else 'PostgreSQL'}: {result['counts']}")
        print(
            f"people found per ask: min {result['sizes'][0]}, median {result['sizes'][1]}, max {result['sizes'][2]}\n"
        )
        print(table(result))
        print("\nplan:\n" + result["plan"])


if __name__ == "__main__":
    main()
