"""Zones: the network's own neighbourhoods and areas, by slug, named in English and Spanish (core.models.Zone)."""

import uuid
from decimal import Decimal

import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0008_timer"),
    ]

    operations = [
        migrations.CreateModel(
            name="Zone",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("uuid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ("slug", models.SlugField(max_length=60, unique=True, verbose_name="short name")),
                ("name_en", models.CharField(blank=True, max_length=80, verbose_name="name in English")),
                ("name_es", models.CharField(blank=True, max_length=80, verbose_name="name in Spanish")),
                (
                    "latitude",
                    models.DecimalField(
                        blank=True,
                        decimal_places=3,
                        max_digits=5,
                        null=True,
                        validators=[
                            django.core.validators.MinValueValidator(Decimal("-90")),
                            django.core.validators.MaxValueValidator(Decimal("90")),
                        ],
                        verbose_name="latitude of the centre",
                    ),
                ),
                (
                    "longitude",
                    models.DecimalField(
                        blank=True,
                        decimal_places=3,
                        max_digits=6,
                        null=True,
                        validators=[
                            django.core.validators.MinValueValidator(Decimal("-180")),
                            django.core.validators.MaxValueValidator(Decimal("180")),
                        ],
                        verbose_name="longitude of the centre",
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("neighbours", models.ManyToManyField(blank=True, to="core.zone", verbose_name="neighbouring zones")),
            ],
            options={
                "verbose_name": "zone",
                "verbose_name_plural": "zones",
                "ordering": ["slug"],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("name_en", ""), _negated=True),
                        fields=("name_en",),
                        name="core_zone_one_english_name",
                        violation_error_message="Another zone has this name in English.",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("name_es", ""), _negated=True),
                        fields=("name_es",),
                        name="core_zone_one_spanish_name",
                        violation_error_message="Another zone has this name in Spanish.",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("name_en", ""), ("name_es", ""), _negated=True),
                        name="core_zone_has_a_name",
                        violation_error_message="Give the zone a name, in English or in Spanish.",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("latitude__isnull", True), ("longitude__isnull", True)),
                            models.Q(
                                ("latitude__gte", Decimal("-90")),
                                ("latitude__isnull", False),
                                ("latitude__lte", Decimal("90")),
                                ("longitude__gte", Decimal("-180")),
                                ("longitude__isnull", False),
                                ("longitude__lte", Decimal("180")),
                            ),
                            _connector="OR",
                        ),
                        name="core_zone_centre_on_earth",
                        violation_error_message="Give both the latitude and the longitude of the centre, or neither.",
                    ),
                ],
            },
        ),
    ]
