"""Trainings on a phone (390x844): the public list and sign-up without JavaScript, a member's page, the door."""

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

# Run in the server's home: the demo's trainings, and a coordinator of the street medics with a second factor.
SETUP = f"""
import django
django.setup()
from django.core.management import call_command
from solidarity.accounts.models import User, WorkingGroup
from solidarity.accounts.groups import do_add_member
from solidarity.core.permissions import Role
from solidarity.people.services import PersonValues, do_create_person
from solidarity.trainings.models import Session
from tests.factories.accounts import add_totp

call_command("demo")
user = User(username="{USERNAME}", email="cora@example.org")
user.set_password("{PASSWORD}")
user.save()
do_add_member(WorkingGroup.objects.get(slug="street-medics-committee"), user, [Role.COORDINATOR])
do_create_person(PersonValues(display_name="Cora", phones=("+19195550199",), user=user), by=None)
secret = add_totp(user)
print(secret, Session.objects.get(title_en="Street medic refresher").uuid)
"""


@pytest.fixture
def demo_server(tmp_path: Path) -> Iterator[tuple[Server, list[str]]]:
    with running_up(command_env(migrated(tmp_path))) as running:
        setup_env = command_env(tmp_path, DJANGO_SETTINGS_MODULE="solidarity.config.settings")
        made = subprocess.run(
            [sys.executable, "-c", SETUP], env=setup_env, cwd=ROOT, capture_output=True, text=True, check=False
        )
        assert made.returncode == 0, made.stderr
        yield running, made.stdout.splitlines()[-1].split()


def test_trainings_on_a_phone(chromium: Browser, demo_server: tuple[Server, list[str]], results: Path) -> None:
    server, (secret, refresher) = demo_server
    with chromium.new_context(base_url=server.url, viewport=PHONE, java_script_enabled=False) as context:
        tab = context.new_page()
        tab.goto("/es/trainings/")
        expect(tab.get_by_role("heading", level=1)).to_have_text("Capacitaciones")
        tab.screenshot(path=results / "trainings-public-list-es.png", full_page=True)
        tab.get_by_role("link", name="Taller: conozca sus derechos").click()
        tab.screenshot(path=results / "trainings-public-session-es.png", full_page=True)
        tab.locator("input[name=display_name]").fill("Lupe")
        tab.locator("input[name=contact]").fill("lupe@example.org")
        tab.locator("main form button[type=submit]").click()
        expect(tab.locator("main")).to_contain_text("le enviamos un enlace")
        tab.screenshot(path=results / "trainings-public-sent-es.png", full_page=True)

    with chromium.new_context(base_url=server.url, viewport=PHONE) as context:
        tab = context.new_page()
        sign_in(tab, USERNAME, PASSWORD, secret)
        tab.goto(f"/en/trainings/sessions/{refresher}/")
        expect(tab.locator("main")).to_contain_text("Full: 3 people waiting")
        tab.screenshot(path=results / "trainings-session-en.png", full_page=True)
        tab.goto(f"/en/trainings/sessions/{refresher}/sign-ups/")
        # The refresher is days away: the door's Attended / No-show buttons wait for its day.
        expect(tab.locator("main")).to_contain_text("appear here two hours before the start")
        expect(tab.get_by_role("button", name="Attended")).to_have_count(0)
        tab.screenshot(path=results / "trainings-door-en.png", full_page=True)
        tab.get_by_role("button", name="Cancel this sign-up").first.click()
        expect(tab.locator("main")).to_contain_text("a free seat went to the first in line")
        tab.screenshot(path=results / "trainings-door-after-cancel-en.png", full_page=True)
        tab.goto("/en/groups/street-medics-committee/trainings/new/")
        tab.screenshot(path=results / "trainings-new-en.png", full_page=True)
