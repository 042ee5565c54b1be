"""Drills: one started through the part's own service, and a drill with gaps on fixed timestamps.

Names, numbers and places are fictional (555-01xx).
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import time_machine

from solidarity.accounts.models import User
from solidarity.core import timers
from solidarity.incidents.dispatch import do_answer_alert
from solidarity.incidents.drills import DrillValues, Stage, do_start_drill
from solidarity.incidents.models import Alert, Incident, Requirement
from solidarity.people.models import Person
from tests.factories.incidents import catalogued, neighbours, responder
from tests.factories.people import zone

T0 = datetime(2031, 3, 4, 15, 0, tzinfo=UTC)  # a Tuesday afternoon


def only(requirements: list[tuple[str, str, int]]) -> None:
    """The dispatch requirements are exactly these (type, skill, count)."""
    Requirement.objects.all().delete()
    for kind, slug, count in requirements:
        Requirement.objects.create(type=kind, skill=catalogued(slug), count=count)


def drill(
    stage: str = Stage.DISPATCH, zone_slug: str = "east-durham", *, by: User | None = None, scenario: str = ""
) -> Incident:
    return do_start_drill(DrillValues("checkpoint", zone(zone_slug), scenario, stage), by=by)


@dataclass(frozen=True)
class Gappy:
    drill: Incident
    observers: list[Person]
    interpreters: list[Person]


def answer(person: Person, drilled: Incident, *, going: bool) -> None:
    do_answer_alert(Alert.objects.get(incident=drilled, person=person), going=going)


def gappy_drill() -> Gappy:
    """A checkpoint drill in East Durham (Walltown next to it), at T0, needing a legal observer, an interpreter
    and a driver; the hotline's ring after 5 minutes, pages after 15 (its defaults):

    - the two observers of East Durham are asked; one says NO at 3 min, the other GO at 4 min: filled at 4;
    - East Durham's interpreter never answers; at 5 min Walltown's is asked, and says GO at 20: filled late;
    - no driver is on call anywhere: nobody is asked.
    """
    with time_machine.travel(T0, tick=False) as traveller:
        neighbours("east-durham", "walltown")
        only(
            [
                ("checkpoint", "legal-observer", 1),
                ("checkpoint", "interpreter", 1),
                ("checkpoint", "licensed-driver", 1),
            ]
        )
        observers = [responder(f"Observadora Simulacro {n}", "legal-observer") for n in (1, 2)]
        interpreters = [
            responder("Intérprete Cerca", "interpreter", zones=["east-durham"]),
            responder("Intérprete Lejos", "interpreter", zones=["walltown"]),
        ]
        drilled = drill(scenario="Practice: a checkpoint by the bridge")
        traveller.move_to(T0 + timedelta(minutes=3))
        answer(observers[0], drilled, going=False)
        traveller.move_to(T0 + timedelta(minutes=4))
        answer(observers[1], drilled, going=True)
        traveller.move_to(T0 + timedelta(minutes=5, seconds=1))
        timers.fire_due()  # the interpreter's next ring: Walltown
        traveller.move_to(T0 + timedelta(minutes=15, seconds=1))
        timers.fire_due()
        traveller.move_to(T0 + timedelta(minutes=20))
        answer(interpreters[1], drilled, going=True)
    drilled.refresh_from_db()
    return Gappy(drilled, observers, interpreters)
