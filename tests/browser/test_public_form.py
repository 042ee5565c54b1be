"""A public form in a real browser: the self-hosted proof-of-work widget runs under our CSP and is accepted."""

import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.conftest import ROOT, command_env, free_port, migrated, wait_for

pytestmark = pytest.mark.slow


@pytest.fixture
def form_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    env = command_env(migrated(tmp_path), DJANGO_SETTINGS_MODULE="tests.browser.altcha_settings")
    subprocess.run([sys.executable, "-m", "django", "migrate", "-v0"], env=env, cwd=ROOT, check=True)
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "solidarity.config.asgi:application",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
    )
    try:
        wait_for(f"http://127.0.0.1:{port}/en/test/tip", timeout=60)
        yield f"http://127.0.0.1:{port}", tmp_path / "solidarity.sqlite3"
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_the_widget_solves_its_challenge_under_the_csp_and_the_form_is_accepted(
    chromium: Browser, form_server: tuple[str, Path]
) -> None:
    url, database = form_server
    page = chromium.new_page()
    problems: list[str] = []
    page.on(
        "console", lambda message: problems.append(message.text) if "Content-Security-Policy" in message.text else None
    )
    page.on("pageerror", lambda error: problems.append(str(error)))

    page.goto(f"{url}/en/test/tip")
    page.get_by_label("What").fill("two vans, no markings")
    page.get_by_label("Zone").fill("north")
    page.locator("altcha-widget input[type=checkbox]").first.click(force=True)
    expect(page.get_by_text("Verified")).to_be_visible(timeout=30_000)
    page.get_by_role("button", name="Send").click()
    page.wait_for_load_state()

    assert problems == []
    deadline = time.monotonic() + 10
    while True:
        with sqlite3.connect(database) as db:
            rows = db.execute("SELECT pseudonym FROM testapp_dossier").fetchall()
        if rows or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert rows == [("tip",)]  # accepted with its proof of work, not set aside for review


def test_on_a_spanish_page_the_widget_speaks_spanish_from_start_to_verified(
    chromium: Browser, form_server: tuple[str, Path], results: Path
) -> None:
    url, _database = form_server
    page = chromium.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))

    page.goto(f"{url}/es/test/tip")
    widget = page.locator("altcha-widget")
    expect(widget.get_by_text("No soy un robot")).to_be_visible()
    expect(widget.get_by_label("No soy un robot")).to_have_count(1)  # the checkbox is named in Spanish too
    page.screenshot(path=results / "public-form-widget-es.png")
    widget.locator("input[type=checkbox]").first.click(force=True)

    expect(widget.get_by_text("Verificado")).to_be_visible(timeout=30_000)
    page.screenshot(path=results / "public-form-widget-es-verified.png")
    assert "I'm not a robot" not in widget.inner_text()
    assert problems == []
