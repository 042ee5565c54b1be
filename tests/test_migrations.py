"""Data migrations that protect values already stored."""

import uuid

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from solidarity.accounts.models import Invitation, Membership

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
