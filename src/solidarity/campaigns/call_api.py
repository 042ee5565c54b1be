"""Calling in the JSON API: the next office for a caller, the outcome they report, the tallies and the public
counter; the same rotation and counting as the pages and SMS (campaigns.calling).

A caller needs no account for a public campaign, and any signed-in account (a token or the browser's session)
for a members' campaign; to anyone else it does not exist (404). A caller is never recorded: a call is counted,
not attributed, unless a signed-in caller asks to be credited with it. The caller tells which offices they
already called (`called`), so that they are given another one first.

`POST .../calls` answers 201 with the call (the office, its number, its live status, the script filled in the
caller's language), or 200 with why no office can be called now and when the next one opens (CampaignNoCallOut):
a caller's script can tell the two apart by the status alone.
"""

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from pydantic import StrictBool, StrictInt

from solidarity.accounts.access import signed_in
from solidarity.accounts.api_auth import BearerToken, SessionAuth
from solidarity.accounts.models import User
from solidarity.campaigns.access import CAMPAIGN_MEMBER, access_callable, access_campaign, call_of
from solidarity.campaigns.api import CampaignLineOut, OfficeKind, line_out, refused
from solidarity.campaigns.calling import NoneOpen, do_report_outcome, line_status, next_call
from solidarity.campaigns.models import Call, Campaign, Outcome, State, Via
from solidarity.campaigns.scripts import filled
from solidarity.campaigns.services import MAX_TARGETS
from solidarity.campaigns.tallies import tally_of, total_calls
from solidarity.core.api import ApiError, ErrorOut, api_permission
from solidarity.core.permissions import AnyUser
from solidarity.core.phones import dialable
from solidarity.core.public import limit
from solidarity.core.services import get_network_settings

router = Router(tags=["campaigns"])

# Calls given through the API, per client (a keyed hash of its address, core.public) and for everyone: a room of
# callers behind one address takes an office every minute or two each.
SCOPE, PER_CLIENT, OVERALL = "campaigns.api-calls", "60/m", "1200/m"
Language = Literal["en", "es"]
NoCallState = Literal["offices_closed", "not_started", "paused", "over"]
PUBLIC_ERRORS = {
    403: {
        "description": "A read-only token, or a browser session's write without its CSRF token "
        "(a caller without either calls anonymously)."
    }
}
TOO_MANY = {429: {"description": "Too many calls asked for from one place: wait a minute."}}


class CampaignOutcomeChoiceOut(Schema):
    value: int = Field(description="What to send as `outcome`.")
    label: str = Field(description="In the call's language.")


class CampaignCallOut(Schema):
    """An office given to a caller: call it, then report the outcome."""

    id: UUID = Field(description="The call's id: report its outcome under it, once.")
    campaign: str = Field(description="The campaign's code.")
    title: str
    intro: str = Field(description="What is happening and why this call helps, filled in the call's language.")
    target: UUID
    office: str = Field(description="The office's name, in the call's language.")
    kind: OfficeKind
    line: UUID | None = Field(description="The number given; null once an organiser removed it.")
    number: str = Field(description="E.164: ready to dial. Empty once an organiser removed it.")
    number_display: str = Field(description="The same, written as people read it.")
    line_status: str = Field(description='Its shared status: "busy or voicemail full since 14:05"; often empty.')
    script: str = Field(
        description="What to say, in the call's language: the person's name only once consent is recorded, else "
        '"a member of our community"; `place` where the caller says where they call from.'
    )
    language: Language
    offered_at: datetime
    outcome: int | None = Field(
        description="Reported: 1 reached a person, 2 voicemail, 3 no answer, 4 busy or voicemail full, 5 wrong number."
    )
    reported_at: datetime | None
    credited: bool = Field(description="Counted to the signed-in caller who asked for it.")
    outcomes: list[CampaignOutcomeChoiceOut] = Field(description="What may be reported, labelled.")


class CampaignNoCallOut(Schema):
    """No office can be called now."""

    state: NoCallState = Field(
        description="offices_closed: none is open now; not_started: calls begin at `opens_at`; paused: the "
        "organisers paused it; over: its calls are over."
    )
    opens_at: datetime | None = Field(description="When the next office opens (or calls begin); null: not known.")
    message: str = Field(description="For the caller, in their language.")


class CampaignCallIn(Schema):
    language: Language | None = Field(None, description="The script's language; absent: the request's.")
    place: str = Field("", max_length=60, description="Where the caller says they call from (a city); not kept.")
    called: list[UUID] = Field(
        default_factory=list, max_length=MAX_TARGETS, description="Offices (ids) this caller already called."
    )


