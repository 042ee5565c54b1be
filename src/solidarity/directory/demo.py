"""Fictional demo resources: invented organisations at example.org and 555-01xx numbers, which reach nobody."""

from datetime import timedelta

from django.utils import timezone

from solidarity.accounts.models import User, WorkingGroup
from solidarity.core import demo as core_demo
from solidarity.directory.models import Resource
from solidarity.directory.services import ResourceValues, do_add_phone, do_add_session, do_pin, do_save_resource

PINNED = ("demo-crisis-line", "demo-campus-dental")  # on the home page
STALE = {"demo-legal-aid": 200}  # last checked this many days ago: its page says to call first

# (keeping group, its coordinator in the accounts' demo, values, phones as (number, is_24h), a session in N days)
DEMO_RESOURCES = [
    (
        "street-medics-committee",
        "lupe.demo",
        ResourceValues(
            slug="demo-campus-dental",
            kind="dental",
            name_en="University dental clinic (demo)",
            name_es="Clínica dental universitaria (demo)",
            offers_en="Free cleanings and fillings on the last Saturday of each month.",
            offers_es="Limpiezas y empastes gratis el último sábado de cada mes.",
            is_free=True,
            no_id_asked=True,
            languages=("en", "es"),
            web_address="https://dental.example.org/",
            hours_en="Last Saturday of the month, 9 am to 1 pm",
            hours_es="Último sábado del mes, de 9 a 13",
            is_public=True,
            zones=("east-durham",),
        ),
        [("+19195550190", False)],
        9,
    ),
    (
        "rapid-response",
        "rosa.ejemplo",
        ResourceValues(
            slug="demo-crisis-line",
            kind="crisis_hotline",
            name_en="Crisis line (demo)",
            name_es="Línea de crisis (demo)",
            offers_en="Someone to talk to, day and night, and six free therapy sessions.",
            offers_es="Alguien con quien hablar, de día y de noche, y seis sesiones de terapia gratis.",
            is_free=True,
            languages=("en", "es"),
            is_public=True,
        ),
        [("+19195550191", True)],
        None,
    ),
    (
        "rapid-response",
        "rosa.ejemplo",
        ResourceValues(
            slug="demo-legal-aid",
            kind="legal_aid",
            name_en="Immigrant legal aid (demo)",
            name_es="Ayuda legal para inmigrantes (demo)",
            offers_en="Free advice from immigration lawyers; help after a raid.",
            offers_es="Consejo gratis de abogados de inmigración; ayuda después de una redada.",
            is_free=True,
            no_id_asked=True,
            languages=("en", "es"),
            hours_en="Tuesdays and Thursdays, 10 am to 4 pm",
            hours_es="Martes y jueves, de 10 a 16",
            is_public=True,
            zones=("east-durham",),
        ),
        [("+19195550193", False)],
        None,
    ),
    (
        "rapid-response",
        "rosa.ejemplo",
        ResourceValues(
            slug="demo-quiet-shelter",
            kind="shelter",
            name_en="Quiet shelter (demo)",
            name_es="Albergue tranquilo (demo)",
            offers_en="A few beds for a few nights. Call first: members only.",
            offers_es="Unas camas por unas noches. Llame antes: solo para miembros.",
            languages=("es",),
            is_public=False,
        ),
        [("+19195550192", False)],
        None,
    ),
]


def load() -> int:
    """Add the demo resources that are missing (after the accounts' demo); returns how many were added."""
    created = 0
    core_demo.load_zones()
    for group_slug, username, values, phones, in_days in DEMO_RESOURCES:
        group = WorkingGroup.objects.filter(slug=group_slug).first()
        keeper = User.objects.filter(username=username).first()
        if group is None or keeper is None or Resource.objects.filter(slug=values.slug).exists():
            continue
        resource = do_save_resource(group, values, by=keeper)
        for number, is_24h in phones:
            do_add_phone(resource, number, by=keeper, is_24h=is_24h)
        if in_days is not None:
            on = timezone.localdate() + timedelta(days=in_days)
            do_add_session(resource, on, by=keeper, note_en="Free dental care", note_es="Atención dental gratis")
        if values.slug in PINNED:
            do_pin(resource, by=keeper)
        if values.slug in STALE:
            checked = timezone.now() - timedelta(days=STALE[values.slug])
            Resource.objects.filter(pk=resource.pk).update(last_checked_at=checked)
        created += 1
    return created
