"""An action's public page, made for circulation: anyone's without an account, in English and in Spanish, small, with
no script, nothing private; its calendar file and its flyer; the public list of actions to come.

Places, numbers and people are fictional (555-01xx)."""

import re
from datetime import timedelta
from pathlib import Path

import pypdfium2 as pdfium  # type: ignore[import-untyped]  # it ships no type hints
import pytest
import zxingcpp
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client
from icalendar import Calendar

from solidarity.accounts.models import User, WorkingGroup
from solidarity.events.models import Action
from solidarity.events.services import do_cancel_action, do_finish_action, do_unpublish_action
from solidarity.lists.models import AnnouncementList
from tests.factories.events import make_action, published_action
from tests.factories.lists import make_list

pytestmark = pytest.mark.django_db

RIGHTS_ES = "Tiene derecho a guardar silencio."


@pytest.fixture
def action(medics: WorkingGroup, coordinator: User) -> Action:
    return published_action(
        medics,
        coordinator,
        rights_en="You have the right to remain silent.",
        rights_es=RIGHTS_ES,
        donate_url="https://give.example.org/medical-legal",
    )


def test_anyone_reads_the_public_page_without_signing_in(action: Action) -> None:
    answer = Client().get(f"/en/a/{action.code}/")
    assert answer.status_code == 200
    page = answer.content.decode()
    assert '<h1 id="action-title">Counter-demonstration at the plaza</h1>' in page
    assert "Fictional Plaza, north steps" in page
    assert "Water, a snack, comfortable shoes." in page
    assert "You have the right to remain silent." in page
    assert 'href="mailto:actions@example.org"' in page
    assert 'href="tel:+19195550177"' in page
    assert "Write this number on your arm" in page
    assert 'href="https://give.example.org/medical-legal"' in page
    assert f'href="/en/a/{action.code}/calendar.ics"' in page
    assert f'href="/en/a/{action.code}/flyer.pdf"' in page
    for landmark in ("<main", "<nav", "<footer", "<article"):
        assert landmark in page


def test_the_public_page_in_spanish(action: Action) -> None:
    page = Client().get(f"/es/a/{action.code}/").content.decode()
    assert '<html lang="es">' in page
    assert "Contramanifestación en la plaza" in page
    assert "Agua, algo de comer, zapatos cómodos." in page
    assert RIGHTS_ES in page
    assert "Counter-demonstration" not in page


def test_the_public_page_shows_nothing_private(action: Action, coordinator: User) -> None:
    page = Client().get(f"/en/a/{action.code}/").content.decode()
    assert coordinator.username not in page
    assert "checklist" not in page.lower()
    assert "Publish the public page" not in page
    assert "lessons" not in page.lower()


def test_the_public_page_is_small_and_needs_no_script(action: Action) -> None:
    answer = Client().get(f"/en/a/{action.code}/")
    page = answer.content.decode()
    assert "<script" not in page
    total = len(answer.content)
    for href in re.findall(r'<link rel="(?:stylesheet|icon)" href="([^"]+)"', page):
        found = finders.find(href.removeprefix(settings.STATIC_URL))
        assert found, href
        total += Path(str(found)).stat().st_size
        assert not href.startswith("http")  # no third-party assets
    assert total < 100_000


def test_a_draft_has_no_public_page(medics: WorkingGroup, coordinator: User) -> None:
    draft = make_action(medics, coordinator)
    for rest in ("", "calendar.ics", "flyer.pdf"):
        assert Client().get(f"/en/a/{draft.code}/{rest}").status_code == 404
    assert Client().get("/en/a/NOPE!/").status_code == 404
    published = published_action(medics, coordinator)
    do_unpublish_action(published, by=coordinator)
    assert Client().get(f"/en/a/{published.code}/").status_code == 404


def test_a_cancelled_action_says_so(action: Action, coordinator: User) -> None:
    do_cancel_action(action, by=coordinator)
    english = Client().get(f"/en/a/{action.code}/").content.decode()
    assert "This action is cancelled." in english
    spanish = Client().get(f"/es/a/{action.code}/").content.decode()
    assert "Esta acción se canceló." in spanish
    calendar = Calendar.from_ical(Client().get(f"/en/a/{action.code}/calendar.ics").content)
    assert [str(event["status"]) for event in calendar.walk("VEVENT")] == ["CANCELLED"]
    assert action.code not in Client().get("/en/a/").content.decode()


