"""An action's sign-ups by text: VOLUNTEER / VOLUNTARIO and the digit, CONFIRM, DROP / CEDO, ARRIVED / LLEGUE and
LEFT / SALI with a sign-up's code, in both languages; strangers and other people's codes.

Places, numbers and people are fictional (555-01xx)."""

from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.test import Client

from solidarity.accounts.models import User, WorkingGroup
from solidarity.events.models import SignUp, SignUpState
from solidarity.events.signups import do_sign_up
from solidarity.messaging.keywords import CARRIER_OPT_IN, WORDS, Command, Parsed, parse
from solidarity.messaging.models import Inbound, InboundState
from solidarity.trainings.models import SignUp as TrainingSignUp
from solidarity.trainings.services import SessionValues, do_create_session
from solidarity.trainings.services import do_sign_up as take_training_seat
from tests.factories.event_signups import (
    ACTION_AT,
    marshal_slot,
    medic_slot,
    monday,
    people,
    phone,
    sent_to,
    the_action,
)
from tests.factories.messaging import NEIGHBOUR, text_in

pytestmark = pytest.mark.django_db

__all__ = ["monday"]  # a fixture, used by name


def test_volunteer_is_no_carrier_keyword_and_takes_an_actions_code() -> None:
    own = sorted(word for word, (command, _language) in WORDS.items() if command == Command.VOLUNTEER)

    assert own == ["VOLUNTARIA", "VOLUNTARIO", "VOLUNTEER"]
    carriers = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE", "START", "UNSTOP"}
    assert not (carriers | {CARRIER_OPT_IN, "HELP", "INFO", "ARRET", "REMOVE", "TD"}) & set(own)
    assert parse("Voluntario hx38") == Parsed(Command.VOLUNTEER, "HX38", "es")
    assert parse("VOLUNTEER") == Parsed(Command.VOLUNTEER, "", "en")
    assert parse("volunteer at the food bank?").command == Command.UNMATCHED
    assert parse("voluntario 911").command == Command.UNMATCHED  # no action's code: a sentence


def test_volunteer_lists_the_slots_one_may_take_and_a_digit_signs_up(
    client: Client, medics: WorkingGroup, coordinator: User, loopback: Path, monday: None
) -> None:
    action = the_action(medics, coordinator)
    marshals = marshal_slot(action, coordinator)
    medic_slot(action, coordinator)  # needs a certification Ana lacks: not offered
    people(1)

    text_in(client, f"VOLUNTEER {action.code.lower()}", sender=phone(0))
    offer = sent_to(loopback, phone(0))[-1]
    assert offer == (
        "Solidarity: Counter-demonstration at the plaza. Reply with a number to sign up: 1 marshal 13:00-17:00 (3 open)"
    )
    text_in(client, "1", sender=phone(0))

    sign_up = SignUp.objects.get()
    assert sign_up.slot == marshals
    confirmed = sent_to(loopback, phone(0))
    assert f"you are signed up as marshal. Your code is {sign_up.code}." in "".join(confirmed)
    assert Inbound.objects.filter(state=InboundState.HANDLED).count() == 2


def test_voluntario_answers_in_spanish_and_a_digit_from_another_number_is_not_ours(
    client: Client, medics: WorkingGroup, coordinator: User, loopback: Path, monday: None
) -> None:
    action = the_action(medics, coordinator)
    marshal_slot(action, coordinator)
    people(2, language="es")

    text_in(client, f"Voluntario {action.code}", sender=phone(0))
    assert sent_to(loopback, phone(0))[-1] == (
        "Solidarity: Contramanifestacion en la plaza. Responda con un numero para inscribirse: "
        "1 persona de seguridad (marshal) 13:00-17:00 (3 libres)"
    )
    text_in(client, "1", sender=phone(1))  # never asked: the digit goes to the inbox

    assert not SignUp.objects.exists()
    assert Inbound.objects.order_by("pk").last().state == InboundState.UNMATCHED  # type: ignore[union-attr]


