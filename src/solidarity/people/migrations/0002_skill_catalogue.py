"""The skill catalogue a rapid-response network starts with (issue 12), named in English and Spanish.

Street medics come in two levels, as two skills: each has its own refresher and sign-off, and
dispatch asks for one skill by its slug. Refreshers are the network's to change later
(people.services.do_set_refresher_interval); tourniquets and pressure wrapping fade fastest.
Going back removes only the skills this added that nobody holds.
"""

from typing import Any

from django.db import migrations

CATALOGUE = [
    # slug, English, Spanish, refresher days, needs a practical sign-off
    ("legal-observer", "Legal observer", "Observador/a legal", 730, False),
    ("street-medic-basic", "Street medic (basic)", "Brigadista de salud (street medic), nivel básico", 365, True),
    (
        "street-medic-advanced",
        "Street medic (advanced)",
        "Brigadista de salud (street medic), nivel avanzado",
        365,
        True,
    ),
    ("naloxone", "Naloxone", "Naloxona", 365, False),
    ("tourniquet-pressure-wrapping", "Tourniquet and pressure wrapping", "Torniquete y vendaje compresivo", 180, False),
    ("de-escalation", "De-escalation", "Desescalada de conflictos", 365, False),
    ("interpreter-en-es", "Interpreter English-Spanish", "Intérprete inglés-español", 1095, False),
    ("licensed-driver", "Driver with a valid licence", "Conductor/a con licencia vigente", 365, False),
    ("hotline-taker", "Hotline taker", "Persona que atiende la línea de emergencia", 365, False),
    ("verifier", "Verifier", "Persona verificadora", 365, False),
]


def seed(apps: Any, schema_editor: Any) -> None:
    Skill = apps.get_model("people", "Skill")
    for slug, name_en, name_es, days, sign_off in CATALOGUE:
        Skill.objects.get_or_create(
            slug=slug,
            defaults={"name_en": name_en, "name_es": name_es, "refresher_days": days, "needs_sign_off": sign_off},
        )


def unseed(apps: Any, schema_editor: Any) -> None:
    Skill = apps.get_model("people", "Skill")
    Skill.objects.filter(slug__in=[row[0] for row in CATALOGUE], certifications__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("people", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
