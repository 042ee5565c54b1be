"""People: persons and contacts, one person per account, leaving, pauses, vouches and vetting, certifications."""

import contextlib
import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.db.models import OuterRef
from django.utils import timezone

from solidarity.core import retention
from solidarity.core.models import AuditEntry, NetworkSettings, Zone
from solidarity.core.services import SETTINGS_CACHE_KEY, do_update_network_settings, get_network_settings
from solidarity.people.models import Certification, Contact, Person, Skill, Vouch
from solidarity.people.oncall import on_call
from solidarity.people.services import (
    PersonValues,
    do_create_person,
    do_grant_certification,
    do_leave,
    do_link_account,
    do_mark_vetted_by_import,
    do_set_refresher_interval,
    do_set_vouches_needed,
    do_sign_off,
    do_vouch,
    do_withdraw_vouch,
    find_people_by_contact,
    live_vouches_for,
)
from tests.factories.accounts import make_user
from tests.factories.people import holds_a_number, make_person, skill, vouched_for

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
PHONE = "(919) 555-0123"  # 555-01xx: fictional
EMAIL = "Rosa.Ejemplo@Example.org"


def audited(object_type: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(object_type=object_type).order_by("seq"))


def test_a_person_is_created_with_contacts_zones_and_skills_found_by_phone_or_email() -> None:
    rosa = make_person(
        "Rosa Ejemplo",
        zones=["east-durham", "walltown"],
        skills=["naloxone"],
        phones=[PHONE],
        emails=[EMAIL],
        language="es",
    )

    assert rosa.display_name == "Rosa Ejemplo"
    assert sorted(rosa.zones.values_list("slug", flat=True)) == ["east-durham", "walltown"]
    assert [(c.kind, c.value, c.is_primary) for c in rosa.contacts.order_by("kind")] == [
        ("email", "rosa.ejemplo@example.org", True),
        ("phone", "+19195550123", True),
    ]
    assert find_people_by_contact("phone", "+1 919 555 0123") == [rosa]
    assert find_people_by_contact("email", "ROSA.EJEMPLO@example.org") == [rosa]
    assert Certification.objects.get(person=rosa).skill.slug == "naloxone"


def test_creating_a_person_is_audited_without_personal_data() -> None:
    rosa = make_person("Rosa Ejemplo", skills=["naloxone"], phones=[PHONE], emails=[EMAIL])

    [entry] = [e for e in audited("people.person") if e.action == "created"]
    assert entry.object_ids == [str(rosa.uuid)]
    assert entry.detail == {
        "contacts": 2,
        "zones": ["east-durham"],
        "skills": ["naloxone"],
        "account": False,
        "consent": ["alerts", "trainings", "announcements"],
    }
    assert "Rosa" not in str(entry.detail)
    assert not holds_a_number(str(entry.detail))


