"""The directory by SMS: RESOURCES / RECURSOS and a need, through the loopback webhook and the inbound router."""

from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.test import Client
from django.utils import timezone, translation
from django.utils.translation import gettext
from pytest_django import DjangoAssertNumQueries

from solidarity.accounts.models import User, WorkingGroup
from solidarity.core.services import do_update_network_settings, network_values
from solidarity.core.zones import ZoneValues, do_create_zone
from solidarity.directory.models import Kind, Resource
from solidarity.directory.services import do_add_phone, do_add_session
from solidarity.directory.sms import (
    EXACT,
    NEEDS,
    PLURAL,
    PREFIX,
    TYPO,
    closeness,
    help_text,
    read_need,
    reply_text,
)
from solidarity.messaging.keywords import Command, InboundContext, fold
from solidarity.messaging.models import Inbound, InboundState
from solidarity.messaging.sms.text import encoding, gsm_friendly, segments
from tests.factories.directory import make_resource
from tests.factories.messaging import NEIGHBOUR, text_in, texts_out
from tests.factories.people import make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def zones() -> None:
    do_create_zone(ZoneValues(name_en="Downtown", name_es="Centro"), slug="centro", actor="system")
    do_create_zone(ZoneValues(name_en="Walltown", name_es="Barrio Walltown"), actor="system")
    do_create_zone(ZoneValues(name_en="East Durham", name_es="Durham Este", neighbours=("centro",)), actor="system")


def resource(
    group: WorkingGroup, by: User, slug: str, phone: str = "", *, is_24h: bool = False, **values: object
) -> Resource:
    found = make_resource(group, by, slug, **values)
    if phone:
        do_add_phone(found, phone, by=by, is_24h=is_24h)
    return found


@pytest.fixture
def directory(zones: None, medics: WorkingGroup, coordinator: User) -> None:
    """A free dental clinic (Spanish spoken), a paid one, two legal aids (one downtown), a crisis line, and
    what must never be texted: a members-only shelter and a sanctuary congregation that has not agreed."""
    resource(
        medics,
        coordinator,
        "campus-dental",
        "+19195550101",
        kind="dental",
        name_en="Campus dental clinic",
        name_es="Clínica dental del campus",
        is_free=True,
        zones=("walltown",),
    )
    resource(
        medics,
        coordinator,
        "bright-smiles",
        "+19195550102",
        kind="dental",
        name_en="Bright Smiles dentistry",
        name_es="Dentistas Sonrisas",
        zones=("east-durham",),
    )
    resource(
        medics,
        coordinator,
        "east-legal",
        "+19195550103",
        kind="legal_aid",
        name_en="East legal aid",
        name_es="Ayuda legal del este",
        zones=("east-durham",),
    )
    resource(
        medics,
        coordinator,
        "downtown-legal",
        "+19195550104",
        kind="legal_aid",
        name_en="Downtown immigration lawyers",
        name_es="Abogados de inmigración del centro",
        zones=("centro",),
    )
    resource(
        medics,
        coordinator,
        "rape-crisis",
        "+19195550105",
        is_24h=True,
        kind="crisis_hotline",
        name_en="Rape crisis centre",
        name_es="Centro de crisis por violación",
        offers_en="Someone to talk to, day and night, and six free therapy sessions.",
        offers_es="Alguien con quien hablar, de día y de noche, y seis sesiones de terapia gratis.",
    )
    resource(
        medics,
        coordinator,
        "quiet-shelter",
        "+19195550106",
        kind="shelter",
        name_en="Quiet shelter",
        is_public=False,
    )
    resource(
        medics,
        coordinator,
        "st-francis",
        "+19195550107",
        kind="sanctuary",
        name_en="St Francis congregation",
        is_public=False,
    )


def spanish(text: str) -> str:
    """A new message in Spanish as the catalog has it (the English until it is translated), GSM-7 friendly."""
    with translation.override("es"):
        return gsm_friendly(gettext(text))


def answers(outbox: Path, to: str = NEIGHBOUR) -> list[str]:
    """The texts sent to the number, each checked to fit two SMS segments."""
    bodies = [sent["body"] for sent in texts_out(outbox) if sent["to"] == to]
    for body in bodies:
        assert segments(body) <= 2, body
    return bodies


def test_recursos_dentista_answers_in_spanish_with_the_free_clinic_first_phone_first(
    client: Client, loopback: Path, directory: None
) -> None:
    text_in(client, "RECURSOS dentista")

    [answer] = answers(loopback)
    assert answer.startswith("Solidarity, Dentista:\n(919) 555-0101 Clinica dental del campus (gratis)\n")
    assert "(919) 555-0102 Dentistas Sonrisas" in answer
    assert answer.endswith("/es/resources/?kind=dental")
    assert encoding(answer) == "GSM-7"  # the accents of "Clínica" dropped: twice as much in two segments
    inbound = Inbound.objects.get()
    assert (inbound.state, inbound.command) == (InboundState.HANDLED, Command.RESOURCES)


