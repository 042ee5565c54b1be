"""The JSON API fuzzed with schemathesis, as a network's script would hit it.

Every operation in the OpenAPI document is exercised as a network admin, as a member of a
working group and anonymously, with what the document allows and with what it does not:
no answer is a server error, every status is one the document lists, every body matches
its schema, and nobody is let through who should be refused (anonymous: 401 on everything
but public operations; a member: 403 on admin operations, 404 on another group's objects).
The announcement lists' operations, which refuse all three before reading their input, are
also exercised as the group's coordinator (and the campaigns', whose changes are their organisers'), the
inbox's as a dispatcher, and the people's as a roster keeper, so that their own checks answer too.

A new operation joins by being in the document. If its path names an object, give the run
one of the member's group and one of another group under the path parameter's name (PATH).
The quick run (both database passes) sends each parameter's boundaries and wrong types and a
few random requests; the long one (`slow`: once in CI, in the SQLite pass) many more.
"""

import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from http.cookies import SimpleCookie
from typing import Any, cast

import pytest
import schemathesis
from django.core.signals import got_request_exception
from django.http import HttpResponseBase
from django.test.client import ClientHandler
from django.utils import timezone
from hypothesis import HealthCheck, settings
from schemathesis import Case, GenerationMode
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.schemas import OpenApiSchema

from solidarity.accounts.models import User, WorkingGroup
from solidarity.accounts.services import do_create_token
from solidarity.config.api import api
from solidarity.core.permissions import WALK_FILLERS, AnyGroupRole, Permission, Role, WalkWorld
from solidarity.core.zones import ZoneValues, do_create_zone
from solidarity.directory.csv_io import do_stage_import
from solidarity.directory.models import Resource
from solidarity.directory.services import ResourceValues, do_add_phone, do_add_session, do_save_resource
from solidarity.incidents.case_models import Case as FamilyCase
from solidarity.lists.announcement_lists import ListValues, do_save_list
from solidarity.lists.broadcasts import Draft, do_compose_broadcast
from solidarity.lists.models import AnnouncementList, Broadcast
from solidarity.lists.subscriptions import unsubscribe_token
from solidarity.messaging.models import Channel, Inbound
from solidarity.people.access import ROSTER_KEEPER
from solidarity.people.contacts import do_add_contact
from solidarity.people.imports import do_preview_import
from solidarity.people.models import Certification, Contact, OneOffShift, Person, Vouch
from solidarity.people.services import do_add_one_off_shift, do_grant_certification, do_vouch
from solidarity.supplies import walk as supplies_walk
from solidarity.trainings.models import Session
from solidarity.trainings.services import SessionValues, do_create_session, do_sign_up
from tests.factories import lists as lists_factory
from tests.factories.accounts import make_member
from tests.factories.messaging import received
from tests.factories.people import make_person, skill

ApiCase = Case[Any]  # schemathesis types a case by its operation; ours come from one OpenAPI document
StartResponse = Callable[[str, list[tuple[str, str]]], Any]


class InProcess:
    """The project as a WSGI application, in the test's thread, on the test's database connection.

    Django's own WSGI handler closes the database connection after each request, which would
    end the test's transaction; the test client's handler does not. A view's unhandled
    exception is raised here, with its traceback, instead of hiding behind the 500 page.
    """

    def __init__(self) -> None:
        self.handler = ClientHandler(enforce_csrf_checks=True)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        raised: list[BaseException] = []

        def keep(sender: Any, **kwargs: Any) -> None:
            error = sys.exc_info()[1]
            if error is not None:
                raised.append(error)

        got_request_exception.connect(keep)
        try:
            response = cast(HttpResponseBase, self.handler(environ))
        finally:
            got_request_exception.disconnect(keep)
        if raised:
            raise raised[0]
        cookies = SimpleCookie(response.cookies)
        headers = [*response.items(), *(("Set-Cookie", morsel.OutputString()) for morsel in cookies.values())]
        start_response(f"{response.status_code} {response.reason_phrase}", headers)
        return cast(Iterable[bytes], response)


APP = InProcess()

