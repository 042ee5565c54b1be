"""An action's slots on a phone (390x844): a coordinator who is a street medic signs up, is told they wait for a
partner, and opens the day's board in Spanish."""

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

# Run in the server's home: a coordinator of the street medics who is a certified medic, and the seed's action.
SETUP = f"""
import django
django.setup()
from datetime import timedelta
from solidarity.accounts.groups import do_add_member, do_create_group
from solidarity.accounts.models import User
from solidarity.core.permissions import Role
from solidarity.events.models import Role as SlotRole
from solidarity.events.signups import SlotValues, do_add_slot
from solidarity.people.models import Skill
from solidarity.people.services import do_grant_certification
from tests.factories.accounts import add_totp
from tests.factories.events import published_action
from tests.factories.people import make_person

group = do_create_group(name="Street Medics Committee", description="Kits, pairs and trainings.")
user = User(username="{USERNAME}", email="cora@example.org")
user.set_password("{PASSWORD}")
user.save()
do_add_member(group, user, [Role.COORDINATOR])
person = make_person("Cora", phones=["+19195550150"], user=user)
do_grant_certification(person, Skill.objects.get(slug="street-medic-basic"), by=None, signed_off=True)
action = published_action(group, user)
values = SlotValues(role=SlotRole.MEDIC, skill="street-medic-basic", starts_at=action.starts_at,
                    ends_at=action.ends_at, needed=4)
do_add_slot(action, values, by=user)
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


def test_a_medic_signs_up_on_a_phone_and_waits_for_a_partner(
    chromium: Browser, action_server: tuple[Server, list[str]], results: Path
) -> None:
    server, (secret, code) = action_server
    with chromium.new_context(base_url=server.url, viewport=PHONE, java_script_enabled=False) as phone:
        tab = phone.new_page()
        sign_in(tab, USERNAME, PASSWORD, secret)
        tab.goto(f"/en/actions/{code}/slots/")
        expect(tab.get_by_role("heading", level=2)).to_have_text("Street medic")
        expect(tab.locator("main")).to_contain_text("4 places left")
        tab.get_by_role("button", name="Sign up").click()
        expect(tab.locator(".messages")).to_contain_text("You are waiting for a partner")
        expect(tab.locator("main")).to_contain_text("1 street medic alone: needs a partner")
        expect(tab.get_by_role("button", name="Give my seat back")).to_be_visible()
        tab.screenshot(path=results / "event-slots-en.png", full_page=True)
        tab.goto(f"/es/actions/{code}/board/")
        expect(tab.get_by_role("heading", level=1)).to_have_text("El tablero del día")
        expect(tab.get_by_role("button", name="Anotar llegada")).to_be_visible()
        tab.screenshot(path=results / "event-board-es.png", full_page=True)
