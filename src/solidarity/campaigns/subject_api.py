"""The person a call-in campaign is for, and consent, in the JSON API: for the campaign's organisers only.

The only answers that carry the person's name and identifiers (an A-number) are these, and each reading is
audited (ids only). The scripts callers get give them only once consent from the person or their family and from
their lawyer is recorded (campaigns.scripts); closing the campaign deletes them. A name written out in a text of
the campaign, instead of {person}, is refused.
"""

from datetime import datetime
from typing import Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Field, Router, Schema

from solidarity.accounts.access import signed_in
from solidarity.campaigns.access import CAMPAIGN_ORGANISER, access_subject
from solidarity.campaigns.api import CLOSED, open_for_changes, organiser_step, refused
from solidarity.campaigns.models import IDENTIFIERS_LENGTH, NAME_LENGTH, Campaign
from solidarity.campaigns.services import do_record_consent, do_set_subject, do_withdraw_consent
from solidarity.core.api import ErrorOut, api_permission

router = Router(tags=["campaigns"])


class CampaignSubjectOut(Schema):
    """The person the campaign is for: for its organisers only. Deleted when the campaign closes."""

    name: str
    identifiers: str = Field(description="Such as an A-number.")
    consent_from: Literal["person", "family"] | None = Field(description="Who gave consent: the person or family.")
    consent_at: datetime | None
    lawyer_consent_at: datetime | None
    has_consent: bool = Field(description="Both consents are recorded: the person's or family's, and the lawyer's.")
    is_named: bool = Field(description="The scripts give the name and identifiers now.")


class CampaignSubjectIn(Schema):
    name: str = Field("", max_length=NAME_LENGTH, description="Empty: the campaign names nobody.")
    identifiers: str = Field("", max_length=IDENTIFIERS_LENGTH, description="Such as an A-number; may be empty.")


class CampaignConsentIn(Schema):
    given_by: Literal["person", "family", "lawyer"] = Field(
        alias="from", description="Whose consent: the person's, their family's, or their lawyer's."
    )


def subject_out(campaign: Campaign) -> CampaignSubjectOut:
    return CampaignSubjectOut(
        name=str(campaign.subject_name),
        identifiers=str(campaign.subject_identifiers),
        consent_from=campaign.consent_from or None,  # type: ignore[arg-type]  # a ConsentFrom value, or blank
        consent_at=campaign.consent_at,
        lawyer_consent_at=campaign.lawyer_consent_at,
        has_consent=campaign.has_consent,
        is_named=campaign.is_named,
    )


# The person the campaign is for, and consent.


@router.get("/campaigns/{campaign}/subject", response=CampaignSubjectOut, summary="Who the campaign is for")
@api_permission(CAMPAIGN_ORGANISER)
def read_campaign_subject(request: HttpRequest, campaign: str) -> CampaignSubjectOut:
    """Their name and identifiers, and the consents recorded. For the organisers; each reading is audited."""
    return subject_out(access_subject(signed_in(request), campaign))


@router.put(
    "/campaigns/{campaign}/subject",
    response={200: CampaignSubjectOut, 409: ErrorOut},
    summary="Set who the campaign is for",
    openapi_extra={"responses": CLOSED},
)
@api_permission(CAMPAIGN_ORGANISER)
def set_campaign_subject(request: HttpRequest, campaign: str, payload: CampaignSubjectIn) -> CampaignSubjectOut:
    """Shown to callers only once both consents are recorded; a different name or identifiers needs them again.
    Refused (422 on `name`) while a text of the campaign writes the name out instead of {person}."""
    user, found = organiser_step(request, campaign)
    try:
        done = do_set_subject(open_for_changes(found), payload.name, payload.identifiers, by=user)
    except ValidationError as error:
        raise refused(error, found) from None
    return subject_out(done)


@router.post(
    "/campaigns/{campaign}/consent",
    response={200: CampaignSubjectOut, 409: ErrorOut},
    summary="Record consent to give the person's name: theirs or their family's, or their lawyer's",
    openapi_extra={
        "responses": {409: {"description": "No name is set yet (`unnamed`), or closed (`campaign_closed`)."}}
    },
)
@api_permission(CAMPAIGN_ORGANISER)
def record_campaign_consent(request: HttpRequest, campaign: str, payload: CampaignConsentIn) -> CampaignSubjectOut:
    """Both are needed (the person's or family's, and the lawyer's) before the scripts give the name."""
    user, found = organiser_step(request, campaign)
    lawyer = payload.given_by == "lawyer"
    try:
        done = do_record_consent(
            open_for_changes(found), lawyer=lawyer, consent_from="" if lawyer else payload.given_by, by=user
        )
    except ValidationError as error:
        raise refused(error, found) from None
    return subject_out(done)


@router.post(
    "/campaigns/{campaign}/consent/withdraw",
    response=CampaignSubjectOut,
    summary="Consent withdrawn: the name stops showing at once",
)
@api_permission(CAMPAIGN_ORGANISER)
def withdraw_campaign_consent(request: HttpRequest, campaign: str) -> CampaignSubjectOut:
    """Both consents are cleared; the name and identifiers stay, for the organisers only."""
    user, found = organiser_step(request, campaign)
    return subject_out(do_withdraw_consent(found, by=user))
