"""The `solidarity` command, run as an operator runs it."""

import contextlib
import json
import os
import re
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import httpx
import psycopg
import pytest

from solidarity import cli
from tests.conftest import (
    alive,
    children_of,
    command_env,
    descendants_of,
    free_port,
    gone,
    migrated,
    run_solidarity,
    solidarity,
    wait_for,
)


@pytest.mark.slow
def test_up_serves_both_languages_and_stops_without_orphans(
    tmp_path: Path, stop_processes: list[subprocess.Popen[str]]
) -> None:
    port = free_port()
    up = solidarity("up", "--port", str(port), env=command_env(tmp_path / "home"))
    stop_processes.append(up)

    health = wait_for(f"http://127.0.0.1:{port}/healthz", timeout=60)
    assert health.json()["worker"]["ok"] is True
    english = httpx.get(f"http://127.0.0.1:{port}/en/")
    spanish = httpx.get(f"http://127.0.0.1:{port}/es/")
    assert english.status_code == spanish.status_code == 200
    assert 'lang="en"' in english.text
    assert 'lang="es"' in spanish.text
    workers = children_of(up.pid)
    assert workers, "up runs its worker as a child process"

    up.send_signal(signal.SIGTERM)
    output, _ = up.communicate(timeout=30)
    assert up.returncode == 0, output
    assert "Solidarity is running at http://127.0.0.1:" in output
    assert "SMS not configured" in output
    assert re.search(r"http://127\.0\.0\.1:\d+/en/join/[\w-]+/", output), "first start prints a setup link"
    assert not any(alive(pid) for pid in workers), "no worker is left behind"
    home = tmp_path / "home"
    for name in ("secret_key", "keyring.json", "solidarity.sqlite3"):
        assert (home / name).stat().st_mode & 0o077 == 0, f"{name} is readable by others"


@pytest.mark.slow
def test_a_text_to_the_loopback_webhook_is_answered_by_the_running_network(
    tmp_path: Path, stop_processes: list[subprocess.Popen[str]]
) -> None:
    port = free_port()
    home = tmp_path / "home"
    token = "a-loopback-token-for-this-test"
    env = command_env(migrated(home), SOLIDARITY_SMS_BACKEND="loopback", SOLIDARITY_LOOPBACK_TOKEN=token)
    up = solidarity("up", "--port", str(port), env=env)
    stop_processes.append(up)
    wait_for(f"http://127.0.0.1:{port}/healthz", timeout=60)

    answer = httpx.post(
        f"http://127.0.0.1:{port}/webhooks/sms/loopback/",
        data={"From": "+19195550142", "Body": "AYUDA"},
        headers={"Authorization": f"Bearer {token}"},
    )

    assert answer.status_code == 200
    outbox = home / "sms-outbox.jsonl"
    deadline = time.monotonic() + 30
    while not outbox.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    [sent] = [json.loads(line) for line in outbox.read_text().splitlines()]
    assert sent["to"] == "+19195550142"
    assert "REPORTE" in sent["body"]  # answered in Spanish, by the worker's outbox loop
    up.send_signal(signal.SIGTERM)
    output, _ = up.communicate(timeout=30)
    assert "LOOPBACK SMS" in output


def start_up(home: Path, stop_processes: list[subprocess.Popen[str]]) -> subprocess.Popen[str]:
    """`solidarity up` on a free port, once it is healthy."""
    port = free_port()
    up = solidarity("up", "--port", str(port), env=command_env(migrated(home)))
    stop_processes.append(up)
    wait_for(f"http://127.0.0.1:{port}/healthz", timeout=60)
    return up


@pytest.mark.slow
def test_killing_up_takes_its_worker_down_too(tmp_path: Path, stop_processes: list[subprocess.Popen[str]]) -> None:
    up = start_up(tmp_path, stop_processes)
    family = descendants_of(up.pid)
    assert family

    up.kill()
    up.wait()
    assert gone(family)