# A schema-valid value can still be refused for what a schema cannot say (that a time zone or a
# phone number exists): with 422 naming the field. Unreadable (400) or failing (5xx) it may not be.
CHECKS = {"positive_data_acceptance": {"expected-statuses": ["2xx", "401", "403", "404", "409", "422", "429"]}}


def api_schema(*, coverage: bool) -> OpenApiSchema:
    """The document /api/v1/openapi.json serves, read without a request (collection has no database).

    `coverage`: schemathesis's coverage phase, which sends each parameter's boundaries and wrong
    types, deterministically. Its cases are built as the tests are collected.
    """
    config = schemathesis.Config.from_dict({"phases": {"coverage": {"enabled": coverage}}, "checks": CHECKS})
    loaded = schemathesis.openapi.from_dict(api.get_openapi_schema(), config=config)
    loaded.app = APP  # every request, the checks' own included, goes to the project in-process
    return loaded


schema = api_schema(coverage=True)
random_schema = api_schema(coverage=False)  # the long run: only more random requests


def declared_permissions() -> dict[tuple[str, str], Permission]:
    """What each operation declares, by (METHOD, path as the document writes it)."""
    found = {}
    api.urls  # noqa: B018  # binds the routers
    for prefix, router in api._routers:  # ninja keeps this list for callers like us
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                full = "/api/v1/" + "/".join(part.strip("/") for part in (prefix, path) if part.strip("/"))
                for method in operation.methods:
                    found[(method, full)] = getattr(operation.view_func, "solidarity_permission")  # noqa: B009
    return found


PERMISSIONS = declared_permissions()
PERSONAS = ["admin", "anonymous", "member"]  # the member last: their requests are made to name real objects


@dataclass
class World:
    member_group: WorkingGroup
    other_group: WorkingGroup
    member: User
    other: User
    zone: str
    tokens: dict[str, str]
    lists: tuple[AnnouncementList, AnnouncementList]  # one of the member's group, one of the other group
    broadcasts: tuple[Broadcast, Broadcast]  # a draft of each
    text: Inbound  # a text waiting in the hotline's inbox: the network's, no group's

    def headers(self, persona: str) -> dict[str, str]:
        token = self.tokens.get(persona)
        return {"Authorization": f"Bearer {token}"} if token else {}


def list_slugs(world: World) -> tuple[str, str]:
    """The lists' slugs as they are now: the coordinator's requests may have changed the first one's."""
    mine, theirs = (AnnouncementList.objects.get(pk=item.pk).slug for item in world.lists)
    return mine, theirs


def subscription_tokens(world: World) -> tuple[str, str]:
    """The page tokens of a confirmed email subscription to each group's list (anyone's: no group owns them)."""
    mine, theirs = (
        unsubscribe_token(lists_factory.subscriber(item, Channel.EMAIL, f"fuzz.{n}@example.org", zone=""))
        for n, item in enumerate(AnnouncementList.objects.get(pk=item.pk) for item in world.lists)
    )
    return mine, theirs


def people(world: World) -> tuple[str, str]:
    """A volunteer whose account is in each group (made again once a request made one leave)."""
    found = []
    for group in (world.member_group, world.other_group):
        username = f"fuzz.volunteer.{group.slug}"
        person = Person.objects.filter(user__username=username, state="active").first()
        if person is None:
            user = User.objects.filter(username=username).first() or make_member(username, group, Role.RESPONDER)
            person = make_person("Fuzz Volunteer", phones=["+19195550143"], user=user)
        found.append(str(person.uuid))
    return found[0], found[1]


def vouches(world: World) -> tuple[str, str]:
    """A live vouch for each group's volunteer, by a vetted person of no group."""
    voucher = make_person("Fuzz Voucher")
    found = []
    for person_id in people(world):
        vouched = Person.objects.get(uuid=person_id)
        vouch = Vouch.objects.filter(vouched=vouched, withdrawn_at__isnull=True).first()
        found.append(str((vouch or make_vouch(voucher, vouched)).uuid))
    return found[0], found[1]


def contacts(world: World) -> tuple[str, str]:
    """A phone of each group's volunteer (added again, a number of its own, once a request removed them all)."""
    found = []
    for n, person_id in enumerate(people(world)):
        person = Person.objects.get(uuid=person_id)
        contact = Contact.objects.filter(person=person).first()
        found.append(str((contact or do_add_contact(person, "phone", f"+1919555017{n}", by=None)).uuid))
    return found[0], found[1]