class CampaignOutcomeIn(Schema):
    outcome: StrictInt = Field(
        ge=1,
        le=5,
        description="1 reached a person, 2 voicemail, 3 no answer, 4 busy or voicemail full, 5 wrong number.",
    )
    credit: StrictBool = Field(False, description="Count the call to the signed-in caller (never for anonymous).")


class CampaignCountsOut(Schema):
    reached: int
    voicemail: int
    no_answer: int
    busy: int = Field(description="Busy or voicemail full.")
    wrong: int = Field(description="Wrong number.")
    total: int


class CampaignTargetTallyOut(Schema):
    target: UUID
    name: str
    counts: CampaignCountsOut
    lines: list[CampaignLineOut]


class CampaignDayTallyOut(Schema):
    day: date = Field(description="In the network's time zone.")
    counts: CampaignCountsOut


class CampaignTallyOut(Schema):
    """Reported calls only (given and never reported: not counted). Counted, never attributed."""

    campaign: str
    counts: CampaignCountsOut
    targets: list[CampaignTargetTallyOut] = Field(description="Per office, in the campaign's order.")
    days: list[CampaignDayTallyOut] = Field(description="Days with calls, oldest first.")


class CampaignCounterOut(Schema):
    campaign: str
    total: int = Field(description="Calls reported so far.")


def caller(request: HttpRequest) -> AnyUser:
    """Who calls: a bearer token's account, else the browser's session (whose writes carry its CSRF token: 403
    otherwise), else nobody (anonymous)."""
    if "authorization" in request.headers and BearerToken()(request) is not None:
        return request.user
    if request.user.is_authenticated:
        SessionAuth()(request)
    return request.user


def counts_out(by_outcome: dict[int, int]) -> CampaignCountsOut:
    return CampaignCountsOut(
        reached=by_outcome.get(Outcome.REACHED, 0),
        voicemail=by_outcome.get(Outcome.VOICEMAIL, 0),
        no_answer=by_outcome.get(Outcome.NO_ANSWER, 0),
        busy=by_outcome.get(Outcome.BUSY, 0),
        wrong=by_outcome.get(Outcome.WRONG, 0),
        total=sum(by_outcome.values()),
    )


def call_out(campaign: Campaign, call: Call, place: str = "") -> CampaignCallOut:
    """The call as its caller reads it, in the call's language."""
    language = call.language if call.language in ("en", "es") else "en"
    line = call.line
    with translation.override(language):
        shown = dialable(line.phone, get_network_settings().phone_region) if line is not None else None
        return CampaignCallOut(
            id=call.uuid,
            campaign=campaign.code,
            title=campaign.title(language),
            intro=filled(campaign.intro(language), campaign, language, place),
            target=call.target.uuid,
            office=call.target.name(language),
            kind=call.target.kind,  # type: ignore[arg-type]  # a TargetKind value, as stored
            line=line.uuid if line is not None else None,
            number=line.phone if line is not None else "",
            number_display=shown.text if shown is not None else (line.phone if line is not None else ""),
            line_status=line_status(line) if line is not None else "",
            script=filled(call.target.script(language), campaign, language, place),
            language=language,  # type: ignore[arg-type]  # checked above
            offered_at=call.offered_at,
            outcome=call.outcome,
            reported_at=call.reported_at,
            credited=call.credited_to_id is not None,
            outcomes=[CampaignOutcomeChoiceOut(value=value, label=str(label)) for value, label in Outcome.choices],
        )


def when(at: datetime) -> dict[str, str]:
    local = timezone.localtime(at)
    return {"date": formats.date_format(local, "DATE_FORMAT"), "time": formats.time_format(local, "H:i")}


def no_call(campaign: Campaign, none: NoneOpen, language: str) -> CampaignNoCallOut:
    """Why no office can be called now, for the caller, in `language`."""
    now = timezone.now()
    state: NoCallState
    with translation.override(language):
        if campaign.state == State.CLOSED or now >= campaign.ends_at:
            state, message = "over", _("The calls of this campaign are over. Thank you.")
        elif campaign.state != State.LIVE:
            state, message = "paused", _("This campaign is paused: no office is given to callers for now.")
        elif now < campaign.starts_at:
            state, message = "not_started", _("Calls begin on %(date)s at %(time)s.") % when(campaign.starts_at)
        elif none.opens_at is not None:
            state = "offices_closed"
            message = _("No office can be called now: the next one opens on %(date)s at %(time)s.") % when(
                none.opens_at
            )
        else:
            state = "offices_closed"
            message = _("No office can be called now, and none opens again before the campaign ends.")
    return CampaignNoCallOut(state=state, opens_at=none.opens_at, message=message)


