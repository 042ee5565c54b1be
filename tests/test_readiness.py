"""Readiness: the counts per skill and zone, the chart, who should refresh, and inviting them to a refresher."""

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from solidarity.accounts.models import User, WorkingGroup
from solidarity.accounts.services import do_create_token
from solidarity.core.models import AuditEntry
from solidarity.messaging.models import Message
from solidarity.people.access import ROSTER_KEEPER
from solidarity.people.models import Certification, Contact, Person
from solidarity.people.services import do_grant_certification, do_leave, do_pause
from solidarity.trainings.charts import readiness_chart
from solidarity.trainings.models import Session, SignUp, SignUpState
from solidarity.trainings.readiness import readiness_for, skill_counts
from solidarity.trainings.services import SessionValues, do_create_session, do_sign_up
from tests.factories.accounts import bearer, client_for, make_member
from tests.factories.messaging import deliver, text_in, texts_out
from tests.factories.people import make_person, skill, zone

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=NEW_YORK)  # a Monday
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def monday() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def keeper(medics: WorkingGroup) -> User:
    return make_member("kim.keeper", medics, ROSTER_KEEPER)


def phone(index: int) -> str:
    return f"+1919555{index + 200:04d}"  # 555-02xx: fictional


def holder(name: str, slug: str, *, days_ago: int, index: int = 0, **options: object) -> Person:
    """Someone who was granted `slug` `days_ago` days before now."""
    person = make_person(name, phones=[phone(index)], **options)  # type: ignore[arg-type]
    with time_machine.travel(NOW - timedelta(days=days_ago), tick=False):
        do_grant_certification(person, skill(slug), by=None)
    return person


def refresher_session(group: WorkingGroup, slug: str = "naloxone", capacity: int = 10) -> Session:
    start = NOW + timedelta(days=10)
    values = SessionValues(
        title_en="Naloxone refresher",
        title_es="Repaso de naloxona",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        place="Public library, room 2",
        capacity=capacity,
        kind="refresher",
        skill=skill(slug),
    )
    return do_create_session(group, values, by=None)


def parsed(svg: str) -> ET.Element:
    """The chart parsed as XML: it fails on anything not well-formed."""
    return ET.fromstring(str(svg))  # noqa: S314  (our own chart, not untrusted input)


def counts_of(slug: str, zone_slug: str = "") -> tuple[int, int, int, int]:
    found = list(skill_counts(zone(zone_slug) if zone_slug else None, datetime.now(tz=NEW_YORK)))
    match = [c for c in found if c.skill.slug == slug]
    assert match, f"no counts for {slug}"
    counts = match[0]
    return counts.current, counts.expiring, counts.awaiting, counts.lapsed


def test_a_certification_lapses_exactly_at_local_midnight(monday: None) -> None:
    holder("Ana Prueba", "naloxone", days_ago=300)
    lapses_at = Certification.objects.get().lapses_at
    assert lapses_at.astimezone(NEW_YORK).time().isoformat() == "00:00:00"

    with time_machine.travel(lapses_at - timedelta(minutes=1), tick=False):
        assert counts_of("naloxone") == (1, 1, 0, 0)  # current, and expiring within 30 days
    with time_machine.travel(lapses_at, tick=False):
        assert counts_of("naloxone") == (0, 0, 0, 1)  # lapsed from that very minute
    with time_machine.travel(lapses_at - timedelta(days=31), tick=False):
        assert counts_of("naloxone") == (1, 0, 0, 0)  # current, more than 30 days left


def test_awaiting_sign_off_is_its_own_category_and_signed_off_counts_as_current(monday: None) -> None:
    holder("Ana Prueba", "street-medic-basic", days_ago=10, index=0)
    signed = make_person("Ben Prueba", phones=[phone(1)])
    do_grant_certification(signed, skill("street-medic-basic"), by=None, signed_off=True)

    assert counts_of("street-medic-basic") == (1, 0, 1, 0)