def changes(world: World) -> tuple[str, str]:
    """A one-off change to each group's volunteer's shifts, tomorrow."""
    found = []
    for person_id in people(world):
        person = Person.objects.get(uuid=person_id)
        change = OneOffShift.objects.filter(person=person).first()
        starts = timezone.now() + timedelta(days=1)
        change = change or do_add_one_off_shift(person, starts, starts + timedelta(hours=2), is_on_call=True, by=None)
        found.append(str(change.uuid))
    return found[0], found[1]


def certifications(world: World) -> tuple[str, str]:
    """A street-medic certification of each group's volunteer, waiting for its sign-off."""
    found = []
    for person_id in people(world):
        person = Person.objects.get(uuid=person_id)
        made = Certification.objects.filter(person=person).first()
        found.append(str((made or do_grant_certification(person, skill("street-medic-basic"), by=None)).uuid))
    return found[0], found[1]


def make_vouch(voucher: Person, vouched: Person) -> Vouch:
    return do_vouch(voucher, vouched, by=None, actor="system")


def training_sessions(world: World) -> tuple[str, str]:
    """A scheduled training of each group, not public (made again once a request cancelled it)."""
    found = []
    for group in (world.member_group, world.other_group):
        session = Session.objects.filter(group=group, state="scheduled", title_en="Fuzz training").first()
        if session is None:
            start = timezone.now() + timedelta(days=3)
            values = SessionValues("Fuzz training", "", start, start + timedelta(hours=2), "Library", capacity=3)
            session = do_create_session(group, values, by=None)
        found.append(str(session.uuid))
    return found[0], found[1]


def training_sign_ups(world: World) -> tuple[str, str]:
    """A sign-up of each group's volunteer for each group's training (made again once cancelled)."""
    found = []
    for session_id, person_id in zip(training_sessions(world), people(world), strict=True):
        session, person = Session.objects.get(uuid=session_id), Person.objects.get(uuid=person_id)
        found.append(str(do_sign_up(session, person, by=None).uuid))
    return found[0], found[1]


def imports(world: World) -> tuple[str, str]:
    """A spreadsheet of people waiting for confirmation (a fresh one each time: a request may have run one)."""
    found = do_preview_import(b"display_name,phone\r\nFuzz Import,919-555-0144\r\n", "fuzz.csv", by=world.member)
    return str(found.uuid), str(found.uuid)


def network_object(world: World, name: str) -> tuple[str, str]:
    """An incident, an alert or a report waiting for a zone, made (again, once a request closed it) as the walk does."""
    found = str(WALK_FILLERS[name](WalkWorld(world.member_group, world.member)))
    return found, found


def case_object(world: World, name: str) -> tuple[str, str]:
    """The URL walk's family-support case (or one of its needs, tasks, hearings, members), its team joined by the
    fuzz run's dispatcher, so that the cases' operations are exercised past their need-to-know check too."""
    found = network_object(world, name)
    case = FamilyCase.objects.get(code=WALK_FILLERS["case"](WalkWorld(world.member_group, world.member)))
    case.team.add(*User.objects.filter(memberships__grants__role=Role.DISPATCHER))
    return found


def directory_objects(world: World, name: str) -> tuple[str, str]:
    """A resource kept by each group (or one of its phones or dated sessions), made again once a request removed it."""
    found = []
    for group, slug in ((world.member_group, "fuzz-clinic"), (world.other_group, "fuzz-other-clinic")):
        by = User.objects.filter(memberships__group=group, memberships__grants__role=Role.COORDINATOR).first()
        assert by is not None
        resource = Resource.objects.filter(slug=slug).first()
        if resource is None:
            resource = do_save_resource(group, ResourceValues(slug=slug, kind="clinic", name_en="Fuzz clinic"), by=by)
        if name == "phone":
            found.append(str((resource.phones.first() or do_add_phone(resource, "+19195550143", by=by)).uuid))
        elif name == "resource_session":
            on = timezone.localdate() + timedelta(days=5)
            found.append(str((resource.sessions.first() or do_add_session(resource, on, by=by)).uuid))
        else:
            found.append(resource.slug)
    return found[0], found[1]


