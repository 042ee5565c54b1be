"""Invitations in the JSON API: a campaign's invitations (its group's members) and sending one (its organisers),
through the same service as the page (campaigns.invite). To anyone else the campaign does not exist (404)."""

from datetime import datetime
from typing import Literal
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from solidarity.accounts.access import signed_in
from solidarity.campaigns.access import CAMPAIGN_MEMBER, CAMPAIGN_ORGANISER, ORGANISERS, access_campaign
from solidarity.campaigns.invite import MAX_CHOICES, chosen, do_invite, invitations_of
from solidarity.campaigns.invite_models import Invitation
from solidarity.core.api import ApiError, ErrorOut, api_permission

router = Router(tags=["campaigns"])

NOT_LIVE = {"responses": {409: {"description": "not_live: only a live campaign whose calls have not ended invites."}}}
Slugs = list[str]


class CallInvitationIn(Schema):
    how: Literal["lists", "people"] = Field(
        description="`lists`: through the group's announcement lists; `people`: by skill and zone."
    )
    lists: Slugs = Field(default_factory=list, max_length=MAX_CHOICES, description="Slugs of the group's lists.")
    skills: Slugs = Field(
        default_factory=list, max_length=MAX_CHOICES, description="People holding one of these skills (slugs)."
    )
    zones: Slugs = Field(
        default_factory=list,
        max_length=MAX_CHOICES,
        description="People, or a list's subscribers, in one of these zones (slugs); empty: every zone.",
    )
    key: UUID | None = Field(
        None, description="Your own id for this request: sending it again with the same key sends nothing more."
    )


class CallInvitationOut(Schema):
    id: UUID = Field(alias="uuid")
    how: Literal["lists", "people"]
    lists: Slugs
    skills: Slugs
    zones: Slugs
    sent_at: datetime
    reached: int = Field(description="Messages queued (people by skill and zone), or the lists' recipients.")
    reminder: Literal["planned", "sent", "skipped", "none"]
    remind_at: datetime | None = Field(description="When the reminder goes (or went), when an office is open.")
    reminded_at: datetime | None
    reminder_reached: int

    @staticmethod
    def resolve_lists(obj: Invitation) -> Slugs:
        return [item.slug for item in obj.lists.all()]

    @staticmethod
    def resolve_skills(obj: Invitation) -> Slugs:
        return [item.slug for item in obj.skills.all()]

    @staticmethod
    def resolve_zones(obj: Invitation) -> Slugs:
        return [item.slug for item in obj.zones.all()]


def refused(error: ValidationError) -> ApiError:
    if hasattr(error, "error_dict"):
        fields = error.message_dict
        return ApiError(422, "invalid_input", next(iter(fields.values()))[0], fields)
    if any(item.code == "state" for item in error.error_list):
        return ApiError(409, "not_live", error.messages[0])
    return ApiError(422, "invalid_input", error.messages[0], {"__all__": error.messages})


@router.get(
    "/campaigns/{campaign}/invitations", response=list[CallInvitationOut], summary="A campaign's invitations to call"
)
@paginate
@api_permission(CAMPAIGN_MEMBER)
def list_invitations(request: HttpRequest, campaign: str) -> QuerySet[Invitation]:
    """Newest first, with their reminders. `campaign`: its code or its id."""
    return invitations_of(access_campaign(signed_in(request), campaign))


@router.post(
    "/campaigns/{campaign}/invitations",
    response={201: CallInvitationOut, 409: ErrorOut},
    summary="Invite people to call: through lists, or by skill and zone",
    openapi_extra=NOT_LIVE,
)
@api_permission(CAMPAIGN_ORGANISER)
def create_invitation(request: HttpRequest, campaign: str, payload: CallInvitationIn) -> Status[Invitation]:
    """Each person gets one invitation to a campaign, whatever the invitations; one reminder follows when an
    office of the campaign is open. Answers the invitation made (201), or the one an earlier call with the
    same `key` made."""
    user = signed_in(request)
    found = access_campaign(user, campaign, *ORGANISERS)
    try:
        values = chosen(found, payload.how, payload.lists, payload.skills, payload.zones)
        values.request_key = payload.key
        made = do_invite(found, values, by=user)
    except ValidationError as error:
        raise refused(error) from None
    return Status(201, invitations_of(found).get(pk=made.pk))
