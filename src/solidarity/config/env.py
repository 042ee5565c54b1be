"""Deployment configuration from environment variables alone.

Every variable is read here, once, and a bad value raises ConfigError naming
the variable, so `solidarity` can stop with one clear line, never a traceback.
"""

import base64
import ipaddress
import json
import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import dj_database_url

from solidarity.core.keyring import SEALED_KEYRING, runtime_dir
from solidarity.messaging.sms import SmsBackend
from solidarity.messaging.sms.config import SmsConfigError, backends_from_environ

TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off", ""}


class ConfigError(Exception):
    """A deployment variable has a value Solidarity cannot use."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")
        self.variable = variable


def flag(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise ConfigError(name, f"expected 1 or 0 (true/false), got {raw!r}")


def home() -> Path:
    raw = os.environ.get("SOLIDARITY_HOME", "var")
    path = Path(raw).expanduser().resolve()
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as error:
        raise ConfigError("SOLIDARITY_HOME", f"cannot create {path}: {error.strerror}") from None
    if not os.access(path, os.W_OK):
        raise ConfigError("SOLIDARITY_HOME", f"{path} is not writable")
    return path


def owner_only_file(path: Path, make: bytes) -> bytes:
    """Read a secret file, creating it with `make` (mode 0600) if it is missing."""
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(make)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        path.chmod(0o600)
    return path.read_bytes()


def secret_key(home_dir: Path) -> str:
    return owner_only_file(home_dir / "secret_key", secrets.token_urlsafe(50).encode()).decode()


def database(home_dir: Path) -> dict[str, object]:
    raw = os.environ.get("SOLIDARITY_DATABASE_URL", "").strip()
    if not raw:
        return sqlite(home_dir / "solidarity.sqlite3")
    scheme = urlsplit(raw).scheme
    if scheme == "sqlite":
        # sqlite:///relative/file or sqlite:////absolute/file, as in SQLAlchemy and dj-database-url.
        target = raw.removeprefix("sqlite:///")
        if target == raw or not target:
            raise ConfigError("SOLIDARITY_DATABASE_URL", "expected sqlite:///PATH or sqlite:////ABSOLUTE/PATH")
        return sqlite(Path(target))
    if scheme not in {"postgres", "postgresql"}:
        raise ConfigError(
            "SOLIDARITY_DATABASE_URL",
            f"unsupported scheme {scheme!r}: use postgres://USER@HOST:PORT/NAME or leave it unset for SQLite",
        )
    try:
        config: dict[str, object] = dict(dj_database_url.parse(raw))
    except ValueError as error:
        raise ConfigError("SOLIDARITY_DATABASE_URL", str(error)) from None
    if not config.get("NAME"):
        raise ConfigError("SOLIDARITY_DATABASE_URL", "the URL names no database (…/NAME)")
    config["ENGINE"] = "django.db.backends.postgresql"
    config["CONN_MAX_AGE"] = 0
    # jit=off: PostgreSQL compiled dispatch's on-call query on every call (its estimated cost passes the JIT's
    # threshold), a third of its time, for a plan that runs in milliseconds (bench/incidents.py).
    config["OPTIONS"] = {"pool": {"min_size": 1, "max_size": 10, "timeout": 10}, "options": "-c jit=off"}
    return config


def sqlite(path: Path) -> dict[str, object]:
    return {
        "ENGINE": "solidarity.core.sqlite",  # Django's, whose writers in one process queue on a lock (its base)
        "NAME": str(path),
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA secure_delete=ON; PRAGMA foreign_keys=ON;"
            ),
        },
    }


def redis_url() -> str | None:
    raw = os.environ.get("SOLIDARITY_REDIS_URL", "").strip()
    if not raw:
        return None
    if urlsplit(raw).scheme not in {"redis", "rediss", "unix"}:
        raise ConfigError("SOLIDARITY_REDIS_URL", "expected redis://HOST:PORT/DB (or rediss://, unix://)")
    return raw


@dataclass(frozen=True)
class Mailer:
    backend: str
    options: dict[str, object]


def email() -> Mailer:
    raw = os.environ.get("SOLIDARITY_EMAIL_URL", "console:").strip()
    if raw in {"console:", "console://"}:
        return Mailer("django.core.mail.backends.console.EmailBackend", {})
    parts = urlsplit(raw)
    if parts.scheme not in {"smtp", "smtps", "smtp+tls"}:
        raise ConfigError("SOLIDARITY_EMAIL_URL", "expected smtp://HOST:PORT, smtp+tls://…, smtps://… or console:")
    try:
        port = parts.port
    except ValueError:
        raise ConfigError("SOLIDARITY_EMAIL_URL", "the port is not a number") from None
    if not parts.hostname:
        raise ConfigError("SOLIDARITY_EMAIL_URL", "the URL names no host")
    options: dict[str, object] = {
        "host": parts.hostname,
        "port": port or {"smtps": 465, "smtp+tls": 587}.get(parts.scheme, 25),
        "use_ssl": parts.scheme == "smtps",
        "use_tls": parts.scheme == "smtp+tls",
        "timeout": 20,
    }
    if parts.username:
        options["username"] = unquote(parts.username)
        options["password"] = unquote(parts.password or "")
    return Mailer("django.core.mail.backends.smtp.EmailBackend", options)


def allowed_hosts() -> list[str]:
    raw = os.environ.get("SOLIDARITY_ALLOWED_HOSTS", "")
    hosts = [host.strip() for host in raw.split(",") if host.strip()]
    for host in hosts:
        if "/" in host or " " in host:
            raise ConfigError("SOLIDARITY_ALLOWED_HOSTS", f"{host!r} is not a host name (no scheme or path)")
    return [*hosts, "127.0.0.1", "localhost", "[::1]"]


def operator_email() -> str:
    raw = os.environ.get("SOLIDARITY_OPERATOR_EMAIL", "").strip()
    if raw and (raw.count("@") != 1 or " " in raw or "." not in raw.split("@")[1]):
        raise ConfigError("SOLIDARITY_OPERATOR_EMAIL", "expected one email address")
    return raw


def outbox_lease_seconds() -> float:
    """How long a worker may hold a message it is sending before another rescues it (a worker died)."""
    raw = os.environ.get("SOLIDARITY_OUTBOX_LEASE_SECONDS", "60").strip()
    try:
        seconds = float(raw)
    except ValueError:
        raise ConfigError("SOLIDARITY_OUTBOX_LEASE_SECONDS", "expected a number of seconds") from None
    if not 1 <= seconds <= 3600:
        raise ConfigError("SOLIDARITY_OUTBOX_LEASE_SECONDS", "expected between 1 and 3600 seconds")
    return seconds


def outbox_email_senders(mailer: Mailer) -> int:
    """How many connections each process of the worker sends mail over at once: 1 to a relay on this machine, else 4.

    A relay on this machine (Postfix, say) answers at once: one connection keeps it busy, and more
    loops only take turns at Python's lock (bench/RESULTS.md: one loop sent 10,000 messages in 5.0 s
    and 646 us of CPU each, two loops in 5.7 s and 781 us). A distant relay answers a round trip
    later: 4 connections keep it busy while each waits for its replies.
    """
    return whole_number("SOLIDARITY_OUTBOX_EMAIL_SENDERS", default=1 if on_this_machine(mailer) else 4, most=16)


def on_this_machine(mailer: Mailer) -> bool:
    """Whether the mail goes to a relay on this machine (a loopback address or localhost), or to the console."""
    host = str(mailer.options.get("host", "localhost"))
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def outbox_email_processes() -> int:
    """How many processes send mail: OpenPGP's encryption holds Python's lock, so one process uses one core."""
    return whole_number("SOLIDARITY_OUTBOX_EMAIL_PROCESSES", default=1, most=8)


def whole_number(name: str, *, default: int, most: int) -> int:
    """A setting that is a whole number from 1 to `most`."""
    raw = os.environ.get(name, str(default)).strip()
    if not raw.isdigit() or not 1 <= int(raw) <= most:
        raise ConfigError(name, f"expected a whole number from 1 to {most}")
    return int(raw)


def sms_backends(home_dir: Path, base: str) -> list[SmsBackend]:
    """The SMS backends in failover order (SOLIDARITY_SMS_BACKEND and friends), [] when SMS is not set up."""
    try:
        return backends_from_environ(os.environ, home=home_dir, base_url=base)
    except SmsConfigError as error:
        raise ConfigError(error.variable, error.problem) from None


def base_url() -> str:
    raw = os.environ.get("SOLIDARITY_URL", "http://127.0.0.1:8000").strip().rstrip("/")
    parts = urlsplit(raw)
    if parts.scheme not in {"http", "https"} or not parts.hostname or parts.path:
        raise ConfigError("SOLIDARITY_URL", "expected the public address, e.g. https://red.example.org")
    return raw


def new_keyring() -> dict[str, object]:
    """Fresh keys: AEAD keys for values, PRF keys for blind indexes, an Ed25519 seed for audit heads."""

    def fresh() -> str:
        return base64.b64encode(secrets.token_bytes(32)).decode()

    aead_id, index_id = secrets.token_hex(4), secrets.token_hex(4)
    return {
        "version": 2,
        "aead": {"primary": aead_id, "keys": {aead_id: fresh()}},
        "index": {"primary": index_id, "keys": {index_id: fresh()}},
        "signing": fresh(),
    }


def keyring(home_dir: Path) -> Path:
    """The keyring core.keyring reads: in the home (standard mode, created once, owner-only),
    or, once sealed, in memory where `solidarity keys unlock` puts it (never created here)."""
    if (home_dir / SEALED_KEYRING).exists():
        return runtime_dir(home_dir) / "keyring.json"
    path = home_dir / "keyring.json"
    owner_only_file(path, json.dumps(new_keyring(), indent=1).encode())
    return path
