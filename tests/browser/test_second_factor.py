"""The first admin sets up the network and a second factor, then signs in with it, all through the UI."""

import time

import pytest
from playwright.sync_api import Page, expect

from tests.factories.accounts import totp_code

pytestmark = pytest.mark.slow

USERNAME = "rosa.admin"
PASSWORD = "a long browser passphrase"


def time_step() -> int:
    return int(time.time() // 30)


def test_admin_signs_in_with_an_authenticator_code_and_sees_the_live_dashboard(tab: Page, setup_link: str) -> None:
    # Given the one-time setup link, the first admin names the network and makes an account.
    tab.goto(setup_link)
    tab.get_by_label("Network name").fill("Red Solidaria Browser")
    tab.get_by_label("Time zone").select_option("America/Chicago")
    tab.get_by_label("Default phone region").fill("US")
    tab.get_by_label("English").check()
    tab.get_by_label("Spanish").check()
    tab.get_by_label("Username").fill(USERNAME)
    tab.get_by_label("Email").fill("rosa@example.org")
    tab.locator("input[name=password1]").fill(PASSWORD)
    tab.locator("input[name=password2]").fill(PASSWORD)
    tab.get_by_role("button", name="Create the network").click()

    # An admin without a second factor is sent to set one up.
    expect(tab).to_have_url("/en/accounts/2fa/")
    tab.get_by_role("link", name="Activate").first.click()
    # The password was typed on the setup form a moment ago: it is not asked for again.
    expect(tab).to_have_url("/en/accounts/2fa/totp/activate/")
    secret = tab.locator("#authenticator_secret").input_value()
    assert len(secret) >= 16, f"no TOTP secret shown: {secret!r}"
    tab.locator("input[name=code]").fill(totp_code(secret))
    activated_in = time_step()
    tab.get_by_role("button", name="Activate").click()
    expect(tab).to_have_url("/en/accounts/2fa/recovery-codes/")  # allauth hands out recovery codes too

    # When the admin signs out and back in, the authenticator code is asked for.
    tab.get_by_role("button", name="Sign out").click()
    expect(tab.get_by_role("link", name="Sign in").first).to_be_visible()
    tab.goto("/en/accounts/login/")
    tab.locator("input[name=login]").fill(USERNAME)
    tab.locator("input[name=password]").fill(PASSWORD)
    tab.locator("main form[action$='/accounts/login/'] button[type=submit]").click()
    expect(tab).to_have_url("/en/accounts/2fa/authenticate/")
    while time_step() == activated_in:  # a code is good once: wait for the next one
        time.sleep(0.5)
    tab.locator("input[name=code]").fill(totp_code(secret))
    tab.locator("main form[action$='/2fa/authenticate/'] button[type=submit]").click()

    # Then the dashboard shows the worker as working, kept fresh by the live heartbeat.
    expect(tab).to_have_url("/en/dashboard/")
    expect(tab.get_by_role("heading", level=1)).to_have_text("Dashboard")
    expect(tab.locator("script[src^='/static/solidarity/live.'][src$='.js']")).to_have_count(1)  # hashed name
    rendered_beat = tab.locator("#worker-beat").get_attribute("datetime")
    expect(tab.locator("#live")).to_be_visible()  # the event stream is open
    expect(tab.locator("#worker-beat")).not_to_have_attribute("datetime", rendered_beat or "", timeout=25_000)
    expect(tab.locator("#worker-state")).to_have_text("working")
    expect(tab.locator("#worker-state")).to_have_attribute("data-ok", "1")
