"""The documented timeline: what volunteers saw (SALUTE), by text, on the web, with photos and short videos whose
metadata is stripped before they are stored encrypted; corrections that point at the old entry; exports."""

import base64
import hashlib
import io
import json
import re
import zlib
from pathlib import Path

import av
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from solidarity.accounts.models import User
from solidarity.core.files import EncryptedFile
from solidarity.core.models import AuditAction, AuditEntry
from solidarity.incidents import dispatch
from solidarity.incidents.dispatch import lock_need
from solidarity.incidents.exports import BUNDLE_MESSAGE, BadBundle, canonical, verify_bundle
from solidarity.incidents.models import Alert, Entry, EntryKind, Incident, Purpose, Requirement, Source, Trace
from solidarity.incidents.observation_models import MediaKind, Observation
from solidarity.incidents.observations import ObservationValues, do_add_observation
from solidarity.incidents.services import IncidentError, do_confirm
from solidarity.incidents.timeline import SYSTEM
from solidarity.messaging.models import Inbound, InboundState
from solidarity.people.models import Person
from tests.factories.accounts import client_for
from tests.factories.incidents import catalogued, incident_of, report, responder
from tests.factories.media import CAMERA_MAKE, CAMERA_MODEL, LATITUDE, photo_with_gps, video_with_metadata
from tests.factories.messaging import text_in, texts_out

pytestmark = pytest.mark.django_db

OBSERVER = "+19195550171"
SEEN = "timeline-canary-5c2e: 3 vans by the laundromat, stopping cars"


def confirmed_with(*people: tuple[str, str, str]) -> Incident:
    """A confirmed checkpoint asking one legal observer per person given (name, phone, language)."""
    Requirement.objects.all().delete()
    Requirement.objects.create(type="checkpoint", skill=catalogued("legal-observer"), count=len(people))
    for name, phone, language in people:
        responder(name, "legal-observer", phone=phone, language=language)
    return do_confirm(incident_of(report()), by=None)


def going(client: Client, person_phone: str) -> Alert:
    alert = Alert.objects.filter(person__in=Person.objects.all()).order_by("-asked_at")
    found = next(a for a in alert if str(a.person.contacts.get().value) == person_phone)
    text_in(client, f"GO {found.code}", sender=person_phone)
    found.refresh_from_db()
    return found


def asked_directly(incident: Incident, person: Person, phone: str) -> Alert:
    """`person` asked for `incident` by a dispatcher's hand (dispatch would not ask someone out on another one)."""
    need = lock_need(dispatch.open_need(incident, purpose=Purpose.RESPOND, skill=catalogued("legal-observer"), count=1))
    candidate = dispatch.Candidate(person.pk, 0, incident.zone_id, None, language_fit=True)
    return dispatch.make_alert(need, candidate, person, ("sms", phone), timezone.now())


# By text.


def test_a_line_texted_by_a_responder_out_on_the_incident_joins_its_timeline(client: Client, loopback: Path) -> None:
    incident = confirmed_with(("Olga Mira", OBSERVER, "es"))
    going(client, OBSERVER)
    before = len(texts_out(loopback))

    assert text_in(client, SEEN, sender=OBSERVER) == 200

    entry = Entry.objects.get(incident=incident, kind=EntryKind.OBSERVATION)
    assert entry.observation.seen == SEEN
    assert entry.observation.source == Source.SMS
    assert entry.actor.startswith("person:")
    inbound = Inbound.objects.get(command="unmatched")
    assert inbound.state == InboundState.HANDLED  # out of the hotline's inbox: it is on the timeline
    assert Trace.objects.filter(incident=incident, inbound=inbound.uuid).exists()  # a purge finds it
    [answer] = texts_out(loopback)[before:]
    assert incident.code in answer["body"]
    assert "gracias" in answer["body"]  # in the responder's language


def test_a_stranger_s_text_still_goes_to_the_inbox(client: Client, loopback: Path) -> None:
    incident = confirmed_with(("Olga Mira", OBSERVER, "en"))

    text_in(client, SEEN, sender="+19195550199")
    text_in(client, SEEN, sender=OBSERVER)  # asked, but not going: not out on the incident

    assert not Entry.objects.filter(incident=incident, kind=EntryKind.OBSERVATION).exists()
    assert Inbound.objects.filter(state=InboundState.UNMATCHED).count() == 2


