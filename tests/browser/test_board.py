"""The live board in a real browser: a report arrives, a dispatcher confirms, a responder texts GO, and the
board shows each without a reload; in English on a laptop and in Spanish on a phone (390x844)."""

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, ViewportSize, expect

from tests.browser.conftest import RESULTS, Server, running_up, sign_in
from tests.conftest import ROOT, command_env, migrated

pytestmark = pytest.mark.slow

PHONE: ViewportSize = {"width": 390, "height": 844}
LAPTOP: ViewportSize = {"width": 1366, "height": 800}
USERNAME = "dani.dispatcher"
PASSWORD = "a long browser passphrase"
TOKEN = "browser-loopback-token-0123"
NEIGHBOURS = {"en": "+19195550190", "es": "+19195550191"}
LOOPBACK = {"SOLIDARITY_SMS_BACKEND": "loopback", "SOLIDARITY_LOOPBACK_TOKEN": TOKEN}

# Run in the server's home: a dispatcher with a second factor; checkpoints need one legal observer;
# two observers on call in each zone the test uses.
SETUP = f"""
import django
django.setup()
from solidarity.accounts.models import User
from solidarity.accounts.groups import do_add_member, do_create_group
from solidarity.core.permissions import Role
from solidarity.incidents.models import Requirement
from solidarity.people.models import Skill
from tests.factories.accounts import add_totp
from tests.factories.incidents import responder

user = User(username="{USERNAME}", email="dani@example.org")
user.set_password("{PASSWORD}")
user.save()
do_add_member(do_create_group(name="Rapid response"), user, [Role.DISPATCHER])
Requirement.objects.all().delete()
Requirement.objects.create(type="checkpoint", skill=Skill.objects.get(slug="legal-observer"), count=1)
for n, slug in enumerate(["east-durham", "east-durham", "walltown", "walltown"]):
    responder(f"Observer {{n}}", "legal-observer", zones=[slug], phone=f"+1919555{{n + 100:04d}}")
print(add_totp(user))
"""

REPORT = """
import django
django.setup()
from solidarity.incidents.intake import ReportValues, do_take_report
from solidarity.incidents.models import Source
from tests.factories.people import zone
report = do_take_report(ReportValues(type="checkpoint", zone=zone("{zone}"), description="Agents by the bridge"),
                        source=Source.WEB)
report.refresh_from_db()
print(report.incident.code)
"""

CONFIRM = """
import django
django.setup()
from solidarity.incidents.models import Alert, Incident
from solidarity.incidents.services import do_confirm
incident = do_confirm(Incident.objects.get(code="{code}"), by=None, where="Main St and 5th")
alert = Alert.objects.filter(incident=incident).select_related("person").order_by("rank").first()
print(alert.code, alert.person.contacts.get().value)
"""


def run(home: Path, code: str) -> list[str]:
    env = command_env(home, DJANGO_SETTINGS_MODULE="solidarity.config.settings", **LOOPBACK)
    made = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    assert made.returncode == 0, made.stderr
    return made.stdout.splitlines()[-1].split()


@pytest.fixture(scope="module")
def board_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Path, str]]:
    home = tmp_path_factory.mktemp("board")
    with running_up(command_env(migrated(home), **LOOPBACK)) as running:
        (secret,) = run(home, SETUP)
        yield running, home, secret


@pytest.fixture(scope="module")
def signed_in_state(chromium: Browser, board_server: tuple[Server, Path, str]) -> Any:
    """The dispatcher's cookies after one sign-in (a second factor's code is good once: the tests share it)."""
    server, _home, secret = board_server
    with chromium.new_context(base_url=server.url) as context:
        context.set_default_timeout(15_000)
        sign_in(context.new_page(), USERNAME, PASSWORD, secret)
        return context.storage_state()


def shots() -> Path:
    found = Path(os.environ.get("TMPDIR") or RESULTS) / "board-shots"
    found.mkdir(parents=True, exist_ok=True)
    return found


@pytest.mark.parametrize(
    ("language", "viewport", "zone", "words"),
    [
        (
            "en",
            LAPTOP,
            "east-durham",
            {"going": "1 of 1 going", "reports": "1 report", "texted": "REPORT agents at the corner store"},
        ),
        (
            "es",
            PHONE,
            "walltown",
            {"going": "1 de 1 van", "reports": "1 reporte", "texted": "REPORTE agentes en la tienda de la esquina"},
        ),
    ],
)
def test_the_board_updates_live_as_reports_and_answers_come_in(
    chromium: Browser,
    board_server: tuple[Server, Path, str],
    signed_in_state: Any,
    language: str,
    viewport: ViewportSize,
    zone: str,
    words: dict[str, str],
) -> None:
    server, home, _secret = board_server
    with chromium.new_context(base_url=server.url, viewport=viewport, storage_state=signed_in_state) as context:
        context.set_default_timeout(15_000)
        tab = context.new_page()
        problems: list[str] = []
        tab.on("pageerror", lambda error: problems.append(str(error)))
        tab.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
        tab.goto(f"/{language}/incidents/")
        expect(tab.locator("#board-live")).to_be_visible()  # the stream is open
        expect(tab.locator("#board-refresh")).to_be_hidden()
        tab.evaluate("window.sameDocument = true")  # gone if the page reloads: what follows must come live

        # A text names no zone we know: it waits for a person, with the form to place it.
        texted = httpx.post(
            f"{server.url}/webhooks/sms/loopback/",
            data={"From": NEIGHBOURS[language], "Body": words["texted"]},
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        assert texted.status_code < 300
        expect(tab.locator("#board-waiting")).to_contain_text(words["texted"].split(" ", 1)[1])

        # A report arrives: its incident shows up.
        (code,) = run(home, REPORT.format(zone=zone))
        card = tab.locator(f"#incident-{code}")
        expect(card).to_be_visible()
        expect(card).to_contain_text(words["reports"])

        # A dispatcher confirms it (another desk): the observer asked shows, with why.
        alert, phone = run(home, CONFIRM.format(code=code))
        expect(card).to_contain_text(alert)
        tab.screenshot(path=shots() / f"board-asked-{language}.png", full_page=True)

        # The observer texts GO through the SMS webhook: the board shows them going.
        keyword = "GO" if language == "en" else "VOY"
        answered = httpx.post(
            f"{server.url}/webhooks/sms/loopback/",
            data={"From": phone, "Body": f"{keyword} {alert}"},
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        assert answered.status_code < 300
        expect(card).to_contain_text(words["going"])
        assert tab.evaluate("window.sameDocument") is True
        tab.screenshot(path=shots() / f"board-going-{language}.png", full_page=True)
        tab.locator(f"#incident-{code} a").first.click()
        expect(tab.locator("h1")).to_contain_text(code)
        tab.screenshot(path=shots() / f"incident-{language}.png", full_page=True)
        assert problems == []
