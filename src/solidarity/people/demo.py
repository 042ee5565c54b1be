"""A fictional roster a newcomer can explore: invented names, 555-01xx numbers that reach nobody.

Thirty volunteers in five zones (two more beside the network's three, with neighbours), each with a
language, one or two zones, skills granted at different times (so some are current, some lapse
within a month, some have lapsed), weekly on-call windows, and vouches: six founders marked vetted
on import vouch for the others, and two newcomers still wait for their second vouch. Everyone agreed
to be contacted about alerts, trainings and announcements. Priya's street-medic course waits for its
practical sign-off (Lupe, whose account is the demo's lupe.demo, holds the skill and can record it).
The demo's accounts are linked to four of the founders. Built through people's own services, as a coordinator
would; the back-dated grants are recorded in the audit log as an import.
"""

from datetime import time, timedelta

from django.db import transaction
from django.utils import timezone

from solidarity.accounts.groups import do_grant_role
from solidarity.accounts.models import User, WorkingGroup
from solidarity.core import audit
from solidarity.core.models import AuditAction
from solidarity.core.zones import ZoneValues, do_create_zone, zone_named
from solidarity.people.access import ROSTER_KEEPER
from solidarity.people.models import Person, Skill
from solidarity.people.services import (
    PersonValues,
    Window,
    do_create_person,
    do_mark_vetted_by_import,
    do_set_shifts,
    do_vouch,
    find_people_by_contact,
    grant,
)

ACTOR = audit.CLI
FIRST_NUMBER = 150  # +1 919-555-0150 onwards: 555-01xx is reserved for fiction

MORE_ZONES = [
    ZoneValues(name_en="Riverside", name_es="La Ribera", neighbours=("east-durham",)),
    ZoneValues(name_en="Hillcrest", name_es="La Loma", neighbours=("walltown", "old-north-durham")),
]

# (display name, language, zones, skills with how many days ago each was granted, linked account)
ROSTER: list[tuple[str, str, tuple[str, ...], dict[str, int], str]] = [
    (
        "Rosa E.",
        "es",
        ("east-durham",),
        {"hotline-taker": 40, "verifier": 40, "interpreter-en-es": 300},
        "rosa.ejemplo",
    ),
    ("Sam P.", "en", ("walltown",), {"hotline-taker": 100, "legal-observer": 200}, "sam.placeholder"),
    ("Lupe D.", "es", ("old-north-durham",), {"street-medic-basic": 90, "naloxone": 350}, "lupe.demo"),
    ("Jordan S.", "en", ("riverside",), {"licensed-driver": 20, "de-escalation": 370}, "jordan.sample"),
    ("Marisol T.", "es", ("east-durham", "riverside"), {"legal-observer": 30, "verifier": 60}, ""),
    ("Dev K.", "en", ("hillcrest",), {"street-medic-advanced": 120, "tourniquet-pressure-wrapping": 170}, ""),
    ("Inés Q.", "es", ("east-durham",), {"interpreter-en-es": 50, "licensed-driver": 340}, ""),
    ("Theo B.", "en", ("walltown", "hillcrest"), {"legal-observer": 10}, ""),
    ("Yesenia M.", "es", ("riverside",), {"street-medic-basic": 200, "tourniquet-pressure-wrapping": 190}, ""),
    ("Kai W.", "en", ("old-north-durham",), {"de-escalation": 15, "naloxone": 20}, ""),
    ("Graciela F.", "es", ("east-durham",), {"licensed-driver": 355, "interpreter-en-es": 700}, ""),
    ("Omar H.", "en", ("walltown",), {"verifier": 5, "hotline-taker": 5}, ""),
    ("Lucía N.", "es", ("hillcrest",), {"legal-observer": 400}, ""),
    ("Priya R.", "en", ("east-durham", "old-north-durham"), {"naloxone": 100, "street-medic-basic": 30}, ""),
    ("Tomás G.", "es", ("riverside",), {"licensed-driver": 60}, ""),
    ("Avery L.", "en", ("walltown",), {"de-escalation": 200, "legal-observer": 700}, ""),
    ("Esperanza C.", "es", ("old-north-durham",), {"interpreter-en-es": 10, "verifier": 300}, ""),
    ("Noor A.", "en", ("hillcrest",), {"tourniquet-pressure-wrapping": 30, "naloxone": 30}, ""),
    ("Rafael O.", "es", ("east-durham",), {"licensed-driver": 100, "legal-observer": 100}, ""),
    ("Quinn J.", "en", ("riverside", "east-durham"), {"hotline-taker": 330}, ""),
    ("Carmen V.", "es", ("walltown",), {"street-medic-basic": 340}, ""),
    ("Eli Z.", "en", ("old-north-durham",), {"legal-observer": 25, "de-escalation": 25}, ""),
    ("Beatriz S.", "es", ("hillcrest",), {"interpreter-en-es": 400, "licensed-driver": 10}, ""),
    ("Malik T.", "en", ("east-durham",), {"naloxone": 380}, ""),
    ("Rocío P.", "es", ("riverside",), {"verifier": 20, "legal-observer": 20}, ""),
    ("Sasha I.", "en", ("walltown", "old-north-durham"), {"street-medic-advanced": 350}, ""),
    ("Julián R.", "es", ("east-durham",), {"licensed-driver": 5, "interpreter-en-es": 5}, ""),
    ("Morgan F.", "en", ("hillcrest",), {"de-escalation": 60}, ""),
    ("Nayeli B.", "es", ("riverside",), {"legal-observer": 3}, ""),  # a newcomer: one vouch so far
    ("Robin C.", "en", ("walltown",), {"naloxone": 2}, ""),  # a newcomer: one vouch so far
]
AWAITING_SIGN_OFF = {("Priya R.", "street-medic-basic")}  # took the course; the first outing is still to come
FOUNDERS = 6  # the first six: vetted on import, they vouch for the rest
NEWCOMERS = 2  # the last two: one vouch each, not vetted yet