def resource_imports(world: World) -> tuple[str, str]:
    """A staged CSV import of each group's resources (a fresh one each time: a request may have applied it)."""
    found = []
    for group in (world.member_group, world.other_group):
        by = User.objects.filter(memberships__group=group, memberships__grants__role=Role.COORDINATOR).first()
        assert by is not None
        found.append(
            str(do_stage_import(group, b"slug,kind,name_en\r\nfuzz-import,clinic,Fuzz\r\n", "f.csv", by=by).uuid)
        )
    return found[0], found[1]


def supplies_objects(world: World, name: str) -> tuple[str, str]:
    """Each group's supplies as the URL walk makes them (supplies.walk), under a code of each group's own."""
    found = []
    for group, code in ((world.member_group, "FUZZA"), (world.other_group, "FUZZB")):
        by = User.objects.filter(memberships__group=group, memberships__grants__role=Role.COORDINATOR).first()
        assert by is not None
        if name == "supply_item":
            found.append(supplies_walk.an_item(group, by, code).code)
        elif name == "supply_location":
            found.append(str(supplies_walk.a_location(group, by, code).uuid))
        elif name == "reversal":
            found.append(str(supplies_walk.a_reversal(group, by, code).uuid))
        elif name == "supply_import":
            found.append(str(supplies_walk.a_supply_import(group, by).uuid))
        else:
            found.append(str(supplies_walk.a_kit_template(group, by, code).uuid))
    return found[0], found[1]


def meetings_objects(world: World, name: str) -> tuple[str, str]:
    """Each group's meeting under way as the URL walk makes it (meetings.walk: seen by the group's members only),
    or an item of its agenda, a turn waiting on its stack, a proposal or action item of it, or an amendment waiting
    on a meeting of the group that closed (meetings.record_walk)."""
    found = []
    for group in (world.member_group, world.other_group):
        by = User.objects.filter(memberships__group=group, memberships__grants__role=Role.COORDINATOR).first()
        assert by is not None
        found.append(str(WALK_FILLERS[name](WalkWorld(group, by))))
    return found[0], found[1]


def funds_objects(world: World, name: str) -> tuple[str, str]:
    """Each group's fund as the URL walk makes it (funds.walk: public, with a gift in it), a payment
    waiting in it, a bond it paid, an open pledge, a gift's transaction or a staged import of gifts."""
    found = []
    for group in (world.member_group, world.other_group):
        by = User.objects.filter(memberships__group=group, memberships__grants__role=Role.COORDINATOR).first()
        assert by is not None
        found.append(str(WALK_FILLERS[name](WalkWorld(group, by))))
    return found[0], found[1]


def campaigns_objects(world: World, name: str) -> tuple[str, str]:
    """Each group's live campaign as the URL walk makes it (campaigns.walk: public, an office checked by a second
    organiser), its office, the office's number, or a call given to a caller and not yet reported."""
    found = []
    for group in (world.member_group, world.other_group):
        by = User.objects.filter(memberships__group=group, memberships__grants__role=Role.COORDINATOR).first()
        assert by is not None
        found.append(str(WALK_FILLERS[name](WalkWorld(group, by))))
    return found[0], found[1]


