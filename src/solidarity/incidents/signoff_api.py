"""What needs a second person, for scripts: wide alerts to the lists and purging an incident.

The same services as the incident page's buttons (incidents.wide, incidents.purge): a wide alert is asked
for by one dispatcher and signed by another; a purge, by two coordinators (or admins). A refusal (the
same account signing its own request, too late, someone decided first, an incident no longer
confirmed) is a 409 with its code: `same_person`, `expired`, `already_decided`, `not_confirmed`...
"""

from dataclasses import asdict
from datetime import datetime
from typing import Literal
from uuid import UUID

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from solidarity.accounts.access import signed_in
from solidarity.accounts.models import User
from solidarity.core import approvals
from solidarity.core.api import ErrorOut, api_permission
from solidarity.core.zones import zones_by_slug
from solidarity.incidents import purge, wide
from solidarity.incidents.access import PURGERS, access_incident, access_purgeable, access_wide_alert
from solidarity.incidents.api import NOT_NOW, Code, answered, field_error
from solidarity.incidents.models import Incident
from solidarity.incidents.timeline import DISPATCH
from solidarity.incidents.wide_models import HOURS, WideAlert, WideAlertKind

router = Router(tags=["incidents"])

WideKind = Literal["alert", "correction", "all_clear"]
WideState = Literal["waiting", "sent", "refused", "withdrawn"]


class WideAlertIn(Schema):
    zones: list[str] = Field(
        min_length=1, max_length=30, description="Zones' slugs: the incident's zone and its neighbours only."
    )
    hours: int = Field(
        3, ge=1, le=max(HOURS), description=f"How long to avoid the area: one of {', '.join(map(str, HOURS))}."
    )


class WideAlertOut(Schema):
    id: UUID
    kind: WideKind = Field(description="An alert, or a correction or the all clear that follows one.")
    state: WideState = Field(description="`waiting` for a second signature, `sent`, `refused` or `withdrawn`.")
    zones: list[str] = Field(description="The zones' slugs it names.")
    expires_at: datetime = Field(description="Until when it says to avoid the area.")
    follows: UUID | None = Field(description="The alert a correction or an all clear follows.")
    recipients: int = Field(description="Messages queued to subscribers when it was sent.")
    asked_by_me: bool
    asked_at: datetime
    sent_at: datetime | None


class WideAlertsOut(Schema):
    items: list[WideAlertOut]
    count: int


class PurgeRequestOut(Schema):
    incident: str
    waiting: bool = Field(description="A request waits for a second coordinator's signature.")
    asked_by_me: bool
    asked_at: datetime | None
    expires_at: datetime | None


class PurgedOut(Schema):
    incident: str
    incidents: int
    reports: int
    alerts: int
    entries: int
    texts_received: int
    messages_sent: int
    wide_alerts: int
    cases: int = Field(description="Closed family-support cases purged with it.")
    cases_kept: int = Field(description="Open cases kept for their families, no longer linked to it.")
    observations: int = Field(description="Observations on its timeline.")
    media: int = Field(description="Photos and videos of those observations.")


def wide_out(user: User, found: WideAlert) -> WideAlertOut:
    return WideAlertOut(
        id=found.uuid,
        kind=found.kind,  # type: ignore[arg-type]  # a WideAlertKind value
        state=found.state,  # type: ignore[arg-type]  # a WideAlertState value
        zones=sorted(zone.slug for zone in found.zones.all()),
        expires_at=found.expires_at,
        follows=found.follows.uuid if found.follows else None,
        recipients=found.recipients,
        asked_by_me=found.asked_by_id == user.pk,
        asked_at=found.asked_at,
        sent_at=found.sent_at,
    )


@router.get(
    "/incidents/{incident}/wide-alerts", response=WideAlertsOut, summary="An incident's wide alerts and corrections"
)
@api_permission(DISPATCH)
def list_wide_alerts(request: HttpRequest, incident: Code) -> WideAlertsOut:
    user = signed_in(request)
    found = access_incident(user, incident)
    items = [wide_out(user, item) for item in found.wide_alerts.prefetch_related("zones").select_related("follows")]
    return WideAlertsOut(items=items, count=len(items))


@router.post(
    "/incidents/{incident}/wide-alerts",
    response={201: WideAlertOut, 409: ErrorOut, 422: ErrorOut},
    summary="Ask for a wide alert to the lists: it waits for a second dispatcher",
    openapi_extra=NOT_NOW,
)
@api_permission(DISPATCH)
def ask_wide_alert(request: HttpRequest, incident: Code, payload: WideAlertIn) -> Status[WideAlertOut]:
    """Only a confirmed incident; the zones are its zone and its neighbours; nothing goes out before a second signs."""
    user = signed_in(request)
    found = access_incident(user, incident)
    zones = zones_by_slug(payload.zones)
    if missing := sorted(set(payload.zones) - {zone.slug for zone in zones}):
        raise field_error("zones", _("No zone has the short name %(slug)s.") % {"slug": missing[0]})
    with answered():
        made = wide.do_ask_wide_alert(found, zones, payload.hours, by=user)
    return Status(201, wide_out(user, made))


