"""The public report form on a phone (390x844): without JavaScript, its weight, and "use my location"."""

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Geolocation, Response, ViewportSize, expect

from tests.browser.conftest import Server, running_up
from tests.conftest import ROOT, command_env, migrated

pytestmark = pytest.mark.slow

PHONE: ViewportSize = {"width": 390, "height": 844}
BUDGET_BYTES = 100 * 1024

# Run in the server's home: three zones, two with a centre (East and West Durham, about 6 km apart).
SETUP = """
import django
django.setup()
from decimal import Decimal
from solidarity.core.zones import ZoneValues, do_create_zone
do_create_zone(ZoneValues(name_en="East Durham", name_es="Durham Este", latitude=Decimal("35.99"),
               longitude=Decimal("-78.88")), slug="east-durham", actor="system")
do_create_zone(ZoneValues(name_en="West Durham", name_es="Durham Oeste", latitude=Decimal("36.00"),
               longitude=Decimal("-78.95")), slug="west-durham", actor="system")
do_create_zone(ZoneValues(name_en="Far Away", name_es="Muy Lejos"), slug="far-away", actor="system")
"""


@pytest.fixture
def zoned_server(tmp_path: Path) -> Iterator[Server]:
    with running_up(command_env(migrated(tmp_path))) as running:
        setup_env = command_env(tmp_path, DJANGO_SETTINGS_MODULE="solidarity.config.settings")
        made = subprocess.run(
            [sys.executable, "-c", SETUP], env=setup_env, cwd=ROOT, capture_output=True, text=True, check=False
        )
        assert made.returncode == 0, made.stderr
        yield running


def test_a_report_from_a_phone_without_javascript(chromium: Browser, zoned_server: Server, results: Path) -> None:
    with chromium.new_context(base_url=zoned_server.url, viewport=PHONE, java_script_enabled=False) as context:
        tab = context.new_page()
        responses: list[Response] = []
        tab.on("response", lambda response: responses.append(response))
        tab.goto("/es/report/", wait_until="networkidle")
        sizes = {response.url: response.request.sizes()["responseBodySize"] for response in responses}
        assert sum(sizes.values()) < BUDGET_BYTES, sizes
        assert {urlsplit(response.url).hostname for response in responses} == {"127.0.0.1"}
        expect(tab.get_by_role("heading", level=1)).to_have_text("Reporte lo que ve")
        expect(tab.get_by_role("button", name="Usar mi ubicación")).to_be_hidden()  # nothing to do without JS
        tab.screenshot(path=results / "report-form-es.png", full_page=True)
        scroll_width = tab.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= PHONE["width"]

        tab.get_by_label("retén").check()
        tab.get_by_label("¿Dónde? (zona)").select_option(label="Durham Este")
        tab.get_by_label("¿Qué está pasando?").fill("Seis agentes parando carros junto al puente")
        tab.get_by_label("Sí, lo vi yo mismo/a").check()
        tab.locator("main form button[type=submit]").click()

        expect(tab.get_by_role("heading", level=1)).to_have_text("Reporte recibido")
        reference = tab.locator(".reference").inner_text()
        assert reference
        assert reference in tab.url
        expect(tab.locator("main")).to_contain_text("una persona revisa cada reporte antes de enviar cualquier alerta")
        tab.screenshot(path=results / "report-sent-es.png", full_page=True)


def test_use_my_location_picks_the_nearest_zone_on_the_phone(
    chromium: Browser, zoned_server: Server, results: Path
) -> None:
    near_west: Geolocation = {"latitude": 36.001, "longitude": -78.94}
    with chromium.new_context(
        base_url=zoned_server.url, viewport=PHONE, geolocation=near_west, permissions=["geolocation"]
    ) as context:
        tab = context.new_page()
        requests: list[str] = []
        tab.goto("/en/report/", wait_until="networkidle")
        tab.on("request", lambda request: requests.append(request.url))
        button = tab.get_by_role("button", name="Use my location")
        expect(button).to_be_visible()
        button.click()

        expect(tab.get_by_label("Where? (zone)")).to_have_value("west-durham")
        expect(tab.locator("#locate-status")).to_contain_text("Nearest zone chosen: West Durham")
        assert requests == []  # the coordinates never leave the phone
        tab.screenshot(path=results / "report-located-en.png", full_page=True)
