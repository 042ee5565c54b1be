"""People's objects for the URL walk (core.permissions.WALK_FILLERS): a volunteer of the walk's group, and a
vouch for them by the group's coordinator.

The volunteer's account is in the walk's group, so the group's own people may see them and every
persona of the walk (outsiders, another group's members and coordinator) must find nothing.
(`person` and `id` are accounts' keywords, for accounts: a person's record is `person_id`.)
"""

from datetime import timedelta

from django.utils import timezone

from solidarity.accounts.groups import do_add_member
from solidarity.accounts.models import Membership, User
from solidarity.core.permissions import WALK_FILLERS, Role, WalkWorld
from solidarity.core.zones import ZoneValues, do_create_zone, zone_by_slug
from solidarity.people.contacts import do_add_contact
from solidarity.people.models import Certification, Contact, ContactKind, OneOffShift, Person, PersonState, Skill, Vouch
from solidarity.people.services import (
    PersonValues,
    do_add_one_off_shift,
    do_create_person,
    do_grant_certification,
    do_mark_vetted_by_import,
    do_vouch,
    find_people_by_contact,
)

SKILL = "street-medic-basic"  # needs a sign-off

VOLUNTEER = "walk.volunteer"


def account(world: WalkWorld, username: str, *roles: Role) -> User:
    found = User.objects.filter(username=username).first()
    if found is None:
        found = User(username=username, email=f"{username}@example.org")
        found.set_unusable_password()
        found.save()
    if not Membership.objects.filter(group=world.group, user=found).exists():
        do_add_member(world.group, found, roles)
    return found


def record(user: User, name: str, world: WalkWorld) -> Person:
    """The account's person record, made again if an endpoint made them leave."""
    found = Person.objects.filter(user=user).exclude(state=PersonState.LEFT).first()
    if found is None:
        if zone_by_slug("walk-zone") is None:
            do_create_zone(ZoneValues(name_en="Walk zone", name_es="Zona de paseo"), slug="walk-zone", actor="system")
        values = PersonValues(display_name=name, phones=("+19195550142",), zones=("walk-zone",), user=user)
        found = do_create_person(values, by=world.owner)
        do_mark_vetted_by_import([found], by=world.owner)
    return found


def a_volunteer(world: WalkWorld) -> str:
    return str(record(account(world, VOLUNTEER, Role.RESPONDER), "Walk Volunteer", world).uuid)


def a_vouch(world: WalkWorld) -> str:
    """A live vouch for the walk's volunteer by the walk group's coordinator (as their own record)."""
    volunteer = record(account(world, VOLUNTEER, Role.RESPONDER), "Walk Volunteer", world)
    voucher = record(world.owner, "Walk Coordinator", world)
    found = Vouch.objects.filter(voucher=voucher, vouched=volunteer, withdrawn_at__isnull=True).first()
    return str((found or do_vouch(voucher, volunteer, by=world.owner)).uuid)


def volunteer(world: WalkWorld) -> Person:
    return record(account(world, VOLUNTEER, Role.RESPONDER), "Walk Volunteer", world)


def a_contact(world: WalkWorld) -> str:
    """The volunteer's phone (a number nobody holds is added if an endpoint removed theirs)."""
    person = volunteer(world)
    found = Contact.objects.filter(person=person).first()
    if found is None:
        free = next(n for n in range(144, 160) if not find_people_by_contact(ContactKind.PHONE, f"+1919555{n:04d}"))
        found = do_add_contact(person, ContactKind.PHONE, f"+1919555{free:04d}", by=world.owner)
    return str(found.uuid)


def a_change(world: WalkWorld) -> str:
    """A one-off change to the volunteer's shifts, tomorrow."""
    person = volunteer(world)
    found = OneOffShift.objects.filter(person=person, ends_at__gt=timezone.now()).first()
    if found is None:
        starts = timezone.now() + timedelta(days=1)
        found = do_add_one_off_shift(person, starts, starts + timedelta(hours=2), is_on_call=True, by=world.owner)
    return str(found.uuid)


def a_certification(world: WalkWorld) -> str:
    """A street-medic certification of the volunteer, waiting for its sign-off."""
    person = volunteer(world)
    found = Certification.objects.filter(person=person).first()
    return str((found or do_grant_certification(person, Skill.objects.get(slug=SKILL), by=world.owner)).uuid)


def register() -> None:
    WALK_FILLERS.register("person_id", a_volunteer)  # a person's pages and the API's /people/{person_id}
    WALK_FILLERS.register("vouch", a_vouch)  # withdrawing a vouch
    WALK_FILLERS.register("contact", a_contact)  # removing a contact, making it the primary one
    WALK_FILLERS.register("change", a_change)  # removing a one-off change to the shifts
    WALK_FILLERS.register("certification", a_certification)  # signing off or removing a certification