def test_a_responder_out_on_two_incidents_is_asked_which_and_a_code_chooses(client: Client, loopback: Path) -> None:
    first = confirmed_with(("Olga Mira", OBSERVER, "en"))
    one = going(client, OBSERVER)
    second = do_confirm(incident_of(report("arrest", "old-west")), by=None)
    other = asked_directly(second, one.person, OBSERVER)
    text_in(client, f"GO {other.code}", sender=OBSERVER)
    before = len(texts_out(loopback))

    text_in(client, SEEN, sender=OBSERVER)

    assert not Observation.objects.exists()
    waiting = Inbound.objects.get(command="unmatched")
    assert waiting.state == InboundState.UNMATCHED  # a person reads it meanwhile
    [question] = texts_out(loopback)[before:]
    assert "which incident" in question["body"]
    assert one.code in question["body"]
    assert other.code in question["body"]

    text_in(client, f"{other.code.lower()}: {SEEN}", sender=OBSERVER)

    observation = Observation.objects.get()
    assert observation.entry.incident == second
    assert observation.seen == SEEN
    assert not Entry.objects.filter(incident=first, kind=EntryKind.OBSERVATION).exists()


# Media: stored encrypted, without its metadata.


def stored_plaintext(observation: Observation) -> bytes:
    stored = Observation.objects.get(pk=observation.pk).media
    assert isinstance(stored, EncryptedFile)
    return stored.read_plain()


def test_a_photo_is_stored_without_its_exif_location(client: Client) -> None:
    incident = incident_of(report())

    observation = do_add_observation(
        incident,
        ObservationValues(activity="Stopping cars", media=photo_with_gps()),
        actor=SYSTEM,
        source=Source.WEB,
    )

    plain = stored_plaintext(observation)
    assert observation.media_kind == MediaKind.PHOTO
    exif = Image.open(io.BytesIO(plain)).getexif()
    assert exif.get_ifd(0x8825) == {}  # no GPS
    assert CAMERA_MAKE.encode() not in plain
    assert CAMERA_MODEL.encode() not in plain
    assert Observation.objects.get().media.name == "photo.jpg"


@pytest.mark.parametrize("container", ["mov", "mp4", "webm"])
def test_a_video_is_stored_without_its_location_or_device(container: str) -> None:
    incident = incident_of(report())
    original = video_with_metadata(container)

    observation = do_add_observation(incident, ObservationValues(media=original), actor=SYSTEM, source=Source.WEB)

    plain = stored_plaintext(observation)
    assert observation.media_kind == MediaKind.VIDEO
    for leak in (CAMERA_MAKE, CAMERA_MODEL, LATITUDE, "2024-03-09"):
        assert leak.encode() not in plain, leak
    with av.open(io.BytesIO(plain), mode="r") as opened:
        tags = {**opened.metadata, **opened.streams.video[0].metadata}
        assert not {"location", "make", "model", "creation_time"} & set(tags)
        frames = [packet for packet in opened.demux(opened.streams.video[0]) if packet.size]
    assert len(frames) == 5  # every frame kept
    with connection.cursor() as cursor:
        cursor.execute("SELECT media FROM incidents_observation")
        [(column,)] = cursor.fetchall()
    assert CAMERA_MAKE not in column
    assert "video" not in column  # its name and type are sealed too


def test_a_file_that_is_no_video_is_refused_with_a_clear_message() -> None:
    incident = incident_of(report())

    with pytest.raises(ValidationError) as refused:
        do_add_observation(
            incident, ObservationValues(media=b"\x00\x00\x00 not a video at all"), actor=SYSTEM, source=Source.WEB
        )

    assert "not a video we can read" in str(refused.value.message_dict["media"])
    assert not Entry.objects.filter(kind=EntryKind.OBSERVATION).exists()


# Corrections.


def test_a_correction_is_a_new_entry_pointing_at_the_old_one() -> None:
    incident = incident_of(report())
    old = do_add_observation(
        incident, ObservationValues(size="3 vans", reading="A checkpoint"), actor=SYSTEM, source=Source.WEB
    )

    new = do_add_observation(
        incident,
        ObservationValues(size="2 vans", reading="A checkpoint"),
        actor=SYSTEM,
        source=Source.WEB,
        corrects=old.entry,
    )

    assert new.entry.kind == EntryKind.CORRECTION
    assert new.entry.corrects == old.entry
    old.refresh_from_db()
    assert old.size == "3 vans"  # kept as it was
    assert list(old.entry.corrections.all()) == [new.entry]
    with pytest.raises(IncidentError):  # correct the correction, not the old one twice
        do_add_observation(incident, ObservationValues(size="4"), actor=SYSTEM, source=Source.WEB, corrects=old.entry)
    with pytest.raises(TypeError):
        old.save()
    with pytest.raises(TypeError):
        Observation.objects.filter(pk=old.pk).update(size="9 vans")


def test_an_observation_says_what_was_seen_or_shows_it() -> None:
    incident = incident_of(report())

    with pytest.raises(ValidationError) as refused:
        do_add_observation(incident, ObservationValues(reading="Looks bad"), actor=SYSTEM, source=Source.WEB)

    assert "seen" in refused.value.message_dict


