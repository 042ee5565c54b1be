"""Personas and process helpers shared by the suite (builders belong to their part: tests/factories/)."""

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
import time_machine
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.utils import timezone, translation
from pytest_django.fixtures import validate_django_db

from solidarity.accounts.groups import do_create_group
from solidarity.accounts.models import User, WorkingGroup
from solidarity.core.permissions import Role
from tests.factories.accounts import add_totp, make_member, make_user

ROOT = Path(__file__).resolve().parent.parent

# Fixtures that belong to a part live in its factory module; these make them every test's.
pytest_plugins = ["tests.factories.messaging"]


@pytest.fixture(scope="session", autouse=True)
def mail_through_the_outbox(django_test_environment: None) -> None:
    """Django's test set-up makes every mailer locmem: mail goes through the outbox again, as in production.

    A test reads what left with `deliver()` (tests/factories/messaging.py): the outbox is sent inline, then
    `mail.outbox` holds it.
    """
    settings.MAILERS = {
        "default": {"BACKEND": "solidarity.messaging.mail.OutboxBackend"},
        "transport": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"},
    }


@pytest.fixture(autouse=True)
def default_language_after() -> Iterator[None]:
    """A request to /es/ leaves Spanish active on the thread: the next test starts in the default language."""
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def fresh_cache(request: pytest.FixtureRequest, django_db_blocker: Any) -> Iterator[None]:
    """Each test starts with an empty cache: Redis, unlike the database, is not rolled back.

    Without Redis the cache is a database table that Django's flush after a transactional test leaves
    as it is (it belongs to no model): what such a test counted (a number's automatic replies, a form's
    submissions) is emptied after it, or a later test in the same hour would find it.
    """
    if settings.REDIS_URL:
        cache.clear()
    yield
    if not settings.REDIS_URL and commits(request):
        with django_db_blocker.unblock():
            cache.clear()


def commits(request: pytest.FixtureRequest) -> bool:
    """Whether a test's database work is committed (a transactional test), not rolled back: pytest-django's rule."""
    marker = request.node.get_closest_marker("django_db")
    if marker is not None:
        transaction, reset_sequences, *_ = validate_django_db(marker)
        if transaction or reset_sequences:
            return True
    return bool({"transactional_db", "live_server"} & set(request.fixturenames))