# Path parameters, by name: (an object of the member's group, the same kind of object of another group).
PATH: dict[str, Callable[[World], tuple[str, str]]] = {
    "slug": lambda world: (world.member_group.slug, world.other_group.slug),
    "id": lambda world: (str(world.member.uuid), str(world.other.uuid)),  # a member of each group
    "zone": lambda world: (world.zone, world.zone),  # the network's: no group owns a zone
    "list_slug": list_slugs,
    "broadcast": lambda world: (str(world.broadcasts[0].uuid), str(world.broadcasts[1].uuid)),
    "message": lambda world: (str(world.text.uuid), str(world.text.uuid)),  # the one inbox: no "theirs"
    "subscription": subscription_tokens,
    "person_id": people,  # a person of the network: a roster keeper reaches both (ROSTER_WIDE)
    "vouch": vouches,
    "session": training_sessions,
    "sign_up": training_sign_ups,
    "import_id": imports,  # an import of people from CSV: the network's, no group's (roster keepers)
    "contact": contacts,
    "change": changes,
    "certification": certifications,
    # Rapid response: the network's hotline, no group's (dispatchers; an alert's own person). The URL walk's objects.
    "incident": lambda world: network_object(world, "incident"),
    "alert": lambda world: network_object(world, "alert"),
    "report": lambda world: network_object(world, "report"),
    "type": lambda world: ("checkpoint", "checkpoint"),  # an incident type: its dispatch requirements
    "wide_alert": lambda world: network_object(world, "wide_alert"),
    "entry": lambda world: network_object(world, "entry"),  # an observation on the walk incident's timeline
    "drill": lambda world: network_object(world, "drill"),  # the network's drills (dispatchers and coordinators)
    # Family-support cases: seen by their team only (incidents.case_access), whatever the caller's roles.
    **{name: partial(case_object, name=name) for name in ("case", "case_need", "case_task", "hearing", "case_member")},
    # The directory: a resource kept by each group, with a phone and a dated session.
    "resource": lambda world: directory_objects(world, "resource"),
    "phone": lambda world: directory_objects(world, "phone"),
    "resource_session": lambda world: directory_objects(world, "resource_session"),
    "resource_import": resource_imports,  # a staged CSV import of each group's resources
    # Supplies: an item, a depot with stock and a kit template kept by each group.
    "supply_item": lambda world: supplies_objects(world, "supply_item"),
    "supply_location": lambda world: supplies_objects(world, "supply_location"),
    "kit_template": lambda world: supplies_objects(world, "kit_template"),
    "reversal": lambda world: supplies_objects(world, "reversal"),  # a naloxone reversal from each group's depot
    "supply_import": lambda world: supplies_objects(world, "supply_import"),  # a staged CSV of each group's items
    "supplies_sheet": lambda world: ("items", "stock"),  # a supplies export: a name, no group's object
    # Meetings: each group's meeting under way (by its code), an item of its agenda, a turn on its stack; and its
    # record: its proposals and action items, an amendment of each group's.
    **{
        name: partial(meetings_objects, name=name)
        for name in ("meeting", "agenda_item", "turn", "proposal", "action_item", "amendment")
    },
    # Funds: each group's fund (public, with a gift), a payment waiting in it, a bond it paid, an open pledge, a
    # gift's transaction, a staged import of gifts (funds.walk); a statement's month (yyyy-mm) and file format.
    **{
        name: partial(funds_objects, name=name)
        for name in ("fund", "disbursement", "bond", "donation", "transaction", "fund_import")
    },
    "month": lambda world: (f"{timezone.localdate():%Y-%m}", f"{timezone.localdate():%Y-%m}"),
    # Call-in campaigns: each group's live public campaign (by its code), its checked office, that office's number,
    # and a call given and not yet reported (campaigns.walk).
    **{name: partial(campaigns_objects, name=name) for name in ("campaign", "target", "line", "call")},
    "statement_format": lambda world: ("csv", "pdf"),
    # Public actions: each group's published action still to come (by its code), a slot of it with a seat taken, a
    # checklist step, an arrest on its jail-support board (events' walk fillers); the network's template's steps.
    **{
        name: partial(campaigns_objects, name=name)
        for name in ("action", "slot", "seat", "step", "template_step", "arrest")
    },
}


def announcements(group: WorkingGroup, by: User) -> tuple[AnnouncementList, Broadcast]:
    """A list of the group with a zone to choose, and a draft broadcast to it."""
    values = ListValues(slug=f"{group.slug}-news", name_en="News", has_sms=True, new_zones=("Walltown",))
    found = do_save_list(group, values, by=by)
    draft = Draft(lists=[found], subject_en="News", text_en="News", one_language="en", channels=["email"])
    return found, do_compose_broadcast(group, draft, by=by)