# On the web.


@pytest.fixture
def desk(dispatcher: User) -> Client:
    return client_for(dispatcher)


def upload(content: bytes, name: str) -> io.BytesIO:
    found = io.BytesIO(content)
    found.name = name
    return found


def test_a_dispatcher_adds_an_observation_with_a_photo_and_opens_it_audited(desk: Client) -> None:
    incident = incident_of(report())
    page = reverse("incidents:add-observation", kwargs={"incident": incident.code})
    form = desk.get(page).content.decode()
    assert "never the people on the other side" in form  # why there is no field for officers
    assert "badge" not in form.split('id="why-no-people"')[1].split("<form")[1]  # and no such field

    response = desk.post(page, {"size": "2 vans", "reading": "A checkpoint", "file": upload(photo_with_gps(), "x.jpg")})

    assert response.status_code == 302
    observation = Observation.objects.get()
    assert (observation.size, observation.reading, observation.media_kind) == ("2 vans", "A checkpoint", "photo")
    body = desk.get(reverse("incidents:incident", args=[incident.code])).content.decode()
    assert "2 vans" in body
    media = reverse("incidents:observation-media", kwargs={"incident": incident.code, "entry": observation.entry.uuid})
    assert media in body
    opened = desk.get(media)
    assert opened.status_code == 200
    assert opened["Content-Type"] == "image/jpeg"
    assert Image.open(io.BytesIO(opened.content)).getexif().get_ifd(0x8825) == {}
    assert AuditEntry.objects.filter(action=AuditAction.VIEWED, detail__media="photo").exists()


def test_the_form_refuses_a_file_that_is_no_photo_or_video_in_the_user_s_language(desk: Client) -> None:
    incident = incident_of(report())
    page = reverse("incidents:add-observation", kwargs={"incident": incident.code}).replace("/en/", "/es/")

    response = desk.post(page, {"seen": "Dos camionetas", "file": upload(b"%PDF-1.4 nothing", "a.mp4")})

    assert response.status_code == 400
    assert "No podemos leer este archivo como video" in response.content.decode()
    assert not Observation.objects.exists()


def test_a_correction_from_the_page_marks_the_old_entry_as_corrected(desk: Client) -> None:
    incident = incident_of(report())
    old = do_add_observation(incident, ObservationValues(size="3 vans"), actor=SYSTEM, source=Source.WEB)
    page = reverse("incidents:correct-observation", kwargs={"incident": incident.code, "entry": old.entry.uuid})
    assert 'value="3 vans"' in desk.get(page).content.decode()  # starts from what it said

    assert desk.post(page, {"size": "2 vans"}).status_code == 302
    assert desk.post(page, {"size": "4 vans"}).status_code == 409  # the correction is what to correct now

    new = Observation.objects.get(entry__kind=EntryKind.CORRECTION)
    assert new.entry.corrects == old.entry
    body = desk.get(reverse("incidents:incident", args=[incident.code])).content.decode()
    assert f'href="#entry-{new.entry.uuid}"' in body  # the old one links to its correction
    assert f'href="#entry-{old.entry.uuid}"' in body  # and the correction to the old one


def test_a_responder_out_on_the_incident_adds_one_from_their_alert(
    client: Client, loopback: Path, responder: User, member: User
) -> None:
    incident = confirmed_with(("Olga Mira", OBSERVER, "en"))
    alert = going(client, OBSERVER)
    Person.objects.filter(pk=alert.person_id).update(user=responder)
    rey = client_for(responder)
    page = reverse("incidents:my-observation", kwargs={"alert": alert.code})
    assert page in rey.get("/en/me/alerts/").content.decode()

    response = rey.post(page, {"activity": "Stopping every car", "file": upload(video_with_metadata(), "clip.mov")})

    assert response.status_code == 302
    observation = Observation.objects.get()
    assert observation.entry.incident == incident
    assert observation.entry.actor == f"person:{alert.person.uuid}"
    assert observation.media_kind == MediaKind.VIDEO
    assert client_for(member).get(page).status_code == 404  # not their alert
    media = reverse("incidents:observation-media", kwargs={"incident": incident.code, "entry": observation.entry.uuid})
    assert rey.get(media).status_code in (403, 404)  # media are the dispatchers' only


