"""People: zones, persons with contacts, skills, vouches and shifts, built with people's own services.

Names and numbers are fictional (555-01xx).
"""

import re
from collections.abc import Iterable
from datetime import time

from solidarity.accounts.models import User
from solidarity.core.models import Zone
from solidarity.core.zones import ZoneValues, do_create_zone, zone_by_slug
from solidarity.people.models import WEEK_MINUTES, Person, Skill
from solidarity.people.services import (
    PersonValues,
    Window,
    do_create_person,
    do_mark_vetted_by_import,
    do_set_shifts,
    do_vouch,
)

FICTIONAL_NUMBER = re.compile(r"555\D{0,2}01\d\d")  # 555-0123, 555 0123, 5550123: not "555" alone, which a uuid
# or a ciphertext holds now and then


def holds_a_number(text: str) -> bool:
    """Whether text holds one of the tests' fictional phone numbers (555-01xx) in any usual form."""
    return FICTIONAL_NUMBER.search(text) is not None


ALWAYS = Window(weekday=0, starts=time(0), duration_minutes=WEEK_MINUTES)  # on call the whole week


def zone(slug: str) -> Zone:
    """The zone with this slug, made (named after it in both languages) if the network lacks it."""
    found = zone_by_slug(slug)
    if found is not None:
        return found
    name = slug.replace("-", " ").title()
    return do_create_zone(ZoneValues(name_en=name, name_es=f"{name} (es)"), slug=slug, actor="system")


def skill(slug: str) -> Skill:
    return Skill.objects.get(slug=slug)


def make_person(
    name: str = "Rosa Ejemplo",
    *,
    zones: Iterable[str] = ("east-durham",),
    skills: Iterable[str] = (),
    phones: Iterable[str] = (),
    emails: Iterable[str] = (),
    language: str = "en",
    vetted: bool = True,
    windows: Iterable[Window] = (ALWAYS,),
    user: User | None = None,
    by: User | None = None,
    consent: bool = True,
) -> Person:
    """A person through do_create_person; by default vetted (marked on import), agreeing to be contacted
    about everything, and on call all week."""
    slugs = tuple(zone(slug).slug for slug in zones)
    person = do_create_person(
        PersonValues(
            display_name=name,
            language=language,
            phones=tuple(phones),
            emails=tuple(emails),
            zones=slugs,
            skills=tuple(skills),
            user=user,
            consent_alerts=consent,
            consent_trainings=consent,
            consent_announcements=consent,
        ),
        by=by,
    )
    if vetted:
        do_mark_vetted_by_import([person], by=by)
    windows = tuple(windows)
    if windows:
        do_set_shifts(person, windows, by=by)
    person.refresh_from_db()
    return person


def vouched_for(person: Person, *names: str) -> list[Person]:
    """People (vetted on import, in the person's zones) who each vouch for `person`."""
    vouchers = [make_person(name, windows=()) for name in names]
    for voucher in vouchers:
        do_vouch(voucher, person, by=None)
    person.refresh_from_db()
    return vouchers
