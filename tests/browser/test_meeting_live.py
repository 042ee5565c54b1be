"""An assembly in a real browser: the projector, three phones (two people who join with the code, in English
and in Spanish, and one who only follows) and the stack keeper's run page, all at once. Asking to speak,
an interrupt jumping the queue, the next speaker, five more minutes and a break reach every screen without
a reload; "you are next" shows on the right phone and is spoken to screen readers."""

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect

from tests.browser.conftest import RESULTS, Server, running_up, sign_in
from tests.conftest import ROOT, command_env, migrated

pytestmark = pytest.mark.slow

PHONE: ViewportSize = {"width": 390, "height": 844}
PROJECTOR: ViewportSize = {"width": 1280, "height": 720}
LAPTOP: ViewportSize = {"width": 1366, "height": 800}
USERNAME = "fai.facilitator"
PASSWORD = "a long browser passphrase"

SETUP = f"""
import django
django.setup()
from solidarity.accounts.models import User
from solidarity.accounts.groups import do_add_member, do_create_group
from solidarity.core.permissions import Role
from tests.factories.accounts import add_totp
from tests.factories.meetings import make_meeting, started

user = User(username="{USERNAME}", email="fai@example.org")
user.set_password("{PASSWORD}")
user.save()
group = do_create_group(name="General Assembly")
do_add_member(group, user, [Role.FACILITATOR])
meeting = started(make_meeting(group, user, language="both", title_es="Asamblea general"), user)
print(add_totp(user), meeting.code)
"""


def run(home: Path, code: str) -> list[str]:
    env = command_env(home, DJANGO_SETTINGS_MODULE="solidarity.config.settings")
    made = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    assert made.returncode == 0, made.stderr
    return made.stdout.splitlines()[-1].split()


@pytest.fixture(scope="module")
def assembly_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, str, str]]:
    home = tmp_path_factory.mktemp("assembly")
    with running_up(command_env(migrated(home))) as running:
        secret, code = run(home, SETUP)
        yield running, secret, code


def shots() -> Path:
    found = Path(os.environ.get("TMPDIR") or RESULTS) / "meeting-shots"
    found.mkdir(parents=True, exist_ok=True)
    return found


def watched(context: BrowserContext, path: str, problems: list[str]) -> Page:
    page = context.new_page()
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "console",
        lambda message: problems.append(f"{message.text} {message.location}") if message.type == "error" else None,
    )
    page.goto(path)
    expect(page.locator("#meeting-live[data-live='1']")).to_be_attached()  # the script runs and listens
    page.evaluate("window.sameDocument = true")  # gone if the page reloads: what follows must come live
    return page


def joined(chromium: Browser, server: Server, language: str, code: str, name: str, problems: list[str]) -> Page:
    context = chromium.new_context(base_url=server.url, viewport=PHONE, locale=language)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"/m/{code}")  # the projector's short address: to the live page in the phone's language
    expect(page).to_have_url(f"/{language}/meetings/{code}/live/")
    page.locator("#live-ask form").first.locator("button").click()  # "I want to speak": the name first
    page.get_by_label("Your name" if language == "en" else "Su nombre").fill(name)
    page.get_by_role("button", name="Join" if language == "en" else "Unirme").click()
    return watched(context, f"/{language}/meetings/{code}/live/", problems)


def test_an_assembly_runs_live_on_the_projector_phones_and_the_run_page(
    chromium: Browser, assembly_server: tuple[Server, str, str]
) -> None:
    server, secret, code = assembly_server
    problems: list[str] = []
    with chromium.new_context(base_url=server.url, viewport=LAPTOP) as keeper_context:
        keeper_context.set_default_timeout(15_000)
        sign_in(keeper_context.new_page(), USERNAME, PASSWORD, secret)
        keeper = watched(keeper_context, f"/en/meetings/{code}/run/", problems)
        screen_context = chromium.new_context(base_url=server.url, viewport=PROJECTOR)
        screen_context.set_default_timeout(15_000)
        projector = watched(screen_context, f"/es/meetings/{code}/screen/", problems)
        follower_context = chromium.new_context(base_url=server.url, viewport=PHONE)
        follower_context.set_default_timeout(15_000)
        follower = watched(follower_context, f"/en/meetings/{code}/live/", problems)
        ana = joined(chromium, server, "en", code, "Ana Caracol", problems)
        beto = joined(chromium, server, "es", code, "Beto Luna", problems)
        pages: list[Any] = [projector, follower, ana, beto]

        # Ana asks to speak: every screen shows her next; her phone says so.
        ana.get_by_role("button", name="I want to speak").click()
        for page in (projector, follower, beto):
            expect(page.locator("#live-next")).to_contain_text("Ana Caracol")
        expect(ana.locator("#live-mine")).to_have_text("You are next.")
        expect(keeper.locator("#stack")).to_contain_text("Ana Caracol")

        # Beto asks a clarifying question: it jumps the main queue, on every screen.
        beto.get_by_role("button", name="Pregunta aclaratoria").click()
        expect(projector.locator("#live-next li").first).to_contain_text("Beto Luna")
        expect(follower.locator("#live-next li").nth(1)).to_contain_text("Ana Caracol")
        expect(beto.locator("#live-mine")).to_have_text("Usted habla a continuación.")
        expect(ana.locator("#live-mine")).to_have_text("Your place: 2.")
        expect(ana.locator("#live-announce")).to_have_text("Your place: 2.")  # read out to a screen reader
        ana.screenshot(path=shots() / "phone-en-place.png", full_page=True)
        beto.screenshot(path=shots() / "phone-es-next.png", full_page=True)

        # The keeper calls the next speaker: Beto speaks, his timer runs; Ana is next again.
        keeper.get_by_role("button", name="Next speaker").click()
        expect(projector.locator("#live-speaker")).to_have_text("Beto Luna")
        expect(projector.locator("#live-speaker-clock")).to_contain_text("quedan")
        expect(beto.locator("#live-mine")).to_have_text("Es su turno de hablar.")
        expect(ana.locator("#live-mine")).to_have_text("You are next.")
        expect(follower.locator("#live-announce")).to_have_text("Now speaking: Beto Luna")
        projector.screenshot(path=shots() / "projector-es.png")

        # Five more minutes, then a break: the clock and the item change everywhere.
        keeper.get_by_role("button", name="Five more minutes").click()
        expect(keeper.locator("#stack")).to_be_visible()
        keeper.get_by_role("button", name="A five-minute break now").click()
        for page, word in ((projector, "Descanso"), (follower, "Break"), (ana, "Break"), (beto, "Descanso")):
            expect(page.locator("#live-item")).to_contain_text(word)
        expect(ana.locator("#live-ask")).to_be_hidden()  # no stack during a break
        follower.screenshot(path=shots() / "phone-en-break.png", full_page=True)
        keeper.screenshot(path=shots() / "run-en.png", full_page=True)

        for page in pages:
            assert page.evaluate("window.sameDocument") is True
        assert problems == []
        for context in (screen_context, follower_context, ana.context, beto.context):
            context.close()
