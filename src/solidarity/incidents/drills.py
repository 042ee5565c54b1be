"""Drills: the network practises a raid before a real one, and finds its gaps (issue 14).

A drill is an incident marked `drill`: it goes through the same verify / confirm / dispatch / answers /
stand-down flow as a real one (incidents.services, incidents.dispatch), with these differences only:

- every message it sends starts DRILL / SIMULACRO (incidents.drill_messages.marked);
- nothing public: it holds no report, no report joins it (intake), it tells no reporter (followup),
  and it never reaches a list (the wide alerts check `incident.drill`);
- it holds nobody back from a real incident: real dispatch passes over drill assignments and a drill's
  alerts in its ranking (dispatch.busy_with, dispatch.candidates), and a real alert cancels what the
  drills still have queued (drill_messages.yield_to_real).

Its report (`drill_report`) says, per zone and per role, how many were asked, answered and accepted,
the median time to answer and the time until each role was filled, and names the gaps in words ("no
interpreter answered in Zone C within 15 minutes"). A role's time is its own `within` minutes when its
requirement sets one, else the hotline's `page_minutes` (when the dispatchers would be paged).
The report holds counts and times only, never a name: who was asked is on the drill's incident page,
for dispatchers, as for any incident. Drills are started and read by dispatchers and coordinators.
"""

import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from solidarity.accounts.models import User
from solidarity.core.bilingual import text_of
from solidarity.core.models import AuditAction, Zone
from solidarity.core.permissions import AnyUser, holds
from solidarity.incidents.dispatch import places
from solidarity.incidents.models import (
    LONG_TEXT,
    Alert,
    AlertState,
    EntryKind,
    Incident,
    IncidentType,
    Need,
    NeedState,
    Purpose,
)
from solidarity.incidents.services import do_confirm, do_start_verifying, new_incident
from solidarity.incidents.timeline import REQUIREMENT_KEEPERS, add, hotline_settings, record, user_actor

# Who starts drills and reads their reports: dispatchers and coordinators (and the network's admins).
DRILL_KEEPERS = REQUIREMENT_KEEPERS


class Stage(models.TextChoices):
    """Where a drill starts: what the dispatchers practise first."""

    DISPATCH = "dispatch", gettext_lazy("confirmed: responders are asked at once")
    VERIFY = "verify", gettext_lazy("verifying: the nearest verifier is asked at once")
    REPORTED = "reported", gettext_lazy("reported: a dispatcher verifies or confirms it on its page")


@dataclass(frozen=True)
class DrillValues:
    type: str
    zone: Zone
    scenario: str = ""
    stage: str = Stage.DISPATCH
    language: str = "en"


# Who may run drills, and which they see.


def may_run_drills(user: AnyUser) -> bool:
    return holds(user, DRILL_KEEPERS, {})


def drills_for(user: AnyUser) -> QuerySet[Incident]:
    """Every drill, newest first, with its zone, for a dispatcher or coordinator; Http404 for anyone else."""
    if not may_run_drills(user):
        raise Http404
    return Incident.objects.filter(drill=True).select_related("zone").order_by("-first_reported_at", "-pk")


def access_drill(user: AnyUser, code: str) -> Incident:
    """One drill by its code, for a dispatcher or coordinator; Http404 otherwise (and for a real incident's code)."""
    found = drills_for(user).filter(code=code.strip().upper()[:8]).first()
    if found is None:
        raise Http404
    return found


def scenario_of(drill: Incident) -> str:
    """The scenario its starter wrote (on its timeline, encrypted); empty when none."""
    entry = drill.timeline.filter(kind=EntryKind.DRILL).first()
    return str(entry.text) if entry is not None else ""


# Starting one.


