"""The campaign's counts: calls per office and outcome, per day, and in all (reported calls only: a call
given and never reported is not counted). Counted, never attributed: no caller appears here."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count
from django.db.models.functions import TruncDate

from solidarity.campaigns.models import Call, Campaign, Line, Outcome, Target
from solidarity.core.services import network_timezone


@dataclass
class TargetTally:
    target: Target
    lines: list[Line]
    by_outcome: dict[int, int] = field(default_factory=dict)  # every outcome, 0 when none

    @property
    def total(self) -> int:
        return sum(self.by_outcome.values())


@dataclass
class Tally:
    targets: list[TargetTally]
    by_day: list[tuple[date, dict[int, int]]]  # oldest first, days with calls only
    by_outcome: dict[int, int]

    @property
    def total(self) -> int:
        return sum(self.by_outcome.values())

    @property
    def reached(self) -> int:
        return self.by_outcome[Outcome.REACHED]


def empty() -> dict[int, int]:
    return dict.fromkeys(Outcome.values, 0)


def tally_of(campaign: Campaign) -> Tally:
    """Three queries: offices with their numbers, counts by office and outcome, counts by day and outcome."""
    targets = list(campaign.targets.prefetch_related("lines").order_by("position", "pk"))
    reported = Call.objects.filter(campaign=campaign, outcome__isnull=False)
    per_target: dict[int, dict[int, int]] = defaultdict(empty)
    for target_id, outcome, n in reported.values_list("target", "outcome").annotate(n=Count("pk")):
        per_target[target_id][outcome or 0] = n
    per_day: dict[date, dict[int, int]] = defaultdict(empty)
    days = reported.annotate(day=TruncDate("reported_at", tzinfo=network_timezone())).values_list("day", "outcome")
    for day, outcome, n in days.annotate(n=Count("pk")):
        per_day[day][outcome or 0] = n
    overall = empty()
    for counts in per_target.values():
        for outcome, n in counts.items():
            overall[outcome] += n
    return Tally(
        targets=[TargetTally(target, list(target.lines.all()), per_target[target.pk]) for target in targets],
        by_day=sorted(per_day.items()),
        by_outcome=overall,
    )


def total_calls(campaign: Campaign) -> int:
    return Call.objects.filter(campaign=campaign, outcome__isnull=False).count()
