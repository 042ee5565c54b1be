"""Readiness for scripts: what the readiness page shows (trainings.readiness says who sees what).

GET /readiness answers per skill the four counts, and for roster readers who should refresh it (person
uuids, never names) and its next session; POST /readiness/invitations invites them, as the page's button.
"""

from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from solidarity.accounts.access import signed_in
from solidarity.core.api import ApiError, ErrorOut, api_permission
from solidarity.core.models import Zone
from solidarity.core.permissions import anywhere
from solidarity.core.zones import zone_by_slug
from solidarity.trainings.readiness import (
    VIEWERS,
    SkillSection,
    do_invite_to_refresher,
    invitable_session,
    inviter_role,
    readiness_for,
)

router = Router(tags=["trainings"])
SEES_READINESS = anywhere(*VIEWERS)


class ContactsOut(Schema):
    total: int = Field(description="Contacts of people in the network (in the zone).")
    not_confirmed: int = Field(description="Of them, not confirmed working in the last 90 days (or ever).")


class SkillReadinessOut(Schema):
    skill: str = Field(description="The skill's slug.")
    current: int = Field(description="Count for dispatch now (expiring included).")
    expiring: int = Field(description="Of the current ones, lapsing within 30 days.")
    awaiting_sign_off: int = Field(description="Not lapsed, but the practical sign-off the skill needs is missing.")
    lapsed: int
    should_refresh: list[UUID] | None = Field(
        description="Person ids who should take a refresher (lapsed within a year or lapsing within 30 days, "
        "not signed up for one); null for callers who do not read the roster."
    )
    next_session: UUID | None = Field(description="The next training of this skill the caller may see; null: none.")


class ReadinessOut(Schema):
    zone: str | None = Field(description="The zone's slug; null: the whole network.")
    contacts: ContactsOut
    skills: list[SkillReadinessOut]


class InvitationIn(Schema):
    skill: str = Field(max_length=60, description="The skill's slug: the session's own.")
    session: UUID = Field(description="The training to invite them to.")
    zone: str = Field(default="", max_length=60, description="Only those covering this zone (slug); empty: all.")


class InvitationOut(Schema):
    session: UUID
    invited: int = Field(description="How many were invited now (each person once per session).")


INVITE_ERRORS = {
    "responses": {
        409: {"description": "The training is cancelled, over or already started (`not_open`)."},
        422: {"description": "The skill is not the training's, or the zone is unknown (`invalid_input`)."},
    }
}


def zone_named(slug: str) -> Zone | None:
    if not slug:
        return None
    found = zone_by_slug(slug)
    if found is None:
        message = _("No zone has this short name.")
        raise ApiError(422, "invalid_input", message, {"zone": [message]})
    return found


def section_out(section: SkillSection, names: bool) -> SkillReadinessOut:
    counts = section.counts
    return SkillReadinessOut(
        skill=counts.skill.slug,
        current=counts.current,
        expiring=counts.expiring,
        awaiting_sign_off=counts.awaiting,
        lapsed=counts.lapsed,
        should_refresh=[refresher.person.uuid for refresher in section.refreshers] if names else None,
        next_session=section.next_session.uuid if section.next_session else None,
    )


@router.get("", response={200: ReadinessOut, 422: ErrorOut}, summary="Readiness per skill, in a zone or all")
@api_permission(SEES_READINESS)
def read_readiness(request: HttpRequest, zone: str = "") -> ReadinessOut:
    """Counts for coordinators; who should refresh (person ids) and the next sessions for roster readers."""
    seen = readiness_for(signed_in(request), zone_named(zone))
    return ReadinessOut(
        zone=seen.zone.slug if seen.zone else None,
        contacts=ContactsOut(total=seen.contacts.total, not_confirmed=seen.contacts.stale),
        skills=[section_out(section, seen.shows_names) for section in seen.sections],
    )


@router.post(
    "/invitations",
    response={202: InvitationOut, 409: ErrorOut, 422: ErrorOut},
    summary="Invite who should refresh a skill to a training of it",
    openapi_extra=INVITE_ERRORS,
)
@api_permission(SEES_READINESS)
def invite(request: HttpRequest, payload: InvitationIn) -> Status[InvitationOut]:
    """As the page's button: a pending sign-up and a message each, through the outbox; nobody twice per session.
    Roster keepers, or roster readers who manage the training's group."""
    user = signed_in(request)
    zone = zone_named(payload.zone)
    session = invitable_session(user, payload.session)
    if session.skill is None or session.skill.slug != payload.skill:
        message = _("This training does not grant that skill.")
        raise ApiError(422, "invalid_input", message, {"skill": [message]})
    try:
        count = do_invite_to_refresher(session, zone, by=user, role=inviter_role(user))
    except ValidationError as error:
        raise ApiError(409, "not_open", " ".join(error.messages)) from None
    return Status(202, InvitationOut(session=session.uuid, invited=count))
