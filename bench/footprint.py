"""How much memory `solidarity up` holds on a small server: idle, and during a 10,000-message broadcast watched live.

    uv run python bench/footprint.py [--people 5000] [--lists 20] [--clients 50] [--settle 30] [--idle 30]
        [--processes 1] [--sink postfix|python]

Self-contained: a throwaway SOLIDARITY_HOME with a fresh SQLite database (no PostgreSQL, no Redis)
and an SMTP sink on 127.0.0.1 (bench/sinks.py: Postfix's smtp-sink by default, aiosmtpd with
--sink python) that counts what it receives and throws it away.

1. The network: --people fictional people (each with two email addresses, example.org and
   example.net), one working group with a coordinator, and --lists announcement lists. Each
   person's first address is on two neighbouring lists and their second on a third, so the
   lists overlap and one broadcast to all of them reaches every address once: 2 x --people
   messages (10,000 by default) from 15,000 subscriptions. Rows are bulk-inserted through the
   models, so encrypted fields and blind indexes are written by their field types.
2. The real `solidarity up` (SQLite, no other server), started as a subprocess on a free port,
   mail to the sink. Once /healthz answers 200 and --settle seconds pass, every process in its
   tree (the web server: `up` itself; the worker; a mail sender per extra
   SOLIDARITY_OUTBOX_EMAIL_PROCESSES) is measured from /proc: RSS (VmRSS) and PSS
   (smaps_rollup: shared pages divided among the processes sharing them, so PSS adds up).
   Baselines in the same run: `python -c "import django; django.setup()"` with Solidarity's
   settings (the least any Django process of this project holds), and the peak of
   `solidarity manage check`.
3. The broadcast, as a coordinator sends it: composed and sent through the JSON API with a token
   from `solidarity manage token create`; meanwhile --clients signed-in browsers (session
   cookies) each open its page and its live progress stream, and fetch the progress section as
   the page's script does (at once on an event, at most once a second, and once more a second
   after the last). Every process is sampled every 0.2 s until the sink has counted every
   message; the table gives each one's peak (and VmHWM, the kernel's own high-water mark).
"""

import argparse
import asyncio
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import sinks as sink_kinds  # this folder's
from broadcast import machine
from sinks import Sink

ROOT = Path(__file__).resolve().parent.parent
GROUP = "anuncios"
COORDINATOR = "coordinadora.banco"
SAMPLE_SECONDS = 0.2
KIB = 1024


# Memory of a process tree, from /proc.


@dataclass(frozen=True)
class Memory:
    rss: int  # bytes
    pss: int
    hwm: int  # the kernel's peak RSS of the process so far


def memory_of(pid: int) -> Memory | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None

    def kib(text: str, name: str) -> int:
        found = re.search(rf"^{name}:\s+(\d+) kB", text, re.MULTILINE)
        return int(found.group(1)) * KIB if found else 0

    return Memory(kib(status, "VmRSS"), kib(rollup, "Pss"), kib(status, "VmHWM"))


