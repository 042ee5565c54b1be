"""Data migrations that protect values already stored.

Going back to an old schema unapplies nearly every app's migrations, and coming forward applies
them again: about 50 s each way on a two-core machine. So the database goes back once for all
these tests (`history`): the old rows of every test are made there, everything is migrated
forward, and what each test checks is read then; the lists' migrations are then reversed and
read once more. The tests assert on what was read.
"""

import uuid
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from solidarity.accounts.models import Invitation, Membership
from solidarity.core.models import Zone
from solidarity.lists.models import AnnouncementList, Broadcast, Subscription

ACCOUNTS_BEFORE = ("accounts", "0004_user_email_index_alter_user_email")  # invitations in clear, a role each
LISTS_BEFORE = ("lists", "0001_initial")  # zones and texts as free text; it needs ACCOUNTS_BEFORE, no later
INVITED = "waiting.zq71@example.org"

# The tests read `history`; the mark has the test database made for it, and runs them with the tests that
# empty the database after them (migrations' seeds included), after the tests that need those seeds.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def history(django_db_setup: None, django_db_blocker: Any) -> dict[str, Any]:
    """The database taken back to ACCOUNTS_BEFORE and LISTS_BEFORE, given the old rows, and migrated forward;
    what the tests check, read at the latest schema and again with the lists' migrations reversed."""
    read: dict[str, Any] = {}
    with django_db_blocker.unblock():
        executor = MigrationExecutor(connection)
        executor.migrate([ACCOUNTS_BEFORE, LISTS_BEFORE])
        old = executor.loader.project_state([ACCOUNTS_BEFORE, LISTS_BEFORE]).apps
        made = old_rows(old)

        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
        read.update(latest(made))

        executor.loader.build_graph()
        executor.migrate([LISTS_BEFORE])
        back = executor.loader.project_state([LISTS_BEFORE]).apps
        restored = back.get_model("lists", "AnnouncementList").objects.get(slug="east")
        read["reversed"] = (
            restored.name,
            restored.zones,
            back.get_model("lists", "Subscription").objects.get(uuid=made["east subscription"]).zone,
        )
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())  # every app back at its latest, for the tests after
    return read


def old_rows(old: Any) -> dict[str, Any]:
    """Each test's rows, made with the old schema's models; the ids to find them by."""
    made: dict[str, Any] = {"invitation": uuid.uuid4()}
    old.get_model("accounts", "Invitation").objects.create(
        uuid=made["invitation"], email=INVITED, token_hash="x" * 64, expires_at=timezone.now()
    )

    group_model = old.get_model("accounts", "WorkingGroup")
    user_model, membership_model = old.get_model("accounts", "User"), old.get_model("accounts", "Membership")
    responders = group_model.objects.create(name="Rapid Response", slug="rapid-response")
    for username, held in [("rosa.ejemplo", "coordinator"), ("sam.placeholder", "dispatcher"), ("lupe.demo", "member")]:
        user = user_model.objects.create(username=username, uuid=uuid.uuid4(), email="", email_index="")
        membership_model.objects.create(user=user, group=responders, role=held)

    medics = group_model.objects.create(name="Street medics", slug="street-medics")
    lists, subscriptions = old.get_model("lists", "AnnouncementList"), old.get_model("lists", "Subscription")
    east_durham = lists.objects.create(
        group=medics,
        name="Rapid response — East Durham",
        slug="east-durham",
        description="Alerts when ICE is seen.",
        zones=["East Durham", "Walltown", "walltown", " Walltown "],
    )
    lists.objects.create(group=medics, name="Quiet", slug="quiet")
    made["subscriptions"] = {
        zone: subscriptions.objects.create(
            announcement_list=east_durham, channel="email", address=f"n{n}@example.org", zone=zone, state="confirmed"
        ).uuid
        for n, zone in enumerate(["Walltown", "walltown", "", "Old North"])  # Old North: a zone the list dropped
    }
    broadcasts = old.get_model("lists", "Broadcast")
    made["zoned"] = broadcasts.objects.create(
        group=medics, text_en="Hello", channels=["email"], zones=["Walltown", "Lakewood"]
    ).pk
    made["everyone"] = broadcasts.objects.create(group=medics, text_en="Hi", channels=["email"]).pk

    east = lists.objects.create(group=medics, name="East", slug="east", zones=["Walltown"])  # reversed later
    made["east subscription"] = subscriptions.objects.create(
        announcement_list=east, channel="email", address="n@example.org", zone="Walltown"
    ).uuid
    return made


def latest(made: dict[str, Any]) -> dict[str, Any]:
    """What the tests check, read with today's models."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT email FROM accounts_invitation")
        [(stored,)] = cursor.fetchall()
    moved = AnnouncementList.objects.get(slug="east-durham")
    return {
        "invitation stored": stored,
        "invitation": Invitation.objects.get(uuid=made["invitation"]).email,
        "roles": {m.user.username: [str(r) for r in m.roles] for m in Membership.objects.select_related("user")},
        "zones": {zone.slug: (zone.name_en, zone.name_es) for zone in Zone.objects.all()},
        "east-durham": (moved.name_en, moved.name_es, moved.description_en, moved.description_es),
        "east-durham zones": sorted(moved.zones.values_list("slug", flat=True)),
        "quiet zones": list(AnnouncementList.objects.get(slug="quiet").zones.values_list("slug", flat=True)),
        "subscription zones": {
            key: getattr(Subscription.objects.get(uuid=row).zone, "slug", None)
            for key, row in made["subscriptions"].items()
        },
        "zoned broadcast": sorted(Broadcast.objects.get(pk=made["zoned"]).zones.values_list("slug", flat=True)),
        "everyone broadcast": list(Broadcast.objects.get(pk=made["everyone"]).zones.values_list("slug", flat=True)),
    }


def test_invitation_emails_left_in_clear_are_encrypted(history: dict[str, Any]) -> None:
    assert "zq71" not in history["invitation stored"]
    assert history["invitation"] == INVITED


def test_each_membership_keeps_its_one_role_as_a_grant_when_roles_become_a_set(history: dict[str, Any]) -> None:
    assert history["roles"] == {
        "rosa.ejemplo": ["coordinator", "member"],
        "sam.placeholder": ["dispatcher", "member"],
        "lupe.demo": ["member"],
    }


def test_lists_free_text_zones_and_texts_move_to_zones_and_english_fields_losing_nothing(
    history: dict[str, Any],
) -> None:
    assert history["zones"] == {
        "east-durham": ("East Durham", "East Durham"),
        "walltown": ("Walltown", "Walltown"),
        "walltown-2": ("walltown", "walltown"),  # two spellings were two zones to the filter: they stay two
        "old-north": ("Old North", "Old North"),
        "lakewood": ("Lakewood", "Lakewood"),
    }
    assert history["east-durham"] == ("Rapid response — East Durham", "", "Alerts when ICE is seen.", "")
    assert history["east-durham zones"] == ["east-durham", "walltown", "walltown-2"]
    assert history["quiet zones"] == []
    assert history["subscription zones"] == {
        "Walltown": "walltown",
        "walltown": "walltown-2",
        "": None,
        "Old North": "old-north",
    }
    assert history["zoned broadcast"] == ["lakewood", "walltown"]
    assert history["everyone broadcast"] == []


def test_lists_zones_go_back_to_names_when_the_migration_is_reversed(history: dict[str, Any]) -> None:
    assert history["reversed"] == ("East", ["Walltown"], "Walltown")
