"""The demo's action: the seed's counter-demonstration, organised by the demo's Actions group, published, five days
from now in the afternoon (the network's time), with what to bring and know-your-rights in both languages, a
contact address at example.org and a jail-support number in 555-01xx. Every place, address and number is
invented.

`counter_demonstration()` returns the action (made the first time); `staff()` gives it its role slots, the demo
roster's sign-ups (three street medics: one is alone and needs a partner) and its update list. Nobody is told:
the sign-ups are quiet, as the trainings' demo's are.
"""

from datetime import datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone

from solidarity.accounts.models import User, WorkingGroup
from solidarity.core.services import network_timezone
from solidarity.core.zones import zone_by_slug
from solidarity.events.models import Action, Role
from solidarity.events.services import ActionValues, do_create_action, do_publish_action
from solidarity.events.signups import SlotValues, do_add_slot, do_sign_up
from solidarity.events.updates import do_open_update_list
from solidarity.people.demo import phone
from solidarity.people.models import ContactKind
from solidarity.people.services import find_people_by_contact

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


# (role, skill, from, to (hours after the start; negative: before), needed, the roster's people by index)
SLOTS: tuple[tuple[str, str, float, float, int, tuple[int, ...]], ...] = (
    (Role.MARSHAL, "", -0.5, 3.5, 6, (9, 28)),
    (Role.MEDIC, "street-medic-basic", -0.5, 3.5, 4, (2, 8, 20)),
    (Role.LEGAL_LIAISON, "legal-observer", -0.5, 3.5, 1, (1,)),
    (Role.JAIL_SUPPORT, "", 0, 3, 2, (0, 19)),
    (Role.DRIVER, "licensed-driver", 2.5, 4.5, 2, (3, 14)),
    (Role.INTERPRETER, "interpreter-en-es", -0.5, 3.5, 2, (6, 22)),
)


def staff(action: Action, organiser: User) -> int:
    """The action's slots and the roster's sign-ups, and its update list: how many people signed up."""
    signed = 0
    for role, skill, begins, ends, needed, people in SLOTS:
        values = SlotValues(
            role=role,
            skill=skill,
            starts_at=action.starts_at + timedelta(hours=begins),
            ends_at=action.starts_at + timedelta(hours=ends),
            needed=needed,
        )
        slot = do_add_slot(action, values, by=organiser)
        for index in people:
            found = find_people_by_contact(ContactKind.PHONE, phone(index))
            if not found:
                continue
            try:
                do_sign_up(slot, found[0], by=organiser, quiet=True)
            except ValidationError:
                continue  # a certification lapsed since the roster was written: the demo shows the rest
            signed += 1
    do_open_update_list(action, by=organiser)
    return signed


def load() -> int:
    """Add the demo's action when it is missing (after the accounts' and people's demos), with its slots and
    sign-ups; how many actions were added."""
    had = Action.objects.filter(group__slug=GROUP, title_en=TITLE_EN).exists()
    made = counter_demonstration()
    if had or made is None or made.created_by is None:
        return 0
    staff(made, made.created_by)
    return 1