def test_a_zone_narrows_the_counts_and_people_who_left_do_not_count(monday: None) -> None:
    holder("Ana Prueba", "naloxone", days_ago=10, index=0, zones=["east-durham"])
    holder("Ben Prueba", "naloxone", days_ago=400, index=1, zones=["walltown"])
    gone = holder("Cruz Prueba", "naloxone", days_ago=10, index=2, zones=["east-durham"])
    paused = holder("Dora Prueba", "naloxone", days_ago=10, index=3, zones=["walltown"])
    do_leave(gone, by=None)
    do_pause(paused, NOW.date() + timedelta(days=5), by=None)

    assert counts_of("naloxone") == (2, 0, 0, 1)  # the paused one counts: still in the network
    assert counts_of("naloxone", "east-durham") == (1, 0, 0, 0)
    assert counts_of("naloxone", "walltown") == (1, 0, 0, 1)


def test_contacts_not_confirmed_in_90_days_per_zone(monday: None, keeper: User) -> None:
    fresh = make_person("Ana Prueba", phones=[phone(0)], zones=["east-durham"])
    make_person("Ben Prueba", phones=[phone(1)], emails=["ben@example.org"], zones=["walltown"])
    old = make_person("Cruz Prueba", phones=[phone(2)], zones=["walltown"])
    Contact.objects.filter(person=fresh).update(confirmed_at=NOW - timedelta(days=89))
    Contact.objects.filter(person=old).update(confirmed_at=NOW - timedelta(days=91))

    whole = readiness_for(keeper, None)
    assert (whole.contacts.total, whole.contacts.stale) == (4, 3)
    by_zone = {row.zone.slug: (row.total, row.stale) for row in whole.contacts_by_zone if row.zone}
    assert by_zone == {"east-durham": (1, 0), "walltown": (3, 3)}
    walltown = readiness_for(keeper, zone("walltown"))
    assert (walltown.contacts.total, walltown.contacts.stale) == (3, 3)


def test_the_chart_is_well_formed_svg_with_every_number_and_words_for_screen_readers(monday: None) -> None:
    holder("Ana Prueba", "naloxone", days_ago=10, index=0)
    holder("Ben Prueba", "naloxone", days_ago=350, index=1)
    holder("Cruz Prueba", "naloxone", days_ago=400, index=2)
    holder("Dora Prueba", "street-medic-basic", days_ago=10, index=3)
    skills = skill_counts(None, NOW)

    svg = parsed(readiness_chart(skills, "Readiness <by> skill & zone"))

    assert svg.tag == f"{SVG}svg"
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "rd-title rd-desc"
    assert svg.get("width") == "100%"
    assert svg.get("viewBox", "").startswith("0 0 360 ")
    title = svg.find(f"{SVG}title")
    assert title is not None
    assert title.text == "Readiness <by> skill & zone"
    desc = svg.find(f"{SVG}desc")
    assert desc is not None
    assert desc.text is not None
    assert "Naloxone: 2 current · 1 expiring soon · 0 awaiting sign-off · 1 lapsed." in desc.text
    assert "Street medic (basic): 0 current · 0 expiring soon · 1 awaiting sign-off · 0 lapsed." in desc.text
    texts = ["".join(node.itertext()) for node in svg.iter(f"{SVG}text")]
    assert "Expiring within 30 days" in texts
    assert "Awaiting sign-off" in texts
    assert "2 current · 1 expiring soon" in texts  # under the bar, in two lines
    assert "0 awaiting sign-off · 1 lapsed" in texts
    assert {"1"} <= set(texts)  # numbers written inside the segments
    patterns = {node.get("id") for node in svg.iter(f"{SVG}pattern")}
    assert patterns == {"rd-expiring", "rd-awaiting", "rd-lapsed"}  # readable without colour


def test_the_chart_in_spanish_names_skills_in_spanish(monday: None) -> None:
    holder("Ana Prueba", "naloxone", days_ago=10)
    with translation.override("es"):
        svg = parsed(readiness_chart(skill_counts(None, NOW), "Preparación"))
    desc = svg.find(f"{SVG}desc")
    assert desc is not None
    assert desc.text is not None
    assert desc.text.startswith("Naloxona: 1 ")


