"""Rapid response at scale: dispatch's candidates, "confirmed" to alerts handed over, and a surge of reports.

    uv run python bench/incidents.py [--people 50000] [--zones 200] [--incidents 200] [--baseline-incidents 50]
        [--confirms 20] [--surge 10000] [--surge-seconds 60] [--surge-processes 4] [--database sqlite]
        [--database postgres://postgres@127.0.0.1:5432/bench_rr --redis redis://127.0.0.1:6379/14]

Each --database (default: sqlite, a fresh file in a throwaway home; a PostgreSQL database is
created when missing and emptied first) runs in a process of its own; --redis goes with the
PostgreSQL runs (the scale path: its db is emptied first).

The network: the people of bench/oncall.py (bulk inserts, display names encrypted through their
field: skills, weekly windows, vetting, 95% agreed to alerts), its zones laid out as a grid of
20 columns with neighbours up, down, left and right (the rings dispatch asks), and contacts written
through their encrypted field and blind index: 90% of people a phone, 5% only an email, 5% none.
Every incident type the bench uses needs 4 roles (its requirements). Statistics gathered (ANALYZE).

Phases:
  1. "confirmed" to alerts: a real `solidarity worker` (SOLIDARITY_SMS_BACKEND=loopback) runs; one
     incident at a time is confirmed (`services.do_confirm`): the time until it commits (every alert's
     Message row then exists: checked) and until the worker handed the last of them over (SMS: the
     loopback backend's line for it; email: the console's). Then the worker is stopped.
  2. candidates: `--incidents` incidents confirmed (alerts made, and a third of all alerts marked
     going, so others are busy), then `incidents.dispatch.candidates(need)` timed for each of their
     needs (4 each); against it, baseline a: the naive ORM version (Person.objects.filter with the
     joins the ORM builds, then on call, vetting, asked and busy and the ranking in Python, a query
     or more per person), on the needs of the first `--baseline-incidents`. Their answers must agree.
  3. surge: `--surge` public reports through `intake.do_take_report` (no rate limit: it is the
     view's), from `--surge-processes` processes at once (as web workers), paced evenly over
     `--surge-seconds` (0: as fast as they go), most of them about a few hot spots; latency counted
     from each report's planned moment. Baseline b: the same reports saved bare (Report.save(), no
     checks, no grouping), one process. Every report must be grouped, with no error.
"""

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from oncall import analyse, build, fresh_database, in_window, machine, percentile, say

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
SEED = 20261213
COLUMNS = 20
TOKEN = "bench-incidents-loopback-token"
# What each incident type the bench uses needs: 4 roles each (skill, count, within minutes, in pairs).
REQUIREMENTS = {
    "checkpoint": [
        ("legal-observer", 2, None, False),
        ("licensed-driver", 1, None, False),
        ("interpreter-en-es", 1, None, False),
        ("de-escalation", 2, None, False),
    ],
    "workplace_raid": [
        ("legal-observer", 2, None, False),
        ("interpreter-en-es", 1, None, False),
        ("street-medic-basic", 2, None, True),
        ("de-escalation", 1, None, False),
    ],
}
TYPES = list(REQUIREMENTS)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms"


# The network on top of bench/oncall.py's roster.


def grid(zone_ids: list[int]) -> None:
    """Neighbours on a grid of COLUMNS columns: up, down, left, right (both directions, as Django keeps them)."""
    from django.db import transaction

    from solidarity.core.models import Zone

    through = Zone.neighbours.through
    rows = []
    for n, zone in enumerate(zone_ids):
        column = n % COLUMNS
        for other in (n - COLUMNS, n + COLUMNS, n - 1 if column else -1, n + 1 if column < COLUMNS - 1 else -1):
            if 0 <= other < len(zone_ids):
                rows.append(through(from_zone_id=zone, to_zone_id=zone_ids[other]))
    with transaction.atomic():
        through.objects.bulk_create(rows, batch_size=1000)
    say(f"  {len(rows) // 2:,} neighbouring pairs")


