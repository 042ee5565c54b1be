"""Data migrations that protect values already stored."""

import uuid

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from solidarity.accounts.models import Invitation

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