def children(pid: int) -> list[int]:
    """Direct children, from every thread's children list (Linux 3.5+)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return found


def tree(pid: int) -> list[int]:
    """`pid` and all its descendants."""
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        todo += children(current)
    return pids


def role_of(pid: int, root: int) -> str:
    """What the process is, from its command line: its name in the tables."""
    if pid == root:
        return "web (up: uvicorn)"
    try:
        words = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except FileNotFoundError:
        return "gone"
    if b"--mail-only" in words:
        return "mail sender (worker --mail-only)"
    if b"worker" in words:
        return "worker"
    return " ".join(word.decode(errors="replace") for word in words[:3])


@dataclass
class Peaks:
    """Per role: the highest RSS and PSS sampled, and the highest sum over the tree."""

    rss: dict[str, int] = field(default_factory=dict)
    pss: dict[str, int] = field(default_factory=dict)
    hwm: dict[str, int] = field(default_factory=dict)
    total_rss: int = 0
    total_pss: int = 0
    samples: int = 0

    def add(self, sample: dict[str, Memory]) -> None:
        for role, memory in sample.items():
            self.rss[role] = max(self.rss.get(role, 0), memory.rss)
            self.pss[role] = max(self.pss.get(role, 0), memory.pss)
            self.hwm[role] = max(self.hwm.get(role, 0), memory.hwm)
        self.total_rss = max(self.total_rss, sum(memory.rss for memory in sample.values()))
        self.total_pss = max(self.total_pss, sum(memory.pss for memory in sample.values()))
        self.samples += 1


def roles(root: int) -> dict[str, int]:
    """Each process of the tree by its role (`role_of`), two mail senders numbered."""
    found: dict[str, int] = {}
    for pid in tree(root):
        role = role_of(pid, root)
        if role in found:
            role = f"{role} #{sum(name.startswith(role) for name in found) + 1}"
        found[role] = pid
    return found


def sample(root: int) -> dict[str, Memory]:
    found: dict[str, Memory] = {}
    for role, pid in roles(root).items():
        memory = memory_of(pid)
        if memory is not None:
            found[role] = memory
    return found


def cpu_seconds(pid: int) -> float:
    """CPU time the process has used (user and system), in seconds; 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Sampler(threading.Thread):
    """Samples the tree every SAMPLE_SECONDS until stopped."""

    def __init__(self, root: int) -> None:
        super().__init__(daemon=True)
        self.root, self.peaks, self.stopping = root, Peaks(), threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            self.peaks.add(sample(self.root))
            self.stopping.wait(SAMPLE_SECONDS)

    def stop(self) -> Peaks:
        self.stopping.set()
        self.join()
        self.peaks.add(sample(self.root))
        return self.peaks


# The network.


def size_the_network(population: int) -> None:
    """Tell the network how many addresses it holds, and rotate the keys to take it up (as bench/broadcast.py)."""
    from solidarity.core import keyring, keys
    from solidarity.core.services import do_update_network_settings, network_values

    do_update_network_settings(**{**network_values(), "expected_population": population})
    before = keyring.current()
    keys.rotate()
    for key_id in (before.aead.primary, before.index.primary):
        keys.retire(key_id)


FIRST = ["Alba", "Bruno", "Carmen", "Darío", "Elena", "Fermín", "Gloria", "Hugo", "Inés", "Julián", "Lucía", "Mateo"]
LAST = ["Acequia", "Barranco", "Cañada", "Dehesa", "Encina", "Fresno", "Granja", "Huerta", "Ladera", "Molino"]


