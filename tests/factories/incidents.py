"""Incidents: reports through intake, and responders on call, built with the parts' own services.

Names and numbers are fictional (555-01xx).
"""

from collections.abc import Iterable
from datetime import datetime

from solidarity.core.models import Zone
from solidarity.core.zones import ZoneValues, do_update_zone
from solidarity.incidents.intake import ReportValues, do_take_report
from solidarity.incidents.models import Incident, Report, Source
from solidarity.people.models import Person, Skill
from tests.factories.people import make_person, zone

PHONES = iter(f"+1919555{n:04d}" for n in range(100, 10_000))


def neighbours(slug: str, *others: str) -> Zone:
    """The zone `slug`, touching `others` (each made if missing)."""
    found = zone(slug)
    for other in others:
        zone(other)
    values = ZoneValues(name_en=found.name_en, name_es=found.name_es, neighbours=tuple(others))
    return do_update_zone(found, values, actor="system")


def responder(
    name: str,
    skill: str,
    *,
    zones: Iterable[str] = ("east-durham",),
    language: str = "en",
    phone: str = "",
    email: str = "",
) -> Person:
    """A vetted person on call all week, holding `skill`, reachable by text (or by email when given one)."""
    catalogued(skill)
    return make_person(
        name,
        zones=zones,
        skills=[skill],
        phones=[] if email and not phone else [phone or next(PHONES)],
        emails=[email] if email else [],
        language=language,
    )


def catalogued(slug: str) -> Skill:
    """The skill of the catalogue (people's migration 0002), made again after a transactional test flushed it."""
    name = slug.replace("-", " ").capitalize()
    return Skill.objects.get_or_create(slug=slug, defaults={"name_en": name, "name_es": name, "refresher_days": 365})[0]


def report(
    type: str = "checkpoint",
    zone_slug: str = "east-durham",
    *,
    description: str = "Six agents stopping cars by the bridge",
    source: Source = Source.WEB,
    occurred_at: datetime | None = None,
    language: str = "en",
) -> Report:
    return do_take_report(
        ReportValues(
            type=type,
            zone=zone(zone_slug),
            description=description,
            occurred_at=occurred_at,
            language=language,
        ),
        source=source,
    )


def incident_of(found: Report) -> Incident:
    found.refresh_from_db()
    assert found.incident is not None
    return found.incident
