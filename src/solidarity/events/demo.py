"""The demo's action: the seed's counter-demonstration, organised by the demo's Actions group, published, five days
from now in the afternoon (the network's time), with what to bring and know-your-rights in both languages, a
contact address at example.org and a jail-support number in 555-01xx. Every place, address and number is
invented.

`counter_demonstration()` returns the action (made the first time), for the demo's slots, sign-ups and arrests to
build on.
"""

from datetime import datetime, time, timedelta

from django.utils import timezone

from solidarity.accounts.models import User, WorkingGroup
from solidarity.core.services import network_timezone
from solidarity.core.zones import zone_by_slug
from solidarity.events.models import Action
from solidarity.events.services import ActionValues, do_create_action, do_publish_action

GROUP, ORGANISER = "actions", "rosa.ejemplo"
TITLE_EN = "Counter-demonstration at Fictional Plaza"
DAYS_AHEAD, STARTS_AT, HOURS = 5, time(14), 3

VALUES = ActionValues(
    title_en=TITLE_EN,
    title_es="Contramanifestación en la Plaza Ficticia",
    description_en=(
        "A hate group plans a rally at Fictional Plaza. We answer with a bigger, peaceful crowd: music, signs and "
        "neighbours standing together. Families welcome. Marshals in orange vests keep us together."
    ),
    description_es=(
        "Un grupo de odio planea una concentración en la Plaza Ficticia. Respondemos con una multitud más grande y "
        "pacífica: música, carteles y vecinos juntos. Las familias son bienvenidas. Las personas de apoyo con "
        "chaleco naranja nos mantienen juntos."
    ),
    bring_en="Water, a snack, sunscreen, comfortable shoes, a charged phone, any medicine you need for the day.",
    bring_es=(
        "Agua, algo de comer, protector solar, zapatos cómodos, el teléfono cargado y las medicinas que necesite "
        "para el día."
    ),
    rights_en=(
        "You have the right to remain silent. If police stop you, ask: am I free to go? If you are arrested, say: "
        "I want to remain silent and I want a lawyer. Sign nothing. Call the jail-support number."
    ),
    rights_es=(
        "Tiene derecho a guardar silencio. Si la policía le detiene, pregunte: ¿me puedo ir? Si le arrestan, diga: "
        "quiero guardar silencio y quiero un abogado. No firme nada. Llame al número de apoyo legal."
    ),
    gathering_place="Fictional Plaza, north steps",
    contact="actions@example.org",
    donate_url="https://give.example.org/medical-legal",
    hotline="+1 919-555-0177",
    expected_size=300,
)


def starts_at(now: datetime) -> datetime:
    """Five days from now, at 14:00 in the network's time zone."""
    day = timezone.localtime(now, network_timezone()).date() + timedelta(days=DAYS_AHEAD)
    return datetime.combine(day, STARTS_AT, tzinfo=network_timezone())


def counter_demonstration() -> Action | None:
    """The demo's counter-demonstration: made and published the first time, found afterwards; None without the
    demo's Actions group and its organiser (the accounts' demo makes them)."""
    group = WorkingGroup.objects.filter(slug=GROUP).first()
    organiser = User.objects.filter(username=ORGANISER).first()
    if group is None or organiser is None:
        return None
    found = Action.objects.filter(group=group, title_en=TITLE_EN).order_by("pk").first()
    if found is not None:
        return found
    begins = starts_at(timezone.now())
    values = ActionValues(**{**VALUES.__dict__, "starts_at": begins, "ends_at": begins + timedelta(hours=HOURS)})
    values.zone = zone_by_slug("east-durham")
    action = do_create_action(group, values, by=organiser)
    do_publish_action(action, by=organiser)
    return action


def load() -> int:
    """Add the demo's action when it is missing (after the accounts' demo); how many actions were added."""
    had = Action.objects.filter(group__slug=GROUP, title_en=TITLE_EN).exists()
    made = counter_demonstration()
    return 0 if had or made is None else 1