def populate(people: int, lists: int) -> dict[str, Any]:
    """The coordinator, the group, its lists, the people and their subscriptions; returns what the run needs."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.db import transaction
    from django.utils import timezone

    from solidarity.accounts.groups import do_add_member
    from solidarity.accounts.models import User, WorkingGroup
    from solidarity.core.permissions import Role
    from solidarity.lists.announcement_lists import ListValues, do_save_list
    from solidarity.lists.models import Subscription, SubscriptionState
    from solidarity.messaging.models import Channel
    from solidarity.people.models import Contact, ContactKind, Person

    coordinator = User(username=COORDINATOR, email=f"{COORDINATOR}@example.org")
    coordinator.set_unusable_password()
    coordinator.save()
    group = WorkingGroup.objects.create(name="Anuncios", slug=GROUP)
    do_add_member(group, coordinator, [Role.COORDINATOR])
    TOTP.activate(coordinator, generate_totp_secret())  # a coordinator reaches sensitive data: a second factor

    made = [
        do_save_list(
            group,
            ListValues(slug=f"barrio-{n:02d}", name_en=f"Neighbourhood {n:02d}", name_es=f"Barrio {n:02d}"),
            by=coordinator,
        )
        for n in range(lists)
    ]
    now = timezone.now()
    with transaction.atomic():
        persons = Person.objects.bulk_create(
            [
                Person(
                    display_name=f"{FIRST[n % len(FIRST)]} {LAST[n // len(FIRST) % len(LAST)]} {n}",
                    language="es" if n % 3 else "en",
                    consent_announcements=True,
                    consent_updated_at=now,
                )
                for n in range(people)
            ],
            batch_size=500,
        )
        contacts, subscriptions = [], []
        for n, person in enumerate(persons):
            home, work = f"persona{n}@example.org", f"persona{n}@trabajo.example.net"
            contacts += [
                Contact(person=person, kind=ContactKind.EMAIL, value=home, is_primary=True),
                Contact(person=person, kind=ContactKind.EMAIL, value=work),
            ]
            for address, on in ((home, n % lists), (home, (n + 1) % lists), (work, (n + 7) % lists)):
                subscriptions.append(
                    Subscription(
                        announcement_list=made[on],
                        channel=Channel.EMAIL,
                        address=address,
                        language=person.language,
                        state=SubscriptionState.CONFIRMED,
                        asked_at=now,
                        confirmed_at=now,
                    )
                )
        Contact.objects.bulk_create(contacts, batch_size=500)
        Subscription.objects.bulk_create(subscriptions, batch_size=500)
    return {"lists": [item.slug for item in made], "subscriptions": len(subscriptions)}


def api_token() -> str:
    """A token for the coordinator, as `solidarity manage token create` makes it."""
    return run_solidarity(["manage", "token", "create", COORDINATOR, "--name", "footprint"]).strip()


def session_cookies(count: int) -> list[str]:
    """`count` signed-in sessions of the coordinator (each a browser), as signing in leaves them in the database."""
    from django.test import Client

    from solidarity.accounts.models import User

    user = User.objects.get(username=COORDINATOR)
    cookies = []
    for _ in range(count):
        client = Client()
        client.force_login(user)
        cookies.append(client.cookies[settings_value("SESSION_COOKIE_NAME")].value)
    return cookies


def settings_value(name: str) -> Any:
    from django.conf import settings

    return getattr(settings, name)


# Processes.


def env_for(home: str, sink: Sink, processes: int) -> dict[str, str]:
    dropped = {"DJANGO_SETTINGS_MODULE", "SOLIDARITY_DATABASE_URL", "SOLIDARITY_REDIS_URL", "SOLIDARITY_URL"}
    env = {key: value for key, value in os.environ.items() if key not in dropped}
    env["SOLIDARITY_HOME"] = home
    env["SOLIDARITY_EMAIL_URL"] = f"smtp://127.0.0.1:{sink.port}"
    env["SOLIDARITY_OUTBOX_EMAIL_PROCESSES"] = str(processes)
    return env


def run_solidarity(args: list[str]) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "solidarity", *args], env=os.environ.copy(), cwd=ROOT, check=True, capture_output=True
    )
    return done.stdout.decode()


def peak_of(command: list[str], env: dict[str, str]) -> int:
    """The peak RSS (bytes) of `command`, from the kernel's accounting when it exits."""
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise SystemExit(f"{command} failed ({process.returncode})")
    return int(usage.ru_maxrss) * KIB


BARE_DJANGO = (
    "import os, django; os.environ['DJANGO_SETTINGS_MODULE'] = 'solidarity.config.settings'; django.setup(); "
    "import re; print(re.search(r'VmRSS:\\s+(\\d+)', open('/proc/self/status').read()).group(1))"
)


