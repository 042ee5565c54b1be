"""SMS backends from environment variables (an admin may enter them in the web UI instead: messaging.sms_settings).

    SOLIDARITY_SMS_BACKEND=twilio,android          ordered failover list; empty or unset: no SMS
    SOLIDARITY_TWILIO_ACCOUNT_SID=AC...
    SOLIDARITY_TWILIO_AUTH_TOKEN=...
    SOLIDARITY_TWILIO_FROM=+15555550100            or a Messaging Service SID, MG...
    SOLIDARITY_SMS_GATEWAYS=kitchen=http://sms:PASSWORD@192.168.1.20:8080,hall=http://sms:...@192.168.1.21:8080
    SOLIDARITY_SMS_GATEWAY_SIGNING_KEY=...         the webhook signing key set on every phone
    SOLIDARITY_LOOPBACK_TOKEN=...                  development only: sends go to $SOLIDARITY_HOME/sms-outbox.jsonl

"android" stands for every phone in SOLIDARITY_SMS_GATEWAYS, in that order, each its own backend
("android:kitchen"); the outbox spreads messages across them. A password with a comma, "@", ":"
or "/" in it is written percent-encoded (%2C, %40, %3A, %2F).
"""

import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from solidarity.messaging.sms import SmsBackend
from solidarity.messaging.sms.android import AndroidGatewayBackend
from solidarity.messaging.sms.loopback import LoopbackBackend
from solidarity.messaging.sms.twilio import TwilioBackend

if TYPE_CHECKING:
    import httpx

KINDS = ("twilio", "android", "loopback")
OUTBOX_FILE = "sms-outbox.jsonl"
PHONE_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
E164 = re.compile(r"\+[1-9][0-9]{6,14}")
ACCOUNT_SID = re.compile(r"AC[0-9a-fA-F]{32}")
SERVICE_SID = re.compile(r"MG[0-9a-fA-F]{32}")


class SmsConfigError(Exception):
    """An SMS variable has a value Solidarity cannot use. The message never repeats a secret."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")
        self.variable, self.problem = variable, problem


def webhook_url(base_url: str, name: str) -> str:
    """The public URL a backend's provider calls: {base_url}/webhooks/sms/{name}/."""
    return f"{base_url.rstrip('/')}/webhooks/sms/{name}/"


def backends_from_environ(
    environ: Mapping[str, str], *, home: Path, base_url: str, transport: "httpx.BaseTransport | None" = None
) -> list[SmsBackend]:
    """The SMS backends in failover order, or [] when SMS is not configured. Raises SmsConfigError.

    `transport` replaces the network for the HTTP backends (tests, with httpx.MockTransport).
    """
    kinds = _kinds(environ.get("SOLIDARITY_SMS_BACKEND", ""))
    backends: list[SmsBackend] = []
    for kind in kinds:
        if kind == "twilio":
            backends.append(_twilio(environ, base_url, transport))
        elif kind == "android":
            backends.extend(_phones(environ, transport))
        else:
            backends.append(_loopback(environ, home))
    return backends


def _kinds(raw: str) -> list[str]:
    kinds = [part.strip().lower() for part in raw.split(",") if part.strip()]
    for kind in kinds:
        if kind not in KINDS:
            raise SmsConfigError(
                "SOLIDARITY_SMS_BACKEND", f"unknown backend {kind!r}; expected twilio, android or loopback"
            )
    if len(set(kinds)) != len(kinds):
        raise SmsConfigError("SOLIDARITY_SMS_BACKEND", "a backend is listed twice")
    return kinds


def _required(environ: Mapping[str, str], variable: str, needed_by: str) -> str:
    value = environ.get(variable, "").strip()
    if not value:
        raise SmsConfigError(variable, f"missing; SOLIDARITY_SMS_BACKEND lists {needed_by}")
    return value


def _twilio(environ: Mapping[str, str], base_url: str, transport: "httpx.BaseTransport | None") -> TwilioBackend:
    sid = _required(environ, "SOLIDARITY_TWILIO_ACCOUNT_SID", "twilio")
    token = _required(environ, "SOLIDARITY_TWILIO_AUTH_TOKEN", "twilio")
    sender = _required(environ, "SOLIDARITY_TWILIO_FROM", "twilio")
    if not ACCOUNT_SID.fullmatch(sid):
        raise SmsConfigError("SOLIDARITY_TWILIO_ACCOUNT_SID", "expected AC followed by 32 hexadecimal characters")
    if not (E164.fullmatch(sender) or SERVICE_SID.fullmatch(sender)):
        raise SmsConfigError(
            "SOLIDARITY_TWILIO_FROM", "expected a number in E.164 (+15555550100) or a Messaging Service SID (MG...)"
        )
    return TwilioBackend(sid, token, sender=sender, webhook_url=webhook_url(base_url, "twilio"), transport=transport)


def _phones(environ: Mapping[str, str], transport: "httpx.BaseTransport | None") -> list[AndroidGatewayBackend]:
    variable = "SOLIDARITY_SMS_GATEWAYS"
    entries = [entry.strip() for entry in _required(environ, variable, "android").split(",") if entry.strip()]
    signing_key = _required(environ, "SOLIDARITY_SMS_GATEWAY_SIGNING_KEY", "android")
    phones: list[AndroidGatewayBackend] = []
    for position, entry in enumerate(entries, start=1):
        name, _, url = entry.partition("=")
        name = name.strip().lower()
        if not PHONE_NAME.fullmatch(name):
            # The entry may hold a password: say where, never what.
            raise SmsConfigError(
                variable, f"phone {position}: expected name=http://user:password@host:port, the name in a-z, 0-9, -"
            )
        if any(phone.name == f"android:{name}" for phone in phones):
            raise SmsConfigError(variable, f"phone {name!r} is listed twice")
        phones.append(_phone(variable, name, url.strip(), signing_key, transport))
    return phones


def _phone(
    variable: str, name: str, url: str, signing_key: str, transport: "httpx.BaseTransport | None"
) -> AndroidGatewayBackend:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise SmsConfigError(variable, f"phone {name!r}: the URL cannot be read") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SmsConfigError(variable, f"phone {name!r}: expected http://user:password@host:port")
    if not parts.username or not parts.password:
        raise SmsConfigError(variable, f"phone {name!r}: the URL needs the phone's username and password")
    if parts.query or parts.fragment:
        raise SmsConfigError(variable, f"phone {name!r}: the URL takes no query or fragment")
    return AndroidGatewayBackend(
        f"android:{name}",
        gateway_base(parts.scheme, parts.hostname, port, parts.path),
        unquote(parts.username),
        unquote(parts.password),
        signing_key=signing_key,
        transport=transport,
    )


def gateway_base(scheme: str, hostname: str, port: int | None, path: str) -> str:
    """A phone's address without credentials: scheme://host[:port][/path], an IPv6 host in brackets."""
    host = f"[{hostname}]" if ":" in hostname else hostname
    return f"{scheme}://{host}" + (f":{port}" if port else "") + path.rstrip("/")


def _loopback(environ: Mapping[str, str], home: Path) -> LoopbackBackend:
    token = _required(environ, "SOLIDARITY_LOOPBACK_TOKEN", "loopback")
    if len(token) < 16:
        raise SmsConfigError("SOLIDARITY_LOOPBACK_TOKEN", "too short: use at least 16 random characters")
    return LoopbackBackend(home / OUTBOX_FILE, token)
