"""Messaging: mail and texts out through the outbox, texts in through the loopback webhook, SMS providers
faked at the transport seam, and OpenPGP keyrings with real gpg."""

import base64
import hashlib
import hmac
import json
import os
import re
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage as MimeMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.test import Client
from pytest_django.fixtures import Settings

from solidarity.messaging import services
from solidarity.messaging.address_keys import put_key
from solidarity.messaging.inbound import do_receive
from solidarity.messaging.models import Channel, Inbound
from solidarity.messaging.pump import drain
from solidarity.messaging.sms import InboundSms
from solidarity.messaging.sms.loopback import LoopbackBackend

LOOPBACK_TOKEN = "loopback-test-token"
NEIGHBOUR = "+19195550142"  # 555-01xx: fictional

# Mail ---------------------------------------------------------------------------------------


def deliver() -> list[EmailMessage]:
    """Send what the outbox holds for email, in this thread, and return the mail sent so far."""
    drain(Channel.EMAIL)
    return list(mail.outbox)


# Texts through the loopback backend ---------------------------------------------------------


def use_loopback(settings: Settings, outbox: Path, token: str = LOOPBACK_TOKEN, **options: Any) -> Path:
    """Texts go out through the loopback backend, one JSON line each in `outbox`."""
    settings.SMS_BACKENDS = [LoopbackBackend(outbox, token, **options)]
    return outbox


@pytest.fixture
def loopback(settings: Settings, tmp_path: Path) -> Path:
    """The network texts through the loopback backend; the file its texts go to."""
    return use_loopback(settings, tmp_path / "sms-outbox.jsonl")


def text_in(client: Client, body: str, *, sender: str = NEIGHBOUR, sid: str = "", token: str = LOOPBACK_TOKEN) -> int:
    """A text arriving at the loopback webhook, as a provider posts it; the webhook's status."""
    response = client.post(
        "/webhooks/sms/loopback/",
        {"From": sender, "Body": body, **({"MessageSid": sid} if sid else {})},
        headers={"Authorization": f"Bearer {token}"},
    )
    return response.status_code


def texts_out(outbox: Path) -> list[dict[str, Any]]:
    """Send what the outbox holds for SMS, in this thread, and return every text the loopback sent so far."""
    drain(Channel.SMS)
    return [json.loads(line) for line in outbox.read_text().splitlines()] if outbox.exists() else []


def set_openpgp_key(address: str, armored: str) -> None:
    """An email address's key in effect, set as it is, without the proof a person's own key goes through
    (messaging.address_keys): what a test needs before it sends."""
    put_key(services.address_state(Channel.EMAIL, address), armored)  # with its summary, as a confirmed key


def received(body: str, *, sender: str = NEIGHBOUR) -> Inbound:
    """A text taken in by the receiving service, as the webhook hands it over."""
    inbound = do_receive("loopback", InboundSms(sender=sender, body=body))
    assert inbound is not None
    return inbound


# SMS providers at the transport seam ------------------------------------------------------

Handler = Callable[[httpx.Request], httpx.Response]


class Recorder:
    """A fake provider at the transport seam: answers with `handler`, keeps every request."""

    def __init__(self, handler: Handler) -> None:
        self.requests: list[httpx.Request] = []
        self.handler = handler
        self.transport = httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.handler(request)


def twilio_signature(token: str, url: str, fields: dict[str, str]) -> str:
    """Twilio's documented algorithm, written out independently of the backend."""
    data = url + "".join(key + fields[key] for key in sorted(fields))
    return base64.b64encode(hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()).decode()


def gateway_signature(key: str, body: bytes, timestamp: str) -> str:
    """An Android SMS gateway's webhook signature (HMAC-SHA256 of the body and the timestamp)."""
    return hmac.new(key.encode(), body + timestamp.encode(), hashlib.sha256).hexdigest()


# OpenPGP with real gpg ------------------------------------------------------------------------

GPG = "/usr/bin/gpg"


@dataclass(frozen=True)
class GpgHome:
    """A throwaway GnuPG home: the recipient's side of every test."""

    home: Path

    def gpg(self, *args: str, stdin: bytes = b"", check: bool = True) -> subprocess.CompletedProcess[bytes]:
        command = [GPG, "--batch", "--pinentry-mode", "loopback", "--passphrase", "", *args]
        env = {**os.environ, "GNUPGHOME": str(self.home)}
        return subprocess.run(command, input=stdin, capture_output=True, env=env, check=check)

    def new_key(self, email: str, algo: str, usage: str = "default", expire: str = "0") -> str:
        """Generate a key and return its fingerprint."""
        self.gpg("--quick-gen-key", f"Persona <{email}>", algo, usage, expire)
        return self.fingerprint(email)

    def fingerprint(self, email: str) -> str:
        listing = self.gpg("--with-colons", "--list-keys", email).stdout.decode()
        return next(line.split(":")[9] for line in listing.splitlines() if line.startswith("fpr:"))

    def export(self, *emails: str) -> str:
        return self.gpg("--armor", "--export", *emails).stdout.decode()

    def decrypt(self, armored: bytes, *, check: bool = True) -> tuple[bytes, list[str]]:
        """The plaintext and gpg's machine-readable status lines.

        `check=False`: a signature gpg cannot check (its key unknown: NO_PUBKEY) is no error.
        """
        result = self.gpg("--status-fd", "2", "--decrypt", stdin=armored, check=check)
        status = [line for line in result.stderr.decode(errors="replace").splitlines() if line.startswith("[GNUPG:]")]
        return result.stdout, status


@pytest.fixture(scope="module")
def gnupg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GpgHome]:
    """A GnuPG home for the module's tests, its agent stopped at the end."""
    home = tmp_path_factory.mktemp("gnupg")
    home.chmod(0o700)
    ring = GpgHome(home)
    yield ring
    subprocess.run(["gpgconf", "--kill", "gpg-agent"], env={**os.environ, "GNUPGHOME": str(home)}, check=False)


# Reading what the network sent, as a subscriber's gpg does.

PROOF_LINK = re.compile(r"https?://\S+/openpgp/keys/[\w-]+/")


def decrypted(gnupg: GpgHome, message: MimeMessage) -> tuple[MimeMessage, list[str]]:
    """The inner message gpg reads out of a PGP/MIME email, and gpg's status lines."""
    assert message.get_content_type() == "multipart/encrypted"
    _, data = message.iter_parts()
    plaintext, status = gnupg.decrypt(data.get_content(), check=False)
    assert "[GNUPG:] DECRYPTION_OKAY" in status
    inner = message_from_bytes(plaintext, policy=policy.default)
    assert isinstance(inner, MimeMessage)
    return inner, status


def body_of(message: MimeMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def subkey_ids(gnupg: GpgHome, email: str) -> set[str]:
    """The long key ids of a key's subkeys, as gpg's ENC_TO names them."""
    listing = gnupg.gpg("--with-colons", "--list-keys", email).stdout.decode()
    return {line.split(":")[4] for line in listing.splitlines() if line.startswith("sub:")}


def proof_path(gnupg: GpgHome, message: MimeMessage) -> str:
    inner, _status = decrypted(gnupg, message)
    found = PROOF_LINK.search(body_of(inner))
    assert found is not None, body_of(inner)
    return "/" + found.group().split("/", 3)[3]
