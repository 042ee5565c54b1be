"""Naloxone reversals in the JSON API (supplies.reversals): anyone reports one, with no token and nothing about
anyone; a group's members read its reports and counts, and mark a kit refilled."""

from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from solidarity.accounts.access import signed_in
from solidarity.core.api import ApiError, ErrorOut, api_permission
from solidarity.core.permissions import Role, owner_role, role
from solidarity.core.public import limit
from solidarity.core.zones import zone_by_slug
from solidarity.supplies.access import access_reversal_scoped, access_supplies_group, kit_by_uuid
from solidarity.supplies.api import DistributionQuery, refused
from solidarity.supplies.models import MAX_DOSES, Brand, Reversal, ReversalSource
from solidarity.supplies.reversals import (
    ReversalCount,
    ReversalValues,
    do_mark_refilled,
    do_report_reversal,
    group_reversals,
    reversal_counts,
)

router = Router(tags=["supplies"])

SCOPE, PER_CLIENT, OVERALL = "supplies.reversal", "5/m", "100/m"  # the public form's limits (supplies.views)
BrandCode = Literal["nasal_4mg", "nasal_3mg", "nasal_8mg", "injection", "other"]
GROUP_MEMBER = role(Role.MEMBER, kwarg="slug")
REVERSAL_MEMBER = owner_role(Role.MEMBER, access=access_reversal_scoped, kwarg="reversal")


class ReversalIn(Schema):
    """Four questions, nothing about anyone."""

    reported_on: date = Field(description="The day it happened: not in the future, within the last year.")
    doses: Annotated[int, Field(ge=1, le=MAX_DOSES)]
    brand: BrandCode = Field("nasal_4mg", description="What was given.")
    zone: str = Field("", max_length=60, description="The zone's slug (GET /zones); empty: not said.")
    kit: UUID | None = Field(None, description="The kit or bag it came from, as its label's QR code names it.")


class ReversalTakenOut(Schema):
    message: str = Field(description="What happens next, in the caller's language.")


class ReversalOut(Schema):
    id: UUID = Field(alias="uuid")
    reported_on: date
    zone: str | None
    brand: str
    doses: int
    kit: UUID | None
    kit_name: str | None
    source: str = Field(description="web, sms or member.")
    refilled_at: datetime | None = Field(alias="replaced_at", description="When the kit was refilled; null: not yet.")

    @staticmethod
    def resolve_zone(obj: Reversal) -> str | None:
        return obj.zone.slug if obj.zone else None

    @staticmethod
    def resolve_kit(obj: Reversal) -> UUID | None:
        return obj.kit.uuid if obj.kit else None

    @staticmethod
    def resolve_kit_name(obj: Reversal) -> str | None:
        return obj.kit.name if obj.kit else None


class ReversalCountOut(Schema):
    month: date = Field(description="The month's first day.")
    zone: str | None
    brand: str
    reports: int
    doses: int


@router.post(
    "/naloxone-reversals",
    response={201: ReversalTakenOut, 422: ErrorOut, 429: ErrorOut},
    summary="Report a naloxone reversal (no account; nothing about anyone)",
    auth=None,
    openapi_extra={"security": []},
)
@api_permission("public")
def report_reversal(request: HttpRequest, payload: ReversalIn) -> Status[ReversalTakenOut]:
    """An unknown zone is a 422 naming `zone`; an unknown kit is ignored. Over the rate limits: 429."""
    slug = payload.zone.strip()
    zone = zone_by_slug(slug) if slug else None
    if slug and zone is None:
        message = _("No zone has this short name: see GET /zones.")
        raise ApiError(422, "invalid_input", message, {"zone": [message]})
    if limit(request, SCOPE, per_client=PER_CLIENT, overall=OVERALL).refused:
        raise ApiError(429, "too_many_requests", _("Too many requests. Wait a moment and try again."))
    kit = kit_by_uuid(str(payload.kit)) if payload.kit else None
    values = ReversalValues(payload.reported_on, payload.doses, Brand(payload.brand), zone, kit)
    try:
        do_report_reversal(values, source=ReversalSource.WEB)
    except ValidationError as error:
        raise refused(error) from None
    message = _("Your report is counted. If it named a kit, its keepers are asked to refill it.")
    return Status(201, ReversalTakenOut(message=message))


@router.get("/groups/{slug}/supplies/reversals", response=list[ReversalOut], summary="A group's reversal reports")
@paginate
@api_permission(GROUP_MEMBER)
def list_reversals(request: HttpRequest, slug: str) -> list[Reversal]:
    """From the group's kits, and those that named no kit; newest first."""
    group = access_supplies_group(signed_in(request), slug)
    return list(group_reversals(group).order_by("-reported_on", "-created_at"))


@router.get(
    "/groups/{slug}/supplies/reversal-counts",
    response=list[ReversalCountOut],
    summary="Reversals by month, zone and what was given: counts only",
)
@paginate
@api_permission(GROUP_MEMBER)
def counts(request: HttpRequest, slug: str, query: Query[DistributionQuery]) -> list[ReversalCount]:
    group = access_supplies_group(signed_in(request), slug)
    if query.until < query.since:
        message = _("The end comes before the start.")
        raise ApiError(422, "invalid_input", message, {"until": [message]})
    return reversal_counts(group, query.since, query.until)


@router.post(
    "/supplies/reversals/{reversal}/refilled", response=ReversalOut, summary="The kit a reversal drew from is refilled"
)
@api_permission(REVERSAL_MEMBER)
def mark_refilled(request: HttpRequest, reversal: UUID) -> Reversal:
    """Idempotent: a second call changes nothing."""
    user = signed_in(request)
    return do_mark_refilled(access_reversal_scoped(user, reversal).obj, by=user)
