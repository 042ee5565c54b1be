"""The documented timeline through the JSON API: observations (JSON, and multipart with a photo or video),
corrections, media, the exports, a responder's own observation; STYLE.md's one shape; outsiders get nothing."""

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from PIL import Image

from solidarity.accounts.models import User
from solidarity.core.models import AuditAction, AuditEntry
from solidarity.incidents import dispatch
from solidarity.incidents.exports import verify_bundle
from solidarity.incidents.models import Alert, EntryKind, Incident, Requirement
from solidarity.incidents.observation_models import Observation
from solidarity.incidents.services import do_confirm
from solidarity.people.models import Person
from tests.factories.accounts import client_for
from tests.factories.incidents import catalogued, incident_of, report, responder
from tests.factories.media import CAMERA_MAKE, photo_with_gps, video_with_metadata

pytestmark = pytest.mark.django_db

API = "/api/v1"


def post(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.post(API + path, json.dumps(body), content_type="application/json")


@pytest.fixture
def desk(dispatcher: User) -> Client:
    return client_for(dispatcher)


@pytest.fixture
def incident() -> Incident:
    return incident_of(report())


def test_a_dispatcher_adds_lists_and_corrects_observations(desk: Client, incident: Incident) -> None:
    added = post(desk, f"/incidents/{incident.code}/observations", {"size": "3 vans", "reading": "A checkpoint"})

    assert added.status_code == 201
    first = added.json()
    assert (first["kind"], first["size"], first["reading"], first["source"]) == (
        "observation",
        "3 vans",
        "A checkpoint",
        "api",
    )
    corrected = post(desk, f"/incidents/{incident.code}/observations/{first['entry']}/corrections", {"size": "2 vans"})
    assert corrected.status_code == 201
    assert corrected.json()["corrects"] == first["entry"]
    again = post(desk, f"/incidents/{incident.code}/observations/{first['entry']}/corrections", {"size": "4 vans"})
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_corrected"

    listed = desk.get(f"{API}/incidents/{incident.code}/observations").json()

    assert listed["count"] == 2
    assert [item["size"] for item in listed["items"]] == ["3 vans", "2 vans"]
    assert AuditEntry.objects.filter(action=AuditAction.VIEWED, detail__observations=2).exists()


def test_bad_input_is_a_422_naming_the_field(desk: Client, incident: Incident) -> None:
    empty = post(desk, f"/incidents/{incident.code}/observations", {"reading": "Looks bad"})
    too_long = post(desk, f"/incidents/{incident.code}/observations", {"size": "x" * 301})
    unknown = post(desk, f"/incidents/{incident.code}/observations/not-a-uuid-at-all-00000000000/corrections", {})

    assert empty.status_code == 422
    assert "seen" in empty.json()["error"]["fields"]
    assert too_long.status_code == 422
    assert unknown.status_code in (404, 422)


def test_a_photo_by_multipart_loses_its_location_and_is_served_to_dispatchers(desk: Client, incident: Incident) -> None:
    photo = io.BytesIO(photo_with_gps())
    photo.name = "scene.jpg"

    response = desk.post(
        f"{API}/incidents/{incident.code}/observations/upload", {"activity": "Stopping cars", "file": photo}
    )

    assert response.status_code == 201, response.content
    media = response.json()["media"]
    assert media["kind"] == "photo"
    served = desk.get(media["url"])
    assert served.status_code == 200
    assert Image.open(io.BytesIO(served.content)).getexif().get_ifd(0x8825) == {}
    assert CAMERA_MAKE.encode() not in served.content


def test_a_file_that_is_neither_is_a_422_on_the_media(desk: Client, incident: Incident) -> None:
    junk = io.BytesIO(b"just some text, not a video")
    junk.name = "clip.mp4"

    response = desk.post(f"{API}/incidents/{incident.code}/observations/upload", {"seen": "Vans", "file": junk})

    assert response.status_code == 422
    assert "media" in response.json()["error"]["fields"]
    assert not Observation.objects.exists()


def test_the_exports_download_and_the_bundle_verifies(desk: Client, incident: Incident) -> None:
    video = io.BytesIO(video_with_metadata("mp4"))
    video.name = "clip.mp4"
    assert (
        desk.post(f"{API}/incidents/{incident.code}/observations/upload", {"seen": "Vans", "file": video}).status_code
        == 201
    )

    pdf = desk.get(f"{API}/incidents/{incident.code}/exports/pdf")
    bundle = desk.get(f"{API}/incidents/{incident.code}/exports/json")

    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF-")
    assert bundle.status_code == 200
    verify_bundle(bundle.content)
    assert AuditEntry.objects.filter(action=AuditAction.EXPORTED).count() == 2


def test_a_responder_adds_from_their_own_alert_only_while_out_on_it(
    loopback: Path, responder: User, member: User
) -> None:
    Requirement.objects.all().delete()
    Requirement.objects.create(type="checkpoint", skill=catalogued("legal-observer"), count=1)
    person = make_observer()
    found = do_confirm(incident_of(report()), by=None)
    alert = Alert.objects.get(incident=found, person=person)
    Person.objects.filter(pk=person.pk).update(user=responder)
    rey = client_for(responder)

    early = post(rey, f"/alerts/{alert.code}/observations", {"seen": "Two vans"})
    dispatch.do_answer_alert(alert, going=True)
    done = post(rey, f"/alerts/{alert.code}/observations", {"seen": "Two vans"})
    other = post(client_for(member), f"/alerts/{alert.code}/observations", {"seen": "Two vans"})

    assert early.status_code == 409
    assert early.json()["error"]["code"] == "not_out_on_it"
    assert done.status_code == 201
    assert done.json()["actor"] == f"person:{person.uuid}"
    assert other.status_code == 404
    assert Observation.objects.get().entry.kind == EntryKind.OBSERVATION


def make_observer() -> Person:
    return responder("Olga Mira", "legal-observer", phone="+19195550181")


def test_outsiders_and_responders_get_nothing(
    client: Client, incident: Incident, member: User, responder: User
) -> None:
    added = post(client_for(member), f"/incidents/{incident.code}/observations", {"seen": "x"})
    paths = [
        f"/incidents/{incident.code}/observations",
        f"/incidents/{incident.code}/exports/pdf",
        f"/incidents/{incident.code}/exports/json",
    ]

    assert added.status_code in (403, 404)
    for user in (member, responder):
        for path in paths:
            assert client_for(user).get(API + path).status_code in (403, 404), path
    assert all(client.get(API + path).status_code == 401 for path in paths)
    assert not Observation.objects.exists()
