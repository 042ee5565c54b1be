"""A broadcast's progress moves live in a real browser: the worker sends, the page hears it and fetches the counts."""

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import Server, running_up, sign_in
from tests.conftest import ROOT, command_env, migrated

pytestmark = pytest.mark.slow

TEXTS = 600  # at the loopback's 100 texts a second, several seconds of sending: the bar has time to move
USERNAME = "lola.coordinator"
PASSWORD = "a long browser passphrase"
LOOPBACK = {"SOLIDARITY_SMS_BACKEND": "loopback", "SOLIDARITY_LOOPBACK_TOKEN": "browser-loopback-token-0123"}

# Run in the server's home: a coordinator with a second factor, a list with TEXTS confirmed numbers, a draft.
SETUP = f"""
import django
django.setup()
from solidarity.accounts.models import User
from solidarity.accounts.groups import do_add_member, do_create_group
from solidarity.core.permissions import Role
from solidarity.lists.announcement_lists import ListValues, do_save_list
from solidarity.lists.broadcasts import Draft, do_compose_broadcast
from solidarity.lists.subscriptions import do_join_by_sms
from tests.factories.accounts import add_totp

user = User(username="{USERNAME}", email="lola@example.org")
user.set_password("{PASSWORD}")
user.save()
group = do_create_group(name="Street medics")
do_add_member(group, user, [Role.COORDINATOR])
secret = add_totp(user)
values = ListValues(
    name_en="East", slug="east", has_email=False, has_sms=True, keyword="",
    is_public=False, shows_count=False,
)
east = do_save_list(group, values, by=user)
for n in range({TEXTS}):
    do_join_by_sms(east, f"+1919555{{n:04d}}", "en")
draft = Draft(lists=[east], subject_en="", text_en="Assembly tonight at 7.", one_language="en", channels=["sms"])
broadcast = do_compose_broadcast(group, draft, by=user)
print(secret, group.slug, broadcast.uuid)
"""


@pytest.fixture
def texting_server(tmp_path: Path) -> Iterator[tuple[Server, list[str]]]:
    """`solidarity up` whose worker texts through the loopback, and what SETUP printed."""
    with running_up(command_env(migrated(tmp_path), **LOOPBACK)) as running:
        setup_env = command_env(tmp_path, DJANGO_SETTINGS_MODULE="solidarity.config.settings", **LOOPBACK)
        made = subprocess.run(
            [sys.executable, "-c", SETUP], env=setup_env, cwd=ROOT, capture_output=True, text=True, check=False
        )
        assert made.returncode == 0, made.stderr
        yield running, made.stdout.split()


def test_the_progress_bar_moves_live_while_the_texts_go_out(
    chromium: Browser, texting_server: tuple[Server, list[str]]
) -> None:
    server, (secret, group, broadcast) = texting_server
    with chromium.new_context(base_url=server.url) as context:
        context.set_default_timeout(15_000)
        tab = context.new_page()
        problems: list[str] = []
        tab.on("pageerror", lambda error: problems.append(str(error)))
        tab.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
        sign_in(tab, USERNAME, PASSWORD, secret)
        page = f"/en/groups/{group}/broadcasts/{broadcast}/"
        tab.goto(page)
        expect(tab.get_by_text("people by SMS")).to_be_visible()

        # When the coordinator sends it, the page that follows listens to the stream.
        tab.get_by_role("button", name="Send now").click()
        expect(tab).to_have_url(page)
        tab.evaluate("window.sameDocument = true")  # gone if the page reloads: the counts must come live
        expect(tab.locator("#progress-live")).to_be_visible()  # the stream is open
        expect(tab.locator("#progress-refresh")).to_be_hidden()

        # Then the bar moves without a reload, through counts between none and all, to the report.
        seen: set[int] = set()
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and tab.locator("#progress-heading").inner_text() != "Report":
            seen.add(int(tab.locator("#progress-bar").get_attribute("value") or 0))
            time.sleep(0.1)
        expect(tab.locator("#progress-heading")).to_have_text("Report")
        expect(tab.locator("#progress-bar")).to_have_attribute("value", str(TEXTS))
        assert tab.evaluate("window.sameDocument") is True
        between = sorted(value for value in seen if 0 < value < TEXTS)
        assert len(between) >= 2, f"the bar showed only {sorted(seen)}"
        expect(tab.locator("#progress")).not_to_have_attribute("data-stream", re.compile(".*"))  # done listening
        assert problems == []