# Weekly windows by pattern: evenings, weekend days, overnight, a weekday daytime.
PATTERNS = [
    (
        Window(weekday=1, starts=time(18), duration_minutes=240),
        Window(weekday=3, starts=time(18), duration_minutes=240),
    ),
    (Window(weekday=5, starts=time(8), duration_minutes=720), Window(weekday=6, starts=time(8), duration_minutes=720)),
    (Window(weekday=4, starts=time(22), duration_minutes=600),),
    (Window(weekday=0, starts=time(9), duration_minutes=480), Window(weekday=2, starts=time(9), duration_minutes=480)),
]


def phone(index: int) -> str:
    return f"+1919555{FIRST_NUMBER + index:04d}"


def load() -> int:
    """Add the roster unless it is there (its first number is taken); returns how many people were added."""
    if find_people_by_contact("phone", phone(0)):
        return 0
    for values in MORE_ZONES:
        if zone_named(values.name_en) is None:
            do_create_zone(values, actor=ACTOR)
    skills = {skill.slug: skill for skill in Skill.objects.all()}
    with transaction.atomic():
        people = [add(index, entry, skills) for index, entry in enumerate(ROSTER)]
        do_mark_vetted_by_import(people[:FOUNDERS], by=None, actor=ACTOR)
        for index, person in enumerate(people[FOUNDERS:], start=FOUNDERS):
            newcomer = index >= len(people) - NEWCOMERS
            vouchers = (
                [people[index % FOUNDERS]] if newcomer else [people[index % FOUNDERS], people[(index + 1) % FOUNDERS]]
            )
            for voucher in vouchers:
                do_vouch(voucher, person, by=None, actor=ACTOR)
    return len(people)


def add(index: int, entry: tuple[str, str, tuple[str, ...], dict[str, int], str], skills: dict[str, Skill]) -> Person:
    name, language, zones, granted, username = entry
    account = User.objects.filter(username=username).first() if username else None
    if account is not None and Person.objects.filter(user=account).exists():
        account = None  # linked already (a person a coordinator made for it)
    email = f"{username}@example.org" if username else ""
    values = PersonValues(
        display_name=name,
        language=language,
        phones=(phone(index),),
        emails=(email,) if email else (),
        zones=zones,
        user=account,
        consent_alerts=True,
        consent_trainings=True,
        consent_announcements=True,
    )
    person = do_create_person(values, by=None, actor=ACTOR, source="import")
    now = timezone.now()
    for slug, days_ago in granted.items():
        skill = skills[slug]
        signed = (name, slug) not in AWAITING_SIGN_OFF
        certification, _ = grant(
            person, skill, now=now - timedelta(days=days_ago), by=None, source="import", signed_off=signed
        )
        audit.record(
            actor=ACTOR,
            action=AuditAction.CREATED,
            object_type="people.certification",
            object_ids=[certification.uuid, person.uuid],
            detail={"skill": slug, "source": "import"},
        )
    do_set_shifts(person, PATTERNS[index % len(PATTERNS)], by=None, actor=ACTOR)
    return person


ROSTER_GROUP = "rapid-response"  # where the demo's admins keep the roster


def admins_keep_roster(admins: list[User]) -> list[User]:
    """Each admin who joined the demo keeps its roster (in the rapid-response group): they can open every
    person's page, phones included, as a network's roster keeper does. Who was given it now."""
    group = WorkingGroup.objects.filter(slug=ROSTER_GROUP).first()
    if group is None:
        return []
    return [admin for admin in admins if do_grant_role(group, admin, ROSTER_KEEPER, by=admin)]
