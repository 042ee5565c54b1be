"""Invitation emails were stored in clear until used: encrypt them, bound to their invitation."""

from typing import Any

from django.db import migrations

import solidarity.core.fields
from solidarity.core import crypto


def encrypt_existing(apps: Any, schema_editor: Any) -> None:
    invitation = apps.get_model("accounts", "Invitation")
    for row in invitation.objects.values("pk", "uuid", "email"):
        if row["email"] and not str(row["email"]).startswith(f"{crypto.FORMAT}:"):
            sealed = crypto.encrypt(str(row["email"]), context="accounts.invitation.email", row=row["uuid"])
            invitation.objects.filter(pk=row["pk"]).update(email=sealed)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_user_email_index_alter_user_email"),
    ]

    operations = [
        migrations.AlterField(
            model_name="invitation",
            name="email",
            field=solidarity.core.fields.EncryptedTextField(blank=True, context="accounts.invitation.email"),
        ),
        migrations.RunPython(encrypt_existing, migrations.RunPython.noop),
    ]
