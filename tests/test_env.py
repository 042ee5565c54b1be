"""Deployment configuration: good values work, a bad one names its variable."""

from pathlib import Path

import pytest

from solidarity.config import env
from tests.conftest import command_env, run_solidarity


def test_default_database_is_sqlite_in_wal_mode_in_the_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOLIDARITY_DATABASE_URL", raising=False)
    config = env.database(tmp_path)
    assert config["ENGINE"] == "solidarity.core.sqlite"  # Django's, with a writer lock per process
    assert config["NAME"] == str(tmp_path / "solidarity.sqlite3")
    options = config["OPTIONS"]
    assert isinstance(options, dict)
    assert options["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in options["init_command"]


def test_postgres_url_is_parsed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOLIDARITY_DATABASE_URL", "postgres://org:pw@db.internal:5433/solidarity")
    config = env.database(tmp_path)
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["HOST"], config["PORT"], config["NAME"], config["USER"]) == (
        "db.internal",
        5433,
        "solidarity",
        "org",
    )
    assert config["OPTIONS"]["options"] == "-c jit=off"  # type: ignore[index]  # dispatch's query, compiled each call


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("SOLIDARITY_DATABASE_URL", "mysql://root@localhost/x"),
        ("SOLIDARITY_DATABASE_URL", "postgres://localhost"),
        ("SOLIDARITY_REDIS_URL", "http://localhost:6379"),
        ("SOLIDARITY_EMAIL_URL", "smtp://:25"),
        ("SOLIDARITY_EMAIL_URL", "smtp://mail.example.org:notaport"),
        ("SOLIDARITY_EMAIL_URL", "carrier-pigeon:"),
        ("SOLIDARITY_ALLOWED_HOSTS", "https://example.org/"),
        ("SOLIDARITY_DEBUG", "maybe"),
        ("SOLIDARITY_HTTPS", "sometimes"),
        ("SOLIDARITY_URL", "example.org"),
        ("SOLIDARITY_OPERATOR_EMAIL", "operator at example"),
    ],
)
def test_bad_value_stops_start_up_with_one_line_naming_the_variable(tmp_path: Path, variable: str, value: str) -> None:
    result = run_solidarity("manage", "check", env=command_env(tmp_path, **{variable: value}))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"solidarity: {variable}: ")
    assert "Traceback" not in result.stderr + result.stdout


def test_smtp_url_gives_a_mailer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOLIDARITY_EMAIL_URL", "smtp+tls://relay%40example.org:s3cret@mail.example.org")
    mailer = env.email()
    assert mailer.backend == "django.core.mail.backends.smtp.EmailBackend"
    assert mailer.options["host"] == "mail.example.org"
    assert mailer.options["port"] == 587
    assert mailer.options["use_tls"] is True
    assert mailer.options["username"] == "relay@example.org"


@pytest.mark.parametrize(
    ("url", "senders"),
    [
        ("smtp://127.0.0.1:25", 1),
        ("smtp://localhost", 1),
        ("smtp://[::1]:2525", 1),
        ("console:", 1),
        ("smtp+tls://mail.example.org", 4),
        ("smtp://192.0.2.10", 4),
    ],
)
def test_the_worker_sends_over_one_connection_to_a_relay_on_this_machine_and_four_to_another(
    monkeypatch: pytest.MonkeyPatch, url: str, senders: int
) -> None:
    monkeypatch.setenv("SOLIDARITY_EMAIL_URL", url)
    monkeypatch.delenv("SOLIDARITY_OUTBOX_EMAIL_SENDERS", raising=False)
    assert env.outbox_email_senders(env.email()) == senders
    monkeypatch.setenv("SOLIDARITY_OUTBOX_EMAIL_SENDERS", "3")  # said outright, it wins
    assert env.outbox_email_senders(env.email()) == 3


def test_secret_files_are_owner_only_and_kept(tmp_path: Path) -> None:
    first = env.secret_key(tmp_path)
    env.keyring(tmp_path)
    assert env.secret_key(tmp_path) == first
    for name in ("secret_key", "keyring.json"):
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o600
