"""A real `solidarity up` and Debian's chromium, shared by the browser tests of one session."""

import os
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.conftest import ROOT, command_env, free_port, migrated, solidarity, wait_for
from tests.factories.accounts import totp_code

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SETUP_LINK = re.compile(r"http://127\.0\.0\.1:\d+/en/join/[\w-]+/")
RESULTS = ROOT / "test-results"


@dataclass
class Server:
    url: str
    process: subprocess.Popen[str]
    output: list[str] = field(default_factory=list)

    def wait_for_output(self, pattern: re.Pattern[str], timeout: float = 60.0) -> str:
        """The first match of `pattern` in what the server printed, waiting up to `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.output):
                if match := pattern.search(line):
                    return match.group()
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        raise AssertionError(f"the server never printed {pattern.pattern}:\n{''.join(self.output)}")


def chromium_executable() -> str:
    """Debian's chromium; missing, the browser tests skip locally but fail in CI."""
    found = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    if found is None:
        reason = f"browser tests need Debian's chromium ({CHROMIUM}): apt-get install chromium"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return found


def drain(process: subprocess.Popen[str], output: list[str]) -> None:
    # Keep reading, so the server never blocks on a full pipe.
    assert process.stdout is not None
    for line in process.stdout:
        output.append(line)


@contextmanager
def running_up(env: dict[str, str], port: int | None = None) -> Iterator[Server]:
    """`solidarity up` on `port` (a free one if None) with `env`, answering /healthz; stopped afterwards."""
    port = port or free_port()
    process = solidarity("up", "--port", str(port), env=env)
    running = Server(url=f"http://127.0.0.1:{port}", process=process)
    threading.Thread(target=drain, args=(process, running.output), daemon=True).start()
    try:
        try:
            wait_for(f"{running.url}/healthz", timeout=60)
        except AssertionError as error:
            raise AssertionError(f"{error}; the server printed:\n{''.join(running.output)}") from None
        yield running
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_up(command_env(migrated(tmp_path_factory.mktemp("home")))) as running:
        yield running


@pytest.fixture(scope="session")
def setup_link(server: Server) -> str:
    """The one-time link `up` prints while the network has no admin."""
    return server.wait_for_output(SETUP_LINK)


# Named apart from pytest-playwright's fixtures (browser, page), whose --browser option does not apply here.
@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    executable = chromium_executable()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def tab(chromium: Browser, server: Server) -> Iterator[Page]:
    """A page in a fresh browser profile (no cookies) on the running server."""
    context = chromium.new_context(base_url=server.url)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


@pytest.fixture(scope="session")
def results() -> Path:
    RESULTS.mkdir(exist_ok=True)
    return RESULTS


def sign_in(tab: Page, username: str, password: str, secret: str) -> None:
    """Sign in through the forms, password then the authenticator's code, as a person would."""
    tab.goto("/en/accounts/login/")
    tab.locator("input[name=login]").fill(username)
    tab.locator("input[name=password]").fill(password)
    tab.locator("main form[action$='/accounts/login/'] button[type=submit]").click()
    expect(tab).to_have_url("/en/accounts/2fa/authenticate/")
    tab.locator("input[name=code]").fill(totp_code(secret))
    tab.locator("main form[action$='/2fa/authenticate/'] button[type=submit]").click()
    expect(tab).to_have_url("/en/dashboard/")
