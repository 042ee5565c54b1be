"""Data migrations that protect values already stored."""

import uuid

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from solidarity.accounts.models import Invitation, Membership
from solidarity.core.models import Zone
from solidarity.lists.models import AnnouncementList, Broadcast, Subscription

BEFORE = [("accounts", "0004_user_email_index_alter_user_email")]
AFTER = [("accounts", "0005_encrypted_invitation_email")]


@pytest.mark.django_db(transaction=True)
def test_invitation_emails_left_in_clear_are_encrypted() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps.get_model("accounts", "Invitation")
    row = uuid.uuid4()
    old.objects.create(uuid=row, email="waiting.zq71@example.org", token_hash="x" * 64, expires_at=timezone.now())

    executor.loader.build_graph()
    executor.migrate(AFTER)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())  # every app back at its latest, for the tests after

    with connection.cursor() as cursor:
        cursor.execute("SELECT email FROM accounts_invitation")
        [(stored,)] = cursor.fetchall()
    assert "zq71" not in stored
    assert Invitation.objects.get(uuid=row).email == "waiting.zq71@example.org"


@pytest.mark.django_db(transaction=True)
def test_each_membership_keeps_its_one_role_as_a_grant_when_roles_become_a_set() -> None:
    before, after = [("accounts", "0005_encrypted_invitation_email")], [("accounts", "0006_roles_as_a_set")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    user_model, group_model = old.get_model("accounts", "User"), old.get_model("accounts", "WorkingGroup")
    membership_model = old.get_model("accounts", "Membership")
    group = group_model.objects.create(name="Rapid Response", slug="rapid-response")
    for username, held in [("rosa.ejemplo", "coordinator"), ("sam.placeholder", "dispatcher"), ("lupe.demo", "member")]:
        user = user_model.objects.create(username=username, uuid=uuid.uuid4(), email="", email_index="")
        membership_model.objects.create(user=user, group=group, role=held)

    executor.loader.build_graph()
    executor.migrate(after)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    held_now = {m.user.username: [str(r) for r in m.roles] for m in Membership.objects.select_related("user")}
    assert held_now == {
        "rosa.ejemplo": ["coordinator", "member"],
        "sam.placeholder": ["dispatcher", "member"],
        "lupe.demo": ["member"],
    }


LISTS_BEFORE = [("lists", "0001_initial")]
LISTS_AFTER = [("lists", "0004_drop_zone_names")]


@pytest.mark.django_db(transaction=True)
def test_lists_free_text_zones_and_texts_move_to_zones_and_english_fields_losing_nothing() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(LISTS_BEFORE)
    old = executor.loader.project_state(LISTS_BEFORE).apps
    group = old.get_model("accounts", "WorkingGroup").objects.create(name="Street medics", slug="street-medics")
    east = old.get_model("lists", "AnnouncementList").objects.create(
        group=group,
        name="Rapid response — East Durham",
        slug="east-durham",
        description="Alerts when ICE is seen.",
        zones=["East Durham", "Walltown", "walltown", " Walltown "],
    )
    quiet = old.get_model("lists", "AnnouncementList").objects.create(group=group, name="Quiet", slug="quiet")
    subscription = old.get_model("lists", "Subscription")
    rows = {
        zone: subscription.objects.create(
            announcement_list=east, channel="email", address=f"n{n}@example.org", zone=zone, state="confirmed"
        ).uuid
        for n, zone in enumerate(["Walltown", "walltown", "", "Old North"])  # Old North: a zone the list dropped
    }
    broadcast = old.get_model("lists", "Broadcast").objects.create(
        group=group, text_en="Hello", channels=["email"], zones=["Walltown", "Lakewood"]
    )
    everyone = old.get_model("lists", "Broadcast").objects.create(group=group, text_en="Hi", channels=["email"])

    executor.loader.build_graph()
    executor.migrate(LISTS_AFTER)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())  # every app back at its latest, for the tests after

    zones = {zone.slug: (zone.name_en, zone.name_es) for zone in Zone.objects.all()}
    assert zones == {
        "east-durham": ("East Durham", "East Durham"),
        "walltown": ("Walltown", "Walltown"),
        "walltown-2": ("walltown", "walltown"),  # two spellings were two zones to the filter: they stay two
        "old-north": ("Old North", "Old North"),
        "lakewood": ("Lakewood", "Lakewood"),
    }
    moved = AnnouncementList.objects.get(slug="east-durham")
    assert (moved.name_en, moved.name_es, moved.description_en, moved.description_es) == (
        "Rapid response — East Durham",
        "",
        "Alerts when ICE is seen.",
        "",
    )
    assert sorted(moved.zones.values_list("slug", flat=True)) == ["east-durham", "walltown", "walltown-2"]
    assert not AnnouncementList.objects.get(slug=quiet.slug).zones.exists()
    held = {key: Subscription.objects.get(uuid=row).zone for key, row in rows.items()}
    assert {key: zone.slug if zone else None for key, zone in held.items()} == {
        "Walltown": "walltown",
        "walltown": "walltown-2",
        "": None,
        "Old North": "old-north",
    }
    assert sorted(Broadcast.objects.get(pk=broadcast.pk).zones.values_list("slug", flat=True)) == [
        "lakewood",
        "walltown",
    ]
    assert not Broadcast.objects.get(pk=everyone.pk).zones.exists()


@pytest.mark.django_db(transaction=True)
def test_lists_zones_go_back_to_names_when_the_migration_is_reversed() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(LISTS_BEFORE)
    old = executor.loader.project_state(LISTS_BEFORE).apps
    group = old.get_model("accounts", "WorkingGroup").objects.create(name="Street medics", slug="street-medics")
    east = old.get_model("lists", "AnnouncementList").objects.create(
        group=group, name="East", slug="east", zones=["Walltown"]
    )
    row = (
        old.get_model("lists", "Subscription")
        .objects.create(announcement_list=east, channel="email", address="n@example.org", zone="Walltown")
        .uuid
    )

    executor.loader.build_graph()
    executor.migrate(LISTS_AFTER)
    executor.loader.build_graph()
    executor.migrate(LISTS_BEFORE)
    back = executor.loader.project_state(LISTS_BEFORE).apps
    restored = back.get_model("lists", "AnnouncementList").objects.get(slug="east")
    subscription_zone = back.get_model("lists", "Subscription").objects.get(uuid=row).zone
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert (restored.name, restored.zones, subscription_zone) == ("East", ["Walltown"], "Walltown")
