"""Naloxone reversals: four questions from anyone (the public form, SMS, the API), nothing about anyone kept;
the kit it came from is refilled (its keepers told through the outbox, "Refilled" on its page, the digest);
the counts in the distribution report."""

import email
import email.policy
from datetime import timedelta
from email.message import Message as EmailMessage
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from solidarity.accounts.models import User, WorkingGroup
from solidarity.core.zones import ZoneValues, do_create_zone
from solidarity.messaging.keywords import Command, parse
from solidarity.messaging.models import Channel, Inbound, Message
from solidarity.messaging.sms.text import encoding, segments
from solidarity.supplies.digest import send_weekly_digest
from solidarity.supplies.models import Brand, Location, LocationKind, Reversal, ReversalSource
from solidarity.supplies.reversals import ReversalValues, do_report_reversal, reversal_counts
from tests.factories.accounts import client_for
from tests.factories.messaging import text_in, texts_out
from tests.factories.people import make_person
from tests.factories.supplies import make_location

pytestmark = pytest.mark.django_db

MEDIC_PHONE = "+19195550166"
STRANGER = "+19195550177"


@pytest.fixture
def kit(medics: WorkingGroup, coordinator: User, medic: User) -> Location:
    """A medic's bag that `medic` refills (their language: Spanish)."""
    medic.language = "es"
    medic.save()
    return make_location(medics, coordinator, "Bag 3", kind=LocationKind.MEDIC_BAG, refill_contact=medic)


@pytest.fixture
def walltown(db: None) -> str:
    return do_create_zone(ZoneValues(name_en="Walltown", name_es="Barrio Walltown"), actor="system").slug


def refill_emails(address: str) -> list[str]:
    found: list[EmailMessage] = [
        email.message_from_string(message.content["mime"], policy=email.policy.default)
        for message in Message.objects.filter(channel=Channel.EMAIL, idempotency_key__startswith="supplies.refill")
    ]
    bodies = []
    for message in found:
        if message["To"] == address:
            part = next(part for part in message.walk() if part.get_content_type() == "text/plain")
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            bodies.append(f"{message['Subject']}\n{payload.decode()}")
    return bodies


def test_a_reversal_keeps_four_facts_and_nothing_about_anyone() -> None:
    fields = {field.name for field in Reversal._meta.get_fields()}
    assert fields == {
        "id", "uuid", "reported_on", "zone", "brand", "doses", "kit", "group", "source", "created_at", "replaced_at",
    }  # fmt: skip


def test_anyone_reports_one_on_the_public_form_in_either_language(walltown: str) -> None:
    stranger = Client()
    for language in ("en", "es"):
        page = stranger.get(f"/{language}/naloxone/")
        assert page.status_code == 200
        assert "911" in page.content.decode()
        assert len(page.content) < 100_000
    spanish = stranger.get("/es/naloxone/").content.decode()
    assert "Reportar una reversión con naloxona" in spanish
    assert f'value="{timezone.localdate().isoformat()}"' in spanish  # today, as a date field takes it
    today = timezone.localdate().isoformat()
    sent = stranger.post("/en/naloxone/", {"reported_on": today, "zone": walltown, "brand": "nasal_4mg", "doses": 2})
    assert sent.status_code == 200
    assert "Your report is counted" in sent.content.decode()
    [reversal] = Reversal.objects.all()
    assert (reversal.doses, reversal.zone and reversal.zone.slug, reversal.source) == (2, walltown, ReversalSource.WEB)
    assert reversal.kit is None
    assert reversal.group is None


def test_bad_input_comes_back_on_the_form_with_what_was_typed(walltown: str) -> None:
    stranger = Client()
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    refused = stranger.post(
        "/es/naloxone/", {"reported_on": tomorrow, "zone": walltown, "brand": "injection", "doses": 3}
    )
    assert refused.status_code == 400
    body = refused.content.decode()
    assert "La fecha no puede ser en el futuro." in body
    assert 'value="3"' in body  # the doses typed are kept
    too_many = stranger.post("/en/naloxone/", {"reported_on": timezone.localdate(), "brand": "injection", "doses": 11})
    assert too_many.status_code == 400
    assert not Reversal.objects.exists()


def test_a_kits_qr_code_names_it_and_its_refill_contact_is_asked_to_refill(
    kit: Location, medic: User, coordinator: User, outsider: User
) -> None:
    stranger = Client()
    page = stranger.get(f"/en/naloxone/?kit={kit.uuid}").content.decode()
    assert f'value="{kit.uuid}"' in page
    today = timezone.localdate().isoformat()
    stranger.post(
        f"/en/naloxone/?kit={kit.uuid}", {"reported_on": today, "brand": "nasal_4mg", "doses": 2, "kit": kit.uuid}
    )
    [reversal] = Reversal.objects.all()
    assert (reversal.kit, reversal.group) == (kit, kit.group)
    [told] = refill_emails(medic.email)  # the refill contact, in Spanish; nobody else
    assert "Se usó naloxona de Bag 3" in told
    assert f"/es/supplies/locations/{kit.uuid}/" in told
    assert refill_emails(coordinator.email) == []
    # The kit's page shows it waiting, until someone of the group presses Refilled.
    member = client_for(medic)
    assert "Repuesto" in member.get(f"/es/supplies/locations/{kit.uuid}/").content.decode()
    assert client_for(outsider).post(f"/en/supplies/reversals/{reversal.uuid}/refilled/").status_code == 404
    assert member.post(f"/en/supplies/reversals/{reversal.uuid}/refilled/").status_code == 302
    reversal.refresh_from_db()
    assert reversal.replaced_at is not None
    assert "waiting for a refill" not in client_for(medic).get(f"/en/supplies/locations/{kit.uuid}/").content.decode()