def test_a_stranger_volunteering_gets_a_polite_answer_and_a_person_reads_it(
    client: Client, medics: WorkingGroup, coordinator: User, loopback: Path, monday: None
) -> None:
    action = the_action(medics, coordinator)
    marshal_slot(action, coordinator)

    text_in(client, f"VOLUNTEER {action.code}", sender=NEIGHBOUR)

    assert "for members of the network" in sent_to(loopback, NEIGHBOUR)[-1]
    assert Inbound.objects.get().state == InboundState.UNMATCHED
    assert not SignUp.objects.exists()


def test_confirm_drop_by_code_in_both_languages(
    client: Client, medics: WorkingGroup, coordinator: User, loopback: Path, monday: None
) -> None:
    action = the_action(medics, coordinator)
    slot = marshal_slot(action, coordinator)
    ana, ben = people(2, language="es")
    anas, bens = do_sign_up(slot, ana, by=None), do_sign_up(slot, ben, by=None)

    text_in(client, f"CONFIRMAR {anas.code}", sender=phone(0))
    text_in(client, f"CEDO {anas.code}", sender=phone(1))  # Ana's code from Ben's phone: not his
    text_in(client, f"DROP {bens.code}", sender=phone(1))

    anas.refresh_from_db()
    bens.refresh_from_db()
    assert anas.confirmed_at is not None
    assert (anas.state, bens.state) == (SignUpState.SIGNED_UP, SignUpState.CANCELLED)
    assert sent_to(loopback, phone(0))[-1].startswith("Solidarity: confirmado")
    assert f"{anas.code}" in sent_to(loopback, phone(1))[-2]  # told the code matches nothing of theirs
    assert "Contra" not in sent_to(loopback, phone(1))[-2]  # nothing says whose it is


def test_arrived_and_left_check_in_and_out_on_the_day(
    client: Client, medics: WorkingGroup, coordinator: User, loopback: Path, monday: None
) -> None:
    action = the_action(medics, coordinator)
    slot = marshal_slot(action, coordinator)
    (ana,) = people(1)
    (bea,) = people(1, language="es", first=1)
    anas, beas = do_sign_up(slot, ana, by=None), do_sign_up(slot, bea, by=None)

    with time_machine.travel(ACTION_AT - timedelta(minutes=20), tick=False):
        text_in(client, f"ARRIVED {anas.code}", sender=phone(0))
        text_in(client, "Llegué", sender=phone(1))
        assert sent_to(loopback, phone(0))[-1].startswith("Solidarity: checked in")
        assert "SALI" in sent_to(loopback, phone(1))[-1]
    with time_machine.travel(ACTION_AT + timedelta(hours=3), tick=False):
        text_in(client, "LEFT", sender=phone(0))
        text_in(client, f"sali {beas.code}", sender=phone(1))

    for seat in (anas, beas):
        seat.refresh_from_db()
        assert seat.checked_in_at is not None
        assert seat.checked_out_at is not None


def test_a_training_seat_and_an_actions_seat_share_drop(
    client: Client, medics: WorkingGroup, coordinator: User, loopback: Path, monday: None
) -> None:
    action = the_action(medics, coordinator)
    (ana,) = people(1)
    seat = do_sign_up(marshal_slot(action, coordinator), ana, by=None)
    values = SessionValues(
        title_en="Street medic refresher",
        title_es="Repaso de brigadistas de salud",
        starts_at=ACTION_AT + timedelta(days=1),
        ends_at=ACTION_AT + timedelta(days=1, hours=3),
        place="Public library, room 2",
        capacity=3,
    )
    training = take_training_seat(do_create_session(medics, values, by=None), ana, by=None)

    text_in(client, f"DROP {training.code}", sender=phone(0))
    text_in(client, f"DROP {seat.code}", sender=phone(0))

    assert TrainingSignUp.objects.get().state == "cancelled"
    seat.refresh_from_db()
    assert seat.state == SignUpState.CANCELLED