def email_links() -> bool:
    """Whether an email alert can be written: its one-tap link's view (the board's) is there."""
    from django.urls import NoReverseMatch, reverse

    try:
        reverse("incidents:alert-link", args=["x"])
    except NoReverseMatch:
        return False
    return True


def contacts() -> None:
    """90% a phone, 5% only an email (a phone too, when email alerts' links are missing), 5% none; through
    the fields (encrypted, blind-indexed)."""
    from django.db import transaction

    from solidarity.people.models import Contact, ContactKind, Person, PersonState

    chance = random.Random(SEED)
    emails = email_links()
    if not emails:
        say("  no incidents:alert-link view here: the email-only people get a phone instead")
    rows = []
    for n, pk in enumerate(Person.objects.exclude(state=PersonState.LEFT).order_by("pk").values_list("pk", flat=True)):
        roll = chance.random()
        if roll < 0.90:
            rows.append(Contact(person_id=pk, kind=ContactKind.PHONE, value=f"+1919{n:07d}", is_primary=True))
        elif roll < 0.95:
            kind, value = (ContactKind.EMAIL, f"r{n}@example.org") if emails else (ContactKind.PHONE, f"+1919{n:07d}")
            rows.append(Contact(person_id=pk, kind=kind, value=value, is_primary=True))
    for start in range(0, len(rows), 5000):
        with transaction.atomic():
            Contact.objects.bulk_create(rows[start : start + 5000], batch_size=1000)
    say(f"  {len(rows):,} contacts")


def requirements() -> None:
    from solidarity.incidents.models import Requirement
    from solidarity.people.models import Skill

    skills = {skill.slug: skill for skill in Skill.objects.all()}
    Requirement.objects.filter(type__in=TYPES).delete()
    for type, roles in REQUIREMENTS.items():
        for slug, count, within, pairs in roles:
            Requirement.objects.create(
                type=type, skill=skills[slug], count=count, within_minutes=within, in_pairs=pairs
            )


def zone_ids() -> list[int]:
    from solidarity.core.models import Zone

    return list(Zone.objects.order_by("slug").values_list("pk", flat=True))


def new_incident(chance: random.Random, zones: list[int]) -> Any:
    """A reported incident in a random zone (the intake's own constructor, with its stale timer)."""
    from django.db import transaction

    from solidarity.core.models import Zone
    from solidarity.incidents.services import new_incident as make

    with transaction.atomic():
        return make(chance.choice(TYPES), Zone.objects.get(pk=chance.choice(zones)), chance.choice(["en", "es"]))


# 1. "Confirmed" to every alert handed over.


