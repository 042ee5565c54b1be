"""A subscriber gives their gpg-made key on their own page in Chromium at phone size; the next broadcast reaches
them encrypted (real SMTP, the real worker of `solidarity up`), and gpg verifies its signature with the network's
key fetched from where the network publishes it."""

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import Server, running_up
from tests.conftest import ROOT, command_env, free_port, migrated
from tests.factories.messaging import GpgHome
from tests.smtp import SmtpServer, smtp_server

pytestmark = pytest.mark.slow

ROSA = "rosa.browser@example.org"
PROOF_LINK = re.compile(r"http://127\.0\.0\.1:\d+(/en/openpgp/keys/[\w-]+/)")

SETUP = f"""
import django
django.setup()
from solidarity.accounts.models import User
from solidarity.accounts.groups import do_add_member, do_create_group
from solidarity.core.permissions import Role
from solidarity.lists.announcement_lists import ListValues, do_save_list
from solidarity.lists.subscriptions import do_confirm, do_subscribe, unsubscribe_token

user = User(username="lola.coordinator", email="lola@example.org")
user.set_unusable_password()
user.save()
group = do_create_group(name="Street medics")
do_add_member(group, user, [Role.COORDINATOR])
values = ListValues(name_en="East Durham alerts", slug="east", has_email=True, has_sms=False, keyword="")
east = do_save_list(group, values, by=user)
subscription = do_subscribe(east, "email", "{ROSA}", "en")
do_confirm(subscription)
print(unsubscribe_token(subscription))
"""

SEND = """
import django
django.setup()
from solidarity.accounts.models import User
from solidarity.lists.broadcasts import Draft, do_compose_broadcast, do_send_broadcast
from solidarity.lists.models import AnnouncementList

user = User.objects.get(username="lola.coordinator")
east = AnnouncementList.objects.get(slug="east")
draft = Draft(lists=[east], subject_en="Meet at the plaza", text_en="Assembly at 7.", one_language="en",
              channels=["email"])
do_send_broadcast(do_compose_broadcast(east.group, draft, by=user), by=user)
"""


@pytest.fixture
def mailing_server(tmp_path: Path) -> Iterator[tuple[Server, SmtpServer, dict[str, str]]]:
    """`solidarity up` whose worker mails through a real SMTP server kept by the test."""
    port = free_port()
    with smtp_server() as smtp:
        extra = {"SOLIDARITY_EMAIL_URL": f"smtp://127.0.0.1:{smtp.port}", "SOLIDARITY_URL": f"http://127.0.0.1:{port}"}
        with running_up(command_env(migrated(tmp_path / "home"), **extra), port=port) as running:
            yield (
                running,
                smtp,
                command_env(tmp_path / "home", DJANGO_SETTINGS_MODULE="solidarity.config.settings", **extra),
            )


@pytest.fixture
def subscriber_gpg(tmp_path: Path) -> Iterator[GpgHome]:
    """The subscriber's own GnuPG, which knows nothing of the network yet."""
    home = tmp_path / "gnupg"
    home.mkdir(mode=0o700)
    ring = GpgHome(home)
    yield ring
    subprocess.run(["gpgconf", "--kill", "gpg-agent"], env={"GNUPGHOME": str(home)}, check=False)


def run(script: str, env: dict[str, str]) -> str:
    made = subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert made.returncode == 0, made.stderr
    return made.stdout.strip()


