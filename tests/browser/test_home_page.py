"""The public home page on a phone: the hotline to tap and the network's own welcome, in each language."""

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, Response, ViewportSize, expect

from tests.browser.conftest import Server, running_up
from tests.conftest import command_env, migrated, run_solidarity

pytestmark = pytest.mark.slow

PHONE: ViewportSize = {"width": 360, "height": 740}
BUDGET_BYTES = 100 * 1024
SETTINGS = """
from solidarity.core.services import do_update_network_settings, network_values
do_update_network_settings(**(dict(network_values()) | {
    "name": "Vecinos Unidos",
    "phone_region": "US",
    "hotline": "+1 919-555-0100",
    "welcome_en": "We answer day and night.\\nWe never ask for papers.",
    "welcome_es": "Contestamos de día y de noche.\\nNunca pedimos papeles.",
}))
"""
CALL = {"en": "Call (919) 555-0100", "es": "Llamar al (919) 555-0100"}
WELCOME = {"en": "We answer day and night.", "es": "Contestamos de día y de noche."}


@pytest.fixture(scope="module")
def network_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`solidarity up` for a network that set its hotline and wrote its welcome in both languages."""
    env = command_env(migrated(tmp_path_factory.mktemp("home-with-hotline")))
    with running_up(env) as running:
        done = run_solidarity("manage", "shell", "-c", SETTINGS, env=env)
        assert done.returncode == 0, done.stdout + done.stderr
        yield running


def phone_tab(chromium: Browser, server: Server, *, javascript: bool = True) -> Page:
    context = chromium.new_context(
        base_url=server.url,
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        java_script_enabled=javascript,
    )
    context.set_default_timeout(10_000)
    return context.new_page()


def luminance(css_colour: str) -> float:
    red, green, blue = (int(part) / 255 for part in re.findall(r"\d+", css_colour)[:3])
    linear = [part / 12.92 if part <= 0.03928 else ((part + 0.055) / 1.055) ** 2.4 for part in (red, green, blue)]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(foreground: str, background: str) -> float:
    lighter, darker = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


@pytest.mark.parametrize("language", ["es", "en"])
def test_on_a_phone_the_hotline_is_a_large_link_to_tap_above_the_fold(
    chromium: Browser, network_server: Server, results: Path, language: str
) -> None:
    tab = phone_tab(chromium, network_server)
    tab.goto(f"/{language}/")

    call = tab.get_by_role("link", name=CALL[language])
    expect(call).to_be_visible()
    expect(call).to_be_in_viewport(ratio=1.0)  # no scrolling to find it
    expect(call).to_have_attribute("href", "tel:+19195550100")
    expect(tab.locator(".welcome")).to_contain_text(WELCOME[language])
    screenshot = results / f"phone-home-hotline-{language}.png"
    tab.screenshot(path=screenshot, full_page=True)

    box = call.bounding_box()
    assert box is not None
    assert box["height"] >= 44, box  # a thumb finds it
    assert box["width"] >= 0.8 * PHONE["width"], box
    digits = call.locator(".hotline-digits")
    whole = digits.evaluate("element => element.scrollWidth <= element.clientWidth")
    digits_box = digits.bounding_box()
    assert whole, "the number is cut off"
    assert digits_box is not None
    assert digits_box["x"] + digits_box["width"] <= box["x"] + box["width"]
    font_px = float(digits.evaluate("element => getComputedStyle(element).fontSize").removesuffix("px"))
    assert font_px >= 28, font_px
    ink, paper = call.evaluate("link => [getComputedStyle(link).color, getComputedStyle(link).backgroundColor]")
    assert contrast(ink, paper) >= 7, (ink, paper)  # WCAG AAA for its text
    scroll_width = tab.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= PHONE["width"]
    tab.context.close()


def test_the_hotline_works_without_javascript(chromium: Browser, network_server: Server) -> None:
    tab = phone_tab(chromium, network_server, javascript=False)
    tab.goto("/es/")

    expect(tab.get_by_role("link", name=CALL["es"])).to_have_attribute("href", "tel:+19195550100")
    tab.context.close()


def test_the_home_page_with_its_hotline_and_welcome_weighs_under_100_kb(
    chromium: Browser, network_server: Server
) -> None:
    tab = phone_tab(chromium, network_server)
    responses: list[Response] = []
    tab.on("response", lambda response: responses.append(response))

    tab.goto("/es/", wait_until="networkidle")

    sizes = {response.url: len(response.body()) for response in responses}
    print(f"\npage weight of /es/ with the hotline: {sum(sizes.values())} bytes in {len(sizes)} requests")
    assert sum(sizes.values()) < BUDGET_BYTES, sizes
    assert {urlsplit(response.url).hostname for response in responses} == {"127.0.0.1"}
    tab.context.close()
