"""Zones become core's Zone rows: a list's and a broadcast's zones, and a subscription's zone.

Every distinct name a list, a subscription or a broadcast held becomes one zone (named alike in
both languages, its slug made from the name and unique), and every row points at the zones its
names named. Names are compared as stored, spaces around them aside: two spellings stay two
zones, as they were two to the broadcasts' zone filter. The names stay in `zone_names` /
`zone_name` until 0004 removes them; going back writes them again from the zones.
"""

from typing import Any

import django.db.models.deletion
from django.db import migrations, models
from django.utils.text import slugify

SLUG_LENGTH = 60
NAME_LENGTH = 80


def names_in(value: object) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return []
    return [str(name).strip()[:NAME_LENGTH] for name in value if str(name).strip()]


def free_slug(name: str, taken: set[str]) -> str:
    base = slugify(name)[:SLUG_LENGTH].strip("-") or "zone"
    slug, number = base, 1
    while slug in taken:
        number += 1
        suffix = f"-{number}"
        slug = base[: SLUG_LENGTH - len(suffix)].strip("-") + suffix
    taken.add(slug)
    return slug


def zones_from_names(apps: Any, schema_editor: Any) -> None:
    Zone = apps.get_model("core", "Zone")
    AnnouncementList = apps.get_model("lists", "AnnouncementList")
    Subscription = apps.get_model("lists", "Subscription")
    Broadcast = apps.get_model("lists", "Broadcast")

    lists = [(item, names_in(item.zone_names)) for item in AnnouncementList.objects.order_by("pk")]
    broadcasts = [(item, names_in(item.zone_names)) for item in Broadcast.objects.order_by("pk")]
    held = {value: names_in(value) for value in Subscription.objects.values_list("zone_name", flat=True).distinct()}
    names = {name for _row, found in lists + broadcasts for name in found}
    names |= {name for found in held.values() for name in found}

    taken = set(Zone.objects.values_list("slug", flat=True))
    zones = {}
    for name in sorted(names):
        zone = Zone.objects.filter(models.Q(name_en=name) | models.Q(name_es=name)).order_by("pk").first()
        if zone is None:
            zone = Zone.objects.create(slug=free_slug(name, taken), name_en=name, name_es=name)
        zones[name] = zone

    for row, found in lists + broadcasts:
        row.zones.set([zones[name] for name in found])
    for value, found in held.items():
        if found:
            Subscription.objects.filter(zone_name=value).update(zone=zones[found[0]])


def names_from_zones(apps: Any, schema_editor: Any) -> None:
    AnnouncementList = apps.get_model("lists", "AnnouncementList")
    Subscription = apps.get_model("lists", "Subscription")
    Broadcast = apps.get_model("lists", "Broadcast")
    for model in (AnnouncementList, Broadcast):
        for row in model.objects.prefetch_related("zones"):
            row.zone_names = [zone.name_en or zone.name_es for zone in row.zones.all()]
            row.save(update_fields=["zone_names"])
    for subscription in Subscription.objects.filter(zone__isnull=False).select_related("zone"):
        zone = subscription.zone
        subscription.zone_name = (zone.name_en or zone.name_es)[:60]
        subscription.save(update_fields=["zone_name"])


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0009_zone"),
        ("lists", "0002_bilingual_texts"),
    ]

    operations = [
        migrations.RenameField(model_name="announcementlist", old_name="zones", new_name="zone_names"),
        migrations.RenameField(model_name="subscription", old_name="zone", new_name="zone_name"),
        migrations.RenameField(model_name="broadcast", old_name="zones", new_name="zone_names"),
        migrations.AddField(
            model_name="announcementlist",
            name="zones",
            field=models.ManyToManyField(
                blank=True, related_name="announcement_lists", to="core.zone", verbose_name="zones"
            ),
        ),
        migrations.AddField(
            model_name="subscription",
            name="zone",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="core.zone",
            ),
        ),
        migrations.AddField(
            model_name="broadcast",
            name="zones",
            field=models.ManyToManyField(blank=True, related_name="+", to="core.zone"),
        ),
        migrations.RunPython(zones_from_names, names_from_zones),
    ]