def wide_of(request: HttpRequest, incident: str, wide_alert: UUID) -> tuple[User, WideAlert]:
    user = signed_in(request)
    return user, access_wide_alert(user, access_incident(user, incident), str(wide_alert))


@router.post(
    "/incidents/{incident}/wide-alerts/{wide_alert}/sign",
    response={200: WideAlertOut, 409: ErrorOut},
    summary="Sign another dispatcher's wide alert: it goes out now",
    openapi_extra=NOT_NOW,
)
@api_permission(DISPATCH)
def sign_wide_alert(request: HttpRequest, incident: Code, wide_alert: UUID) -> WideAlertOut:
    user, found = wide_of(request, incident, wide_alert)
    with answered():
        done = wide.do_sign_wide_alert(found, by=user)
    return wide_out(user, done)


@router.post(
    "/incidents/{incident}/wide-alerts/{wide_alert}/refuse",
    response={200: WideAlertOut, 409: ErrorOut},
    summary="Refuse a wide alert (the dispatcher who asked: withdraw it)",
    openapi_extra=NOT_NOW,
)
@api_permission(DISPATCH)
def refuse_wide_alert(request: HttpRequest, incident: Code, wide_alert: UUID) -> WideAlertOut:
    user, found = wide_of(request, incident, wide_alert)
    with answered():
        done = wide.do_refuse_wide_alert(found, by=user)
    return wide_out(user, done)


def follow(request: HttpRequest, incident: str, wide_alert: UUID, kind: WideAlertKind) -> Status[WideAlertOut]:
    user, found = wide_of(request, incident, wide_alert)
    with answered():
        made = wide.do_follow_wide_alert(found, kind, by=user)
    return Status(201, wide_out(user, made))


@router.post(
    "/incidents/{incident}/wide-alerts/{wide_alert}/correction",
    response={201: WideAlertOut, 409: ErrorOut},
    summary="Send a correction to everyone the alert went to: it was a mistake",
    openapi_extra=NOT_NOW,
)
@api_permission(DISPATCH)
def correct_wide_alert(request: HttpRequest, incident: Code, wide_alert: UUID) -> Status[WideAlertOut]:
    return follow(request, incident, wide_alert, WideAlertKind.CORRECTION)


@router.post(
    "/incidents/{incident}/wide-alerts/{wide_alert}/all-clear",
    response={201: WideAlertOut, 409: ErrorOut},
    summary="Send the all clear to everyone the alert went to",
    openapi_extra=NOT_NOW,
)
@api_permission(DISPATCH)
def clear_wide_alert(request: HttpRequest, incident: Code, wide_alert: UUID) -> Status[WideAlertOut]:
    return follow(request, incident, wide_alert, WideAlertKind.ALL_CLEAR)


def request_out(user: User, found: Incident) -> PurgeRequestOut:
    waiting = approvals.open_request(purge.KIND, found.uuid)
    return PurgeRequestOut(
        incident=found.code,
        waiting=waiting is not None,
        asked_by_me=waiting is not None and waiting.asked_by == user.uuid,
        asked_at=waiting.asked_at if waiting else None,
        expires_at=waiting.expires_at if waiting else None,
    )


@router.get("/incidents/{incident}/purge", response=PurgeRequestOut, summary="Where a request to purge it stands")
@api_permission(PURGERS)
def read_purge(request: HttpRequest, incident: Code) -> PurgeRequestOut:
    user = signed_in(request)
    return request_out(user, access_purgeable(user, incident))


@router.post(
    "/incidents/{incident}/purge",
    response={201: PurgeRequestOut, 409: ErrorOut},
    summary="Ask to purge it for good: a second coordinator must sign",
    openapi_extra=NOT_NOW,
)
@api_permission(PURGERS)
def ask_purge(request: HttpRequest, incident: Code) -> Status[PurgeRequestOut]:
    user = signed_in(request)
    found = access_purgeable(user, incident)
    with answered():
        purge.do_ask_purge(found, by=user)
    return Status(201, request_out(user, found))


@router.post(
    "/incidents/{incident}/purge/sign",
    response={200: PurgedOut, 409: ErrorOut},
    summary="Sign another coordinator's request: everything about the incident is deleted now",
    openapi_extra=NOT_NOW,
)
@api_permission(PURGERS)
def sign_purge(request: HttpRequest, incident: Code) -> PurgedOut:
    user = signed_in(request)
    found = access_purgeable(user, incident)
    with answered():
        purged = purge.do_sign_purge(found, by=user)
    return PurgedOut(incident=found.code, **asdict(purged))


@router.post(
    "/incidents/{incident}/purge/refuse",
    response={200: PurgeRequestOut, 409: ErrorOut},
    summary="Refuse a request to purge it (the coordinator who asked: withdraw it)",
    openapi_extra=NOT_NOW,
)
@api_permission(PURGERS)
def refuse_purge(request: HttpRequest, incident: Code) -> PurgeRequestOut:
    user = signed_in(request)
    found = access_purgeable(user, incident)
    with answered():
        purge.do_refuse_purge(found, by=user)
    return request_out(user, found)