@pytest.mark.parametrize(
    ("values", "field"),
    [
        (PersonValues(display_name="   "), "display_name"),
        (PersonValues(display_name="x" * 81), "display_name"),
        (PersonValues(display_name="Rosa", phones=("not a number",)), "phones"),
        (PersonValues(display_name="Rosa", emails=("rosa@",)), "emails"),
        (PersonValues(display_name="Rosa", zones=("nowhere",)), "zones"),
        (PersonValues(display_name="Rosa", skills=("juggling",)), "skills"),
        (PersonValues(display_name="Rosa", language="fr"), "language"),
    ],
)
def test_a_person_with_wrong_values_is_refused_by_field(values: PersonValues, field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        do_create_person(values, by=None)
    assert field in refused.value.message_dict
    assert not Person.objects.exists()


def test_an_account_links_to_one_person_at_most() -> None:
    account = make_user("rosa.account")
    rosa = make_person("Rosa Ejemplo", user=account)
    other = make_person("Beto Ejemplo")

    with pytest.raises(ValidationError):
        make_person("Rosa Otra", user=account)
    with pytest.raises(ValidationError):
        do_link_account(other, account, by=None)

    do_link_account(rosa, None, by=None)
    do_link_account(other, account, by=None)
    assert Person.objects.get(user=account) == other


def test_leaving_erases_the_name_and_contacts_and_keeps_a_stub() -> None:
    account = make_user("luis.account")
    luis = make_person("Luis Ejemplo", skills=["naloxone"], phones=[PHONE], emails=[EMAIL], user=account)
    friend = make_person("Ana Ejemplo")
    do_vouch(luis, friend, by=None)

    do_leave(luis, by=None)

    luis.refresh_from_db()
    assert (luis.state, luis.display_name, luis.user) == ("left", "", None)
    assert luis.left_at is not None
    assert not Contact.objects.filter(person=luis).exists()
    assert not luis.zones.exists()
    assert not luis.shifts.exists()
    assert find_people_by_contact("phone", PHONE) == []
    assert Certification.objects.filter(person=luis).count() == 1  # history stays
    assert Vouch.objects.filter(voucher=luis).count() == 1
    entry = audited("people.person")[-1]
    assert entry.detail == {"state": "left", "contacts_erased": 2}


def test_a_person_who_left_is_gone_after_the_retention_period() -> None:
    luis = make_person("Luis Ejemplo", skills=["naloxone"])
    staying = make_person("Rosa Ejemplo")
    do_leave(luis, by=None)

    with time_machine.travel(timezone.now() + timedelta(days=179)):
        assert retention.Purged("people.left", 0) in retention.purge()
    with time_machine.travel(timezone.now() + timedelta(days=181)):
        assert retention.Purged("people.left", 1) in retention.purge()

    assert list(Person.objects.all()) == [staying]
    assert not Certification.objects.filter(person_id=luis.pk).exists()


def test_nobody_vouches_for_themselves_or_twice() -> None:
    ana, rosa = make_person("Ana Ejemplo"), make_person("Rosa Ejemplo")
    with pytest.raises(ValidationError):
        do_vouch(ana, ana, by=None)
    vouch = do_vouch(ana, rosa, by=None)
    with pytest.raises(ValidationError):
        do_vouch(ana, rosa, by=None)

    assert do_withdraw_vouch(vouch, by=None) is True
    assert do_withdraw_vouch(vouch, by=None) is False
    do_vouch(ana, rosa, by=None)  # a new vouch after a withdrawn one
    rosa.refresh_from_db()
    assert rosa.vouch_count == 1


def test_falling_below_the_threshold_is_recorded_and_audited_with_the_reason() -> None:
    newcomer = make_person("Nuevo Ejemplo", vetted=False)
    vouched_for(newcomer, "Ana Ejemplo", "Beto Ejemplo")
    assert newcomer.lost_vetting_at is None

    do_withdraw_vouch(Vouch.objects.filter(vouched=newcomer).first(), by=None)  # type: ignore[arg-type]  # two exist

    newcomer.refresh_from_db()
    assert newcomer.lost_vetting_reason == "vouch_withdrawn"
    entry = [e for e in audited("people.person") if e.detail.get("vetted") is False][-1]
    assert entry.object_ids == [str(newcomer.uuid)]
    assert entry.detail == {"vetted": False, "reason": "vouch_withdrawn", "vouches": 1, "needed": 2}

    vouched_for(newcomer, "Carla Ejemplo")  # vetted again: the mark goes
    newcomer.refresh_from_db()
    assert (newcomer.lost_vetting_at, newcomer.lost_vetting_reason) == (None, "")


def test_raising_the_threshold_takes_people_vetted_by_vouches_alone_out() -> None:
    newcomer = make_person("Nuevo Ejemplo", vetted=False)
    vouched_for(newcomer, "Ana Ejemplo", "Beto Ejemplo")
    imported = make_person("Importada Ejemplo")

    assert do_set_vouches_needed(3, by=None) == 1

    newcomer.refresh_from_db()
    assert newcomer.lost_vetting_reason == "threshold_raised"
    imported.refresh_from_db()
    assert imported.lost_vetting_at is None
    assert do_set_vouches_needed(2, by=None) == 0
    newcomer.refresh_from_db()
    assert newcomer.lost_vetting_at is None
    with pytest.raises(ValidationError):
        do_set_vouches_needed(0, by=None)


def test_saving_the_network_settings_from_a_stale_copy_keeps_the_threshold() -> None:
    stale = get_network_settings()  # cached, with the threshold as it was
    do_set_vouches_needed(3, by=None)
    cache.set(SETTINGS_CACHE_KEY, stale)  # another process still holds the old copy

    do_update_network_settings(name="Red Ejemplo", time_zone="America/Chicago", phone_region="us", languages=["es"])

    assert NetworkSettings.objects.get().vouches_needed == 3
    assert get_network_settings().name == "Red Ejemplo"


def test_imported_people_are_marked_vetted_in_one_audited_step() -> None:
    people = [make_person(name, vetted=False) for name in ("Ana Ejemplo", "Beto Ejemplo", "Carla Ejemplo")]
    do_leave(people[2], by=None)
    coordinator = make_user("cora.coordinator")

    assert do_mark_vetted_by_import(people, by=coordinator, role="coordinator") == 2
    assert do_mark_vetted_by_import(people, by=coordinator, role="coordinator") == 0

    marked = Person.objects.filter(vetted_by_import_at__isnull=False)
    assert sorted(p.pk for p in marked) == sorted(p.pk for p in people[:2])
    entry = next(e for e in audited("people.person") if e.detail.get("vetted_by_import"))
    assert (entry.actor, entry.role) == (str(coordinator.uuid), "coordinator")
    assert sorted(entry.object_ids) == sorted(str(p.uuid) for p in people[:2])
    assert entry.detail == {"vetted_by_import": True, "count": 2}


def test_the_vouch_count_always_equals_the_live_vouches_of_people_still_here() -> None:
    people = [make_person(f"Persona {n}", vetted=False, windows=()) for n in range(8)]
    chance = random.Random(12)  # noqa: S311  (a test's shuffle, not a secret)
    for _step in range(40):
        voucher, vouched = chance.sample(people, 2)
        live = Vouch.objects.filter(withdrawn_at__isnull=True, vouched=vouched).first()
        action = chance.random()
        if action < 0.6 and not voucher.has_left and not vouched.has_left:
            with contextlib.suppress(ValidationError):
                do_vouch(voucher, vouched, by=None)
        elif action < 0.9 and live is not None:
            do_withdraw_vouch(live, by=None)
        elif action >= 0.9:
            do_leave(voucher, by=None)

    counted = Person.objects.annotate(live=live_vouches_for(OuterRef("pk")))
    assert [(p.vouch_count, p.live or 0) for p in counted] == [(p.live or 0, p.live or 0) for p in counted]


def test_a_grant_lapses_at_local_midnight_and_a_renewal_keeps_since_when() -> None:
    with time_machine.travel(datetime(2026, 1, 10, 23, 30, tzinfo=NEW_YORK), tick=False):  # 04:30 UTC on the 11th
        rosa = make_person("Rosa Ejemplo", skills=["naloxone"])
    certification = Certification.objects.get(person=rosa)
    assert certification.lapses_at == datetime(2027, 1, 10, 0, 0, tzinfo=NEW_YORK)

    with time_machine.travel(datetime(2026, 7, 1, 12, 0, tzinfo=NEW_YORK), tick=False):
        renewed = do_grant_certification(rosa, skill("naloxone"), by=None, source="training:abc")
    assert renewed.pk == certification.pk
    assert renewed.first_granted_at == certification.first_granted_at
    assert renewed.lapses_at == datetime(2027, 7, 1, 0, 0, tzinfo=NEW_YORK)
    assert renewed.source == "training:abc"
    with pytest.raises(ValueError, match="short code"):
        do_grant_certification(rosa, skill("naloxone"), by=None, source="Rosa's friend said so")


def test_changing_a_refresher_interval_recomputes_every_certification_of_the_skill() -> None:
    with time_machine.travel(datetime(2026, 1, 10, 12, 0, tzinfo=NEW_YORK), tick=False):
        rosa = make_person("Rosa Ejemplo", skills=["tourniquet-pressure-wrapping", "naloxone"])
    tourniquet = skill("tourniquet-pressure-wrapping")
    with time_machine.travel(datetime(2026, 5, 1, 12, 0, tzinfo=NEW_YORK), tick=False):
        assert do_set_refresher_interval(tourniquet, 90, by=None) == 1

    lapses = {c.skill.slug: c.lapses_at for c in Certification.objects.filter(person=rosa).select_related("skill")}
    assert lapses["tourniquet-pressure-wrapping"] == datetime(2026, 4, 10, 0, 0, tzinfo=NEW_YORK)
    assert lapses["naloxone"] == datetime(2027, 1, 10, 0, 0, tzinfo=NEW_YORK)  # another skill: untouched
    entry = audited("people.skill")[-1]
    assert entry.detail["lapsed_now"] == 1
    assert entry.detail["after"] == 90
    with pytest.raises(ValidationError):
        do_set_refresher_interval(tourniquet, 0, by=None)


def test_only_another_person_who_holds_the_skill_signs_it_off() -> None:
    medic_account, rookie_account = make_user("exp.medic"), make_user("rookie.medic")
    experienced = make_person("Medic Ejemplo", user=medic_account)
    do_grant_certification(experienced, skill("street-medic-basic"), by=None, signed_off=True)
    rookie = make_person("Novata Ejemplo", skills=["street-medic-basic"], user=rookie_account)
    certification = Certification.objects.get(person=rookie)

    with pytest.raises(ValidationError):
        do_sign_off(certification, by=rookie_account)  # their own
    with pytest.raises(ValidationError):
        do_sign_off(certification, by=make_user("no.person"))
    assert do_sign_off(certification, by=medic_account) is True
    assert do_sign_off(certification, by=medic_account) is False
    assert certification.signed_off_by == medic_account
    with pytest.raises(ValidationError):
        do_sign_off(do_grant_certification(rookie, skill("naloxone"), by=None), by=medic_account)


def test_the_skill_catalogue_is_seeded_in_both_languages() -> None:
    slugs = set(Skill.objects.values_list("slug", flat=True))
    assert {
        "legal-observer",
        "street-medic-basic",
        "street-medic-advanced",
        "naloxone",
        "tourniquet-pressure-wrapping",
        "de-escalation",
        "interpreter-en-es",
        "licensed-driver",
        "hotline-taker",
        "verifier",
    } <= slugs
    assert not Skill.objects.filter(name_en="").exists()
    assert not Skill.objects.filter(name_es="").exists()
    assert set(Skill.objects.filter(needs_sign_off=True).values_list("slug", flat=True)) == {
        "street-medic-basic",
        "street-medic-advanced",
    }


def test_names_and_contacts_are_encrypted_in_the_database() -> None:
    rosa = make_person("Rosa Ejemplo", phones=[PHONE], emails=[EMAIL])
    with connection.cursor() as cursor:
        cursor.execute("SELECT display_name FROM people_person WHERE id = %s", [rosa.pk])
        [(stored_name,)] = cursor.fetchall()
        cursor.execute("SELECT value FROM people_contact WHERE person_id = %s", [rosa.pk])
        stored = [row[0] for row in cursor.fetchall()]
    assert "Rosa" not in stored_name
    assert not any(holds_a_number(value) or "example" in value for value in stored)


# A moment in each pattern of the demo's weekly windows (network time: America/New_York).
WEEK = [
    datetime(2026, 12, 8, 19, tzinfo=ZoneInfo("America/New_York")),
    datetime(2026, 12, 11, 23, tzinfo=ZoneInfo("America/New_York")),
]


def test_the_demo_roster_has_people_to_find_some_lapsing_and_some_waiting_for_vouches() -> None:
    call_command("demo")
    call_command("demo")  # once

    people = Person.objects.all()
    assert people.count() == 30
    assert all(
        str(contact.value).startswith("+191955501")
        for contact in Contact.objects.all()
        if "@" not in str(contact.value)
    )
    soon = timezone.now() + timedelta(days=30)
    assert Certification.objects.filter(lapses_at__lte=timezone.now()).exists()  # lapsed
    assert Certification.objects.filter(lapses_at__gt=timezone.now(), lapses_at__lte=soon).exists()  # lapsing
    assert Person.objects.filter(vouch_count=1, vetted_by_import_at__isnull=True).count() == 2  # waiting
    assert Person.objects.filter(user__username="rosa.ejemplo").exists()
    assert not Person.objects.filter(consent_alerts=False).exists()  # everyone agreed to everything
    waiting = Certification.objects.get(signed_off_at__isnull=True, skill__needs_sign_off=True)
    assert waiting.skill.slug == "street-medic-basic"
    zones = list(Zone.objects.all())
    assert len(zones) == 5
    assert any(on_call(skill, zones, now=moment) for skill in ("legal-observer", "licensed-driver") for moment in WEEK)
