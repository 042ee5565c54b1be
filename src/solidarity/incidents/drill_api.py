"""Drills for scripts: start one, list them, read one's report (incidents.drills), as the drills' pages do.

For dispatchers and coordinators (drills.DRILL_KEEPERS). A drill is addressed by its incident's code;
it runs on the incidents' own verbs (`POST /incidents/{incident}/confirm`, answers, stand-down), like any
incident. The report holds counts and times only, never a name.
"""

from datetime import datetime
from typing import Literal
from uuid import UUID

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from solidarity.accounts.access import signed_in
from solidarity.core.api import ErrorOut, api_permission
from solidarity.core.zones import zone_by_slug
from solidarity.incidents.api import SLUG, Code, IncidentStateName, IncidentTypeName, answered, field_error
from solidarity.incidents.drills import (
    DRILL_KEEPERS,
    DrillValues,
    Stage,
    access_drill,
    do_start_drill,
    drill_report,
    drills_for,
)
from solidarity.incidents.models import LONG_TEXT, Incident

router = Router(tags=["drills"])

StageName = Literal["dispatch", "verify", "reported"]
GapKind = Literal["nobody_asked", "no_answer", "not_filled", "filled_late"]


class DrillOut(Schema):
    code: str = Field(description="The drill's incident code: its verbs are the incidents' (`/incidents/{code}/...`).")
    type: IncidentTypeName
    state: IncidentStateName
    zone: str = Field(description="The zone's slug.")
    started_at: datetime
    confirmed_at: datetime | None
    closed_at: datetime | None

    @staticmethod
    def resolve_zone(obj: Incident) -> str:
        return obj.zone.slug

    @staticmethod
    def resolve_started_at(obj: Incident) -> datetime:
        return obj.first_reported_at


class DrillIn(Schema):
    type: IncidentTypeName
    zone: str = Field(min_length=1, max_length=60, pattern=SLUG, description="A zone's slug.")
    stage: StageName = Field(
        "dispatch",
        description="`dispatch`: confirmed, responders asked at once; `verify`: a verifier asked at once; "
        "`reported`: it waits for a dispatcher, as a new report would.",
    )
    scenario: str = Field("", max_length=LONG_TEXT, description="What the drill pretends: invented, for dispatchers.")


class ZoneRoleOut(Schema):
    zone: str = Field(description="The slug of the zone the people asked are on call in.")
    zone_name: str = Field(description="Its name, in the caller's language.")
    role: str = Field(description="The role's name, in the caller's language.")
    skill: str | None = Field(description="The skill's slug; null for verifying.")
    minutes: int = Field(description="The role's time: its `within` minutes, else the hotline's paging minutes.")
    asked: int
    answered: int = Field(description="Said GO or NO.")
    accepted: int = Field(description="Said GO.")
    answered_in_time: int = Field(description="Answered within `minutes` of the role's start.")
    median_answer_seconds: float | None = Field(description="The median time from asking to answer; null: none.")


class RoleOut(Schema):
    need: UUID
    role: str
    skill: str | None
    places: int
    asked: int
    accepted: int
    minutes: int
    time_to_fill_seconds: float | None = Field(description="From the role's start until it was filled; null: never.")
    filled_in_time: bool


class GapOut(Schema):
    kind: GapKind
    zone: str | None = Field(description="The zone's slug.")
    skill: str | None
    minutes: int
    message: str = Field(description="The gap in words, in the caller's language.")


class DrillReportOut(Schema):
    drill: DrillOut
    scenario: str
    rows: list[ZoneRoleOut] = Field(description="Per zone and role, nearest zones first.")
    roles: list[RoleOut]
    gaps: list[GapOut]


def report_out(drill: Incident) -> DrillReportOut:
    report = drill_report(drill)
    # The drill itself as DrillOut reads it (its resolvers): the outer schema validates it as a field.
    return DrillReportOut.model_validate(
        {
            "drill": drill,
            "scenario": report.scenario,
            "rows": [
                ZoneRoleOut(
                    zone=row.zone_slug,
                    zone_name=row.zone,
                    role=row.role,
                    skill=row.skill,
                    minutes=row.minutes,
                    asked=row.asked,
                    answered=row.answered,
                    accepted=row.accepted,
                    answered_in_time=row.answered_in_time,
                    median_answer_seconds=row.median_answer.total_seconds() if row.median_answer is not None else None,
                )
                for row in report.rows
            ],
            "roles": [
                RoleOut(
                    need=role.need.uuid,
                    role=role.role,
                    skill=role.skill,
                    places=role.places,
                    asked=role.asked,
                    accepted=role.accepted,
                    minutes=role.minutes,
                    time_to_fill_seconds=role.time_to_fill.total_seconds() if role.time_to_fill is not None else None,
                    filled_in_time=role.filled_in_time,
                )
                for role in report.roles
            ],
            "gaps": [
                GapOut(kind=gap.kind, zone=gap.zone, skill=gap.skill, minutes=gap.minutes, message=gap.text)  # type: ignore[arg-type]  # a GapKind
                for gap in report.gaps
            ],
        }
    )


@router.post(
    "/drills",
    response={201: DrillOut, 409: ErrorOut},
    summary="Start a drill: it runs as a real incident would, every message marked DRILL / SIMULACRO",
    openapi_extra={
        "responses": {409: {"description": "Its first step cannot be taken (`no_verifier_skills`): nothing is kept."}}
    },
)
@api_permission(DRILL_KEEPERS)
def start_drill(request: HttpRequest, payload: DrillIn) -> Status[DrillOut]:
    user = signed_in(request)
    zone = zone_by_slug(payload.zone.strip())
    if zone is None:
        raise field_error("zone", _("No zone has this short name: see GET /zones."))
    values = DrillValues(payload.type, zone, payload.scenario, Stage(payload.stage), (get_language() or "")[:2])
    with answered():
        started = do_start_drill(values, by=user)
    return Status(201, DrillOut.model_validate(access_drill(user, started.code)))


@router.get("/drills", response=list[DrillOut], summary="Drills, newest first")
@paginate
@api_permission(DRILL_KEEPERS)
def list_drills(request: HttpRequest) -> QuerySet[Incident]:
    return drills_for(request.user)


@router.get(
    "/drills/{drill}/report",
    response=DrillReportOut,
    summary="A drill's report: per zone and role, asked, answered, said GO, times, and the gaps in words",
)
@api_permission(DRILL_KEEPERS)
def read_drill_report(request: HttpRequest, drill: Code) -> DrillReportOut:
    """Counts and times only, never a name."""
    return report_out(access_drill(request.user, drill))
