"""The zone names 0003 turned into zones are dropped (in a migration of its own: PostgreSQL alters no
table that rows changed in the same transaction still wait on)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("lists", "0003_zones"),
    ]

    operations = [
        migrations.RemoveField(model_name="announcementlist", name="zone_names"),
        migrations.RemoveField(model_name="subscription", name="zone_name"),
        migrations.RemoveField(model_name="broadcast", name="zone_names"),
    ]