@pytest.mark.parametrize(
    "command",
    ["", "up", "web", "worker", "createadmin", "token", "keys", "backup", "restore", "audit", "purge", "demo"],
)
def test_every_command_explains_itself_with_examples(tmp_path: Path, command: str) -> None:
    args = [command, "--help"] if command else ["--help"]
    result = run_solidarity(*args, env=command_env(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "examples:" in result.stdout
    assert "solidarity" in result.stdout


def test_unknown_command_is_refused_plainly(tmp_path: Path) -> None:
    result = run_solidarity("launch", env=command_env(tmp_path))
    assert result.returncode == 2
    assert "unknown command 'launch'" in result.stderr


@pytest.mark.slow
def test_up_restarts_a_worker_that_dies(tmp_path: Path, stop_processes: list[subprocess.Popen[str]]) -> None:
    up = start_up(tmp_path, stop_processes)
    [first] = children_of(up.pid)

    os.kill(first, signal.SIGKILL)

    replacement: list[int] = []
    for _ in range(100):
        replacement = [pid for pid in children_of(up.pid) if pid != first]
        if replacement:
            break
        subprocess.run(["sleep", "0.1"], check=True)
    assert replacement, "up started a new worker"
    up.send_signal(signal.SIGTERM)
    output, _ = up.communicate(timeout=30)
    assert "the worker stopped" in output


def test_an_unreachable_database_is_one_clear_line(tmp_path: Path) -> None:
    result = run_solidarity(
        "up",
        "--port",
        "1",
        env=command_env(tmp_path, SOLIDARITY_DATABASE_URL="postgres://nobody@127.0.0.1:9/solidarity"),
    )
    assert result.returncode != 0
    assert "cannot reach the database" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def tables(home: Path) -> list[str]:
    """The tables in a home's SQLite database (none on a fresh home)."""
    with contextlib.closing(sqlite3.connect(home / "solidarity.sqlite3")) as db:
        return [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]


def test_demo_on_a_fresh_home_sets_the_database_up_first(tmp_path: Path) -> None:
    result = run_solidarity("demo", env=command_env(tmp_path / "home"))

    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "Demo data loaded" in result.stdout
    assert "solidarity_cache" in tables(tmp_path / "home")


NEEDS_THE_DATABASE = [
    ["createadmin", "rosa", "--email", "rosa@example.org"],
    ["token", "list", "rosa"],
    ["keys", "status"],
    ["keys", "rotate"],
    ["audit", "verify"],
    ["purge", "--dry-run"],
    ["worker"],
    ["web", "--port", "0"],
]


@pytest.mark.parametrize("command", NEEDS_THE_DATABASE, ids=" ".join)
def test_a_command_that_needs_the_database_says_in_one_line_what_to_run_first(
    tmp_path: Path, command: list[str]
) -> None:
    home = tmp_path / "home"

    result = run_solidarity(*command, env=command_env(home))

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    [line] = result.stderr.strip().splitlines()
    assert "run `solidarity up` once" in line
    assert "solidarity manage migrate" in line
    assert tables(home) == []  # nothing was set up behind the operator's back


def test_restore_into_a_fresh_home_still_needs_no_set_up(tmp_path: Path) -> None:
    passphrase = tmp_path / "passphrase"
    passphrase.write_text("a-long-backup-passphrase\n")
    archive = tmp_path / "fresh.age"
    made = run_solidarity(
        "backup", str(archive), "--passphrase-file", str(passphrase), env=command_env(tmp_path / "old")
    )
    assert made.returncode == 0, made.stderr

    result = run_solidarity(
        "restore", str(archive), "--passphrase-file", str(passphrase), env=command_env(tmp_path / "new")
    )

    assert result.returncode == 0, result.stderr
    assert "Restored the backup" in result.stdout


@pytest.mark.skipif(
    not os.environ.get("SOLIDARITY_DATABASE_URL", "").startswith("postgres"), reason="PostgreSQL pass only"
)
def test_a_fresh_postgresql_database_is_set_up_by_demo_and_refused_by_purge(tmp_path: Path) -> None:
    server = os.environ["SOLIDARITY_DATABASE_URL"].rsplit("/", 1)[0]
    name = f"solidarity_fresh_{os.getpid()}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        env = command_env(tmp_path / "home", SOLIDARITY_DATABASE_URL=f"{server}/{name}")
        refused = run_solidarity("purge", "--dry-run", env=env)
        assert refused.returncode == 1
        assert "Traceback" not in refused.stderr
        assert "run `solidarity up` once" in refused.stderr

        prepared = run_solidarity("demo", env=env)
        assert prepared.returncode == 0, prepared.stderr
        assert "Demo data loaded" in prepared.stdout
        assert run_solidarity("purge", "--dry-run", env=env).returncode == 0
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.parametrize(
    ("rest", "address"),
    [
        ([], "http://127.0.0.1:8000"),
        (["--port", "8080"], "http://127.0.0.1:8080"),
        (["--port=9000", "--host", "0.0.0.0"], "http://127.0.0.1:9000"),  # noqa: S104  (the address up is given, not one this test binds)
        (
            ["--host", "192.168.1.5", "--port", "8443", "--tls-cert", "c.pem", "--tls-key", "k.pem"],
            "https://192.168.1.5:8443",
        ),
    ],
)
def test_links_sent_while_no_public_address_is_set_point_where_up_answers(rest: list[str], address: str) -> None:
    assert cli.local_address(rest) == address