def do_start_drill(values: DrillValues, *, by: User | None) -> Incident:
    """Start a drill: an incident marked `drill`, its scenario on its timeline, then verifying or dispatch at once.

    ValidationError by field for a bad type, stage or scenario; services.IncidentError when its first
    step cannot be taken (verifying with no verifier skills set): then nothing is kept.
    """
    errors: dict[str, list[str]] = {}
    if values.type not in IncidentType.values:
        errors["type"] = [_("Choose what kind of event it is.")]
    if values.stage not in Stage.values:
        errors["stage"] = [_("Choose where the drill starts.")]
    scenario = values.scenario.strip()
    if len(scenario) > LONG_TEXT:
        errors["scenario"] = [_("At most %(count)d characters.") % {"count": LONG_TEXT}]
    if errors:
        raise ValidationError(errors)
    language = values.language if values.language in ("en", "es") else "en"
    with transaction.atomic():
        drill = new_incident(values.type, values.zone, language, drill=True)
        add(drill, EntryKind.DRILL, actor=user_actor(by), text=scenario, stage=values.stage)
        record(drill, AuditAction.CREATED, by=by, drill=True, stage=values.stage)
        if values.stage == Stage.VERIFY:
            do_start_verifying(drill, by=by)
        elif values.stage == Stage.DISPATCH:
            do_confirm(drill, by=by)
    drill.refresh_from_db()
    return drill


# Its report.


@dataclass(frozen=True)
class ZoneRole:
    """One line of the report: the people asked for one role who are on call in one zone."""

    zone: str  # the zone's name, in the page's language
    zone_slug: str
    role: str  # the role's name (a skill's, or "verifier"), in the page's language
    skill: str | None  # the skill's slug; None for verifying
    minutes: int  # the role's time (module doc)
    asked: int
    answered: int  # said GO or NO
    accepted: int  # said GO
    answered_in_time: int
    median_answer: timedelta | None

    @property
    def median_minutes(self) -> float | None:
        return round(self.median_answer.total_seconds() / 60, 1) if self.median_answer is not None else None


@dataclass(frozen=True)
class RoleFill:
    """One role the drill needed: how many places, how many went, how long until it was filled."""

    need: Need
    role: str
    skill: str | None
    minutes: int
    places: int
    asked: int
    accepted: int
    time_to_fill: timedelta | None  # None: never filled

    @property
    def fill_minutes(self) -> int | None:
        return minutes_of(self.time_to_fill) if self.time_to_fill is not None else None

    @property
    def filled_in_time(self) -> bool:
        return self.time_to_fill is not None and self.time_to_fill <= timedelta(minutes=self.minutes)


@dataclass(frozen=True)
class Gap:
    """A gap, named: `kind` no_answer | nobody_asked | not_filled | filled_late; `text` in the page's language."""

    kind: str
    zone: str | None  # the zone's slug
    skill: str | None
    minutes: int
    text: str


@dataclass(frozen=True)
class DrillReport:
    drill: Incident
    scenario: str
    rows: list[ZoneRole]
    roles: list[RoleFill]
    gaps: list[Gap] = field(default_factory=list)


def role_name(need: Need, language: str | None = None) -> str:
    return text_of(need.skill, "name", language) if need.skill else str(_("verifier"))


def in_sentence(name: str) -> str:
    """A role's name inside a sentence: "no interpreter answered" (a skill's name starts with a capital)."""
    return name[:1].lower() + name[1:]


def window(need: Need, page_minutes: int) -> int:
    return need.within_minutes or page_minutes


def median(values: list[timedelta]) -> timedelta | None:
    return timedelta(seconds=statistics.median(value.total_seconds() for value in values)) if values else None


def zone_of(alert: Alert, fallback: int) -> int:
    zone = alert.reasons.get("zone") if isinstance(alert.reasons, dict) else None
    return zone if isinstance(zone, int) else fallback


def accepted(alert: Alert) -> bool:
    """Said GO: answered, and not NO (someone going who was later stood down or left still said GO)."""
    return alert.answered_at is not None and alert.state != AlertState.DECLINED


def zone_rows(
    need: Need, alerts: list[Alert], zones: dict[int, Zone], fallback: int, minutes: int, language: str | None
) -> list[ZoneRole]:
    """The need's alerts grouped by the zone each person was asked in, nearest ring first."""
    by_zone: dict[int, list[Alert]] = {}
    for alert in sorted(alerts, key=lambda alert: (alert.ring, alert.rank, alert.pk)):
        by_zone.setdefault(zone_of(alert, fallback), []).append(alert)
    deadline = need.opened_at + timedelta(minutes=minutes)
    rows = []
    for zone_id, asked in by_zone.items():
        answered = [alert for alert in asked if alert.answered_at is not None]
        zone = zones.get(zone_id)
        rows.append(
            ZoneRole(
                zone=text_of(zone, "name", language) if zone else "?",
                zone_slug=zone.slug if zone else "",
                role=role_name(need, language),
                skill=need.skill.slug if need.skill else None,
                minutes=minutes,
                asked=len(asked),
                answered=len(answered),
                accepted=sum(1 for alert in answered if accepted(alert)),
                answered_in_time=sum(1 for alert in answered if alert.answered_at and alert.answered_at <= deadline),
                median_answer=median([alert.answered_at - alert.asked_at for alert in answered if alert.answered_at]),
            )
        )
    return rows


