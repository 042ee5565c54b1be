"""The live stack at an assembly: from a stack keeper's tap to every phone's screen, with 1,000 phones connected.

    uv run python bench/stack.py [--clients 1000] [--taps 40] [--database sqlite]
        [--database postgres://postgres@127.0.0.1:5432/bench_stack --redis redis://127.0.0.1:6379/13 --workers 2]

For each --database (sqlite: a fresh home; a PostgreSQL database is emptied first, and --redis goes with
it: the scale path, live events through Redis), a real `solidarity up` serves a public, open assembly under
way, with guests on its stack; with --workers N (not SQLite), `solidarity web --workers N` and a
`solidarity worker` serve it apart, as a bigger network runs them. The bench opens --clients Server-Sent
Events streams to the meeting (`/live/meetings/<code>/`, as each phone's page does) from one asyncio process
over plain sockets, and waits until every one is connected. A phone "has" a change when the line with the
new picture's version has arrived: the time is the kernel's stamp of the packet that completed the line
(SO_TIMESTAMPNS), not when this one process got round to reading it among a thousand others (that second
figure is printed too: it adds the bench's own work). Then, alternately:

  a. the seam: one event published straight through core.live's backend on the meeting's channel (no view,
     no service, no transaction), from this process; the time until each stream has it;
  b. a tap: the keeper's "Next speaker" button, an HTTP POST to the run page with a signed-in session
     (the view, meetings.stack.do_next_speaker under the meeting's lock, the picture, the commit, the
     publish); the time from sending the POST until each stream has the new picture.

Each tap or event is one sample per phone; p50, p99 and max across all of them. The goal: b's p99 under
50 ms, and b close to a (what the meeting adds to the seam).
"""

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from oncall import fresh_database, machine, percentile, say

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
VERSION = re.compile(rb'"version": (\d+)')
SEAM_VERSION = 10**9  # the seam's events carry versions far above any tap's: told apart by their number

SETUP = """
import time
from importlib import import_module

import django
django.setup()
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

from solidarity.accounts.groups import do_add_member, do_create_group
from solidarity.accounts.models import User
from solidarity.accounts.sessions import SEEN_AT, SIGNED_IN_AT
from solidarity.core.permissions import Role
from solidarity.meetings import stack
from tests.factories.accounts import add_totp
from tests.factories.meetings import guest, make_meeting, started

user = User(username="bench.keeper", email="keeper@example.org")
user.set_password("a long bench passphrase")
user.save()
add_totp(user)
group = do_create_group(name="Bench Assembly")
do_add_member(group, user, [Role.FACILITATOR])
meeting = started(make_meeting(group, user), user)
for number in range({guests}):
    stack.do_request_turn(meeting, guest(meeting, f"Guest {{number}}"))
store = import_module(settings.SESSION_ENGINE).SessionStore()
store[SESSION_KEY] = str(user.pk)
store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
store[HASH_SESSION_KEY] = user.get_session_auth_hash()
store[SIGNED_IN_AT] = store[SEEN_AT] = time.time()
store["allauth_2fa_authenticated"] = True
store.create()
print(meeting.code, meeting.uuid, store.session_key)
"""


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


SO_TIMESTAMPNS = 35  # Linux: the kernel stamps each packet as it reaches the socket (struct timespec)
STAMP = struct.Struct("qq")


class Phone:
    """One SSE stream on a plain non-blocking socket, read with the kernel's arrival stamp of each read."""

    def __init__(self, phones: "Phones", sock: socket.socket) -> None:
        self.phones, self.sock = phones, sock
        self.buffer = b""
        self.seen = 0
        self.counted = False

    def readable(self) -> None:
        while True:
            try:
                data, ancillary, _flags, _address = self.sock.recvmsg(1 << 16, 64)
            except (BlockingIOError, InterruptedError):
                return
            read = time.time()
            if not data:
                self.phones.loop.remove_reader(self.sock.fileno())
                return
            stamp = read
            for level, kind, payload in ancillary:
                if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS:
                    seconds, nanoseconds = STAMP.unpack(payload[: STAMP.size])
                    stamp = seconds + nanoseconds / 1e9
            self.buffer += data
            *lines, self.buffer = self.buffer.split(b"\n")
            for line in lines:
                self.line(line, stamp, read)

    def line(self, line: bytes, stamp: float, read: float) -> None:
        if not self.counted and line.startswith(b"retry:"):
            self.counted = True
            self.phones.connected += 1
        found = VERSION.search(line)
        if found:
            version = int(found.group(1))
            if version > self.seen or version >= SEAM_VERSION:
                self.seen = max(self.seen, version) if version < SEAM_VERSION else self.seen
                self.phones.arrivals.setdefault(version, []).append(stamp)
                self.phones.reads.setdefault(version, []).append(read)


