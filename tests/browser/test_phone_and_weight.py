"""What a visitor on a small phone and a slow connection gets."""

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, Response, ViewportSize, expect

from tests.browser.conftest import Server

pytestmark = pytest.mark.slow

BUDGET_BYTES = 100 * 1024
PHONE: ViewportSize = {"width": 360, "height": 740}


# The public pages: the home page, the trainings and their sign-up, a volunteer asking for their record's link.
PUBLIC_PAGES = ["/en/", "/es/trainings/", "/es/me/"]


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_a_public_page_weighs_under_100_kb_and_loads_nothing_from_other_hosts(tab: Page, path: str) -> None:
    responses: list[Response] = []
    tab.on("response", lambda response: responses.append(response))

    tab.goto(path, wait_until="networkidle")

    # What a phone downloads: the bytes on the wire (static files go compressed: ServeStatic's brotli or gzip).
    sizes = {response.url: response.request.sizes()["responseBodySize"] for response in responses}
    total = sum(sizes.values())
    unpacked = sum(len(response.body()) for response in responses)
    print(f"\npage weight of {path}: {total} bytes ({unpacked} unpacked) in {len(sizes)} requests: {sizes}")
    assert total < BUDGET_BYTES, sizes
    assert {urlsplit(response.url).hostname for response in responses} == {"127.0.0.1"}


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("home-es", "/es/"),
        ("sign-in-es", "/es/accounts/login/"),
        ("trainings-es", "/es/trainings/"),
        ("own-record-link-es", "/es/me/"),
    ],
)
def test_phone_sized_page_fits_the_screen_without_sideways_scrolling(
    chromium: Browser, server: Server, results: Path, name: str, path: str
) -> None:
    with chromium.new_context(base_url=server.url, viewport=PHONE, device_scale_factor=2, is_mobile=True) as context:
        tab = context.new_page()
        tab.goto(path)
        expect(tab.get_by_role("heading", level=1)).to_be_visible()

        screenshot = results / f"phone-{name}.png"
        tab.screenshot(path=screenshot, full_page=True)

        assert screenshot.stat().st_size > 0
        scroll_width, inner_width = tab.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        # A mobile browser widens its layout viewport to fit content that overflows, so check both against the phone.
        assert scroll_width <= inner_width == PHONE["width"], f"{path} is {scroll_width}px wide on a 360px screen"