def role_fill(need: Need, alerts: list[Alert], minutes: int, language: str | None) -> RoleFill:
    filled: datetime | None = need.filled_at if need.state == NeedState.FILLED else None
    return RoleFill(
        need=need,
        role=role_name(need, language),
        skill=need.skill.slug if need.skill else None,
        minutes=minutes,
        places=places(need),
        asked=len(alerts),
        accepted=sum(1 for alert in alerts if accepted(alert)),
        time_to_fill=filled - need.opened_at if filled else None,
    )


def gaps_of(drill: Incident, role: RoleFill, rows: list[ZoneRole], language: str | None) -> list[Gap]:
    """One role's gaps in words: nobody to ask, nobody answering in a zone in time, the role unfilled or late."""
    name = in_sentence(role.role)
    found: list[Gap] = []
    if role.asked == 0:
        text = _("Nobody could be asked as %(role)s: no one was on call within reach of %(zone)s.") % {
            "role": name,
            "zone": text_of(drill.zone, "name", language),
        }
        found.append(Gap("nobody_asked", drill.zone.slug, role.skill, role.minutes, text))
    for row in rows:
        if row.answered_in_time == 0:
            text = ngettext(
                "No %(role)s answered in %(zone)s within %(minutes)d minute.",
                "No %(role)s answered in %(zone)s within %(minutes)d minutes.",
                row.minutes,
            ) % {"role": name, "zone": row.zone, "minutes": row.minutes}
            found.append(Gap("no_answer", row.zone_slug, row.skill, row.minutes, text))
    if role.time_to_fill is None:
        text = _("The %(role)s role was never filled: %(going)d of %(places)d places taken.") % {
            "role": name,
            "going": role.accepted,
            "places": role.places,
        }
        found.append(Gap("not_filled", drill.zone.slug, role.skill, role.minutes, text))
    elif not role.filled_in_time:
        text = _("The %(role)s role was filled after %(taken)d minutes, later than %(minutes)d.") % {
            "role": name,
            "taken": minutes_of(role.time_to_fill),
            "minutes": role.minutes,
        }
        found.append(Gap("filled_late", drill.zone.slug, role.skill, role.minutes, text))
    return found


def minutes_of(span: timedelta) -> int:
    """Whole minutes, rounded up: 7 min 10 s is "8 minutes", never "7", so a late fill never reads as in time."""
    return -int(-span.total_seconds() // 60)


def drill_report(drill: Incident, language: str | None = None) -> DrillReport:
    """The drill's report in `language` (None: the active one). A fixed number of queries whatever its size."""
    page_minutes = hotline_settings().page_minutes
    needs = list(drill.needs.select_related("skill").order_by("opened_at", "pk"))
    alerts = list(Alert.objects.filter(incident=drill).order_by("need_id", "ring", "rank", "pk"))
    by_need: dict[int, list[Alert]] = {}
    for alert in alerts:
        by_need.setdefault(alert.need_id, []).append(alert)
    zones = {zone.pk: zone for zone in Zone.objects.filter(pk__in=zone_ids(alerts, drill.zone_id))}
    rows: list[ZoneRole] = []
    roles: list[RoleFill] = []
    gaps: list[Gap] = []
    for need in needs:
        if need.purpose == Purpose.VERIFY and need.state == NeedState.CANCELLED and not by_need.get(need.pk):
            continue  # confirmed before anyone was asked to look
        minutes = window(need, page_minutes)
        asked = by_need.get(need.pk, [])
        need_rows = zone_rows(need, asked, zones, drill.zone_id, minutes, language)
        role = role_fill(need, asked, minutes, language)
        rows += need_rows
        roles.append(role)
        gaps += gaps_of(drill, role, need_rows, language)
    return DrillReport(drill, scenario_of(drill), rows, roles, gaps)


def zone_ids(alerts: Iterable[Alert], fallback: int) -> set[int]:
    return {zone_of(alert, fallback) for alert in alerts} | {fallback}
