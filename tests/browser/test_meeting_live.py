"""An assembly in a real browser: the projector, three phones (two people who join with the code, in English
and in Spanish, and one who only follows) and the stack keeper's run page, all at once. Asking to speak,
an interrupt jumping the queue, the next speaker, five more minutes and a break reach every screen without
a reload; "you are next" shows on the right phone and is spoken to screen readers. On SQLite, and on
PostgreSQL with live events through Redis (the scale path: the machine's servers, as CI starts them)."""

import contextlib
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
import redis
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect
from psycopg import sql

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


def run(env: dict[str, str], code: str) -> list[str]:
    env = env | {"DJANGO_SETTINGS_MODULE": "solidarity.config.settings"}
    made = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    assert made.returncode == 0, made.stderr
    return made.stdout.splitlines()[-1].split()


POSTGRESQL = "postgresql://postgres@127.0.0.1:5432/"
REDIS = "redis://127.0.0.1:6379/12"


@contextmanager
def scale_path() -> Iterator[dict[str, str]]:
    """A fresh PostgreSQL database and a Redis of its own (the machine's servers, as CI starts them), as the
    environment of a network on the scale path; the database is dropped afterwards."""
    name = f"meeting_browser_{uuid.uuid4().hex[:8]}"
    try:
        with psycopg.connect(POSTGRESQL + "postgres", autocommit=True) as admin:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        redis.Redis.from_url(REDIS).flushdb()
    except (psycopg.OperationalError, redis.ConnectionError) as error:
        if os.environ.get("CI") == "true":  # the scale path is never skipped in CI
            raise
        pytest.skip(f"PostgreSQL and Redis are needed on 127.0.0.1 ({type(error).__name__})")
    try:
        yield {
            "SOLIDARITY_DATABASE_URL": POSTGRESQL.replace("postgresql", "postgres") + name,
            "SOLIDARITY_REDIS_URL": REDIS,
        }
    finally:
        with psycopg.connect(POSTGRESQL + "postgres", autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(scope="module", params=["sqlite", "postgresql+redis"])
def assembly_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Server, str, str]]:
    """`solidarity up` with the assembly under way: on SQLite, and on PostgreSQL with live events through Redis."""
    home = tmp_path_factory.mktemp("assembly")
    with contextlib.ExitStack() as stack:
        if request.param == "sqlite":
            env = command_env(migrated(home))
        else:  # `up` migrates the new database as it starts
            env = command_env(home, **stack.enter_context(scale_path()))
        running = stack.enter_context(running_up(env))
        secret, code = run(env, SETUP)
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
