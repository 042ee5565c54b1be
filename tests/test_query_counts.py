"""Every page and API operation that shows a list costs a few queries, the same however many rows it shows.

Each is rendered with a few rows, then with several more: the number of queries must not grow (no
N+1), and stays under a pinned maximum. Counted on SQLite, where the cache and the sessions are
tables too; with Redis holding the cache the counts are lower, never higher.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from solidarity.accounts.groups import do_add_member, do_create_group, do_set_roles
from solidarity.accounts.models import TokenScope, User
from solidarity.accounts.services import do_create_token, do_invite
from solidarity.core.permissions import Role
from solidarity.core.zones import ZoneValues, do_create_zone
from solidarity.lists.models import AnnouncementList, Broadcast
from solidarity.messaging.models import Channel
from solidarity.messaging.sms_settings import PhoneChange, SmsChanges, do_save_sms_settings, do_send_test_text
from solidarity.people.models import Skill
from tests.factories.accounts import bearer, client_for, make_member, make_user
from tests.factories.lists import draft, make_list, send_now, subscriber, with_zones
from tests.factories.messaging import received
from tests.factories.people import make_person

pytestmark = pytest.mark.django_db

FEW = 2  # rows on the first look
MORE = 5  # rows added before the second


@dataclass
class World:
    """What a page is about, made as its viewer and its rows need it (fixtures are asked for lazily)."""

    request: pytest.FixtureRequest
    viewer: User | None = None  # None: anonymous

    def __getattr__(self, name: str) -> Any:
        return self.request.getfixturevalue(name)

    @property
    def east(self) -> AnnouncementList:
        found = AnnouncementList.objects.filter(slug="east-durham").first()
        return found or make_list(self.medics, self.coordinator, "east-durham")


Rows = Callable[[World, range], list[str]]  # adds the rows numbered in the range; what each shows on the page


@dataclass(frozen=True)
class Page:
    name: str
    viewer: str  # the persona who looks ("" for anonymous)
    path: str | Callable[[World], str]  # a callable is asked after the rows are added
    rows: Rows
    most: int  # queries at most, however many rows (SQLite's count; Redis' is lower)
    api: bool = False  # called with the viewer's bearer token, as a network's script calls it


# Rows for each page.


def groups_of_the_viewer(role: Role) -> Rows:
    def add(world: World, numbers: range) -> list[str]:
        assert world.viewer is not None
        names = []
        for n in numbers:
            group = do_create_group(name=f"Group number {n}")
            do_add_member(group, world.viewer, [role] if role != Role.MEMBER else [])
            names.append(group.name)
        return names

    return add


def coordinated_groups_with_broadcasts_going_out(world: World, numbers: range) -> list[str]:
    names = []
    for n in numbers:
        group = do_create_group(name=f"Group number {n}")
        do_add_member(group, world.coordinator, [Role.COORDINATOR])
        announcement_list = make_list(group, world.coordinator, f"list-{n}")
        subscriber(announcement_list, Channel.EMAIL, f"person{n}@example.org")
        send_now(group, [announcement_list], world.coordinator, [Channel.EMAIL])  # waits in the outbox: going out
        names.append(group.name)
    return names


def dispatched_groups_and_texts(world: World, numbers: range) -> list[str]:
    shown = groups_of_the_viewer(Role.DISPATCHER)(world, numbers)
    for n in numbers:
        received(f"Text number {n}", sender=f"+1919555{n:04d}")
    return shown


def saved_phones(world: World, numbers: range) -> list[str]:
    """The admin's saved SMS settings with phones 0 .. the range's end (the form saves the whole list)."""
    phones = [
        PhoneChange("", f"phone-{n}", f"https://phone{n}.example.org", "sms", "a phone password", "a signing key")
        for n in range(numbers.stop)
    ]
    do_save_sms_settings(SmsChanges(android_enabled=True, phones=phones), actor="system")
    return [f"android:phone-{n}" for n in numbers]


def saved_phones_and_test_texts(world: World, numbers: range) -> list[str]:
    shown = saved_phones(world, numbers)
    for n in numbers:
        do_send_test_text(f"+1919555{n:04d}", actor=str(world.admin.uuid), language="en")
    return shown


def groups_with_members(world: World, numbers: range) -> list[str]:
    names = []
    for n in numbers:
        group = do_create_group(name=f"Group number {n}")
        make_member(f"member.{n}", group, Role.RESPONDER)
        names.append(group.name)
    return names


def appointed_coordinators(world: World, numbers: range) -> list[str]:
    return [make_member(f"coord.{n}", world.medics, Role.COORDINATOR).username for n in numbers]


def members(world: World, numbers: range) -> list[str]:
    return [make_member(f"member.{n}", world.medics, Role.RESPONDER, Role.MEDIC_LEAD).username for n in numbers]


def role_changes(world: World, numbers: range) -> list[str]:
    """The medic's roles changed by a different coordinator each time: a history with as many actors."""
    names = []
    for n in numbers:
        by = make_member(f"coord.{n}", world.medics, Role.COORDINATOR)
        do_set_roles(world.medics, world.medic, [Role.RESPONDER] if n % 2 else [Role.MEDIC_LEAD], by=by)
        names.append(by.username)
    return names


