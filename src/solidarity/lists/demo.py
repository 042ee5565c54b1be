"""Fictional demo lists: invented subscribers at example.org and 555-01xx numbers, which reach nobody."""

from django.utils import timezone

from solidarity.accounts.models import User, WorkingGroup
from solidarity.core import demo as core_demo
from solidarity.core.zones import zone_by_slug
from solidarity.lists.announcement_lists import ListValues, do_save_list
from solidarity.lists.models import AnnouncementList, Subscription, SubscriptionState
from solidarity.lists.subscriptions import find_subscription
from solidarity.messaging.models import Channel

DEMO_LISTS = [
    (
        "rapid-response",
        ListValues(
            slug="east-durham",
            name_en="Rapid response — East Durham",
            name_es="Respuesta rápida — Este de Durham",
            description_en="Alerts when ICE is seen in East Durham. A few messages a month, more during raids.",
            description_es=(
                "Alertas cuando se ve a ICE en el este de Durham. Unos pocos mensajes al mes, más durante las redadas."
            ),
            has_email=True,
            has_sms=True,
            keyword="ESTE",
            is_public=True,
            shows_count=True,
            zones=("east-durham", "walltown", "old-north-durham"),
        ),
    ),
    (
        "education",
        ListValues(
            slug="workshops",
            name_en="Know your rights workshops",
            name_es="Talleres de Conozca sus derechos",
            description_en="Dates and places of the next workshops, in English and in Spanish.",
            description_es="Fechas y lugares de los próximos talleres, en español y en inglés.",
            has_email=True,
            has_sms=False,
            keyword="",
            is_public=True,
            shows_count=False,
        ),
    ),
]

DEMO_SUBSCRIBERS = [
    ("east-durham", Channel.EMAIL, "vecina.uno@example.org", "es", "walltown"),
    ("east-durham", Channel.EMAIL, "neighbour.two@example.org", "en", "east-durham"),
    ("east-durham", Channel.SMS, "+19195550110", "es", "east-durham"),
    ("workshops", Channel.EMAIL, "vecina.uno@example.org", "es", ""),
]


def load() -> int:
    """Add what is missing (after the accounts' demo); returns how many zones, lists and subscriptions were added."""
    coordinator = User.objects.filter(username="rosa.ejemplo").first()
    if coordinator is None:
        return 0
    created = core_demo.load_zones()
    for group_slug, values in DEMO_LISTS:
        group = WorkingGroup.objects.filter(slug=group_slug).first()
        if group is not None and not AnnouncementList.objects.filter(slug=values.slug).exists():
            do_save_list(group, values, by=coordinator)
            created += 1
    for list_slug, channel, address, language, zone in DEMO_SUBSCRIBERS:
        found = AnnouncementList.objects.filter(slug=list_slug).first()
        if found is None:
            continue
        if find_subscription(found, channel, address) is None:
            # Confirmed as they are made: a demo sends no confirmation to addresses that reach nobody.
            Subscription.objects.create(
                announcement_list=found,
                channel=channel,
                address=address,
                language=language,
                zone=zone_by_slug(zone) if zone else None,
                state=SubscriptionState.CONFIRMED,
                asked_at=timezone.now(),
                confirmed_at=timezone.now(),
            )
            created += 1
    return created
