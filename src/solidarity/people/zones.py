"""People's view of the network's zones (core.zones owns them): how many people cover each."""

from django.db.models import Count

from solidarity.people.models import Coverage, PersonState


def coverage_counts() -> dict[int, int]:
    """{zone id: how many people who have not left cover it}, in one query; a zone nobody covers is absent."""
    rows = (
        Coverage.objects.exclude(person__state=PersonState.LEFT)
        .values("zone_id")
        .annotate(people=Count("person_id", distinct=True))
        .values_list("zone_id", "people")
    )
    return dict(rows)
