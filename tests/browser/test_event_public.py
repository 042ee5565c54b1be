"""An action's public page on a phone (390x844), in Spanish, without JavaScript: what, when, where, the jail-support
number to tap, the calendar file and the flyer; nothing wider than the screen."""

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ViewportSize, expect

from tests.browser.conftest import Server, running_up
from tests.conftest import ROOT, command_env, migrated

pytestmark = pytest.mark.slow

PHONE: ViewportSize = {"width": 390, "height": 844}
SHOTS = Path("/work/tmp/actions")

# Run in the server's home: the seed's counter-demonstration, published, with know-your-rights in both languages.
SETUP = """
import django
django.setup()
from solidarity.accounts.groups import do_add_member, do_create_group
from solidarity.accounts.models import User
from solidarity.core.permissions import Role
from tests.factories.events import published_action

group = do_create_group(name="Actions", description="Public actions.")
user = User.objects.create(username="cora.coordinator", email="cora@example.org")
do_add_member(group, user, [Role.COORDINATOR])
action = published_action(
    group,
    user,
    rights_en="You have the right to remain silent. Sign nothing. Ask for a lawyer.",
    rights_es="Tiene derecho a guardar silencio. No firme nada. Pida un abogado.",
    donate_url="https://give.example.org/medical-legal",
)
print(action.code)
"""


@pytest.fixture
def action_server(tmp_path: Path) -> Iterator[tuple[Server, str]]:
    with running_up(command_env(migrated(tmp_path))) as running:
        setup_env = command_env(tmp_path, DJANGO_SETTINGS_MODULE="solidarity.config.settings")
        made = subprocess.run(
            [sys.executable, "-c", SETUP], env=setup_env, cwd=ROOT, capture_output=True, text=True, check=False
        )
        assert made.returncode == 0, made.stderr
        yield running, made.stdout.split()[-1]


def test_the_public_page_reads_well_on_a_phone_without_javascript(
    chromium: Browser, action_server: tuple[Server, str], results: Path
) -> None:
    server, code = action_server
    with chromium.new_context(base_url=server.url, viewport=PHONE, java_script_enabled=False) as context:
        tab = context.new_page()
        tab.goto(f"/es/a/{code}/")
        expect(tab.locator("html")).to_have_attribute("lang", "es")
        expect(tab.get_by_role("heading", level=1)).to_have_text("Contramanifestación en la plaza")
        expect(tab.get_by_role("heading", name="Conozca sus derechos")).to_be_visible()
        expect(tab.locator("main")).to_contain_text("Fictional Plaza, north steps")
        expect(tab.locator("main")).to_contain_text("Escriba este número en su brazo")
        hotline = tab.locator("a.hotline-number")
        expect(hotline).to_have_attribute("href", "tel:+19195550177")
        expect(tab.get_by_role("link", name="Agregar al calendario")).to_be_visible()
        expect(tab.get_by_role("link", name="Imprimir el volante")).to_be_visible()
        SHOTS.mkdir(parents=True, exist_ok=True)
        for folder in (SHOTS, results):
            tab.screenshot(path=folder / "action-public-es.png", full_page=True)

        # Nothing is wider than the phone: the title, the facts, the number to tap, the buttons.
        for element in ("main", "h1", "dl.facts", "a.hotline-number", "p.links", "footer"):
            box = tab.locator(element).first.bounding_box()
            assert box is not None, element
            assert box["x"] >= 0, element
            assert box["x"] + box["width"] <= PHONE["width"], element
        tap = hotline.bounding_box()
        assert tap is not None
        assert tap["height"] >= 44  # a thumb's target

        ics = context.request.get(f"/es/a/{code}/calendar.ics")
        assert ics.ok
        assert ics.headers["content-type"].startswith("text/calendar")
        flyer = context.request.get(f"/es/a/{code}/flyer.pdf?paper=a4")
        assert flyer.body().startswith(b"%PDF-")