@pytest.fixture
def own_home(tmp_path: Path, settings: Any, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A home of its own, so sealing it leaves the suite's keyring alone."""
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(settings.KEYRING_PATH, home / "keyring.json")
    shutil.copy(Path(settings.HOME) / "secret_key", home / "secret_key")
    settings.HOME = home
    settings.KEYRING_PATH = home / "keyring.json"
    monkeypatch.setenv("SOLIDARITY_RUNTIME_DIR", str(tmp_path / "memory"))
    return home


def in_threads[T](count: int, work: Callable[[int], T]) -> list[T]:
    """Run work(0..count-1) in threads, each on its own connection, started together; re-raise any error."""
    barrier = threading.Barrier(count)
    results: dict[int, T] = {}
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = work(index)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return [results[index] for index in range(count)]


def in_one_rate_window() -> "time_machine.travel":
    """The clock at the start of the next minute and going on from there, for a test that counts requests against a
    per-minute limit (core.public.hit's windows are fixed): its requests all land in one window, however slow."""
    next_minute = timezone.now().replace(second=0, microsecond=0) + timedelta(minutes=1)
    return time_machine.travel(next_minute, tick=True)


@pytest.fixture
def admin(db: None) -> User:
    """A network admin who has set up a second factor (TOTP)."""
    user = make_user("ana.admin", is_admin=True)
    add_totp(user)
    return user


@pytest.fixture
def member(db: None) -> User:
    return make_user("mo.member")


@pytest.fixture
def medics(db: None) -> WorkingGroup:
    """The working group the need-to-know personas are about."""
    return do_create_group(name="Street Medics Committee", description="Kits, pairs and trainings.")


@pytest.fixture
def rapid_response(db: None) -> WorkingGroup:
    """ANOTHER working group: its people must see nothing of the medics."""
    return do_create_group(name="Rapid Response", description="The hotline and dispatch.")


@pytest.fixture
def coordinator(medics: WorkingGroup) -> User:
    """Coordinates the Street Medics Committee; has a second factor."""
    return make_member("cora.coordinator", medics, Role.COORDINATOR)


@pytest.fixture
def medic(medics: WorkingGroup) -> User:
    """A plain member of the same group as the coordinator."""
    return make_member("mia.medic", medics, Role.MEMBER)


@pytest.fixture
def outsider(db: None) -> User:
    """Signed in, in no working group."""
    return make_user("otto.outsider")


@pytest.fixture
def other_member(rapid_response: WorkingGroup) -> User:
    """A responder of ANOTHER working group."""
    return make_member("rio.responder", rapid_response, Role.RESPONDER)


@pytest.fixture
def other_coordinator(rapid_response: WorkingGroup) -> User:
    """The coordinator of ANOTHER working group; has a second factor."""
    return make_member("oli.othercoord", rapid_response, Role.COORDINATOR)


@pytest.fixture
def funds(db: None) -> WorkingGroup:
    return do_create_group(name="Funds", description="The bond fund and the medical and legal funds.")


@pytest.fixture
def assembly(db: None) -> WorkingGroup:
    return do_create_group(name="General Assembly", description="Runs the assemblies.")


@pytest.fixture
def dispatcher(rapid_response: WorkingGroup) -> User:
    """Takes the hotline for Rapid Response; has a second factor."""
    return make_member("dani.dispatcher", rapid_response, Role.DISPATCHER)


@pytest.fixture
def responder(rapid_response: WorkingGroup) -> User:
    """Answers Rapid Response's alerts."""
    return make_member("rey.responder", rapid_response, Role.RESPONDER)


@pytest.fixture
def treasurer(funds: WorkingGroup) -> User:
    """Keeps the funds; has a second factor."""
    return make_member("tere.treasurer", funds, Role.TREASURER)


@pytest.fixture
def facilitator(assembly: WorkingGroup) -> User:
    """Runs the general assembly, and is a member of it."""
    return make_member("fai.facilitator", assembly, Role.FACILITATOR)


@pytest.fixture
def admin_client(admin: User) -> Client:
    client = Client()
    client.force_login(admin)
    return client


@pytest.fixture
def member_client(member: User) -> Client:
    client = Client()
    client.force_login(member)
    return client


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def solidarity(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    """Start the real `solidarity` command, as an operator would."""
    return subprocess.Popen(
        [sys.executable, "-m", "solidarity", *args],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def run_solidarity(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run the real `solidarity` command to the end, capturing what it prints."""
    return subprocess.run(
        [sys.executable, "-m", "solidarity", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


DATABASE_FILE = "solidarity.sqlite3"  # in a home, as solidarity.config.env names it
TEMPLATE: list[Path] = []  # the folder the run's migrated database is made in (template_folder)


@pytest.fixture(scope="session", autouse=True)
def template_folder(tmp_path_factory: pytest.TempPathFactory) -> None:
    TEMPLATE[:] = [tmp_path_factory.mktemp("migrated")]


def migrated(home: Path) -> Path:
    """`home` with a copy of a database already migrated to the newest schema, for a test about something
    else than a first start: migrating from nothing takes some 12 s, and the run does it once, here. The
    copy holds only the schema and what migrations seed (no keys: the home makes its own)."""
    template = TEMPLATE[0] / DATABASE_FILE
    if not template.exists():
        done = run_solidarity("manage", "migrate", "-v0", env=command_env(TEMPLATE[0]))
        assert done.returncode == 0, done.stdout + done.stderr
    home.mkdir(parents=True, exist_ok=True)
    if not (home / DATABASE_FILE).exists():
        shutil.copyfile(template, home / DATABASE_FILE)
    return home


def command_env(home: Path, **extra: str) -> dict[str, str]:
    # A started command gets its own home and SQLite unless the test hands it a database or Redis.
    dropped = {"DJANGO_SETTINGS_MODULE", "SOLIDARITY_DATABASE_URL", "SOLIDARITY_REDIS_URL"}
    env = {key: value for key, value in os.environ.items() if key not in dropped}
    env["SOLIDARITY_HOME"] = str(home)
    env.update(extra)
    return env


def wait_for(url: str, *, timeout: float = 30.0, status: int = 200) -> httpx.Response:
    deadline = time.monotonic() + timeout
    last: httpx.Response | None = None
    while time.monotonic() < deadline:
        try:
            last = httpx.get(url, timeout=2)
            if last.status_code == status:
                return last
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} did not answer {status} in {timeout}s (last: {last and last.status_code})")


def alive(pid: int) -> bool:
    """Running, not merely a zombie waiting for whoever adopted it to reap it."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in {"Z", "X"}


def children_of(pid: int) -> list[int]:
    """Processes whose parent is `pid` (from /proc: Linux, like the machines this runs on)."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return children


def descendants_of(pid: int) -> list[int]:
    found = children_of(pid)
    return found + [grandchild for child in found for grandchild in descendants_of(child)]


def gone(pids: list[int], timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while any(alive(pid) for pid in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def worker_env() -> dict[str, str]:
    """Point a `solidarity worker` at this test run's database and Redis."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        url = f"sqlite:///{db['NAME']}"
    else:
        url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    extra = {"SOLIDARITY_DATABASE_URL": url}
    if settings.REDIS_URL:
        extra["SOLIDARITY_REDIS_URL"] = settings.REDIS_URL
    return command_env(Path(settings.HOME), **extra)


def require_services() -> None:
    """The scale path is tested over real connections: in CI a missing service fails, never skips."""
    if settings.REDIS_URL:
        try:
            redis.Redis.from_url(settings.REDIS_URL).ping()
        except redis.ConnectionError:
            if os.environ.get("CI") == "true":
                pytest.fail("Redis is not reachable at SOLIDARITY_REDIS_URL")
            pytest.skip("Redis is not reachable at SOLIDARITY_REDIS_URL")


@pytest.fixture
def stop_processes() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait()


def http_scope(path: str, *, query: bytes = b"", headers: list[tuple[bytes, bytes]] | None = None) -> dict[str, Any]:
    """An ASGI scope for a GET of `path`, as uvicorn hands one to the application."""
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "root_path": "",
        "client": ("127.0.0.1", 40000),
        "server": ("testserver", 80),
        "headers": [(b"host", b"testserver"), *(headers or [])],
    }
