"""A list's name and description in English and in Spanish: today's texts become the English ones.

Which language a coordinator wrote in is not recorded, so the existing text goes to `_en`; the
pages show it on the Spanish page too until a Spanish text is written (core.bilingual), so no
reader loses it.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("lists", "0001_initial"),
    ]

    operations = [
        migrations.RenameField(model_name="announcementlist", old_name="name", new_name="name_en"),
        migrations.RenameField(model_name="announcementlist", old_name="description", new_name="description_en"),
        migrations.AlterField(
            model_name="announcementlist",
            name="name_en",
            field=models.CharField(blank=True, max_length=120, verbose_name="name in English"),
        ),
        migrations.AlterField(
            model_name="announcementlist",
            name="description_en",
            field=models.TextField(blank=True, max_length=1000, verbose_name="description in English"),
        ),
        migrations.AddField(
            model_name="announcementlist",
            name="name_es",
            field=models.CharField(blank=True, max_length=120, verbose_name="name in Spanish"),
        ),
        migrations.AddField(
            model_name="announcementlist",
            name="description_es",
            field=models.TextField(blank=True, max_length=1000, verbose_name="description in Spanish"),
        ),
        migrations.AddConstraint(
            model_name="announcementlist",
            constraint=models.CheckConstraint(
                condition=models.Q(("name_en", ""), ("name_es", ""), _negated=True),
                name="lists_list_has_a_name",
                violation_error_message="Give the list a name, in English or in Spanish.",
            ),
        ),
    ]