def test_an_action_over_says_so(action: Action, coordinator: User) -> None:
    do_finish_action(action, by=coordinator)
    assert "This action is over." in Client().get(f"/en/a/{action.code}/").content.decode()


def test_the_update_list_sign_up_shows_when_the_list_is_public(
    action: Action, medics: WorkingGroup, coordinator: User
) -> None:
    assert "Sign up for updates" not in Client().get(f"/en/a/{action.code}/").content.decode()
    updates: AnnouncementList = make_list(medics, coordinator, "plaza-updates", name_en="Plaza updates")
    Action.objects.filter(pk=action.pk).update(updates_list=updates)
    page = Client().get(f"/en/a/{action.code}/").content.decode()
    assert "Sign up for updates" in page
    assert 'href="/en/lists/plaza-updates/"' in page
    AnnouncementList.objects.filter(pk=updates.pk).update(is_public=False)
    assert "Sign up for updates" not in Client().get(f"/en/a/{action.code}/").content.decode()


def test_the_calendar_file_parses(action: Action) -> None:
    answer = Client().get(f"/en/a/{action.code}/calendar.ics")
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/calendar")
    events = list(Calendar.from_ical(answer.content).walk("VEVENT"))
    assert len(events) == 1
    event = events[0]
    assert str(event["uid"]) == f"{action.uuid}@solidarity.events"
    assert str(event["summary"]) == "Counter-demonstration at the plaza"
    assert str(event["location"]) == "Fictional Plaza, north steps"
    assert f"/en/a/{action.code}/" in str(event["description"])
    assert event.decoded("dtstart") == action.starts_at.replace(microsecond=0)
    spanish = Calendar.from_ical(Client().get(f"/es/a/{action.code}/calendar.ics").content)
    assert [str(each["summary"]) for each in spanish.walk("VEVENT")] == ["Contramanifestación en la plaza"]


def test_the_flyer_is_a_pdf_with_a_qr_code_to_the_public_page(action: Action) -> None:
    for paper in ("letter", "a4"):
        answer = Client().get(f"/es/a/{action.code}/flyer.pdf", {"paper": paper})
        assert answer.status_code == 200
        assert answer["Content-Type"] == "application/pdf"
        assert answer["Content-Disposition"].startswith('inline; filename="action-')
        assert answer.content.startswith(b"%PDF-")
        pages = list(pdfium.PdfDocument(answer.content))
        assert len(pages) == 1
        text = "".join(str(pages[0].get_textpage().get_text_range()).split())  # a long word may break
        for words in ("Counter-demonstration at the plaza", "Contramanifestación en la plaza", "555-0177"):
            assert words.replace(" ", "") in text
        assert "FictionalPlaza" in text
        assert "escríbaloensubrazo" in text
        image = pages[0].render(scale=3).to_pil().convert("L")
        codes = [found.text for found in zxingcpp.read_barcodes(image)]
        assert codes == [f"{str(settings.BASE_URL).rstrip('/')}/es/a/{action.code}/"]
    sides = Client().get(f"/en/a/{action.code}/flyer.pdf", {"layout": "sides"})
    assert len(list(pdfium.PdfDocument(sides.content))) == 2


def test_a_flyer_choice_it_does_not_know_answers_the_page(action: Action) -> None:
    answer = Client().get(f"/en/a/{action.code}/flyer.pdf", {"paper": "tabloid"})
    assert answer.status_code == 400
    assert "Counter-demonstration at the plaza" in answer.content.decode()


def test_the_public_list_shows_published_actions_to_come(
    action: Action, medics: WorkingGroup, coordinator: User
) -> None:
    draft = make_action(medics, coordinator, title_en="A draft march")
    past = published_action(medics, coordinator, title_en="An old vigil")
    Action.objects.filter(pk=past.pk).update(
        starts_at=past.starts_at - timedelta(days=30), ends_at=past.ends_at - timedelta(days=30)
    )
    page = Client().get("/en/a/").content.decode()
    assert f'href="/en/a/{action.code}/"' in page
    assert draft.title_en not in page
    assert "An old vigil" not in page
    assert 'href="/en/a/"' in Client().get("/en/").content.decode()  # linked from the home page
