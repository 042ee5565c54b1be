"""The public pages in both languages, with and without JavaScript."""

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import Server

pytestmark = pytest.mark.slow


def test_home_page_speaks_english_under_en_and_spanish_under_es(tab: Page) -> None:
    tab.goto("/en/")
    expect(tab.locator("html")).to_have_attribute("lang", "en")
    expect(tab.get_by_role("heading", level=1)).to_be_visible()
    expect(tab.get_by_role("heading", name="In an emergency")).to_be_visible()
    expect(tab.get_by_role("link", name="Sign in").first).to_be_visible()

    tab.goto("/es/")
    expect(tab.locator("html")).to_have_attribute("lang", "es")
    expect(tab.get_by_role("heading", level=1)).to_be_visible()
    expect(tab.get_by_role("heading", name="En una emergencia")).to_be_visible()
    expect(tab.get_by_role("link", name="Iniciar sesión").first).to_be_visible()


def test_language_switcher_lands_on_the_same_page_in_the_other_language(tab: Page) -> None:
    tab.goto("/en/accounts/login/")

    tab.locator("header a[hreflang=es]").click()

    expect(tab).to_have_url("/es/accounts/login/")
    expect(tab.locator("html")).to_have_attribute("lang", "es")
    expect(tab.get_by_role("heading", level=1)).to_have_text("Iniciar sesión")

    tab.locator("header a[hreflang=en]").click()

    expect(tab).to_have_url("/en/accounts/login/")
    expect(tab.locator("html")).to_have_attribute("lang", "en")


def test_without_javascript_sign_in_still_works_and_refuses_a_wrong_password(chromium: Browser, server: Server) -> None:
    with chromium.new_context(base_url=server.url, java_script_enabled=False) as context:
        tab = context.new_page()
        tab.goto("/en/")
        expect(tab.get_by_role("heading", level=1)).to_be_visible()

        tab.locator("main").get_by_role("link", name="Sign in").click()
        expect(tab).to_have_url("/en/accounts/login/")
        tab.locator("input[name=login]").fill("nobody.here")
        tab.locator("input[name=password]").fill("not the password")
        with tab.expect_response(lambda response: response.request.method == "POST") as answer:
            tab.locator("main form[action$='/accounts/login/'] button[type=submit]").click()

        assert answer.value.status == 200
        expect(tab).to_have_url("/en/accounts/login/")
        expect(tab.locator("main")).to_contain_text("not correct")