def test_outsiders_get_nothing_of_the_timeline(client: Client, member: User, responder: User) -> None:
    incident = incident_of(report())
    observation = do_add_observation(
        incident, ObservationValues(seen=SEEN, media=photo_with_gps()), actor=SYSTEM, source=Source.WEB
    )
    urls = [
        reverse("incidents:add-observation", kwargs={"incident": incident.code}),
        reverse("incidents:correct-observation", kwargs={"incident": incident.code, "entry": observation.entry.uuid}),
        reverse("incidents:observation-media", kwargs={"incident": incident.code, "entry": observation.entry.uuid}),
        reverse("incidents:timeline-pdf", kwargs={"incident": incident.code}),
        reverse("incidents:timeline-json", kwargs={"incident": incident.code}),
    ]
    for user in (member, responder):
        for url in urls:
            response = client_for(user).get(url)
            assert response.status_code in (403, 404), url
            assert SEEN.encode() not in response.content
    assert all(Client().get(url).status_code == 302 for url in urls)  # to sign in


# Exports.


def pdf_text(content: bytes) -> bytes:
    """The PDF's page content, its streams inflated: what a reader shows, as the core fonts encode it (Latin-1)."""
    streams = re.findall(rb"stream\r?\n(.*?)\r?\nendstream", content, re.DOTALL)
    found = []
    for stream in streams:
        try:
            found.append(zlib.decompress(stream))
        except zlib.error:
            found.append(stream)
    return b"".join(found)


def test_the_pdf_export_has_the_timeline_in_spanish_with_its_accents_and_is_audited(desk: Client) -> None:
    incident = incident_of(report())
    old = do_add_observation(
        incident,
        ObservationValues(location="Calle Cañada y Peña", reading="Parece un retén", media=photo_with_gps()),
        actor=SYSTEM,
        source=Source.WEB,
    )
    do_add_observation(
        incident, ObservationValues(location="Calle Cañada"), actor=SYSTEM, source=Source.WEB, corrects=old.entry
    )

    response = desk.get(reverse("incidents:timeline-pdf", kwargs={"incident": incident.code}).replace("/en/", "/es/"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert "no-store" in response["Cache-Control"]
    text = pdf_text(response.content)
    assert "Calle Cañada y Peña".encode("latin-1") in text
    assert "Cómo se interpretó".encode("latin-1") in text  # the labels in the user's language
    assert b"/Subtype /Image" in response.content  # the photo is shown
    entry = AuditEntry.objects.get(action=AuditAction.EXPORTED)
    assert entry.detail == {"format": "pdf", "entries": 3, "media": 1}
    assert "Cañada" not in json.dumps(entry.detail)


def test_the_json_bundle_verifies_and_fails_when_tampered(desk: Client) -> None:
    incident = incident_of(report())
    video = video_with_metadata()
    do_add_observation(incident, ObservationValues(seen=SEEN, media=video), actor=SYSTEM, source=Source.WEB)

    response = desk.get(reverse("incidents:timeline-json", kwargs={"incident": incident.code}))

    assert response.status_code == 200
    bundle = json.loads(response.content)
    assert verify_bundle(response.content) == bundle["sha256"]
    [media] = bundle["timeline"]["media"]
    content = base64.b64decode(media["base64"])
    assert hashlib.sha256(content).hexdigest() == media["sha256"]
    assert CAMERA_MAKE.encode() not in content
    assert any(row.get("observation", {}).get("seen") == SEEN for row in bundle["timeline"]["entries"])
    # Verified away from the server, with the key it carries, as the module's docstring shows.
    key = Ed25519PublicKey.from_public_bytes(base64.b64decode(bundle["public_key"]))
    body = json.dumps(bundle["timeline"], sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    key.verify(base64.b64decode(bundle["signature"]), BUNDLE_MESSAGE + hashlib.sha256(body).hexdigest().encode())

    bundle["timeline"]["entries"][-1]["observation"]["seen"] = "5 vans"
    with pytest.raises(BadBundle):
        verify_bundle(json.dumps(bundle).encode())
    bundle["sha256"] = hashlib.sha256(canonical(bundle["timeline"])).hexdigest()  # a digest made again
    with pytest.raises(BadBundle, match="signature"):
        verify_bundle(json.dumps(bundle).encode())
    with pytest.raises(BadBundle):
        verify_bundle(b"not json")
    assert AuditEntry.objects.filter(action=AuditAction.EXPORTED, detail__format="json").count() == 1


def test_the_command_verifies_an_export_and_refuses_a_tampered_one(desk: Client, tmp_path: Path) -> None:
    incident = incident_of(report())
    do_add_observation(incident, ObservationValues(seen=SEEN), actor=SYSTEM, source=Source.WEB)
    export = tmp_path / "export.json"
    export.write_bytes(desk.get(reverse("incidents:timeline-json", kwargs={"incident": incident.code})).content)
    out = io.StringIO()

    call_command("incident", "verify-export", str(export), stdout=out)

    assert "Verified" in out.getvalue()
    export.write_bytes(export.read_bytes().replace(SEEN.encode(), b"5 vans"))
    with pytest.raises(CommandError, match="NOT verified"):
        call_command("incident", "verify-export", str(export))
