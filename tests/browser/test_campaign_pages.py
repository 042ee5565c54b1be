"""A call-in campaign on a phone (390x844): a caller without an account or JavaScript calls two offices, and the
organisers' page, open meanwhile, redraws its tallies live."""

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

# Run in the server's home: two coordinators of the street medics, and the seed's campaign, live and public.
SETUP = f"""
import django
django.setup()
from solidarity.accounts.groups import do_add_member, do_create_group
from solidarity.accounts.models import User
from solidarity.campaigns.calling import do_report_outcome, next_call
from solidarity.core.permissions import Role
from tests.factories.accounts import add_totp
from tests.factories.campaigns import live_campaign

group = do_create_group(name="Street Medics Committee", description="Kits, pairs and trainings.")
users = []
for name in ("{USERNAME}", "co.second"):
    user = User(username=name, email=name + "@example.org")
    user.set_password("{PASSWORD}")
    user.save()
    do_add_member(group, user, [Role.COORDINATOR])
    users.append(user)
campaign = live_campaign(group, users[0], users[1], has_public_counter=True)
for outcome in (1, 2, 1, 3):
    do_report_outcome(next_call(campaign, via="sms", language="es"), outcome)
print(add_totp(users[0]), campaign.code)
"""


@pytest.fixture
def campaign_server(tmp_path: Path) -> Iterator[tuple[Server, list[str]]]:
    with running_up(command_env(migrated(tmp_path))) as running:
        setup_env = command_env(tmp_path, DJANGO_SETTINGS_MODULE="solidarity.config.settings")
        made = subprocess.run(
            [sys.executable, "-c", SETUP], env=setup_env, cwd=ROOT, capture_output=True, text=True, check=False
        )
        assert made.returncode == 0, made.stderr
        yield running, made.stdout.splitlines()[-1].split()


def test_a_caller_calls_and_the_organisers_page_follows_live(
    chromium: Browser, campaign_server: tuple[Server, list[str]], results: Path
) -> None:
    server, (secret, code) = campaign_server
    with chromium.new_context(base_url=server.url, viewport=PHONE) as organisers:
        board = organisers.new_page()
        sign_in(board, USERNAME, PASSWORD, secret)
        board.goto(f"/en/campaigns/{code}/")
        expect(board.locator("#board")).to_contain_text("4 calls reported")
        board.screenshot(path=results / "campaign-organisers-en.png", full_page=True)

        with chromium.new_context(base_url=server.url, viewport=PHONE, java_script_enabled=False) as callers:
            tab = callers.new_page()
            tab.goto(f"/es/call/{code}/")
            expect(tab.get_by_role("heading", level=1)).to_have_text("Liberen a nuestro vecino")
            tab.screenshot(path=results / "campaign-call-es.png", full_page=True)
            tab.locator("input[name=city]").fill("Durham")
            tab.get_by_role("button", name="Denme una oficina a la que llamar").click()
            expect(tab.locator("main")).to_contain_text("Toque para llamar")
            expect(tab.locator("blockquote.script")).to_contain_text("llamo desde Durham")
            tab.screenshot(path=results / "campaign-office-es.png", full_page=True)
            tab.get_by_role("button", name="4 · Ocupado o buzón lleno").click()
            expect(tab.locator("main")).to_contain_text("su llamada quedó contada")
            tab.screenshot(path=results / "campaign-next-office-es.png", full_page=True)

        # The organisers' page heard the call over its stream and fetched its board again.
        expect(board.locator("#board")).to_contain_text("5 calls reported")
        expect(board.locator("#board")).to_contain_text("busy or voicemail full since")
        board.screenshot(path=results / "campaign-organisers-live-en.png", full_page=True)
        board.goto(f"/es/campaigns/{code}/offices/new/")
        expect(board.get_by_role("heading", level=1)).to_have_text("Agregar una oficina a la que llamar")
        board.screenshot(path=results / "campaign-add-office-es.png", full_page=True)