def start_worker(home: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    import socket

    from solidarity.core.models import WorkerHeartbeat

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
    import signal

    worker.send_signal(signal.SIGTERM)
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


def loopback_lines(path: Path) -> dict[str, datetime]:
    """{idempotency key: when the loopback backend was handed it}."""
    if not path.exists():
        return {}
    found = {}
    for line in path.read_text().splitlines():
        row = json.loads(line)
        found[row["idempotency_key"]] = datetime.fromisoformat(row["at"])
    return found


def confirm_phase(count: int, zones: list[int], home: Path, env: dict[str, str]) -> dict[str, Any]:
    from solidarity.incidents.models import Alert
    from solidarity.incidents.services import do_confirm
    from solidarity.messaging.models import Channel, Message, State

    chance = random.Random(SEED + 1)
    outbox = home / "sms-outbox.jsonl"
    worker = start_worker(home, env)
    committed, handed, alerts, sms = [], [], [], 0
    try:
        for n in range(count):
            incident = new_incident(chance, zones)
            time.sleep(chance.uniform(0.3, 0.8))  # the worker's idle polls meet "confirmed" at any phase
            started = datetime.now(UTC)
            begun = time.perf_counter()
            do_confirm(incident, by=None, where="by the bridge")
            committed.append(time.perf_counter() - begun)
            keys = [
                f"incidents.alert:{uuid}"
                for uuid in Alert.objects.filter(incident=incident).values_list("uuid", flat=True)
            ]
            if not keys or Message.objects.filter(idempotency_key__in=keys).count() != len(keys):
                raise SystemExit(f"confirm {n}: {len(keys)} alerts, not each with its message after commit")
            deadline = time.monotonic() + 60
            while True:
                rows = list(
                    Message.objects.filter(idempotency_key__in=keys).values_list(
                        "idempotency_key", "channel", "state", "sent_at"
                    )
                )
                if all(state in (State.SENT, State.DELIVERED) for _key, _channel, state, _at in rows):
                    break
                if bad := [
                    state for _k, _c, state, _at in rows if state not in (State.QUEUED, State.SENDING, State.SENT)
                ]:
                    raise SystemExit(f"confirm {n}: alerts not sent: {bad}")
                if worker.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"confirm {n}: not all alerts handed over in 60 s; see {home / 'worker.log'}")
                time.sleep(0.005)
            lines = loopback_lines(outbox)
            moments = []
            for key, channel, _state, sent_at in rows:
                if channel == Channel.SMS:
                    if key not in lines:
                        raise SystemExit(f"confirm {n}: a text marked sent is not in the loopback outbox")
                    moments.append(lines[key])
                    sms += 1
                else:
                    moments.append(sent_at)
            handed.append((max(moments) - started).total_seconds())
            alerts.append(len(keys))
            say(f"  confirm {n}: {len(keys)} alerts, committed {ms(committed[-1])}, handed over {ms(handed[-1])}")
    finally:
        stop_worker(worker)
    return {"committed": committed, "handed": handed, "alerts": alerts, "sms": sms}


# 2. Candidates, and the naive ORM version.


def naive_candidates(need: Any, now: datetime) -> list[tuple[int, int, int, Any, bool]]:
    """dispatch.candidates as a newcomer writes it with the ORM: a query or more per person."""
    from django.db.models import Max

    from solidarity.core.services import get_network_settings, network_timezone
    from solidarity.incidents.models import BUSY, DISPATCHING_STATES, Alert
    from solidarity.incidents.timeline import hotline_settings
    from solidarity.people.models import Person, PersonState

    incident = need.incident
    rings = [[incident.zone]]
    seen = {incident.zone_id}
    for _ring in range(need.ring):
        outer = []
        for zone in rings[-1]:
            for near in zone.neighbours.all().order_by("pk"):
                if near.pk not in seen:
                    seen.add(near.pk)
                    outer.append(near)
        if not outer:
            break
        rings.append(outer)
    ring_of = {zone.pk: ring for ring, zones in enumerate(rings) for zone in zones}
    skills = [need.skill] if need.skill_id else list(hotline_settings().verifier_skills.all())
    tz, needed = network_timezone(), get_network_settings().vouches_needed
    today = now.astimezone(tz).date()
    people = Person.objects.filter(
        coverage__zone__in=list(ring_of),
        certifications__skill__in=skills,
        consent_alerts=True,
        state__in=[PersonState.ACTIVE, PersonState.PAUSED],
    ).distinct()
    found = []
    for person in people:
        if person.state == PersonState.PAUSED and not (person.paused_until and person.paused_until <= today):
            continue
        if not (person.vetted_by_import_at or person.vouch_count >= needed):
            continue
        holds = False
        for certification in person.certifications.filter(skill__in=skills):
            if certification.lapses_at > now and (
                certification.signed_off_at or not certification.skill.needs_sign_off
            ):
                holds = True
        if not holds:
            continue
        changes = list(person.one_off_shifts.all())
        extra = any(c.is_on_call and c.starts_at <= now < c.ends_at for c in changes)
        away = any(not c.is_on_call and c.starts_at <= now < c.ends_at for c in changes)
        weekly = any(in_window(s.weekday, s.starts, s.duration_minutes, now, tz) for s in person.shifts.all())
        if not (extra or (weekly and not away)):
            continue
        if Alert.objects.filter(incident=incident, person=person).exists():
            continue
        if Alert.objects.filter(person=person, state__in=BUSY, incident__state__in=DISPATCHING_STATES).exists():
            continue
        nearest = min((ring_of[c.zone_id], c.zone_id) for c in person.coverage.all() if c.zone_id in ring_of)
        last = person.alerts.aggregate(last=Max("asked_at"))["last"]
        days = (now - last).days if last else 1_000_000
        found.append(((nearest[0], -days, person.language != incident.language, person.pk), nearest[1], last))
    found.sort()
    return [(key[3], key[0], zone, last, not key[2]) for key, zone, last in found]