def test_an_unknown_kit_is_ignored(walltown: str) -> None:
    Client().post(
        "/en/naloxone/",
        {"reported_on": timezone.localdate(), "brand": "other", "doses": 1, "kit": "not-a-uuid"},
    )
    [reversal] = Reversal.objects.all()
    assert reversal.kit is None


def test_without_a_refill_contact_the_groups_leads_are_told(medics: WorkingGroup, coordinator: User) -> None:
    cabinet = make_location(medics, coordinator, "Cabinet", kind=LocationKind.CABINET)
    do_report_reversal(ReversalValues(timezone.localdate(), 1, kit=cabinet), source=ReversalSource.WEB)
    [told] = refill_emails(coordinator.email)
    assert "1 dose of naloxone (Nasal spray, 4 mg) from Cabinet" in told


def test_the_sms_words_parse_only_a_count_and_a_zone() -> None:
    assert parse("NALOXONA 2 centro") == parse("naloxona 2 centro")
    assert parse("NALOXONA 2 centro").argument == "2 centro"
    assert parse("Naloxone 1").command == Command.NALOXONE
    assert parse("naloxone").argument == ""
    assert parse("Naloxona por favor").command == Command.UNMATCHED  # asking for it: a person answers
    assert parse("NALOXONA 11").command == Command.UNMATCHED


def test_anyone_texts_naloxona_and_it_is_counted_without_their_number(
    client: Client, loopback: Path, walltown: str
) -> None:
    text_in(client, "NALOXONA 2 barrio walltown", sender=STRANGER)
    [answer] = [sent["body"] for sent in texts_out(loopback) if sent["to"] == STRANGER]
    assert "Contamos 2 dosis de naloxona (Barrio Walltown)" in answer
    assert (segments(answer), encoding(answer)) == (1, "GSM-7")
    [reversal] = Reversal.objects.all()
    assert (reversal.doses, reversal.source, reversal.brand) == (2, ReversalSource.SMS, Brand.OTHER)
    assert reversal.zone is not None
    assert reversal.zone.slug == walltown
    assert Inbound.objects.count() == 1  # the text itself, as every text, until the inbox's retention removes it

    text_in(client, "NALOXONE", sender=STRANGER)
    assert "NALOXONE 2 downtown" in [sent["body"] for sent in texts_out(loopback) if sent["to"] == STRANGER][-1]
    assert Reversal.objects.count() == 1


def test_a_member_who_refills_a_bag_texts_and_the_bag_is_named(
    client: Client, loopback: Path, kit: Location, medic: User
) -> None:
    make_person("Mia Medic", phones=(MEDIC_PHONE,), language="es", user=medic)
    text_in(client, "NALOXONE 1", sender=MEDIC_PHONE)
    [answer] = [sent["body"] for sent in texts_out(loopback) if sent["to"] == MEDIC_PHONE]
    assert "1 naloxone dose counted (no zone); Bag 3 will be refilled." in answer  # the word's language
    [reversal] = Reversal.objects.all()
    assert reversal.kit == kit
    assert len(refill_emails(medic.email)) == 1


def test_the_api_takes_a_report_without_a_token_and_the_group_reads_its_counts(
    kit: Location, medics: WorkingGroup, medic: User, outsider: User, walltown: str
) -> None:
    stranger = Client()
    today = timezone.localdate().isoformat()
    body = {"reported_on": today, "doses": 3, "brand": "injection", "zone": walltown, "kit": str(kit.uuid)}
    taken = stranger.post("/api/v1/naloxone-reversals", body, content_type="application/json")
    assert taken.status_code == 201
    assert "counted" in taken.json()["message"]
    unknown = stranger.post("/api/v1/naloxone-reversals", {**body, "zone": "nowhere"}, content_type="application/json")
    assert unknown.status_code == 422
    assert "zone" in unknown.json()["error"]["fields"]
    member = client_for(medic)
    [listed] = member.get(f"/api/v1/groups/{medics.slug}/supplies/reversals").json()["items"]
    assert (listed["doses"], listed["kit_name"], listed["refilled_at"]) == (3, "Bag 3", None)
    counts = member.get(f"/api/v1/groups/{medics.slug}/supplies/reversal-counts", {"since": today, "until": today})
    [count] = counts.json()["items"]
    assert (count["zone"], count["brand"], count["reports"], count["doses"]) == (walltown, "injection", 1, 3)
    refilled = member.post(f"/api/v1/supplies/reversals/{listed['id']}/refilled")
    assert refilled.status_code == 200
    assert refilled.json()["refilled_at"] is not None
    assert client_for(outsider).get(f"/api/v1/groups/{medics.slug}/supplies/reversals").status_code == 404


def test_the_digest_and_the_report_count_reversals(
    kit: Location, medics: WorkingGroup, medic: User, coordinator: User, walltown: str
) -> None:
    today = timezone.localdate()
    do_report_reversal(ReversalValues(today, 2, kit=kit), source=ReversalSource.WEB)
    do_report_reversal(ReversalValues(today, 1, Brand.INJECTION), source=ReversalSource.SMS)  # no kit: every group's
    send_weekly_digest()
    [digest] = [
        message.content["mime"]
        for message in Message.objects.filter(idempotency_key__startswith="supplies.digest")
        if f"To: {coordinator.email}" in message.content["mime"]
    ]
    assert "2 doses of naloxone reported used on" in digest
    assert {(count.brand, count.doses) for count in reversal_counts(medics, today, today)} == {
        (Brand.NASAL_4MG, 2),
        (Brand.INJECTION, 1),
    }
    report = client_for(medic).get(f"/en/groups/{medics.slug}/supplies/report/").content.decode()
    assert "Naloxone reversals reported" in report
    assert "Injection: 1 report, 1 dose" in report