@router.post(
    "/campaigns/{campaign}/calls",
    response={201: CampaignCallOut, 200: CampaignNoCallOut, 403: ErrorOut, 429: ErrorOut},
    summary="The next office to call: its number and the script to read",
    auth=None,
    openapi_extra={"security": [], "responses": PUBLIC_ERRORS | TOO_MANY},
)
@api_permission("public")
def give_campaign_call(
    request: HttpRequest, campaign: str, payload: CampaignCallIn
) -> Status[CampaignCallOut | CampaignNoCallOut]:
    """201 with the call: offices the caller has not called come first, then those given least lately; a line
    reported busy, full or unanswered rests a while, and one reported wrong is not given. 200 with `state` and
    `opens_at` when no office can be called now. Anyone, for a public campaign; any account, for a members' one."""
    user = caller(request)
    found = access_callable(user, campaign)
    language = payload.language or ("es" if (translation.get_language() or "en")[:2] == "es" else "en")
    if limit(request, SCOPE, per_client=PER_CLIENT, overall=OVERALL).refused:
        raise ApiError(429, "too_many_requests", _("Too many requests. Wait a moment and try again."))
    called = found.targets.filter(uuid__in=payload.called).values_list("pk", flat=True)
    given = next_call(found, via=Via.API, language=language, called=list(called))
    if isinstance(given, NoneOpen):
        return Status(200, no_call(found, given, language))
    return Status(201, call_out(found, given, payload.place))


@router.post(
    "/campaigns/{campaign}/calls/{call}/outcome",
    response={200: CampaignCallOut, 403: ErrorOut, 409: ErrorOut},
    summary="Report how a call went (once)",
    auth=None,
    openapi_extra={
        "security": [],
        "responses": PUBLIC_ERRORS
        | {
            409: {
                "description": "Reported already (`already_reported`), or the campaign is closed (`campaign_closed`)."
            }
        },
    },
)
@api_permission("public")
def report_campaign_outcome(
    request: HttpRequest, campaign: str, call: UUID, payload: CampaignOutcomeIn
) -> CampaignCallOut:
    """Counted once, and shared at once: a busy or full line sends the next callers elsewhere, a number reported
    wrong twice is no longer given and its organisers are told. `credit` (signed in only) counts it to the caller."""
    user = caller(request)
    found = access_callable(user, campaign)
    given = call_of(found, call)
    if payload.credit and not isinstance(user, User):
        message = _("Sign in to be credited with your calls.")
        raise ApiError(422, "invalid_input", message, {"credit": [message]})
    if found.state == State.CLOSED:
        raise ApiError(409, "campaign_closed", _("This campaign is closed."))
    try:
        counted = do_report_outcome(
            given, payload.outcome, credited_to=user if payload.credit and isinstance(user, User) else None
        )
    except ValidationError as error:
        raise refused(error, found) from None
    if not counted:
        raise ApiError(409, "already_reported", _("This call's outcome is reported already: it counts once."))
    return call_out(found, call_of(found, call))


@router.get("/campaigns/{campaign}/tallies", response=CampaignTallyOut, summary="A campaign's calls, counted")
@api_permission(CAMPAIGN_MEMBER)
def read_campaign_tallies(request: HttpRequest, campaign: str) -> CampaignTallyOut:
    """Per office (with each number's live status), per outcome and per day, and in all: for the group's members."""
    found = access_campaign(signed_in(request), campaign)
    tally = tally_of(found)
    at = timezone.now()
    return CampaignTallyOut(
        campaign=found.code,
        counts=counts_out(tally.by_outcome),
        targets=[
            CampaignTargetTallyOut(
                target=each.target.uuid,
                name=each.target.name(),
                counts=counts_out(each.by_outcome),
                lines=[line_out(line, at) for line in each.lines],
            )
            for each in tally.targets
        ],
        days=[CampaignDayTallyOut(day=day, counts=counts_out(counts)) for day, counts in tally.by_day],
    )


@router.get(
    "/campaigns/{campaign}/counter",
    response=CampaignCounterOut,
    summary="A campaign's public counter: how many calls so far",
    auth=None,
    openapi_extra={"security": []},
)
@api_permission("public")
def read_campaign_counter(request: HttpRequest, campaign: str) -> CampaignCounterOut:
    """For whoever may call, when the campaign shows a public counter (404 otherwise). A total, nothing else."""
    user = caller(request)
    found = access_callable(user, campaign)
    if not found.has_public_counter:
        raise ApiError(404, "not_found", _("Not found."))
    return CampaignCounterOut(campaign=found.code, total=total_calls(found))
