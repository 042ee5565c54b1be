"""Consent: what a person agreed to be contacted about (alerts, trainings, announcements).

People already on the roster were added under the rule that a person on the roster gets alerts:
they keep all three (added true), and the default for new people is then false (Person's doc).
"""

from django.db import migrations, models

WHAT = {
    "consent_alerts": "agreed to get alerts",
    "consent_trainings": "agreed to hear about trainings",
    "consent_announcements": "agreed to get announcements",
}


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0004_self_service_links_feeds_and_contact_tests"),
    ]

    operations = [
        *(
            migrations.AddField(
                model_name="person", name=name, field=models.BooleanField(default=True, verbose_name=label)
            )
            for name, label in WHAT.items()
        ),
        *(
            migrations.AlterField(
                model_name="person", name=name, field=models.BooleanField(default=False, verbose_name=label)
            )
            for name, label in WHAT.items()
        ),
        migrations.AddField(
            model_name="person",
            name="consent_updated_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="consent last changed"),
        ),
    ]
