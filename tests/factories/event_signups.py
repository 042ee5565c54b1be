"""Sign-ups for tests: a Monday before the action, fictional volunteers (555-01xx) with or without a current
certification, a medic slot in pairs and a marshal slot, and the texts sent to a number."""

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine

from solidarity.accounts.models import User, WorkingGroup
from solidarity.events.models import Action, Role, Slot
from solidarity.events.signups import SlotValues, do_add_slot
from solidarity.people.models import Certification, Person
from solidarity.people.services import do_grant_certification
from tests.factories.events import published_action
from tests.factories.messaging import texts_out
from tests.factories.people import make_person, skill

NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=NEW_YORK)  # a Monday
ACTION_AT = datetime(2026, 3, 7, 13, 0, tzinfo=NEW_YORK)  # the Saturday after


@pytest.fixture
def monday() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def phone(index: int) -> str:
    return f"+1919555{index + 100:04d}"  # 555-01xx: fictional


def people(count: int, *, language: str = "en", first: int = 0) -> list[Person]:
    return [make_person(f"Volunteer {i}", phones=[phone(i)], language=language) for i in range(first, first + count)]


def certified(person: Person, slug: str = "street-medic-basic", *, lapsed: bool = False) -> Person:
    certification = do_grant_certification(person, skill(slug), by=None, signed_off=True)
    if lapsed:
        Certification.objects.filter(pk=certification.pk).update(lapses_at=NOW - timedelta(days=10))
    return person


def the_action(group: WorkingGroup, by: User | None) -> Action:
    return published_action(group, by, starts_at=ACTION_AT, hours=4)


def medic_slot(action: Action, by: User | None, needed: int = 4) -> Slot:
    values = SlotValues(
        role=Role.MEDIC,
        skill="street-medic-basic",
        starts_at=action.starts_at,
        ends_at=action.ends_at,
        needed=needed,
    )
    return do_add_slot(action, values, by=by)


def marshal_slot(action: Action, by: User | None, needed: int = 3, hours: int = 4) -> Slot:
    values = SlotValues(
        role=Role.MARSHAL, starts_at=action.starts_at, ends_at=action.starts_at + timedelta(hours=hours), needed=needed
    )
    return do_add_slot(action, values, by=by)


def sent_to(outbox: Path, number: str) -> list[str]:
    return [sent["body"] for sent in texts_out(outbox) if sent["to"] == number]