def members_added_by_several_coordinators(world: World, numbers: range) -> list[str]:
    names = []
    for n in numbers:
        by = make_member(f"coord.{n}", world.medics, Role.COORDINATOR)
        do_add_member(world.medics, make_user(f"new.{n}"), [Role.RESPONDER], by=by)
        names.append(by.username)
    return names


def texts_in_the_inbox(world: World, numbers: range) -> list[str]:
    return [received(f"Text number {n}", sender=f"+1919555{n:04d}").body for n in numbers]


def pending_invitations(world: World, numbers: range) -> list[str]:
    emails = [f"invitee{n}@example.org" for n in numbers]
    for email in emails:
        do_invite(email=email, is_admin=False, created_by=world.admin, language="en")
    return emails


def tokens_of_the_viewer(world: World, numbers: range) -> list[str]:
    assert world.viewer is not None
    names = [f"token-{n}" for n in numbers]
    for name in names:
        do_create_token(world.viewer, name=name, scope=TokenScope.READ)
    return names


def lists_with_subscribers_and_broadcasts(world: World, numbers: range) -> list[str]:
    names = []
    for n in numbers:
        announcement_list = make_list(world.medics, world.coordinator, f"list-{n}")
        subscriber(announcement_list, Channel.EMAIL, f"person{n}@example.org")
        subscriber(announcement_list, Channel.SMS, f"(919) 555-01{n:02d}")
        draft(world.medics, [announcement_list], world.coordinator, [Channel.EMAIL], subject=f"News {n}")
        send_now(world.medics, [announcement_list], world.coordinator, [Channel.EMAIL], subject=f"Going out {n}")
        names += [announcement_list.name_en, f"News {n}", f"Going out {n}"]
    return names


def broadcasts_to_lists(world: World, numbers: range) -> list[str]:
    """Drafts and sent broadcasts to several lists: the API names them by subject, and their lists by slug."""
    shown = lists_with_subscribers_and_broadcasts(world, numbers)
    return [name for name in shown if name.startswith(("News", "Going out"))] + [f"list-{n}" for n in numbers]


def lists(world: World, numbers: range) -> list[str]:
    return [make_list(world.medics, world.coordinator, f"list-{n}").name_en for n in numbers]


def subscribers_in_zones(world: World, numbers: range) -> list[str]:
    names = [f"Zone number {n}" for n in numbers]
    east = with_zones(world.east, world.coordinator, *names)
    for n in numbers:
        subscriber(east, Channel.EMAIL, f"person{n}@example.org", zone=f"zone-number-{n}")
    return names


def zones_offered(world: World, numbers: range) -> list[str]:
    names = [f"Zone number {n}" for n in numbers]
    with_zones(world.east, world.coordinator, *names)
    return names


def zones_with_neighbours_and_people(world: World, numbers: range) -> list[str]:
    """Zones, each touching the one before and covered by a person: the zones page names them all."""
    names = []
    for n in numbers:
        before = [f"zone-number-{n - 1}"] if n else []
        do_create_zone(ZoneValues(name_en=f"Zone number {n}", neighbours=tuple(before)), actor="system")
        make_person(f"Person {n}", zones=[f"zone-number-{n}"], vetted=False, windows=())
        names.append(f"Zone number {n}")
    return names


def skills_in_the_catalogue(world: World, numbers: range) -> list[str]:
    """Skills beyond the seeded catalogue (a network's own), named in English only."""
    slugs = [f"skill-number-{n}" for n in numbers]
    for slug in slugs:
        Skill.objects.create(slug=slug, name_en=slug.replace("-", " "), refresher_days=365)
    return slugs


def lists_of_a_broadcast(world: World, numbers: range) -> list[str]:
    """More lists, each with subscribers on both channels; the page shows a new broadcast to all of them."""
    shown = lists_with_subscribers_and_broadcasts(world, numbers)
    return [name for name in shown if not name.startswith(("News", "Going out"))]


def latest_broadcast(sent: bool) -> Callable[[World], str]:
    """A new broadcast to every list of the group, sent or a draft: its page."""

    def path(world: World) -> str:
        every = list(world.medics.announcement_lists.all())
        make = send_now if sent else draft
        broadcast: Broadcast = make(world.medics, every, world.coordinator, [Channel.EMAIL, Channel.SMS])
        return f"{GROUP}/broadcasts/{broadcast.uuid}/"

    return path


MEDICS = "street-medics-committee"
GROUP = f"/en/groups/{MEDICS}"

