"""The report forms: the public one (no account, never refuses, never loses a report) and the hotline-taker's."""

import io
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from solidarity.accounts.models import User
from solidarity.core.services import do_update_network_settings, network_values
from solidarity.core.zones import ZoneValues, do_update_zone
from solidarity.incidents.models import PHOTO_BYTES, IncidentState, Report, ReportState, Source
from tests.factories.accounts import client_for
from tests.factories.people import zone

pytestmark = pytest.mark.django_db

FORM = "/en/report/"


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (40, 20), (200, 30, 40))
    exif = Image.Exif()
    exif[0x010F] = "CanaryCam"
    exif[0x8825] = {1: "N", 2: (35.0, 46.0, 48.0), 3: "W", 4: (78.0, 38.0, 18.0)}
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def answers(**changes: object) -> dict[str, object]:
    return {
        "type": "checkpoint",
        "zone": "east-durham",
        "place": "Alston Ave and Main",
        "description": "Six agents stopping cars by the bridge",
        "size": "6 agents, 2 vans",
        "seen": "yes",
        **changes,
    }


@pytest.fixture(autouse=True)
def zones(db: None) -> None:
    east = zone("east-durham")
    do_update_zone(
        east,
        ZoneValues(
            name_en="East Durham", name_es="Durham Este", latitude=Decimal("35.99"), longitude=Decimal("-78.88")
        ),
        actor="system",
    )
    zone("west-durham")  # no centre: "use my location" skips it


def test_the_public_form_works_without_javascript_and_gives_a_reference() -> None:
    client = Client()
    page = client.get(FORM)
    assert page.status_code == 200
    assert len(page.content) < 100_000
    assert 'data-lat="35.990000"' in page.text or 'data-lat="35.99' in page.text
    assert 'value="west-durham">' in page.text  # listed, without a centre
    assert "<script>" not in page.text  # CSP: no inline script
    assert "geolocation=(self)" in page["Permissions-Policy"]  # "use my location", on this page alone

    answer = client.post(FORM, answers())

    report = Report.objects.get()
    assert answer.status_code == 302
    assert answer["Location"] == f"/en/report/sent/{report.code}/"
    assert (report.source, report.state, report.zone and report.zone.slug) == (
        Source.WEB,
        ReportState.GROUPED,
        "east-durham",
    )
    assert report.incident is not None
    assert report.incident.state == IncidentState.REPORTED
    assert (str(report.size), report.seen_directly, report.follow_up, str(report.contact)) == (
        "6 agents, 2 vans",
        True,
        False,
        "",
    )
    thanks = client.get(answer["Location"])
    assert "geolocation=()" in thanks["Permissions-Policy"]
    assert report.code in thanks.text
    assert "a person checks every report before any alert goes out" in thanks.text


def test_the_spanish_form_names_zones_in_spanish_and_answers_in_spanish() -> None:
    client = Client()
    page = client.get("/es/report/")
    assert "Durham Este" in page.text
    answer = client.post("/es/report/", answers(description="Retén en la calle"))
    report = Report.objects.get()
    assert report.language == "es"
    assert report.code in client.get(answer["Location"]).text


def test_over_the_limit_a_report_is_kept_for_review_never_refused() -> None:
    client = Client()
    for n in range(5):
        answer = client.post(FORM, answers(description=f"report {n}"))
        assert answer.status_code == 302
    states = list(Report.objects.order_by("created_at").values_list("state", flat=True))
    assert len(states) == 5
    assert states[:3] == [ReportState.GROUPED] * 3  # without proof of work: 3 a minute
    assert states[3:] == [ReportState.FOR_REVIEW] * 2


def test_a_follow_up_contact_is_kept_only_when_the_box_is_ticked() -> None:
    client = Client()
    client.post(FORM, answers(contact="919 555 0123"))
    client.post(FORM, answers(contact="919 555 0123", follow_up="on"))
    first, second = Report.objects.order_by("created_at")
    assert (first.follow_up, str(first.contact)) == (False, "")
    assert (second.follow_up, str(second.contact)) == (True, "+19195550123")