def wait_for_mail(smtp: SmtpServer, wanted: str, timeout: float = 90.0) -> EmailMessage:
    """The first message to ROSA whose content type is `wanted`, once the worker has sent it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [message for message in smtp.inbox.to(ROSA) if message.get_content_type() == wanted]
        if found:
            return found[-1]
        time.sleep(0.2)
    raise AssertionError(f"no {wanted} mail reached {ROSA}: {[m['Subject'] for m in smtp.inbox.to(ROSA)]}")


def body_text(plaintext: bytes) -> str:
    inner = message_from_bytes(plaintext, policy=policy.default)
    assert isinstance(inner, EmailMessage)
    body = inner.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


def decrypt(gpg: GpgHome, message: EmailMessage) -> tuple[bytes, list[str]]:
    _control, data = message.iter_parts()
    assert isinstance(data, EmailMessage)
    return gpg.decrypt(data.get_content(), check=False)


def test_a_subscriber_adds_their_key_on_a_phone_and_the_next_broadcast_is_encrypted_and_verifiable(
    chromium: Browser,
    mailing_server: tuple[Server, SmtpServer, dict[str, str]],
    subscriber_gpg: GpgHome,
    tmp_path: Path,
) -> None:
    server, smtp, env = mailing_server
    token = run(SETUP, env)
    subscriber_gpg.new_key(ROSA, "future-default")
    public_key = subscriber_gpg.export(ROSA)

    with chromium.new_context(base_url=server.url, viewport={"width": 390, "height": 844}) as context:
        context.set_default_timeout(15_000)
        tab = context.new_page()
        problems: list[str] = []
        tab.on("pageerror", lambda error: problems.append(str(error)))
        tab.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)

        # The subscriber opens their page (the link in every list email) and pastes their public key.
        tab.goto(f"/en/lists/subscriptions/{token}/")
        expect(tab.get_by_text("East Durham alerts").first).to_be_visible()
        tab.get_by_label("OpenPGP public key").fill(public_key)
        tab.get_by_role("button", name="Add my key").click()
        expect(tab.get_by_text("We sent an email encrypted to this key")).to_be_visible()

        # The proof arrives encrypted to that key; the link inside it, and its button, make the key theirs.
        proof = wait_for_mail(smtp, "multipart/encrypted")
        plaintext, status = decrypt(subscriber_gpg, proof)
        assert "[GNUPG:] DECRYPTION_OKAY" in status
        text = body_text(plaintext)
        link = PROOF_LINK.search(text)
        assert link is not None, text
        tab.goto(link.group(1))
        tab.get_by_role("button", name="Use this key").click()
        expect(tab.get_by_role("heading", name="Your key is in use")).to_be_visible()

        tab.goto(f"/en/lists/subscriptions/{token}/")
        fingerprint = subscriber_gpg.fingerprint(ROSA)
        expect(tab.locator("#current-key")).to_have_text(" ".join(re.findall("....", fingerprint)))
        width = tab.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page is {width} px wide on a 390 px phone"
        tab.screenshot(path=str(tmp_path / "subscription-page-390x844.png"), full_page=True)
        assert problems == []

    # The next broadcast reaches them encrypted to their key.
    before = {id(message) for message in smtp.inbox.messages}
    run(SEND, env)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and not [
        m for m in smtp.inbox.messages if id(m) not in before and m.message["List-Id"]
    ]:
        time.sleep(0.2)
    [broadcast] = [m.message for m in smtp.inbox.messages if id(m) not in before and m.message["List-Id"]]
    assert broadcast.get_content_type() == "multipart/encrypted"
    assert b"Assembly at 7" not in broadcast.as_bytes()
    plaintext, unverified = decrypt(subscriber_gpg, broadcast)
    assert "[GNUPG:] DECRYPTION_OKAY" in unverified
    assert "Assembly at 7." in body_text(plaintext)
    assert f"/en/lists/subscriptions/{token}/" in body_text(plaintext)  # the footer leads to their page
    assert any("NO_PUBKEY" in line for line in unverified)  # they do not know the network's key yet

    # They fetch the network's key where it is published, and gpg then verifies the signature.
    page = httpx.get(f"{server.url}/en/openpgp/", timeout=10)
    published = httpx.get(f"{server.url}/openpgp/network-key.asc", timeout=10)
    assert page.status_code == published.status_code == 200
    shown = subscriber_gpg.gpg("--with-colons", "--show-keys", stdin=published.content).stdout.decode()
    network = next(line.split(":")[9] for line in shown.splitlines() if line.startswith("fpr:"))
    assert " ".join(re.findall("....", network)) in page.text
    subscriber_gpg.gpg("--import", stdin=published.content)

    # The Web Key Directory serves the same key, at the address gpg computes for the network's From address.
    listing = subscriber_gpg.gpg("--with-wkd-hash", "--list-keys", network).stdout.decode()
    found = re.search(r"^\s+([a-z0-9]{32})@(\S+)$", listing, re.MULTILINE)
    assert found is not None, listing
    served = httpx.get(f"{server.url}/.well-known/openpgpkey/hu/{found.group(1)}", timeout=10)
    assert served.status_code == 200
    from_directory = subscriber_gpg.gpg("--with-colons", "--show-keys", stdin=served.content).stdout.decode()
    assert f"fpr:::::::::{network}:" in from_directory

    _plaintext, verified = decrypt(subscriber_gpg, broadcast)
    assert any(line.startswith("[GNUPG:] GOODSIG ") for line in verified)
    assert any(line.startswith("[GNUPG:] VALIDSIG ") and line.endswith(network) for line in verified)
    assert not any("NO_PUBKEY" in line for line in verified)
    assert broadcast["Autocrypt"] is not None
