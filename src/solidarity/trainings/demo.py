"""The demo's trainings: a few sessions in both languages, built through trainings' own services.

A street-medic refresher that is FULL, with three demo volunteers on its waiting list; a public
know-your-rights workshop anyone can sign up for; a naloxone class in English and a first-aid class
in Spanish. Times are local and a few days ahead; places are public ones.
"""

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from solidarity.accounts.models import WorkingGroup
from solidarity.core import audit
from solidarity.core.services import network_timezone
from solidarity.people.demo import phone
from solidarity.people.models import ContactKind, Person, Skill
from solidarity.people.services import find_people_by_contact
from solidarity.trainings.models import Session
from solidarity.trainings.services import Answers, SessionValues, do_create_session, do_sign_up

ACTOR = audit.CLI
REFRESHER = "Street medic refresher"


def at(days: int, hour: int) -> datetime:
    day: date = timezone.now().astimezone(network_timezone()).date() + timedelta(days=days)
    return datetime.combine(day, time(hour), tzinfo=network_timezone())


def demo_person(index: int) -> Person | None:
    found = find_people_by_contact(ContactKind.PHONE, phone(index))
    return found[0] if found else None


def load() -> int:
    """Add the demo's sessions unless the refresher is there; returns how many sessions were added."""
    medics = WorkingGroup.objects.filter(slug="street-medics-committee").first()
    education = WorkingGroup.objects.filter(slug="education").first()
    if medics is None or education is None or Session.objects.filter(title_en=REFRESHER).exists():
        return 0
    skills = {skill.slug: skill for skill in Skill.objects.all()}
    sessions = [
        (
            medics,
            SessionValues(
                title_en=REFRESHER,
                title_es="Repaso de brigadista de salud",
                description_en="Once a year: wound care, heat, eye flushing, and working in pairs at actions.",
                description_es="Una vez al año: heridas, calor, lavado de ojos y el trabajo en pareja en las acciones.",
                kind="refresher",
                skill=skills.get("street-medic-basic"),
                starts_at=at(5, 10),
                ends_at=at(5, 13),
                place="Durham County Library, Main, room B",
                capacity=4,
                language="both",
                facilitator="Dra. Inés (demo)",
                asks_food=True,
                asks_health=True,
            ),
        ),
        (
            education,
            SessionValues(
                title_en="Know your rights workshop",
                title_es="Taller: conozca sus derechos",
                description_en="What to do if immigration agents come to your door, your work or your car.",
                description_es="Qué hacer si agentes de inmigración llegan a su puerta, su trabajo o su carro.",
                kind="workshop",
                starts_at=at(9, 18),
                ends_at=at(9, 20),
                place="St. Joseph's parish hall",
                capacity=40,
                language="es",
                is_public=True,
                asks_childcare=True,
                asks_access_needs=True,
            ),
        ),
        (
            medics,
            SessionValues(
                title_en="Naloxone: recognise and reverse an overdose",
                title_es="Naloxona: reconocer y revertir una sobredosis",
                kind="class",
                skill=skills.get("naloxone"),
                starts_at=at(12, 19),
                ends_at=at(12, 21),
                place="Union hall, 2nd floor",
                capacity=12,
                language="en",
            ),
        ),
        (
            medics,
            SessionValues(
                title_en="",
                title_es="Primeros auxilios básicos",
                kind="class",
                starts_at=at(16, 10),
                ends_at=at(16, 13),
                place="Centro comunitario del Este",
                capacity=15,
                language="es",
                is_public=True,
                asks_food=True,
            ),
        ),
    ]
    made = [do_create_session(group, values, by=None, actor=ACTOR) for group, values in sessions]
    refresher = made[0]
    # Four seats taken, three in line: the first give-back promotes Volunteer 8 at once.
    for index in range(7):
        person = demo_person(index + 1)
        if person is not None:
            answers = Answers(food="Vegetarian" if index == 2 else "", health="Latex" if index == 4 else "")
            do_sign_up(refresher, person, answers, by=None, quiet=True, actor=ACTOR)
    for index in (10, 11):
        person = demo_person(index)
        if person is not None:
            do_sign_up(made[1], person, by=None, quiet=True, actor=ACTOR)
    return len(made)