def test_resources_lawyer_answers_in_english(client: Client, loopback: Path, directory: None) -> None:
    text_in(client, "resources lawyer")

    [answer] = answers(loopback)
    lines = answer.splitlines()
    assert lines[0] == "Solidarity, Legal aid:"
    assert {lines[1], lines[2]} == {"(919) 555-0104 Downtown immigration lawyers", "(919) 555-0103 East legal aid"}
    assert lines[3] == "See more: http://127.0.0.1:8000/en/resources/?kind=legal_aid"
    assert encoding(answer) == "GSM-7"


def test_a_zone_in_the_need_ranks_the_resource_serving_it_first(
    client: Client, loopback: Path, directory: None
) -> None:
    text_in(client, "recursos abogado durham este")
    text_in(client, "recursos abogado centro", sender="+19195550143")

    [east] = answers(loopback)
    [downtown] = answers(loopback, to="+19195550143")
    assert east.splitlines()[1] == "(919) 555-0103 Ayuda legal del este"
    assert downtown.splitlines()[1] == "(919) 555-0104 Abogados de inmigracion del centro"


def test_a_neighbouring_zone_comes_before_any(client: Client, loopback: Path, directory: None) -> None:
    text_in(client, "RECURSOS dentista en el centro")  # none downtown; East Durham touches it

    [answer] = answers(loopback)
    assert answer.splitlines()[1:3] == [
        "(919) 555-0102 Dentistas Sonrisas",
        "(919) 555-0101 Clinica dental del campus (gratis)",
    ]


def test_the_zones_a_known_sender_covers_say_where_nearest_is(client: Client, loopback: Path, directory: None) -> None:
    make_person("Rosa Ejemplo", phones=[NEIGHBOUR], zones=("east-durham",), language="es")

    text_in(client, "RECURSOS dentista")

    [answer] = answers(loopback)
    assert answer.splitlines()[1] == "(919) 555-0102 Dentistas Sonrisas"


def test_a_typo_a_plural_and_a_prefix_still_find_the_need(client: Client, loopback: Path, directory: None) -> None:
    text_in(client, "RECURSOS dentsta")
    text_in(client, "Recurso: Muelas", sender="+19195550143")
    text_in(client, "resources abog", sender="+19195550144")

    assert answers(loopback)[0].splitlines()[1].endswith("Clinica dental del campus (gratis)")
    assert answers(loopback, to="+19195550143")[0].startswith("Solidarity, Dentista:")
    assert answers(loopback, to="+19195550144")[0].startswith("Solidarity, Legal aid:")


def test_the_need_is_read_loosely_in_both_languages() -> None:
    assert (closeness("DENTISTA", "DENTISTA"), closeness("ABOGADOS", "ABOGADO")) == (EXACT, PLURAL)
    assert (closeness("ABOG", "ABOGADO"), closeness("DENTSTA", "DENTISTA")) == (PREFIX, TYPO)
    assert closeness("FOO", "FOOD") is None  # too short to forgive
    assert list(read_need("salud mental", []).kinds) == [Kind.MENTAL_HEALTH]  # the phrase, not "salud" alone
    assert list(read_need("Salud", []).kinds) == [Kind.CLINIC]
    assert list(read_need("necesito un abogado de inmigración", []).kinds) == [Kind.LEGAL_AID]
    assert list(read_need("LÍNEA DE CRISIS", []).kinds) == [Kind.CRISIS_HOTLINE]
    assert list(read_need("food pantry", []).kinds) == [Kind.FOOD]
    assert list(read_need("violación", []).kinds) == [Kind.CRISIS_HOTLINE]
    assert read_need("xyzzy plugh", []).kinds == {}
    assert list(read_need("comida cerca de mi casa para los niños", []).kinds) == [Kind.FOOD]
    assert list(read_need("salud dental", []).kinds) == [Kind.DENTAL]
    assert list(read_need("dentista y abogado", []).kinds) == [Kind.DENTAL, Kind.LEGAL_AID]


def test_no_need_word_is_under_two_kinds() -> None:
    words = [fold(word) for phrases in NEEDS.values() for word in phrases]

    assert sorted(word for word in set(words) if words.count(word) > 1) == []


def test_an_unknown_need_gets_the_help_reply_and_is_handled(client: Client, loopback: Path, directory: None) -> None:
    text_in(client, "RESOURCES xyzzy")
    text_in(client, "RECURSOS", sender="+19195550143")

    [unknown] = answers(loopback)
    [bare] = answers(loopback, to="+19195550143")
    assert unknown.startswith("Solidarity: we found no resource for that. Text RESOURCES and your need")
    assert unknown.endswith("See more: http://127.0.0.1:8000/en/resources/")
    with translation.override("es"):
        assert bare == help_text("Solidarity", asked=False)
    assert bare.endswith("/es/resources/")
    assert set(Inbound.objects.values_list("state", flat=True)) == {InboundState.HANDLED}