# The pins are SQLite's counts: the session, the account, the roles (once), the cached settings, the page's
# own few, and an audit entry where the page shows people or texts (lock, append, move the head).
PAGES = [
    # Each dashboard also reads the next trainings (one query, and one for the viewer's person record).
    Page("dashboard as a member", "medic", "/en/dashboard/", groups_of_the_viewer(Role.MEMBER), 11),
    Page(
        "dashboard as a coordinator", "coordinator", "/en/dashboard/", coordinated_groups_with_broadcasts_going_out, 13
    ),
    Page("dashboard as a dispatcher", "dispatcher", "/en/dashboard/", dispatched_groups_and_texts, 15),
    Page("dashboard as an admin", "admin", "/en/dashboard/", saved_phones, 12),
    Page("working groups (admins)", "admin", "/en/groups/", groups_with_members, 6),
    Page("a group's settings (admins)", "admin", f"{GROUP}/settings/", appointed_coordinators, 9),
    Page("a group's page", "coordinator", f"{GROUP}/", members, 14),
    Page("a member's page", "coordinator", lambda world: f"{GROUP}/members/{world.medic.uuid}/", role_changes, 11),
    Page("a group's audit trail", "coordinator", f"{GROUP}/audit/", members_added_by_several_coordinators, 10),
    Page("the inbox", "dispatcher", "/en/inbox/", texts_in_the_inbox, 12),
    Page("invitations", "admin", "/en/invitations/", pending_invitations, 6),
    Page("API tokens", "coordinator", "/en/security/tokens/", tokens_of_the_viewer, 8),
    Page("SMS settings", "admin", "/en/settings/sms/", saved_phones_and_test_texts, 9),
    Page("a group's lists and broadcasts", "coordinator", f"{GROUP}/lists/", lists_with_subscribers_and_broadcasts, 13),
    Page("a list's page", "coordinator", f"{GROUP}/lists/east-durham/", subscribers_in_zones, 13),
    Page("a list's edit page", "coordinator", f"{GROUP}/lists/east-durham/edit/", zones_offered, 12),
    Page("the composer", "coordinator", f"{GROUP}/broadcasts/new/", lists, 11),
    Page("a draft broadcast's preview", "coordinator", latest_broadcast(sent=False), lists_of_a_broadcast, 17),
    Page("a sent broadcast's progress", "coordinator", latest_broadcast(sent=True), lists_of_a_broadcast, 14),
    Page("a list's sign-up page", "", "/en/lists/east-durham/", zones_offered, 6),
    Page("the zones (a coordinator)", "coordinator", "/en/zones/", zones_with_neighbours_and_people, 9),
    Page("the zones (a member)", "medic", "/en/zones/", zones_with_neighbours_and_people, 7),  # no counts
    Page("GET /api/v1/accounts/tokens", "coordinator", "/api/v1/accounts/tokens", tokens_of_the_viewer, 4, api=True),
    Page("GET /api/v1/groups", "coordinator", "/api/v1/groups", groups_of_the_viewer(Role.RESPONDER), 4, api=True),
    Page("GET /api/v1/groups/{slug}", "coordinator", "/api/v1/groups/street-medics-committee", members, 13, api=True),
    Page(
        "GET /api/v1/groups/{slug}/members",
        "coordinator",
        "/api/v1/groups/street-medics-committee/members",
        members,
        11,
        api=True,
    ),
    Page("GET /api/v1/zones", "medic", "/api/v1/zones", zones_offered, 4, api=True),
    Page("GET /api/v1/skills", "medic", "/api/v1/skills?limit=500", skills_in_the_catalogue, 4, api=True),
    Page("GET /api/v1/groups/{slug}/lists", "coordinator", f"/api/v1/groups/{MEDICS}/lists", lists, 7, api=True),
    Page(
        "GET /api/v1/groups/{slug}/broadcasts",
        "coordinator",
        f"/api/v1/groups/{MEDICS}/broadcasts",
        broadcasts_to_lists,
        10,
        api=True,
    ),
]


def path_of(listing: Page, world: World) -> str:
    return listing.path if isinstance(listing.path, str) else listing.path(world)


def looked_at(client: Client, path: str, headers: dict[str, str]) -> tuple[int, str]:
    """How many queries a second look costs (the first warms the session and the cached settings), and the page."""
    assert client.get(path, headers=headers).status_code == 200
    with CaptureQueriesContext(connection) as seen:
        response = client.get(path, headers=headers)
    assert response.status_code == 200, response.content.decode()[:500]
    return len(seen), response.content.decode()


@pytest.mark.parametrize("listing", PAGES, ids=[listing.name for listing in PAGES])
def test_a_list_costs_the_same_few_queries_however_many_rows_it_shows(
    listing: Page, request: pytest.FixtureRequest
) -> None:
    viewer: User | None = request.getfixturevalue(listing.viewer) if listing.viewer else None
    world = World(request, viewer)
    client = client_for(viewer) if viewer and not listing.api else Client()
    headers = (
        bearer(do_create_token(viewer, name="script", scope=TokenScope.READ).secret) if viewer and listing.api else {}
    )

    first = listing.rows(world, range(FEW))
    few, shown = looked_at(client, path_of(listing, world), headers)
    assert all(row in shown for row in first), [row for row in first if row not in shown]

    more = listing.rows(world, range(FEW, FEW + MORE))
    many, shown = looked_at(client, path_of(listing, world), headers)
    assert all(row in shown for row in first + more), [row for row in first + more if row not in shown]

    assert many == few <= listing.most, f"{listing.name}: {few} queries with {FEW} rows, {many} with {FEW + MORE}"
