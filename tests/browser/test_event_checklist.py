"""An action's checklist on a phone (390x844): a coordinator sees each step with what is missing and who owns it,
ticks the flyers, records the legal-observer request (the text to send and the 72-hour warning are there), and
reads the checklist in Spanish."""

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ViewportSize, expect

from tests.browser.conftest import Server, running_up, sign_in
from tests.conftest import ROOT, command_env, migrated

pytestmark = pytest.mark.slow

PHONE: ViewportSize = {"width": 390, "height": 844}
USERNAME = "cora.coordinator"
PASSWORD = "a long browser passphrase"

# Run in the server's home: the street medics' coordinator and the seed's counter-demonstration, two days away.
SETUP = f"""
import django
django.setup()
from datetime import timedelta
from django.utils import timezone
from solidarity.accounts.groups import do_add_member, do_create_group
from solidarity.accounts.models import User
from solidarity.core.permissions import Role
from tests.factories.accounts import add_totp
from tests.factories.events import make_action

group = do_create_group(name="Street Medics Committee", description="Kits, pairs and trainings.")
user = User(username="{USERNAME}", email="{USERNAME}@example.org")
user.set_password("{PASSWORD}")
user.save()
do_add_member(group, user, [Role.COORDINATOR])
action = make_action(group, user, starts_at=timezone.now() + timedelta(hours=48))
print(add_totp(user), action.code)
"""


@pytest.fixture
def action_server(tmp_path: Path) -> Iterator[tuple[Server, list[str]]]:
    with running_up(command_env(migrated(tmp_path))) as running:
        setup_env = command_env(tmp_path, DJANGO_SETTINGS_MODULE="solidarity.config.settings")
        made = subprocess.run(
            [sys.executable, "-c", SETUP], env=setup_env, cwd=ROOT, capture_output=True, text=True, check=False
        )
        assert made.returncode == 0, made.stderr
        yield running, made.stdout.splitlines()[-1].split()


def test_a_coordinator_works_the_checklist_on_a_phone(
    chromium: Browser, action_server: tuple[Server, list[str]], results: Path
) -> None:
    server, (secret, code) = action_server
    with chromium.new_context(base_url=server.url, viewport=PHONE) as context:
        tab = context.new_page()
        sign_in(tab, USERNAME, PASSWORD, secret)
        tab.goto(f"/en/actions/{code}/checklist/")
        expect(tab.locator("main")).to_contain_text("0 of 7 steps done.")
        expect(tab.locator("[role=alert]")).to_contain_text("Lawyers' guilds ask for at least 72 hours")
        expect(tab.locator("main")).to_contain_text("No owner yet")
        expect(tab.locator("main")).to_contain_text("are not stored here")
        tab.screenshot(path=results / "event-checklist-en.png", full_page=True)

        tab.get_by_role("button", name="Tick: done").first.click()
        expect(tab.locator("main")).to_contain_text("1 of 7 steps done.")

        tab.get_by_role("link", name="The request").click()
        expect(tab.locator("#request-text")).to_contain_text("Organisation: Street Medics Committee")
        tab.get_by_label("Requested from").fill("Fictional Lawyers Guild")
        tab.get_by_label("Requested on").fill("2030-01-01")
        tab.get_by_role("button", name="Save").click()
        expect(tab.locator("main")).to_contain_text("not a day in the future")
        tab.screenshot(path=results / "event-observers-en.png", full_page=True)

        tab.goto(f"/es/actions/{code}/checklist/")
        expect(tab.locator("main")).to_contain_text("Sin responsable todavía")
        expect(tab.locator("main")).to_contain_text("1 de 7 pasos hechos.")
        tab.screenshot(path=results / "event-checklist-es.png", full_page=True)
