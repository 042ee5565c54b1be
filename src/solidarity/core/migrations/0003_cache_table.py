"""The database cache's table, so that `migrate` alone prepares a database (no separate createcachetable)."""

from typing import Any

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps: Any, schema_editor: Any) -> None:
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("core", "0002_audit_log")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