def test_a_members_only_resource_or_an_unagreed_sanctuary_never_appears(
    client: Client, loopback: Path, directory: None
) -> None:
    text_in(client, "RESOURCES shelter")
    text_in(client, "RECURSOS santuario iglesia", sender="+19195550143")
    text_in(client, "RESOURCES quiet francis congregation", sender="+19195550144")

    sent = answers(loopback) + answers(loopback, to="+19195550143") + answers(loopback, to="+19195550144")
    for never in ("555-0106", "Quiet shelter", "555-0107", "Francis"):
        assert never not in " ".join(sent)
    with translation.override("es"):
        nothing_es = help_text("Solidarity", asked=True)
    assert sent == [help_text("Solidarity", asked=True), nothing_es, help_text("Solidarity", asked=True)]


def test_the_fallback_finds_words_in_the_resources_own_names(client: Client, loopback: Path, directory: None) -> None:
    text_in(client, "RESOURCES smiles")

    [answer] = answers(loopback)
    assert answer.splitlines()[1] == "(919) 555-0102 Bright Smiles dentistry"


def test_a_need_of_a_kind_nobody_lists_finds_the_resources_offering_it(
    client: Client, loopback: Path, directory: None
) -> None:
    text_in(client, "RECURSOS terapia")  # no mental health resource; the crisis centre offers therapy

    [answer] = answers(loopback)
    assert answer.splitlines()[1] == "(919) 555-0105 Centro de crisis por violacion (24 h)"


def test_a_need_nothing_answers_gives_the_hotline_first(client: Client, loopback: Path, directory: None) -> None:
    values = network_values()
    values["hotline"] = "+1 919 555 0100"
    do_update_network_settings(**values)

    text_in(client, "RESOURCES xyzzy")

    [answer] = answers(loopback)
    assert answer.startswith("Solidarity: we found no resource for that. For emergencies call +1 919 555 0100.")


def test_a_stale_resource_says_call_first(client: Client, loopback: Path, directory: None) -> None:
    with time_machine.travel(timezone.now() + timedelta(days=120)):
        text_in(client, "RESOURCES dentist")
        text_in(client, "RECURSOS dentista", sender="+19195550143")

        assert "(919) 555-0101 Campus dental clinic (free, call first)" in answers(loopback)[0]
        call_first = spanish("call first")
        assert f"Clinica dental del campus (gratis, {call_first})" in answers(loopback, to="+19195550143")[0]


def test_a_crisis_need_puts_the_24_hour_line_first_with_its_next_session(
    client: Client, loopback: Path, directory: None, medics: WorkingGroup, coordinator: User
) -> None:
    day_line = resource(medics, coordinator, "day-line", "+19195550108", kind="crisis_hotline", name_en="A day line")
    do_add_session(day_line, timezone.localdate() + timedelta(days=2), by=coordinator)

    text_in(client, "resources rape crisis")

    [answer] = answers(loopback)
    lines = answer.splitlines()
    assert lines[1] == "(919) 555-0105 Rape crisis centre (24 h)"
    assert lines[2].startswith("(919) 555-0108 A day line (next date ")


def test_many_resources_with_long_names_still_fit_two_segments(
    client: Client, loopback: Path, zones: None, medics: WorkingGroup, coordinator: User
) -> None:
    for number in range(10, 20):
        resource(
            medics,
            coordinator,
            f"clinic-{number}",
            f"+191955501{number}",
            kind="dental",
            name_en=f"The very long named community dental health cooperative number {number} of the county",
            name_es=f"La cooperativa comunitaria de salud dental número {number} del condado, con nombre larguísimo",
            is_free=True,
        )

    text_in(client, "RESOURCES dental")
    text_in(client, "RECURSOS dental", sender="+19195550143")

    english = answers(loopback)[0]
    spanish = answers(loopback, to="+19195550143")[0]
    assert encoding(english) == "GSM-7"
    assert encoding(spanish) == "GSM-7"
    assert english.count("(919) 555-01") >= 2
    assert spanish.count("(919) 555-01") >= 2


def test_the_answer_takes_the_same_few_queries_however_many_resources(
    directory: None, medics: WorkingGroup, coordinator: User, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    for number in range(10, 30):
        resource(medics, coordinator, f"clinic-{number}", f"+191955501{number}", kind="dental", zones=("walltown",))
    context = InboundContext(NEIGHBOUR, "00000000-0000-0000-0000-000000000000", "en")

    with django_assert_max_num_queries(7):
        reply_text(context, "dentist walltown", "en")