@pytest.fixture
def world(
    admin: User,
    medic: User,
    coordinator: User,
    medics: WorkingGroup,
    rapid_response: WorkingGroup,
    other_member: User,
    other_coordinator: User,
    dispatcher: User,
) -> World:
    """An admin, a member and a coordinator of the medics, and another group with people of its own; each
    group with an announcement list and a draft broadcast."""
    tokens = {
        "admin": do_create_token(admin, name="fuzz").secret,
        "member": do_create_token(medic, name="fuzz").secret,
        "coordinator": do_create_token(coordinator, name="fuzz").secret,
        "dispatcher": do_create_token(dispatcher, name="fuzz").secret,
        "keeper": do_create_token(make_member("kim.keeper", medics, ROSTER_KEEPER), name="fuzz").secret,
    }
    zone = do_create_zone(ZoneValues(name_en="Walltown", name_es="Barrio Walltown"), actor="system")
    mine, theirs = announcements(medics, coordinator), announcements(rapid_response, other_coordinator)
    text = received("someone at my door", sender="+19195550166")
    lists, broadcasts = (mine[0], theirs[0]), (mine[1], theirs[1])
    return World(medics, rapid_response, medic, other_member, zone.slug, tokens, lists, broadcasts, text)


def path_objects(case: ApiCase, world: World) -> tuple[dict[str, Any], dict[str, Any]]:
    """The case's path parameters naming objects of the member's group, and of another group."""
    mine, theirs = {}, {}
    for name in case.path_parameters or {}:
        assert name in PATH, f"{case.operation.label}: give the fuzz run objects for the path parameter {name!r}"
        mine[name], theirs[name] = PATH[name](world)
    return mine, theirs


# What the personas in a working group hold there (the member's group: the other group's objects are "theirs").
HELD = {
    "member": frozenset({Role.MEMBER}),
    "coordinator": frozenset({Role.MEMBER, Role.COORDINATOR}),
    "dispatcher": frozenset({Role.MEMBER, Role.DISPATCHER}),  # of the rapid-response group
    "keeper": frozenset({Role.MEMBER, ROSTER_KEEPER}),  # of the medics: keeps the network's whole roster
}
# Personas whose role reaches every person, whichever group: no person is "theirs" (people.access).
ROSTER_WIDE = {"keeper"}


def refusals(needed: Permission, persona: str, *, theirs: bool) -> set[int] | None:
    """The statuses that refuse `persona`, or None if the persona may pass.

    The admin is in no working group (need to know: an admin joins a group to see it); the member
    is a plain member of the medics, the coordinator coordinates them, and neither is in anything else.
    """
    if needed == "public":
        return None
    if persona == "anonymous":
        return {401}
    if needed == "admin":
        return None if persona == "admin" else {403}
    if needed == "authenticated":
        return None
    if persona in ROSTER_WIDE:
        theirs = False
    if isinstance(needed, AnyGroupRole):  # a role anywhere (the inbox, zones): no group's objects are "theirs"
        if persona == "admin":
            return None if needed.admins else {404}
        return None if needed.admits(HELD[persona]) else {404}
    if persona == "admin" or theirs or not needed.admits(HELD[persona]):
        return {404}  # a group's or an object's: to anyone without the role there, it does not exist
    return None


def send(case: ApiCase, world: World, persona: str, *, theirs: bool = False) -> None:
    """Send the case as `persona`; schemathesis checks the answer against the document, then we check the refusal."""
    status = case.call_and_validate(headers=world.headers(persona)).status_code
    where = f"{persona} got {status} from {case.method} {case.formatted_path}"
    needed = PERMISSIONS.get((case.method.upper(), case.operation.path))
    if needed is None:  # schemathesis also tries methods the path does not have
        assert status == 405, f"{where}, not 405"
        return
    refused = refusals(needed, persona, theirs=theirs)
    if refused is not None:  # the permission is checked before the input is read (core.api.PermissionFirst)
        assert status in refused, f"{where}, not {sorted(refused)}"


def made_invalid(case: ApiCase, where: ParameterLocation) -> bool:
    """Was this part of the request made to break the document (schemathesis's negative cases)?"""
    made = case.meta.components.get(where) if case.meta else None
    return made is not None and made.mode == GenerationMode.NEGATIVE


INPUT = (ParameterLocation.QUERY, ParameterLocation.HEADER, ParameterLocation.COOKIE, ParameterLocation.BODY)


