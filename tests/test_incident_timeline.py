"""The documented timeline: what volunteers saw (SALUTE), by text, on the web, with photos and short videos whose
metadata is stripped before they are stored encrypted; corrections that point at the old entry; exports."""

import io
from pathlib import Path

import av
import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.utils import timezone
from PIL import Image

from solidarity.core.files import EncryptedFile
from solidarity.incidents import dispatch
from solidarity.incidents.dispatch import lock_need
from solidarity.incidents.models import Alert, Entry, EntryKind, Incident, Purpose, Requirement, Source, Trace
from solidarity.incidents.observation_models import MediaKind, Observation
from solidarity.incidents.observations import ObservationValues, do_add_observation
from solidarity.incidents.services import IncidentError, do_confirm
from solidarity.incidents.timeline import SYSTEM
from solidarity.messaging.models import Inbound, InboundState
from solidarity.people.models import Person
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
