"""What the caller pages read and remember: whether an office can be called now (or when one opens), and the
browser's own notes on a campaign, kept in its session only (never stored with a call, never in a URL).

A browser remembers, per campaign: the offices it was given (ids, so that the rotation gives it others
first), where its caller says they call from (a zone of the network or a city they typed, for the script's
{place}), and whether a signed-in member asked to be credited.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.sessions.backends.base import SessionBase
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from solidarity.accounts.models import Membership, RoleGrant, WorkingGroup
from solidarity.campaigns.access import ORGANISERS
from solidarity.campaigns.calling import callable_targets, is_calling_now, is_given, next_open
from solidarity.campaigns.hours import is_open
from solidarity.campaigns.models import Campaign, Outcome, State
from solidarity.campaigns.tallies import Tally
from solidarity.core.bilingual import text_of
from solidarity.core.zones import zone_named

CITY_LENGTH = 60
KEPT_OFFICES = 50  # the offices a browser remembers being given, latest last


@dataclass
class Caller:
    """A browser's notes on one campaign (see the module's docstring)."""

    called: list[int] = field(default_factory=list)
    zone: str = ""  # a zone's slug
    city: str = ""
    credit: bool = False

    def place(self, language: str) -> str:
        """Where the caller calls from, as the script says it in `language` ("" when they did not say)."""
        if self.city:
            return self.city
        found = zone_named(self.zone) if self.zone else None
        return text_of(found, "name", language) if found is not None else ""


def session_key(campaign: Campaign) -> str:
    return f"campaigns:caller:{campaign.uuid}"


def caller_of(session: SessionBase, campaign: Campaign) -> Caller:
    kept: dict[str, Any] = session.get(session_key(campaign)) or {}
    called = [each for each in kept.get("called", []) if isinstance(each, int)]
    return Caller(
        called=called[-KEPT_OFFICES:],
        zone=str(kept.get("zone", ""))[:60],
        city=str(kept.get("city", ""))[:CITY_LENGTH],
        credit=bool(kept.get("credit", False)),
    )


def keep_caller(session: SessionBase, campaign: Campaign, caller: Caller) -> None:
    session[session_key(campaign)] = {
        "called": caller.called[-KEPT_OFFICES:],
        "zone": caller.zone,
        "city": caller.city,
        "credit": caller.credit,
    }


@dataclass(frozen=True)
class Opening:
    """Whether a caller can be given an office now (`now`), else when the next opens (None: none will)."""

    now: bool
    next_at: datetime | None = None


def opening(campaign: Campaign, at: datetime | None = None) -> Opening:
    """What next_call would answer now, without giving anyone an office."""
    at = at or timezone.now()
    if not is_calling_now(campaign, at):
        upcoming = campaign.starts_at if campaign.state == State.LIVE and at < campaign.starts_at else None
        return Opening(False, upcoming)
    targets = callable_targets(campaign)
    if any(is_open(target, at) and any(is_given(line) for line in target.lines.all()) for target in targets):
        return Opening(True)
    return Opening(False, next_open(targets, at, campaign.ends_at))


def is_paused(campaign: Campaign) -> bool:
    """Live once, and back to being prepared for now."""
    return campaign.state == State.DRAFT and campaign.went_live_at is not None


@dataclass(frozen=True)
class OfficeRow:
    """One office's calls, as a page lists them: its name, its total, and each outcome reported with its count."""

    name: str
    total: int
    outcomes: list[tuple[str, int]]


def office_rows(tally: Tally, language: str) -> list[OfficeRow]:
    return [
        OfficeRow(
            row.target.name(language),
            row.total,
            [(str(label), row.by_outcome[value]) for value, label in Outcome.choices if row.by_outcome.get(value)],
        )
        for row in tally.targets
    ]


def with_totals(group: WorkingGroup) -> list[Campaign]:
    """The group's campaigns, newest first, each with `calls_counted` (calls reported), in one query."""
    counted = Count("calls", filter=Q(calls__outcome__isnull=False))
    return list(Campaign.objects.filter(group=group).annotate(calls_counted=counted).order_by("-starts_at", "pk"))


def with_campaigns(memberships: QuerySet[Membership]) -> QuerySet[Membership]:
    """The caller's memberships, each with `keeps_campaigns` (its group has a campaign, or the caller coordinates
    there and may make one), in the same query: the dashboard links to a group's campaigns."""
    organiser = RoleGrant.objects.filter(membership=OuterRef("pk"), role__in=ORGANISERS)
    return memberships.annotate(
        keeps_campaigns=Exists(Campaign.objects.filter(group=OuterRef("group"))) | Exists(organiser)
    )