def test_the_page_lists_who_should_refresh_and_the_next_session_for_roster_keepers(
    monday: None, keeper: User, medics: WorkingGroup
) -> None:
    ana = holder("Ana Prueba", "naloxone", days_ago=350, index=0)  # lapses within 30 days
    holder("Ben Prueba", "naloxone", days_ago=400, index=1)  # lapsed, within a year
    holder("Cruz Prueba", "naloxone", days_ago=800, index=2)  # lapsed long ago: a new course, not a refresher
    holder("Dora Prueba", "naloxone", days_ago=10, index=3)  # current for long
    eva = holder("Eva Prueba", "naloxone", days_ago=360, index=4)
    do_pause(eva, NOW.date() + timedelta(days=5), by=None)
    session = refresher_session(medics)
    signed = holder("Fede Prueba", "naloxone", days_ago=355, index=5)
    do_sign_up(session, signed, by=None, quiet=True)  # already signed up: not listed

    response = client_for(keeper).get("/en/trainings/readiness/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "<svg" in page
    assert "<table>" in page
    assert f'href="/en/people/{ana.uuid}/"' in page
    assert "Ana Prueba" in page
    assert "Ben Prueba" in page
    assert "Eva Prueba" in page
    assert "Cruz Prueba" not in page
    assert "Dora Prueba" not in page
    assert "Fede Prueba" not in page
    assert "paused: not invited" in page
    assert "Invite them to Naloxone refresher (2 people)" in page  # Eva is paused


def test_a_coordinator_sees_the_counts_but_no_names_and_others_see_nothing(
    monday: None, coordinator: User, other_member: User, responder: User, outsider: User
) -> None:
    holder("Ana Prueba", "naloxone", days_ago=350)

    page = client_for(coordinator).get("/en/trainings/readiness/").content.decode()
    assert "<svg" in page
    assert "Ana Prueba" not in page
    for user in (other_member, responder, outsider):
        assert client_for(user).get("/en/trainings/readiness/").status_code == 404
        assert client_for(user).get("/api/v1/readiness").status_code == 404
    assert Client().get("/en/trainings/readiness/").status_code == 302


def test_the_page_costs_the_same_queries_however_many_should_refresh(
    monday: None, keeper: User, medics: WorkingGroup
) -> None:
    refresher_session(medics)
    refresher_session(medics, "legal-observer")
    client = client_for(keeper)
    client.get("/en/trainings/readiness/")  # warm the session and the caches

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/en/trainings/readiness/?zone=east-durham").status_code == 200
        return len(captured)

    for index in range(2):
        holder(f"Ana {index}", "naloxone", days_ago=350, index=index)
    few = queries()
    for index in range(2, 8):
        holder(f"Ben {index}", "naloxone" if index % 2 else "legal-observer", days_ago=720, index=index)
    assert queries() == few
    assert few <= 20


@pytest.fixture
def invited_world(monday: None, medics: WorkingGroup) -> tuple[Session, Person, Person]:
    session = refresher_session(medics)
    rosa = holder("Rosa Ejemplo", "naloxone", days_ago=400, index=0, language="es")
    emma = make_person("Emma Example", emails=["emma@example.org"], language="en")
    do_grant_certification(emma, skill("naloxone"), by=None)
    Certification.objects.filter(person=emma).update(lapses_at=NOW + timedelta(days=3))
    return session, rosa, emma


def test_inviting_sends_each_person_one_message_in_their_language_once(
    client: Client, loopback: Path, keeper: User, invited_world: tuple[Session, Person, Person]
) -> None:
    session, rosa, _emma = invited_world
    pages = client_for(keeper)

    response = pages.post("/en/trainings/readiness/invite/", {"session": str(session.uuid)})

    assert response.status_code == 302
    sign_ups = {sign_up.person_id: sign_up for sign_up in SignUp.objects.filter(session=session)}
    assert {s.state for s in sign_ups.values()} == {SignUpState.PENDING}  # no seat until they confirm
    texts = [text for text in texts_out(loopback) if text["to"] == phone(0)]
    assert len(texts) == 1
    code = sign_ups[rosa.pk].code
    assert "Repaso de naloxona" in texts[0]["body"]
    assert f"CONFIRMAR {code}" in texts[0]["body"]
    emails = [m for m in deliver() if "emma@example.org" in m.to]
    assert len(emails) == 1
    assert "Naloxone refresher" in emails[0].body
    assert "/en/trainings/seat/" in emails[0].body
    entry = AuditEntry.objects.filter(object_type="trainings.refresher_invitation").get()
    assert entry.detail["invited"] == 2
    assert "Rosa" not in json.dumps(entry.detail)
    assert "Emma" not in json.dumps(entry.detail)

    # Pressed again, and even after Rosa's sign-up is gone: nobody is invited twice to this session.
    SignUp.objects.filter(person=rosa).update(state=SignUpState.CANCELLED)
    pages.post("/en/trainings/readiness/invite/", {"session": str(session.uuid)})
    assert Message.objects.count() == 2
    assert AuditEntry.objects.filter(object_type="trainings.refresher_invitation").last().detail["invited"] == 0  # type: ignore[union-attr]
    mail.outbox.clear()

    # Rosa answers by text and takes a seat.
    SignUp.objects.filter(person=rosa).update(state=SignUpState.PENDING)
    text_in(client, f"CONFIRMAR {code}", sender=phone(0))
    assert SignUp.objects.get(person=rosa).state == SignUpState.SEAT


def test_someone_who_did_not_agree_to_hear_about_trainings_is_listed_but_not_invited(
    loopback: Path, keeper: User, invited_world: tuple[Session, Person, Person]
) -> None:
    session, rosa, emma = invited_world
    Person.objects.filter(pk=emma.pk).update(consent_trainings=False)
    pages = client_for(keeper)

    page = pages.get("/en/trainings/readiness/").content.decode()
    assert "did not agree to hear about trainings: not invited" in page
    pages.post("/en/trainings/readiness/invite/", {"session": str(session.uuid)})

    assert [sign_up.person_id for sign_up in SignUp.objects.filter(session=session)] == [rosa.pk]
    assert not [m for m in deliver() if "emma@example.org" in m.to]


def test_the_api_reads_readiness_and_invites(
    loopback: Path, keeper: User, coordinator: User, invited_world: tuple[Session, Person, Person]
) -> None:
    session, rosa, emma = invited_world
    headers = bearer(do_create_token(keeper, name="script").secret)
    client = Client()

    read = client.get("/api/v1/readiness", headers=headers)
    assert read.status_code == 200
    naloxone = next(item for item in read.json()["skills"] if item["skill"] == "naloxone")
    assert (naloxone["current"], naloxone["expiring"], naloxone["lapsed"]) == (1, 1, 1)
    assert set(naloxone["should_refresh"]) == {str(rosa.uuid), str(emma.uuid)}
    assert naloxone["next_session"] == str(session.uuid)
    assert client.get("/api/v1/readiness?zone=nowhere", headers=headers).status_code == 422

    body = {"skill": "legal-observer", "session": str(session.uuid)}
    assert client.post("/api/v1/readiness/invitations", body, "application/json", headers=headers).status_code == 422
    body["skill"] = "naloxone"
    answer = client.post("/api/v1/readiness/invitations", body, "application/json", headers=headers)
    assert answer.status_code == 202
    assert answer.json() == {"session": str(session.uuid), "invited": 2}
    again = client.post("/api/v1/readiness/invitations", body, "application/json", headers=headers)
    assert again.json()["invited"] == 0

    counts_only = client.get("/api/v1/readiness", headers=bearer(do_create_token(coordinator, name="c").secret))
    assert all(item["should_refresh"] is None for item in counts_only.json()["skills"])
    coordinator_body = client.post(
        "/api/v1/readiness/invitations",
        body,
        "application/json",
        headers=bearer(do_create_token(coordinator, name="d").secret),
    )
    assert coordinator_body.status_code == 404  # a coordinator who does not read the roster invites nobody