class Phones:
    """`count` SSE streams in one event loop; for each version seen, when each stream had it: the kernel's
    stamp of the packet that completed the line (the moment the phone has it, whatever this one process is
    busy with), and when this process read it (which adds the bench's own work for the other phones)."""

    def __init__(self, host: str, port: int, path: str, count: int, eager: bool) -> None:
        self.host, self.port, self.path, self.count = host, port, path, count
        self.eager = eager
        self.connected = 0
        self.arrivals: dict[int, list[float]] = {}
        self.reads: dict[int, list[float]] = {}
        self.phones: list[Phone] = []
        self.loop = asyncio.get_running_loop()

    async def one(self) -> None:
        sock = socket.socket()
        sock.setblocking(False)
        await self.loop.sock_connect(sock, (self.host, self.port))
        request = f"GET {self.path} HTTP/1.1\r\nHost: {self.host}\r\nAccept: text/event-stream\r\n\r\n"
        await self.loop.sock_sendall(sock, request.encode())
        sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        phone = Phone(self, sock)
        self.phones.append(phone)
        self.loop.add_reader(sock.fileno(), phone.readable)

    def close(self) -> None:
        for phone in self.phones:
            self.loop.remove_reader(phone.sock.fileno())
            phone.sock.close()

    async def start(self) -> None:
        for _ in range(self.count):
            await self.one()
        deadline = time.perf_counter() + 120
        while self.connected < self.count:
            if time.perf_counter() > deadline:
                raise RuntimeError(f"only {self.connected} of {self.count} phones connected")
            await asyncio.sleep(0.05)
        if not self.eager:  # from now on the sockets are read in passes, after the server has written
            for phone in self.phones:
                self.loop.remove_reader(phone.sock.fileno())

    async def pause(self) -> None:
        """Let the server write. Read at once (--eager), this process reads each line as it comes, taking a
        share of the two cores the server is writing with; otherwise it waits, then reads every socket in one
        pass: the kernel's stamps still say when each phone had its line."""
        if self.eager:
            await asyncio.sleep(0.002)
            return
        await asyncio.sleep(0.1)
        for phone in self.phones:
            phone.readable()

    async def wait_for(self, version: int, timeout: float = 20.0) -> None:
        deadline = time.perf_counter() + timeout
        while len(self.arrivals.get(version, [])) < self.count:
            if time.perf_counter() > deadline:
                raise RuntimeError(f"only {len(self.arrivals.get(version, []))} of {self.count} phones had {version}")
            await self.pause()

    def newest_tap(self) -> int:
        return max((version for version in self.arrivals if version < SEAM_VERSION), default=0)


def publisher(env: dict[str, str]) -> Any:
    """core.live's backend in this process, configured as the server is (the same database or Redis)."""
    os.environ.update(env)
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from solidarity.core import live

    return live.backend()


async def measure(
    url: str, code: str, uuid: str, session: str, env: dict[str, str], clients: int, taps: int, eager: bool
) -> dict[str, list[float]]:
    host, port = url.removeprefix("http://").split(":")
    phones = Phones(host, int(port), f"/live/meetings/{code}/", clients, eager)
    started = time.perf_counter()
    await phones.start()
    say(f"  {clients} phones connected in {time.perf_counter() - started:.1f} s")
    backend = await asyncio.to_thread(publisher, env)
    channel = f"meeting:{uuid}"
    samples: dict[str, list[float]] = {"seam": [], "tap": [], "answer": [], "seam read": [], "tap read": []}
    async with httpx.AsyncClient(base_url=url, cookies={"sessionid": session}) as keeper:
        page = await keeper.get(f"/en/meetings/{code}/run/")
        assert page.status_code == 200, page.status_code
        token = keeper.cookies.get("csrftoken") or ""
        for number in range(taps):
            # a. the seam alone.
            version = SEAM_VERSION + number
            sent = time.time()
            await asyncio.to_thread(backend.publish, channel, "meeting", {"version": version, "queue": []})
            await phones.wait_for(version)
            samples["seam"] += [arrived - sent for arrived in phones.arrivals[version]]
            samples["seam read"] += [read - sent for read in phones.reads[version]]
            await asyncio.sleep(0.05)
            # b. the keeper's tap.
            before = phones.newest_tap()
            sent = time.time()
            answer = await keeper.post(
                f"/en/meetings/{code}/run/next-speaker/",
                data={"section": "stack", "csrfmiddlewaretoken": token},
                headers={"Referer": f"{url}/en/meetings/{code}/run/"},
            )
            assert answer.status_code == 302, answer.status_code
            samples["answer"].append(time.time() - sent)
            deadline = time.perf_counter() + 20
            while phones.newest_tap() <= before:
                if time.perf_counter() > deadline:
                    raise RuntimeError("no phone heard the tap")
                await phones.pause()
            version = phones.newest_tap()
            await phones.wait_for(version)
            samples["tap"] += [arrived - sent for arrived in phones.arrivals[version]]
            samples["tap read"] += [read - sent for read in phones.reads[version]]
            await asyncio.sleep(0.05)
    phones.close()
    return samples