def baselines(env: dict[str, str]) -> dict[str, int]:
    rss = subprocess.run(
        [sys.executable, "-c", BARE_DJANGO], env=env, cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout
    return {
        "python -c 'django.setup()' (RSS)": int(rss.split()[-1]) * KIB,
        "solidarity manage check (peak RSS)": peak_of([sys.executable, "-m", "solidarity", "manage", "check"], env),
    }


def start_up(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    log = (Path(env["SOLIDARITY_HOME"]) / "up.log").open("wb")
    return subprocess.Popen(
        [sys.executable, "-m", "solidarity", "up", "--port", str(port)], env=env, cwd=ROOT, stdout=log, stderr=log
    )


def wait_healthy(base: str, up: subprocess.Popen[bytes], timeout: float = 120) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if up.poll() is not None:
            raise SystemExit(f"up exited ({up.returncode}): see its up.log")
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return time.monotonic() - started
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"up was not healthy within {timeout:.0f} s")


def stop(up: subprocess.Popen[bytes]) -> None:
    up.terminate()
    try:
        up.wait(timeout=30)
    except subprocess.TimeoutExpired:
        up.kill()
        up.wait()


# The broadcast and its watchers.


def send_broadcast(base: str, token: str, lists: list[str]) -> str:
    """Compose and send through the JSON API; returns its uuid."""
    headers = {"Authorization": f"Bearer {token}"}
    text = (
        "La asamblea del jueves será a las 19:00 en el local del sindicato.\n"
        "Hablaremos de la huelga de alquileres y del fondo de resistencia.\n"
    )
    draft = {
        "lists": lists,
        "channels": ["email"],
        "subject_en": "Thursday's assembly",
        "subject_es": "Asamblea del jueves",
        "text_en": "Thursday's assembly is at 7 pm at the union hall.\nWe will talk about the rent strike.\n",
        "text_es": text,
    }
    with httpx.Client(base_url=base, headers=headers, timeout=600) as client:
        made = client.post(f"/api/v1/groups/{GROUP}/broadcasts", json=draft)
        if made.status_code != 201:
            raise SystemExit(f"compose: {made.status_code} {made.text[:300]}")
        uuid = str(made.json()["id"])
        sent = client.post(f"/api/v1/broadcasts/{uuid}/send")
        if sent.status_code != 200:
            raise SystemExit(f"send: {sent.status_code} {sent.text[:300]}")
    return uuid


@dataclass
class Watching:
    pages: int = 0  # full pages and progress sections fetched
    events: int = 0
    streams: int = 0  # streams opened with 200
    errors: list[str] = field(default_factory=list)


async def watch(base: str, cookie: str, page: str, stopping: asyncio.Event, tally: Watching) -> None:
    """One browser on the broadcast's page: the page, its stream, and the section fetched as progress.js does."""
    cookies = {settings_value("SESSION_COOKIE_NAME"): cookie}
    async with httpx.AsyncClient(base_url=base, cookies=cookies, timeout=60) as client:
        first = await client.get(page)
        tally.pages += 1
        stream = re.search(r'data-stream="([^"]+)"', first.text)
        if first.status_code != 200 or stream is None:
            tally.errors.append(f"page: {first.status_code}, stream {'found' if stream else 'missing'}")
            return
        last, pending = 0.0, None

        async def refresh() -> None:
            nonlocal last
            last = time.monotonic()
            await client.get(page, headers={"HX-Request": "true", "HX-Target": "progress"})
            tally.pages += 1

        async def trailing() -> None:
            await asyncio.sleep(1.0)
            await refresh()

        headers = {"Accept": "text/event-stream"}
        async with client.stream("GET", stream.group(1), headers=headers, timeout=None) as response:
            if response.status_code != 200:
                tally.errors.append(f"stream: {response.status_code}")
                return
            tally.streams += 1
            await refresh()

            async def read() -> None:
                nonlocal pending
                async for line in response.aiter_lines():
                    if not line.startswith("event:"):
                        continue
                    tally.events += 1
                    if pending is not None:
                        pending.cancel()
                    pending = asyncio.ensure_future(trailing())
                    if time.monotonic() - last >= 1.0:
                        await refresh()
                    if line.split(":", 1)[1].strip() == "settled":
                        return

            reading = asyncio.ensure_future(read())
            stopped = asyncio.ensure_future(stopping.wait())
            await asyncio.wait([reading, stopped], return_when=asyncio.FIRST_COMPLETED)
            for task in (reading, stopped):
                task.cancel()
            await asyncio.gather(reading, stopped, return_exceptions=True)
        if pending is not None:
            await asyncio.gather(pending, return_exceptions=True)


class Watchers(threading.Thread):
    """--clients browsers in an event loop of their own."""

    def __init__(self, base: str, cookies: list[str], page: str) -> None:
        super().__init__(daemon=True)
        self.base, self.cookies, self.page = base, cookies, page
        self.tally = Watching()
        self.loop = asyncio.new_event_loop()
        self.stopping = asyncio.Event()

    def run(self) -> None:
        asyncio.set_event_loop(self.loop)
        watchers = [watch(self.base, cookie, self.page, self.stopping, self.tally) for cookie in self.cookies]
        results = self.loop.run_until_complete(asyncio.gather(*watchers, return_exceptions=True))
        self.tally.errors += [repr(result) for result in results if isinstance(result, BaseException)]

    def stop(self) -> Watching:
        self.loop.call_soon_threadsafe(self.stopping.set)
        self.join(timeout=60)
        return self.tally


# The run.


@dataclass
class Result:
    processes: int
    idle: dict[str, Memory]
    idle_cpu: dict[str, float]  # share of a core each process used while idle
    busy: Peaks
    seconds: float  # from the send request until the sink counted every message
    send_request: float  # seconds the send request took
    messages: int
    watching: Watching
    healthy_after: float


def one_run(args: argparse.Namespace, home: str, sink: Sink, processes: int, setup: dict[str, Any]) -> Result:
    env = env_for(home, sink, processes)
    port = sink_kinds.free_port()
    base = f"http://127.0.0.1:{port}"
    print(f"solidarity up on {base}, SOLIDARITY_OUTBOX_EMAIL_PROCESSES={processes}...", flush=True)
    up = start_up(env, port)
    try:
        healthy_after = wait_healthy(base, up)
        print(f"  healthy after {healthy_after:.1f} s; settling {args.settle:g} s", flush=True)
        time.sleep(args.settle)
        idle_samples = []
        pids = roles(up.pid)
        cpu_before, idle_started = {role: cpu_seconds(pid) for role, pid in pids.items()}, time.monotonic()
        while time.monotonic() - idle_started < args.idle:
            idle_samples.append(sample(up.pid))
            time.sleep(SAMPLE_SECONDS)
        idle_for = time.monotonic() - idle_started
        idle_cpu = {role: (cpu_seconds(pid) - cpu_before[role]) / idle_for for role, pid in pids.items()}
        idle = {
            role: Memory(
                int(statistics.median(s[role].rss for s in idle_samples)),
                int(statistics.median(s[role].pss for s in idle_samples)),
                idle_samples[-1][role].hwm,
            )
            for role in idle_samples[-1]
        }
        for role, memory in idle.items():
            print(
                f"  idle {role}: RSS {mb(memory.rss)} MB, PSS {mb(memory.pss)} MB, "
                f"CPU {100 * idle_cpu.get(role, 0):.1f} % of a core",
                flush=True,
            )

        messages = 2 * args.people
        sampler = Sampler(up.pid)
        sampler.start()
        before = sink.transactions()
        started = time.monotonic()
        uuid = send_broadcast(base, setup["token"], setup["lists"])
        send_request = time.monotonic() - started
        page = f"/es/groups/{GROUP}/broadcasts/{uuid}/"
        watchers = Watchers(base, setup["cookies"], page)
        watchers.start()
        if not sink.wait_for(before + messages, timeout=900):
            raise SystemExit(f"the sink counted {sink.transactions() - before} of {messages} messages")
        seconds = time.monotonic() - started
        watching = watchers.stop()
        busy = sampler.stop()
        print(
            f"  {messages:,} messages in {seconds:.1f} s (the send request {send_request:.1f} s); "
            f"{watching.streams} streams, {watching.events} events, {watching.pages} pages; "
            f"peak PSS in all {mb(busy.total_pss)} MB",
            flush=True,
        )
        if watching.errors:
            print(f"  watchers' errors: {watching.errors[:5]}", flush=True)
        return Result(processes, idle, idle_cpu, busy, seconds, send_request, messages, watching, healthy_after)
    finally:
        stop(up)


def mb(size: int) -> str:
    return f"{size / KIB / KIB:,.0f}"


def table(result: Result, base: dict[str, int]) -> str:
    floor = base["python -c 'django.setup()' (RSS)"]
    lines = [
        "| process | idle RSS, MB | idle PSS, MB | idle CPU, % of a core | broadcast peak RSS, MB "
        "| broadcast peak PSS, MB | VmHWM, MB |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for role in result.busy.rss:
        idle = result.idle.get(role)
        cpu = f"{100 * result.idle_cpu[role]:.1f}" if role in result.idle_cpu else ""
        lines.append(
            f"| {role} | {mb(idle.rss) if idle else ''} | {mb(idle.pss) if idle else ''} | {cpu} | "
            f"{mb(result.busy.rss[role])} | {mb(result.busy.pss[role])} | {mb(result.busy.hwm[role])} |"
        )
    idle_rss = sum(memory.rss for memory in result.idle.values())
    idle_pss = sum(memory.pss for memory in result.idle.values())
    idle_cpu = 100 * sum(result.idle_cpu.values())
    lines.append(
        f"| **all together** | {mb(idle_rss)} | **{mb(idle_pss)}** | **{idle_cpu:.1f}** | "
        f"{mb(result.busy.total_rss)} | **{mb(result.busy.total_pss)}** | |"
    )
    lines.append(
        f"| all together / bare `django.setup()` | {idle_rss / floor:.1f}x | {idle_pss / floor:.1f}x | | "
        f"{result.busy.total_rss / floor:.1f}x | {result.busy.total_pss / floor:.1f}x | |"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=5000, help="two addresses each: the broadcast's messages")
    parser.add_argument("--lists", type=int, default=20)
    parser.add_argument("--clients", type=int, default=50, help="browsers watching the broadcast's live progress")
    parser.add_argument("--settle", type=float, default=30, help="seconds between healthy and the idle figures")
    parser.add_argument(
        "--idle", type=float, default=30, help="seconds the idle figures are taken over (CPU: all of it)"
    )
    parser.add_argument(
        "--processes", type=int, nargs="+", default=[1], help="SOLIDARITY_OUTBOX_EMAIL_PROCESSES, a run for each"
    )
    parser.add_argument("--sink", choices=sink_kinds.KINDS, default="postfix")
    args = parser.parse_args()
    sink = sink_kinds.start(sink_kinds.available([args.sink])[0])

    with tempfile.TemporaryDirectory(prefix="solidarity-footprint-") as home:
        for name in ("SOLIDARITY_DATABASE_URL", "SOLIDARITY_REDIS_URL", "SOLIDARITY_URL"):
            os.environ.pop(name, None)
        os.environ["SOLIDARITY_HOME"] = home
        os.environ["SOLIDARITY_EMAIL_URL"] = f"smtp://127.0.0.1:{sink.port}"
        os.environ["DJANGO_SETTINGS_MODULE"] = "solidarity.config.settings"
        import django
        from django.core.management import call_command
        from django.db import connections

        django.setup()
        print(f"machine: {machine()}")
        print(f"{sink.label} on 127.0.0.1:{sink.port}; SQLite (WAL) in {home}", flush=True)
        started = time.monotonic()
        call_command("migrate", verbosity=0)
        size_the_network(4 * 2 * args.people)  # contacts and subscriptions' addresses, and room to grow
        setup = populate(args.people, args.lists)
        setup["token"] = api_token()
        setup["cookies"] = session_cookies(args.clients)
        connections.close_all()
        print(
            f"{args.people:,} people, {args.lists} lists, {setup['subscriptions']:,} subscriptions "
            f"({2 * args.people:,} addresses), {args.clients} sessions: set up in {time.monotonic() - started:.0f} s",
            flush=True,
        )
        base = baselines(env_for(home, sink, 1))
        for name, size in base.items():
            print(f"baseline, {name}: {mb(size)} MB", flush=True)
        results = [one_run(args, home, sink, processes, setup) for processes in args.processes]
    sink.close()

    print()
    command = " ".join(["uv run python bench/footprint.py", *sys.argv[1:]])
    print(f"{datetime.now().astimezone().date().isoformat()}, `{command}`, {machine()}, {sink.label}")
    print(
        "baselines: "
        + "; ".join(f"{name} {mb(size)} MB" for name, size in base.items())
        + f"; {args.people:,} people, {args.lists} lists, {setup['subscriptions']:,} subscriptions"
    )
    for result in results:
        print(
            f"\nSOLIDARITY_OUTBOX_EMAIL_PROCESSES={result.processes}: {result.messages:,} messages in "
            f"{result.seconds:.1f} s ({result.messages / result.seconds:,.0f} msg/s; the send request "
            f"{result.send_request:.1f} s) with {args.clients} live progress pages "
            f"({result.watching.streams} streams, {result.watching.events} events, {result.watching.pages} pages "
            f"fetched); sampled every {SAMPLE_SECONDS} s ({result.busy.samples} samples)\n"
        )
        print(table(result, base))


if __name__ == "__main__":
    main()
