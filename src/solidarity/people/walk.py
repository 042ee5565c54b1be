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
from solidarity.people.feeds import do_make_calendar_feed
from solidarity.people.imports import do_preview_import
from solidarity.people.models import (
    Certification,
    Contact,
    ContactKind,
    ContactTest,
    OneOffShift,
    Person,
    PersonState,
    RecordLink,
    Skill,
    Vouch,
)
from solidarity.people.self_service import digest, new_token
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


def an_import(world: WalkWorld) -> str:
    """A spreadsheet waiting for its roster keeper's confirmation (a fresh one each time: the walk may run one)."""
    return str(do_preview_import(b"display_name\r\nWalk Import\r\n", "walk.csv", by=world.owner).uuid)


def another_record(world: WalkWorld) -> str:
    """A second record (no account), to merge into the walk's volunteer: made again once a merge took it."""
    found = Person.objects.filter(user=None, state=PersonState.ACTIVE, coverage__zone__slug="walk-zone").first()
    if found is None:
        record(account(world, VOLUNTEER, Role.RESPONDER), "Walk Volunteer", world)  # the zone, if need be
        found = do_create_person(PersonValues(display_name="Walk Volunteer Again", zones=("walk-zone",)), by=None)
    return str(found.uuid)


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


def a_record_link(world: WalkWorld) -> str:
    """A fresh link to the walk volunteer's own record: its page, whose button opens it (public, by the token)."""
    token = new_token()
    RecordLink.objects.create(
        person=volunteer(world),
        token_hash=digest(token),
        channel="sms",
        expires_at=timezone.now() + timedelta(minutes=15),
    )
    return token


def a_contact_test(world: WalkWorld) -> str:
    """The link of an email test waiting for its button (made as do_send_contact_test makes one, without mail)."""
    token = new_token()
    contact = Contact.objects.get(uuid=a_contact(world))
    ContactTest.objects.create(
        contact=contact, token_hash=digest(token), expires_at=timezone.now() + timedelta(hours=48)
    )
    return token


def register() -> None:
    WALK_FILLERS.register("person_id", a_volunteer)  # a person's pages and the API's /people/{person_id}
    WALK_FILLERS.register("vouch", a_vouch)  # withdrawing a vouch
    WALK_FILLERS.register("import_id", an_import)  # an import of people from CSV (people.import_views)
    WALK_FILLERS.register("gone_id", another_record)  # the record merged into the person (people.import_views)
    WALK_FILLERS.register("link", a_record_link)  # the page a link to one's own record opens
    WALK_FILLERS.register("test", a_contact_test)  # an email test's page
    WALK_FILLERS.register(
        "feed", lambda world: do_make_calendar_feed(volunteer(world), by=world.owner)
    )  # a calendar feed
    WALK_FILLERS.register("contact", a_contact)  # removing a contact, making it the primary one
    WALK_FILLERS.register("change", a_change)  # removing a one-off change to the shifts
    WALK_FILLERS.register("certification", a_certification)  # signing off or removing a certification