def candidates_phase(count: int, baseline: int, zones: list[int]) -> dict[str, Any]:
    from django.db import transaction
    from django.utils import timezone

    from solidarity.incidents.dispatch import candidates
    from solidarity.incidents.models import Alert, AlertState, Need
    from solidarity.incidents.services import do_confirm

    chance = random.Random(SEED + 2)
    begun = time.perf_counter()
    made = []
    for _ in range(count):
        made.append(do_confirm(new_incident(chance, zones), by=None).pk)
    say(f"  {count} incidents confirmed in {time.perf_counter() - begun:.1f} s")
    alerts = list(Alert.objects.order_by("pk").values_list("pk", flat=True))
    going = chance.sample(alerts, len(alerts) // 3)
    with transaction.atomic():
        for start in range(0, len(going), 900):
            Alert.objects.filter(pk__in=going[start : start + 900]).update(state=AlertState.GOING)
    analyse()
    needs = list(
        Need.objects.filter(incident_id__in=made).select_related("incident", "incident__zone", "skill").order_by("pk")
    )
    now = timezone.now()
    candidates(needs[0], now=now)  # the first call reads the settings into the cache
    rings = [need.ring for need in needs]
    found: dict[str, Any] = {"alerts": len(alerts), "rings": {str(r): rings.count(r) for r in sorted(set(rings))}}
    # As asked (the ring each need reached when confirmed: what a NO's next ask reads), then two rings out
    # for every need (13 zones of the grid: what the ring timer reads after 2 x ring_minutes, the widest pool).
    for level, ring, checked in (("asked", None, made[:baseline]), ("ring2", 2, made[: max(1, baseline // 5)])):
        times: dict[str, list[float]] = {"a": [], "c": []}
        per_incident: dict[str, dict[int, float]] = {"a": {}, "c": {}}
        sizes, answers = [], {}
        for need in needs:
            if ring is not None:
                need.ring = ring
            started = time.perf_counter()
            ranked = candidates(need, now=now)
            spent = time.perf_counter() - started
            times["c"].append(spent)
            per_incident["c"][need.incident_id] = per_incident["c"].get(need.incident_id, 0.0) + spent
            sizes.append(len(ranked))
            answers[need.pk] = [(c.person_id, c.ring, c.zone_id, c.last_asked_at, c.language_fit) for c in ranked]
        say(f"  c. {level}: p99 {ms(percentile(times['c'], 99))}")
        for need in needs:
            if need.incident_id not in checked:
                continue
            started = time.perf_counter()
            naive = naive_candidates(need, now)
            spent = time.perf_counter() - started
            times["a"].append(spent)
            per_incident["a"][need.incident_id] = per_incident["a"].get(need.incident_id, 0.0) + spent
            if naive != answers[need.pk]:
                got = len(answers[need.pk])
                raise SystemExit(
                    f"need {need.pk}: candidates and the naive version disagree: {got} against {len(naive)}"
                )
        say(f"  a. {level}: p99 {ms(percentile(times['a'], 99))}")
        found[level] = {
            "times": times,
            "incident_times": {key: list(values.values()) for key, values in per_incident.items()},
            "sizes": [min(sizes), statistics.median(sizes), max(sizes)],
        }
    return found


# 3. The surge.


def surge_plan(count: int, zones: list[int]) -> list[tuple[str, int, str]]:
    """(type, zone, language) per report: 80% about 10 hot spots (each of one type), the rest anywhere."""
    from solidarity.incidents.models import IncidentType

    chance = random.Random(SEED + 3)
    hot = [(chance.choice(IncidentType.values), chance.choice(zones)) for _ in range(10)]
    plan = []
    for _ in range(count):
        type, zone = (
            chance.choice(hot) if chance.random() < 0.8 else (chance.choice(IncidentType.values), chance.choice(zones))
        )
        plan.append((type, zone, chance.choice(["en", "es"])))
    return plan


def surge_part(part: int, parts: int, count: int, seconds: float, start_at: float) -> dict[str, Any]:
    """This process's share of the surge: every `parts`-th report, each at its planned moment."""
    from solidarity.core.models import Zone
    from solidarity.incidents.intake import ReportValues, do_take_report
    from solidarity.incidents.models import ReportState, Source

    zones = {zone.pk: zone for zone in Zone.objects.all()}
    plan = surge_plan(count, sorted(zones, key=lambda pk: zones[pk].slug))
    step = seconds / count
    late, took, errors, ungrouped = [], [], [], 0
    while time.time() < start_at:
        time.sleep(0.001)
    for n in range(part, count, parts):
        planned = start_at + n * step
        if (wait := planned - time.time()) > 0:
            time.sleep(wait)
        type, zone, language = plan[n]
        values = ReportValues(
            type=type,
            zone=zones[zone],
            description="Agents stopping cars by the bridge, two vans",
            place="Main St and 5th",
            size="6",
            seen_directly=True,
            language=language,
        )
        begun = time.perf_counter()
        try:
            report = do_take_report(values, source=Source.WEB)
            ungrouped += report.state != ReportState.GROUPED
        except Exception as error:  # counted and shown: the bench fails on any
            errors.append(repr(error)[:200])
        took.append(time.perf_counter() - begun)
        late.append(time.time() - planned)
    return {"late": late, "took": took, "errors": errors, "ungrouped": ungrouped, "ended": time.time()}


def bare_reports(count: int, zones: list[int]) -> float:
    """Baseline b: the same reports saved bare, one process: reports a second."""
    from django.db import transaction

    from solidarity.core.codes import unique_code
    from solidarity.incidents.models import Report, ReportState, Source

    plan = surge_plan(count, zones)
    started = time.perf_counter()
    for type, zone, language in plan:
        with transaction.atomic():
            Report(
                code=unique_code(Report, "code"),
                source=Source.WEB,
                type=type,
                zone_id=zone,
                language=language,
                description="Agents stopping cars by the bridge, two vans",
                place="Main St and 5th",
                size="6",
                seen_directly=True,
                occurred_at=datetime.now(UTC),
                state=ReportState.FOR_REVIEW,
            ).save()
    spent = time.perf_counter() - started
    Report.objects.filter(state=ReportState.FOR_REVIEW).delete()
    return count / spent


def surge_phase(args: argparse.Namespace, env: dict[str, str], zones: list[int]) -> dict[str, Any]:
    from solidarity.incidents.models import Incident, Report

    rate_b = bare_reports(min(args.surge, 2000), zones)
    say(f"  b. {rate_b:,.0f} bare reports/s")
    before = Incident.objects.count()
    start_at = time.time() + 5  # every process set up by then
    parts = []
    for part in range(args.surge_processes):
        command = [sys.executable, __file__, "--surge-part", f"{part},{args.surge_processes},{start_at}"]
        command += ["--surge", str(args.surge), "--surge-seconds", str(args.surge_seconds)]
        parts.append(subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True))
    results = []
    for process in parts:
        out, _err = process.communicate()
        if process.returncode:
            raise SystemExit(f"a surge process failed ({process.returncode})")
        results.append(json.loads(out.splitlines()[-1]))
    late = [value for result in results for value in result["late"]]
    took = [value for result in results for value in result["took"]]
    errors = [error for result in results for error in result["errors"]]
    span = max(result["ended"] for result in results) - start_at
    grouped = Report.objects.filter(incident__isnull=False).count()
    say(f"  surge: {len(late):,} in {span:.1f} s, p99 {ms(percentile(late, 99))}, {len(errors)} errors")
    return {
        "late": late,
        "took": took,
        "errors": errors[:5],
        "error_count": len(errors),
        "ungrouped": sum(result["ungrouped"] for result in results),
        "grouped": grouped,
        "span": span,
        "incidents": Incident.objects.count() - before,
        "bare_rate": rate_b,
    }


# One database.


def environment(home: Path, database: str, redis: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("SOLIDARITY_DATABASE_URL", "SOLIDARITY_REDIS_URL")
    }
    env |= {
        "SOLIDARITY_HOME": str(home),
        "DJANGO_SETTINGS_MODULE": "solidarity.config.settings",
        "SOLIDARITY_SMS_BACKEND": "loopback",
        "SOLIDARITY_LOOPBACK_TOKEN": TOKEN,
    }
    if database != "sqlite":
        env["SOLIDARITY_DATABASE_URL"] = database
        if redis:
            env["SOLIDARITY_REDIS_URL"] = redis
    return env


def set_up(env: dict[str, str]) -> None:
    os.environ.clear()
    os.environ.update(env)
    import django

    django.setup()


def one_database(args: argparse.Namespace, database: str, home: Path) -> dict[str, Any]:
    env = environment(home, database, args.redis)
    if database != "sqlite":
        fresh_database(database)
        if args.redis:
            import redis

            redis.Redis.from_url(args.redis).flushdb()
    set_up(env)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    say(f"{database}: building {args.people:,} people in {args.zones} zones")
    started = time.perf_counter()
    build(args.people, args.zones)
    zones = zone_ids()
    grid(zones)
    contacts()
    requirements()
    analyse()
    say(f"  built in {time.perf_counter() - started:.1f} s")
    result: dict[str, Any] = {"counts": counts()}
    if "confirm" in args.phases:
        result["confirm"] = confirm_phase(args.confirms, zones, home, env)
    if "candidates" in args.phases:
        result["candidates"] = candidates_phase(args.incidents, args.baseline_incidents, zones)
    if "surge" in args.phases:
        result["surge"] = surge_phase(args, env, zones)
    return result


def counts() -> dict[str, int]:
    from solidarity.core.models import Zone
    from solidarity.people.models import Certification, Contact, Coverage, Person, Shift

    return {
        "people": Person.objects.count(),
        "zones": Zone.objects.count(),
        "zones covered": Coverage.objects.count(),
        "certifications": Certification.objects.count(),
        "weekly windows": Shift.objects.count(),
        "contacts": Contact.objects.count(),
    }


# The report.


def row(name: str, values: list[float], base: float | None = None, unit: str = "ms") -> str:
    p50, p99 = statistics.median(values), percentile(values, 99)
    ratio = f"{base / p99:,.1f}x" if base else ""
    return f"| {name} | {len(values):,} | {ms(p50)} | {ms(p99)} | {ms(max(values))} | {ratio} |"


def report(result: dict[str, Any], surge_seconds: float) -> str:
    lines = [f"{result['counts']}\n"]
    lines.append("| phase | count | p50 | p99 | max | p99 faster than a |\n| --- | ---: | ---: | ---: | ---: | ---: |")
    if found := result.get("candidates"):
        for level, name in (("asked", "as asked"), ("ring2", "two rings out")):
            times, incident_times = found[level]["times"], found[level]["incident_times"]
            base, base_i = percentile(times["a"], 99), percentile(incident_times["a"], 99)
            lines.append(row(f"a. baseline: naive ORM candidates, {name}, per need", times["a"]))
            lines.append(row(f"c. dispatch.candidates, {name}, per need", times["c"], base))
            lines.append(row(f"a. baseline: naive ORM candidates, {name}, per incident (4 needs)", incident_times["a"]))
            lines.append(row(f"c. dispatch.candidates, {name}, per incident (4 needs)", incident_times["c"], base_i))
    if confirm := result.get("confirm"):
        lines.append(row("do_confirm until commit (alerts in the outbox)", confirm["committed"]))
        lines.append(row("confirmed to the last alert handed over by the worker", confirm["handed"]))
    lines.append("")
    if found:
        sizes = {
            level: f"{low} to {high}, median {middle:g}"
            for level in ("asked", "ring2")
            for low, middle, high in [found[level]["sizes"]]
        }
        lines.append(
            f"Candidates per need: as asked {sizes['asked']}; two rings out {sizes['ring2']}; "
            f"needs by ring reached when confirmed: {found['rings']}; {found['alerts']:,} alerts made, "
            "a third marked going."
        )
    if confirm:
        lines.append(
            f"Confirms: {sum(confirm['alerts'])} alerts over {len(confirm['alerts'])} incidents, "
            f"{confirm['sms']} by SMS, the others by email."
        )
    if surge := result.get("surge"):
        late = surge["late"]
        pace = f"paced over {surge_seconds:g} s" if surge_seconds else "as fast as they go"
        lines.append(
            f"Surge: {len(late):,} reports ({pace}) in {surge['span']:.1f} s = "
            f"{len(late) / surge['span']:,.0f} reports/s; "
            f"each report took p50 {ms(statistics.median(surge['took']))}, p99 {ms(percentile(surge['took'], 99))}, "
            f"max {ms(max(surge['took']))}; from its planned moment to done p50 {ms(statistics.median(late))}, "
            f"p99 {ms(percentile(late, 99))}; "
            f"{surge['grouped']:,} grouped into {surge['incidents']:,} new incidents, {surge['ungrouped']} not "
            f"grouped, {surge['error_count']} errors {surge['errors']}; baseline b (bare saves, one process): "
            f"{surge['bare_rate']:,.0f} reports/s."
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--zones", type=int, default=200)
    parser.add_argument("--incidents", type=int, default=200)
    parser.add_argument("--baseline-incidents", type=int, default=50)
    parser.add_argument("--confirms", type=int, default=20)
    parser.add_argument("--surge", type=int, default=10_000)
    parser.add_argument("--surge-seconds", type=float, default=60)
    parser.add_argument("--surge-processes", type=int, default=4)
    parser.add_argument("--database", action="append", help="sqlite (the default) or postgres://USER@HOST:PORT/NAME")
    parser.add_argument("--redis", default="", help="SOLIDARITY_REDIS_URL for the PostgreSQL runs")
    parser.add_argument("--phases", default="confirm,candidates,surge", help="which phases, comma-separated")
    parser.add_argument("--keep", action="store_true", help="keep each run's home (its worker.log)")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # one database in this process; print JSON
    parser.add_argument("--surge-part", help=argparse.SUPPRESS)  # part,parts,start: one surge process
    args = parser.parse_args()
    if args.surge_part:
        part, parts, start_at = args.surge_part.split(",")
        set_up(dict(os.environ))
        print(json.dumps(surge_part(int(part), int(parts), args.surge, args.surge_seconds, float(start_at))))
        return
    if args.one:
        home = Path(tempfile.mkdtemp(prefix="solidarity-bench-incidents-"))
        result = one_database(args, args.one, home)
        if not args.keep:
            shutil.rmtree(home)
        print(json.dumps(result, default=str))
        return

    results = {}
    for database in args.database or ["sqlite"]:
        command = [sys.executable, __file__, "--one", database, *sys.argv[1:]]
        done = subprocess.run(command, cwd=ROOT, stdout=subprocess.PIPE, text=True, check=False)
        if done.returncode:
            raise SystemExit(f"{database}: the bench failed ({done.returncode})")
        results[database] = json.loads(done.stdout.splitlines()[-1])
    print()
    invoked = " ".join(["uv run python bench/incidents.py", *sys.argv[1:]])
    print(f"{datetime.now().astimezone().date().isoformat()}, `{invoked}`, {machine()}")
    for database, result in results.items():
        name = "SQLite (WAL)" if database == "sqlite" else "PostgreSQL + Redis"
        print(f"\n{name}: {report(result, args.surge_seconds)}")


if __name__ == "__main__":
    main()