def test_bad_answers_are_shown_with_clear_messages_and_nothing_is_kept() -> None:
    client = Client()
    answer = client.post(FORM, answers(type="spying", follow_up="on", contact=""))
    assert answer.status_code == 400
    assert "Select a valid choice" in answer.text
    answer = client.post(FORM, answers(follow_up="on", contact="not a contact"))
    assert answer.status_code == 400
    assert "This is not a phone number or an email address." in answer.text
    assert not Report.objects.exists()


def test_a_photo_loses_its_location_and_a_non_image_or_too_large_one_is_refused_clearly() -> None:
    client = Client()
    answer = client.post(FORM, answers(photo=SimpleUploadedFile("p.txt", b"hello", content_type="text/plain")))
    assert answer.status_code == 400
    assert "This file is not an image we can read." in answer.text
    big = SimpleUploadedFile("big.jpg", b"\xff" * (PHOTO_BYTES + 1), content_type="image/jpeg")
    answer = client.post(FORM, answers(photo=big))
    assert answer.status_code == 400
    assert "This photo is too large: 8 MB at most." in answer.text
    assert not Report.objects.exists()

    answer = client.post(FORM, answers(photo=SimpleUploadedFile("p.jpg", jpeg_with_gps(), content_type="image/jpeg")))
    assert answer.status_code == 302
    report = Report.objects.get()
    kept = report.photo.read_plain()
    assert b"CanaryCam" not in kept
    assert Image.open(io.BytesIO(kept)).getexif().get_ifd(0x8825) == {}


def test_not_sure_of_the_zone_the_report_waits_for_a_person_to_place_it() -> None:
    answer = Client().post(FORM, answers(zone=""))
    assert answer.status_code == 302
    assert Report.objects.get().state == ReportState.NEEDS_ZONE


def test_the_confirmation_shows_the_hotline_and_holds_no_personal_data() -> None:
    values: dict[str, Any] = {**network_values(), "hotline": "919 555 0100"}
    do_update_network_settings(**values)
    client = Client()
    answer = client.post(FORM, answers(contact="919 555 0123", follow_up="on"))
    assert "0123" not in answer["Location"]
    assert "?" not in answer["Location"]
    page = client.get(answer["Location"])
    assert "tel:+19195550100" in page.text
    assert "0123" not in page.text
    assert "Alston" not in page.text
    assert client.get("/en/report/sent/not-a-code!/").status_code == 404


def test_the_hotline_taker_saves_a_call_and_goes_to_its_incident(dispatcher: User) -> None:
    client = client_for(dispatcher)
    assert client.get("/en/incidents/reports/new/").status_code == 200
    answer = client.post("/en/incidents/reports/new/", answers())
    report = Report.objects.get()
    assert (report.source, report.taken_by) == (Source.HOTLINE, dispatcher)
    assert report.incident is not None
    assert answer.status_code == 302
    assert answer["Location"].endswith(f"/incidents/{report.incident.code}/")

    answer = client.post("/en/incidents/reports/new/", answers(zone=""), follow=True)
    waiting = Report.objects.get(state=ReportState.NEEDS_ZONE)
    assert waiting.code in answer.text


def test_the_hotline_taker_form_is_for_dispatchers_only(member: User) -> None:
    assert client_for(member).get("/en/incidents/reports/new/").status_code == 404
    assert client_for(member).post("/en/incidents/reports/new/", answers()).status_code == 404
    anonymous = Client().get("/en/incidents/reports/new/")
    assert anonymous.status_code == 302
    assert "/login/" in anonymous["Location"]
    assert not Report.objects.exists()


def test_the_photos_help_is_in_the_pages_language(client: Client) -> None:
    page = client.get("/es/report/").content.decode()

    assert "Solo una foto" in page
    assert "A photo only" not in page