def exercise(case: ApiCase, world: World, callers: list[str]) -> None:
    """One generated request, sent by each caller.

    The admin's and the anonymous caller's paths are as generated (a lookup of nonsense must not
    fail); a group persona's name an object of their group, then the same kind of object of another,
    unless the path was made to break the document (a broadcast's "uuid" that is none): it goes as made.

    A request whose input was made to break the document goes to the callers who may pass, and to the
    anonymous one: the refusal comes before the input is read (core.api.PermissionFirst), so anonymous
    proves it for this input, and the valid requests prove each other caller's refusal. (Most of the
    coverage phase's requests are such; sending each to every refused caller cost a third of the run.)
    """
    needed = PERMISSIONS.get((case.method.upper(), case.operation.path))
    invalid_input = needed is not None and any(made_invalid(case, where) for where in INPUT)
    for persona in callers:
        refused = needed is not None and refusals(needed, persona, theirs=False) is not None
        if invalid_input and persona != "anonymous" and refused:
            continue
        if persona not in HELD or not case.path_parameters or made_invalid(case, ParameterLocation.PATH):
            send(case, world, persona)
            continue
        mine, theirs = path_objects(case, world)
        case.path_parameters = mine
        send(case, world, persona)
        if mine != theirs and not invalid_input:
            case.path_parameters = theirs
            send(case, world, persona, theirs=True)


