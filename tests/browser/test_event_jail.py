"""The jail-support board on a phone (390x844): a coordinator records an arrest, marks it located where held, and
asks the fund for criminal bail; a jail-support lead's board, open meanwhile, redraws live. Fictional names."""

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
PASSWORD = "a long browser passphrase"

# Run in the server's home: the medics' coordinator and a jail-support lead (another group's member), and the
# seed's counter-demonstration, published, with one arrest on its board already.
SETUP = f"""
import django
django.setup()
from django.utils import timezone
from solidarity.accounts.groups import do_add_member, do_create_group
from solidarity.accounts.models import User
from solidarity.core.permissions import Role
from solidarity.events.jail import ArrestValues, do_record_arrest, do_set_jail_leads
from tests.factories.accounts import add_totp
from tests.factories.events import published_action

medics = do_create_group(name="Street Medics Committee", description="Kits, pairs and trainings.")
legal = do_create_group(name="Legal Support", description="Jail support.")
users = []
for name, group, role in (("cora.coordinator", medics, Role.COORDINATOR), ("lu.lead", legal, Role.MEMBER)):
    user = User(username=name, email=name + "@example.org")
    user.set_password("{PASSWORD}")
    user.save()
    do_add_member(group, user, [role])
    users.append(user)
secrets = [add_totp(user) for user in users]
action = published_action(medics, users[0])
do_set_jail_leads(action, [users[1]], by=users[0])
do_record_arrest(action, ArrestValues(support_name="Heron", arrested_at=timezone.now()), by=users[0])
print(secrets[0], secrets[1], action.code)
"""


@pytest.fixture
def jail_server(tmp_path: Path) -> Iterator[tuple[Server, list[str]]]:
    with running_up(command_env(migrated(tmp_path))) as running:
        setup_env = command_env(tmp_path, DJANGO_SETTINGS_MODULE="solidarity.config.settings")
        made = subprocess.run(
            [sys.executable, "-c", SETUP], env=setup_env, cwd=ROOT, capture_output=True, text=True, check=False
        )
        assert made.returncode == 0, made.stderr
        yield running, made.stdout.splitlines()[-1].split()


def test_the_board_on_a_phone_follows_two_arrests_live(
    chromium: Browser, jail_server: tuple[Server, list[str]], results: Path
) -> None:
    server, (coordinator_secret, lead_secret, code) = jail_server
    with (
        chromium.new_context(base_url=server.url, viewport=PHONE) as leads,
        chromium.new_context(base_url=server.url, viewport=PHONE) as organisers,
    ):
        watching = leads.new_page()
        sign_in(watching, "lu.lead", PASSWORD, lead_secret)
        watching.goto(f"/en/actions/{code}/jail/")
        expect(watching.locator("#board")).to_contain_text("1 person on the board")

        tab = organisers.new_page()
        sign_in(tab, "cora.coordinator", PASSWORD, coordinator_secret)
        tab.goto(f"/en/actions/{code}/jail/")
        expect(tab.get_by_role("heading", level=1)).to_have_text("Jail support")
        tab.get_by_role("link", name="Record an arrest").click()
        tab.get_by_label("Support name").fill("Sparrow")
        tab.get_by_label("Needs a ride on release").check()
        tab.get_by_role("button", name="Put them on the board").click()
        expect(tab.locator("#board")).to_contain_text("2 people on the board")

        sparrow = tab.locator("article", has_text="Sparrow")
        sparrow.get_by_label("Held at").fill("Fictional County Jail")
        sparrow.get_by_role("button", name="Mark located").click()
        expect(tab.locator("article", has_text="Sparrow")).to_contain_text("Fictional County Jail")
        assert tab.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        tab.screenshot(path=results / "jail-board-en.png", full_page=True)

        # The lead's board heard the change over its stream and fetched itself again.
        expect(watching.locator("#board")).to_contain_text("2 people on the board")
        expect(watching.locator("article", has_text="Sparrow")).to_contain_text("Located")

        tab.locator("article", has_text="Sparrow").get_by_role("link", name="Change, or ask for criminal bail").click()
        tab.get_by_label("Criminal bail amount").fill("500")
        tab.get_by_role("button", name="Ask the fund for bail").click()
        expect(tab.locator("main")).to_contain_text("was asked for the criminal bail")
        tab.goto(f"/es/actions/{code}/jail/")
        expect(tab.get_by_role("heading", level=1)).to_have_text("Apoyo en la cárcel")
        expect(tab.locator("#board")).to_contain_text("Fianza penal")
        tab.screenshot(path=results / "jail-board-es.png", full_page=True)
