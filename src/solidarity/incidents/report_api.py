"""POST /api/v1/reports: anyone reports what they see (no account), as the public form does.

It never refuses: over the rate limits (the form's, shared with it) a report is kept for a person to
review instead of being grouped, and the answer is 201 all the same. The answer gives the reference
and what happens next, in the caller's language; nothing else about the report or its incident.
"""

from datetime import datetime
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from solidarity.core.api import ApiError, ErrorOut, api_permission
from solidarity.core.public import limit
from solidarity.core.zones import zone_by_slug
from solidarity.incidents.access import waiting_reports
from solidarity.incidents.api import IncidentReportOut, WaitingQuery, once
from solidarity.incidents.intake import ReportValues, do_take_report
from solidarity.incidents.models import LONG_TEXT, SHORT_TEXT, Report, ReportState, Source
from solidarity.incidents.report_views import OVERALL, PER_CLIENT, SCOPE
from solidarity.incidents.timeline import DISPATCH

router = Router(tags=["reports"])

ReportType = Literal["checkpoint", "home_raid", "workplace_raid", "arrest", "traffic_stop", "other"]
StateOut = Literal["grouped", "for_review", "needs_zone"]
CONTACT_LENGTH = 254


class NewReportIn(Schema):
    type: ReportType
    zone: str = Field(max_length=60, description="The zone's slug (GET /zones).")
    description: str = Field("", max_length=LONG_TEXT, description="What is happening.")
    place: str = Field("", max_length=SHORT_TEXT, description="A cross street or landmark; never a home address.")
    occurred_at: datetime | None = Field(None, description="ISO 8601 with its offset; absent: now.")
    size: str = Field("", max_length=SHORT_TEXT, description="How many agents and vehicles.")
    activity: str = Field("", max_length=SHORT_TEXT, description="What they are doing.")
    uniform: str = Field("", max_length=SHORT_TEXT, description="Uniform or agency, as seen.")
    equipment: str = Field("", max_length=SHORT_TEXT)
    seen_directly: bool | None = Field(None, description="Whether the reporter saw it themself.")
    contact: str = Field(
        "", max_length=CONTACT_LENGTH, description="A phone or an email to hear the outcome; given: follow-up."
    )


class ReportTakenOut(Schema):
    reference: str = Field(description="The report's reference, to give when calling or sending more.")
    state: StateOut = Field(description="grouped: in an incident; for_review: a person looks first.")
    message: str = Field(description="What happens next, in the caller's language.")


def next_steps(state: str) -> str:
    if state == ReportState.FOR_REVIEW:
        return _(
            "Thank you: your report is kept. Many reports are coming in: a person reviews it soon, "
            "and checks every report before any alert goes out."
        )
    return _("Thank you: your report is kept. A person checks every report before any alert goes out.")


@router.post(
    "/reports",
    response={201: ReportTakenOut, 422: ErrorOut},
    summary="Report what you see (no account); never refused, even over the rate limits",
    auth=None,
    openapi_extra={"security": []},  # OpenAPI: no authentication
)
@api_permission("public")
def take_report(request: HttpRequest, payload: NewReportIn) -> Status[ReportTakenOut]:
    """Answers 201 with the reference; an unknown zone is a 422 naming `zone`."""
    zone = zone_by_slug(payload.zone.strip())
    if zone is None:
        message = _("No zone has this short name: see GET /zones.")
        raise ApiError(422, "invalid_input", message, {"zone": [message]})
    verdict = limit(request, SCOPE, per_client=PER_CLIENT, overall=OVERALL, accept_over_limit=True)
    contact = payload.contact.strip()
    values = ReportValues(
        type=payload.type,
        zone=zone,
        description=payload.description,
        place=payload.place,
        size=payload.size,
        activity=payload.activity,
        uniform=payload.uniform,
        equipment=payload.equipment,
        occurred_at=payload.occurred_at,
        seen_directly=payload.seen_directly,
        follow_up=bool(contact),
        contact=contact,
        language=(get_language() or "en")[:2],
    )
    try:
        kept = do_take_report(values, source=Source.API, for_review=verdict.for_review)
    except ValidationError as error:
        fields: dict[str, Any] = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
        raise ApiError(422, "invalid_input", _("Some values are not valid."), fields) from None
    state: StateOut = "for_review" if kept.state == ReportState.FOR_REVIEW else "grouped"
    if kept.state == ReportState.NEEDS_ZONE:
        state = "needs_zone"
    return Status(201, ReportTakenOut(reference=kept.code, state=state, message=next_steps(kept.state)))


# The dispatchers' side of the same path: one router holds both methods (two routers on one path would
# answer 405 to the method of the second).
@router.get(
    "/reports",
    response=list[IncidentReportOut],
    summary="Reports waiting for a person, oldest first",
    tags=["incidents"],
)
@paginate
@api_permission(DISPATCH)
def list_waiting_reports(request: HttpRequest, filters: Query[WaitingQuery]) -> QuerySet[Report]:
    """Over the public limits (`for_review`: a flood becomes a queue), or texted without a zone (`needs_zone`)."""
    once(request, WaitingQuery)
    found = waiting_reports(request.user).select_related("incident")
    return found if filters.state == "waiting" else found.filter(state=filters.state)