FUZZ = settings(
    deadline=None,  # no timing asserts in tests; CI's profile also derandomizes (hypothesis reads CI=true)
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
QUICK = 5  # examples an operation in the regular run (CI's PostgreSQL pass): at 10 the fuzz was half that pass
DEEP = 12  # examples an operation in the long run (once in CI): at 50 it alone took 13 minutes of the 30; at 20, 5
# Every generated request goes to all three callers. (A parameter of the test, so that pytest
# names each test after its operation: schemathesis's names are lost on pytest 9 without one.)
CALLERS = pytest.mark.parametrize("callers", [PERSONAS], ids=["+".join(PERSONAS)])


@pytest.mark.quick_fuzz
@pytest.mark.django_db
@CALLERS
@schema.parametrize()
@settings(FUZZ, max_examples=QUICK)
def test_every_operation_answers_every_caller_as_documented(case: ApiCase, callers: list[str], world: World) -> None:
    exercise(case, world, callers)


@pytest.mark.slow
@pytest.mark.django_db
@CALLERS
@random_schema.parametrize()
@settings(FUZZ, max_examples=DEEP)
def test_every_operation_answers_every_caller_as_documented_at_length(
    case: ApiCase, callers: list[str], world: World
) -> None:
    exercise(case, world, callers)


# The lists' operations are for coordinators alone: the callers above are refused before their input is read.
COORDINATOR = pytest.mark.parametrize("callers", [["coordinator"]], ids=["coordinator"])
lists_schema = schema.include(tag="lists")
random_lists_schema = random_schema.include(tag="lists")


@pytest.mark.quick_fuzz
@pytest.mark.django_db
@COORDINATOR
@lists_schema.parametrize()
@settings(FUZZ, max_examples=QUICK)
def test_the_lists_operations_answer_their_coordinator_as_documented(
    case: ApiCase, callers: list[str], world: World
) -> None:
    exercise(case, world, callers)


@pytest.mark.slow
@pytest.mark.django_db
@COORDINATOR
@random_lists_schema.parametrize()
@settings(FUZZ, max_examples=DEEP)
def test_the_lists_operations_answer_their_coordinator_as_documented_at_length(
    case: ApiCase, callers: list[str], world: World
) -> None:
    exercise(case, world, callers)


# The campaigns' changes are for their organisers (a coordinator of the campaign's group): exercised as one too.
campaigns_schema = schema.include(tag="campaigns")
random_campaigns_schema = random_schema.include(tag="campaigns")


@pytest.mark.quick_fuzz
@pytest.mark.django_db
@COORDINATOR
@campaigns_schema.parametrize()
@settings(FUZZ, max_examples=QUICK)
def test_the_campaigns_operations_answer_their_organiser_as_documented(
    case: ApiCase, callers: list[str], world: World
) -> None:
    exercise(case, world, callers)


@pytest.mark.slow
@pytest.mark.django_db
@COORDINATOR
@random_campaigns_schema.parametrize()
@settings(FUZZ, max_examples=DEEP)
def test_the_campaigns_operations_answer_their_organiser_as_documented_at_length(
    case: ApiCase, callers: list[str], world: World
) -> None:
    exercise(case, world, callers)


# The inbox's operations are for dispatchers alone (a role in any group): exercised as one too.
DISPATCHER = pytest.mark.parametrize("callers", [["dispatcher"]], ids=["dispatcher"])
inbox_schema = schema.include(tag="inbox")
random_inbox_schema = random_schema.include(tag="inbox")


@pytest.mark.quick_fuzz
@pytest.mark.django_db
@DISPATCHER
@inbox_schema.parametrize()
@settings(FUZZ, max_examples=QUICK)
def test_the_inbox_operations_answer_a_dispatcher_as_documented(
    case: ApiCase, callers: list[str], world: World
) -> None:
    exercise(case, world, callers)


@pytest.mark.slow
@pytest.mark.django_db
@DISPATCHER
@random_inbox_schema.parametrize()
@settings(FUZZ, max_examples=DEEP)
def test_the_inbox_operations_answer_a_dispatcher_as_documented_at_length(
    case: ApiCase, callers: list[str], world: World
) -> None:
    exercise(case, world, callers)


# The incidents' operations are for dispatchers (requirements and settings for coordinators too): as one.
incidents_schema = schema.include(tag="incidents")
random_incidents_schema = random_schema.include(tag="incidents")


@pytest.mark.quick_fuzz
@pytest.mark.django_db
@DISPATCHER
@incidents_schema.parametrize()
@settings(FUZZ, max_examples=QUICK)
def test_the_incidents_operations_answer_a_dispatcher_as_documented(
    case: ApiCase, callers: list[str], world: World
) -> None:
    exercise(case, world, callers)


@pytest.mark.slow
@pytest.mark.django_db
@DISPATCHER
@random_incidents_schema.parametrize()
@settings(FUZZ, max_examples=DEEP // 2)  # each example makes a confirmed incident and its alerts again
def test_the_incidents_operations_answer_a_dispatcher_as_documented_at_length(
    case: ApiCase, callers: list[str], world: World
) -> None:
    exercise(case, world, callers)


# The cases' operations are for a case's team (dispatchers and case workers on it): exercised as a dispatcher on it.
cases_schema = schema.include(tag="cases")
random_cases_schema = random_schema.include(tag="cases")


@pytest.mark.quick_fuzz
@pytest.mark.django_db
@DISPATCHER
@cases_schema.parametrize()
@settings(FUZZ, max_examples=QUICK)
def test_the_cases_operations_answer_their_team_as_documented(case: ApiCase, callers: list[str], world: World) -> None:
    exercise(case, world, callers)


@pytest.mark.slow
@pytest.mark.django_db
@DISPATCHER
@random_cases_schema.parametrize()
@settings(FUZZ, max_examples=DEEP // 2)
def test_the_cases_operations_answer_their_team_as_documented_at_length(
    case: ApiCase, callers: list[str], world: World
) -> None:
    exercise(case, world, callers)


# The people's operations: roster keepers keep the whole roster (people.access), exercised as one too.
KEEPER = pytest.mark.parametrize("callers", [["keeper"]], ids=["keeper"])
people_schema = schema.include(tag="people")
random_people_schema = random_schema.include(tag="people")


@pytest.mark.quick_fuzz
@pytest.mark.django_db
@KEEPER
@people_schema.parametrize()
@settings(FUZZ, max_examples=QUICK)
def test_the_people_operations_answer_a_roster_keeper_as_documented(
    case: ApiCase, callers: list[str], world: World
) -> None:
    exercise(case, world, callers)


@pytest.mark.slow
@pytest.mark.django_db
@KEEPER
@random_people_schema.parametrize()
@settings(FUZZ, max_examples=DEEP)
def test_the_people_operations_answer_a_roster_keeper_as_documented_at_length(
    case: ApiCase, callers: list[str], world: World
) -> None:
    exercise(case, world, callers)