def one_database(
    database: str, redis: str, clients: int, taps: int, workers: int = 1, eager: bool = False
) -> dict[str, Any]:
    home = Path(tempfile.mkdtemp(prefix="bench-stack-"))
    env = {"SOLIDARITY_HOME": str(home), "DJANGO_SETTINGS_MODULE": "solidarity.config.settings"}
    if database != "sqlite":
        fresh_database(database)
        env["SOLIDARITY_DATABASE_URL"] = database
        if redis:
            import redis as redis_client

            redis_client.Redis.from_url(redis).flushdb()
            env["SOLIDARITY_REDIS_URL"] = redis
    full = {**os.environ, **env, "PYTHONPATH": str(ROOT)}
    port = free_port()
    command = [sys.executable, "-m", "solidarity", "up", "--port", str(port)]
    helper = None
    if workers > 1:  # the scale path: web processes and the worker apart
        for step in (["migrate"], ["collectstatic", "--no-input"]):
            prepare = [sys.executable, "-m", "solidarity", "manage", *step, "-v0"]
            subprocess.run(prepare, env=full, cwd=ROOT, check=True)
        command = [sys.executable, "-m", "solidarity", "web", "--port", str(port), "--workers", str(workers)]
        helper = subprocess.Popen(
            [sys.executable, "-m", "solidarity", "worker"], env=full, cwd=ROOT, stdout=subprocess.DEVNULL
        )
    server = subprocess.Popen(
        command,
        env=full,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("solidarity up did not answer")
            time.sleep(0.3)
        made = subprocess.run(
            [sys.executable, "-c", SETUP.format(guests=taps + 5)],
            env=full,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        if made.returncode != 0:
            raise RuntimeError(f"setting the assembly up failed:\n{made.stderr}")
        code, uuid, session = made.stdout.split()[-3:]
        samples = asyncio.run(measure(url, code, uuid, session, env, clients, taps, eager))
    finally:
        if helper is not None:
            helper.terminate()
            helper.wait(timeout=30)
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(home, ignore_errors=True)
    label = "SQLite" if database == "sqlite" else "PostgreSQL + Redis" if redis else "PostgreSQL"
    return {"database": label, "clients": clients, "taps": taps, "samples": samples, "eager": eager}


def row(label: str, name: str, values: list[float], against: list[float] | None) -> str:
    ms = [value * 1000 for value in values]
    ratio = ""
    if against:
        ratio = f"{percentile(ms, 99) / (percentile(against, 99) * 1000):.2f}x"
    return (
        f"| {label} | {name} | {len(ms):,} | {percentile(ms, 50):.1f} ms | **{percentile(ms, 99):.1f} ms** "
        f"| {max(ms):.1f} ms | {ratio} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--taps", type=int, default=40)
    parser.add_argument("--database", action="append")
    parser.add_argument("--redis", default="")
    parser.add_argument("--workers", type=int, default=1, help="web processes, each with its own hub (not SQLite)")
    parser.add_argument(
        "--eager",
        action="store_true",
        help="read each phone's line as it comes (the bench then shares the server's CPU)",
    )
    parser.add_argument("--one", help=argparse.SUPPRESS)  # one database, in this process: its results as JSON
    options = parser.parse_args()
    if options.one:
        workers = options.workers if options.one != "sqlite" else 1
        found = one_database(options.one, options.redis, options.clients, options.taps, workers, options.eager)
        print(json.dumps(found))
        return
    results = []
    for database in options.database or ["sqlite"]:
        say(f"{database}: {options.clients} phones, {options.taps} taps")
        # Each database in a process of its own: Django is configured once per process.
        redis = options.redis if database != "sqlite" else ""
        command = [sys.executable, __file__, "--one", database, "--redis", redis]
        command += ["--clients", str(options.clients), "--taps", str(options.taps), "--workers", str(options.workers)]
        command += ["--eager"] if options.eager else []
        made = subprocess.run(command, capture_output=True, text=True, check=False, cwd=BENCH)
        if made.returncode != 0:
            raise SystemExit(made.stderr)
        sys.stderr.write(made.stderr)
        results.append(json.loads(made.stdout.splitlines()[-1]))
    print(f"\n{machine()}\n")
    print("| database | what | samples | p50 | p99 | max | p99 vs seam |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for result in results:
        seam, tap = result["samples"]["seam"], result["samples"]["tap"]
        print(row(result["database"], "a. the seam: an event published straight to the channel", seam, None))
        print(row(result["database"], "b. a keeper's tap: POST next speaker, to every phone", tap, seam))
        answer = result["samples"]["answer"]
        print(row(result["database"], "the tap's own answer (the POST's round trip)", answer, None))
        if result["eager"]:  # read after the fact, the read times say nothing
            seam_read, tap_read = result["samples"]["seam read"], result["samples"]["tap read"]
            print(row(result["database"], "a, as read by the bench's one process", seam_read, None))
            print(row(result["database"], "b, as read by the bench's one process", tap_read, seam_read))


if __name__ == "__main__":
    main()
