"""What each incident type needs when a network starts (issue 13), from the skill catalogue (people 0002).

Coordinators change them on the requirements page. Verifiers and legal observers verify reports.
Going back removes nothing a coordinator may have changed since: only rows still as seeded.
"""

from typing import Any

from django.db import migrations

STARTING = [
    # type, skill, how many, within minutes, in pairs
    ("checkpoint", "legal-observer", 2, None, False),
    ("checkpoint", "licensed-driver", 1, None, False),
    ("checkpoint", "interpreter-en-es", 1, None, False),
    ("home_raid", "legal-observer", 2, None, False),
    ("home_raid", "interpreter-en-es", 1, None, False),
    ("workplace_raid", "legal-observer", 2, None, False),
    ("workplace_raid", "interpreter-en-es", 1, None, False),
    ("workplace_raid", "street-medic-basic", 2, None, True),
    ("arrest", "legal-observer", 1, None, False),
    ("arrest", "interpreter-en-es", 1, None, False),
    ("traffic_stop", "licensed-driver", 1, 60, False),
]
VERIFIERS = ["verifier", "legal-observer"]


def seed(apps: Any, schema_editor: Any) -> None:
    Skill = apps.get_model("people", "Skill")
    Requirement = apps.get_model("incidents", "Requirement")
    HotlineSettings = apps.get_model("incidents", "HotlineSettings")
    skills = {skill.slug: skill for skill in Skill.objects.all()}
    for type_, slug, count, within, pairs in STARTING:
        if slug in skills:
            Requirement.objects.get_or_create(
                type=type_, skill=skills[slug], defaults={"count": count, "within_minutes": within, "in_pairs": pairs}
            )
    hotline, _created = HotlineSettings.objects.get_or_create(pk=1)
    hotline.verifier_skills.add(*[skills[slug] for slug in VERIFIERS if slug in skills])


def unseed(apps: Any, schema_editor: Any) -> None:
    Requirement = apps.get_model("incidents", "Requirement")
    for type_, slug, count, within, pairs in STARTING:
        Requirement.objects.filter(
            type=type_, skill__slug=slug, count=count, within_minutes=within, in_pairs=pairs
        ).delete()


class Migration(migrations.Migration):
    dependencies = [("incidents", "0001_initial"), ("people", "0002_skill_catalogue")]
    operations = [migrations.RunPython(seed, unseed)]
