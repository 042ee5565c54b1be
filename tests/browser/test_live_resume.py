"""A real browser's EventSource that reconnects misses no live event: it resumes with Last-Event-ID.

The server ends a dispatcher's stream when their roles change (they may have lost the right to hear
it); Chromium reconnects by itself three seconds later, sending the id of the last event it got.
Texts that reach the hotline in between are events the browser must still get, in order, once.
"""

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page

from tests.browser.conftest import Server, running_up, sign_in
from tests.conftest import ROOT, command_env, migrated

pytestmark = pytest.mark.slow

USERNAME = "dina.dispatcher"
PASSWORD = "a long browser passphrase"
TOKEN = "browser-loopback-token-4567"
LOOPBACK = {"SOLIDARITY_SMS_BACKEND": "loopback", "SOLIDARITY_LOOPBACK_TOKEN": TOKEN}

SETUP = f"""
import django
django.setup()
from solidarity.accounts.groups import do_add_member, do_create_group
from solidarity.accounts.models import User
from solidarity.core.permissions import Role
from tests.factories.accounts import add_totp

user = User(username="{USERNAME}", email="dina@example.org")
user.set_password("{PASSWORD}")
user.save()
group = do_create_group(name="Rapid Response")
do_add_member(group, user, [Role.DISPATCHER])
print(add_totp(user))
"""

# Another role for the dispatcher: their stream ends (roles changed), and they may still hear the inbox.
GRANT = f"""
import django
django.setup()
from solidarity.accounts.groups import do_grant_role
from solidarity.accounts.models import User, WorkingGroup
from solidarity.core.permissions import Role

do_grant_role(WorkingGroup.objects.get(), User.objects.get(username="{USERNAME}"), Role.RESPONDER, by=None)
"""

LISTEN = """
window.heard = [];
window.opened = 0;
const source = new EventSource("/live/?channel=inbox");
source.addEventListener("open", () => { window.opened += 1; });
source.addEventListener("inbound", (event) => { window.heard.push(event.lastEventId); });
"""


def run_in_home(home: Path, code: str) -> str:
    env = command_env(home, DJANGO_SETTINGS_MODULE="solidarity.config.settings", **LOOPBACK)
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.fixture
def hotline(tmp_path: Path) -> Iterator[tuple[Server, str]]:
    """`solidarity up` with the loopback, a dispatcher with a second factor, and the dispatcher's TOTP secret."""
    with running_up(command_env(migrated(tmp_path), **LOOPBACK)) as running:
        yield running, run_in_home(tmp_path, SETUP)


def text_the_hotline(server: Server, n: int) -> None:
    response = httpx.post(
        f"{server.url}/webhooks/sms/loopback/",
        data={"From": f"+1919555{n:04d}", "Body": f"someone at the door, number {n}"},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert response.status_code == 200


def opened(tab: Page, times: int, timeout: float = 15.0) -> bool:
    """Has the EventSource opened `times` times? (Polled: the page's CSP forbids wait_for_function's eval.)"""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if tab.evaluate("window.opened") >= times:
            return True
        time.sleep(0.1)
    return False


def heard(tab: Page, count: int, timeout: float = 20.0) -> list[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ids: list[str] = tab.evaluate("window.heard")
        if len(ids) >= count:
            return ids
        time.sleep(0.1)
    return list(tab.evaluate("window.heard"))


def test_a_browser_that_reconnects_hears_every_event_once(
    chromium: Browser, hotline: tuple[Server, str], tmp_path: Path
) -> None:
    server, secret = hotline
    with chromium.new_context(base_url=server.url) as context:
        context.set_default_timeout(15_000)
        tab = context.new_page()
        sign_in(tab, USERNAME, PASSWORD, secret)
        tab.evaluate(LISTEN)
        assert opened(tab, 1)
        time.sleep(0.5)  # the server's listener has caught up with the table

        # Given a text heard live,
        text_the_hotline(server, 1)
        assert len(heard(tab, 1)) == 1

        # when the stream is ended under the browser and two texts come while it is away,
        run_in_home(tmp_path, GRANT)
        time.sleep(1)  # ended; the browser waits its 3 s before reconnecting
        text_the_hotline(server, 2)
        text_the_hotline(server, 3)
        assert opened(tab, 2)  # the browser came back by itself
        text_the_hotline(server, 4)

        # then it has heard all four, each once, in the order they came.
        ids = heard(tab, 4)
        assert len(ids) == 4, json.dumps(ids)
        assert len(set(ids)) == 4
        assert ids == sorted(ids, key=int)
