"""The documented timeline for scripts: observations, their corrections and media, and the exports (as the pages).

`/incidents/{incident}/observations` lists an incident's observations (and corrections), oldest first,
each with its timeline entry's id, what was seen apart from how it was read, and its media's kind,
type, size and where to fetch it; the network's dispatchers read and add them (audited, as on the page).
An observation with a photo or a video is sent as multipart (`.../observations/upload`); without, as
JSON. A correction is a new observation pointing at the old one (`.../observations/{entry}/corrections`).
A responder out on an incident adds what they see from their own alert (`/alerts/{alert}/observations`).
The exports (`.../exports/pdf`, `.../exports/json`) are built for the download and audited, never kept.
"""

from datetime import datetime
from typing import Annotated, Literal

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Field, File, Form, Path, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from solidarity.accounts.access import signed_in
from solidarity.core.api import ErrorOut, api_permission
from solidarity.core.files import EncryptedFile
from solidarity.incidents import exports
from solidarity.incidents.access import access_incident
from solidarity.incidents.api import Code, answered
from solidarity.incidents.models import LONG_TEXT, SHORT_TEXT, Source
from solidarity.incidents.observation_access import (
    access_media,
    access_observed_entry,
    access_own_alert,
    observations_of,
)
from solidarity.incidents.observation_models import Observation
from solidarity.incidents.observations import ObservationValues, do_add_observation, do_add_responder_observation
from solidarity.incidents.timeline import DISPATCH, user_actor

router = Router(tags=["timeline"])

EntryId = Annotated[str, Path(pattern=r"^[0-9a-fA-F-]{32,36}$", description="An observation's entry id (a UUID).")]
NOT_NOW = {
    "responses": {409: {"description": "Not now: the entry was corrected already, or the responder is not out on it."}}
}


class ObservationIn(Schema):
    """What was seen (SALUTE) and, apart, how it was read. No field names anyone on the other side, on purpose."""

    size: str = Field("", max_length=SHORT_TEXT, description="How many agents and vehicles.")
    activity: str = Field("", max_length=LONG_TEXT, description="What they are doing.")
    location: str = Field("", max_length=SHORT_TEXT, description="A cross street or landmark; never a home address.")
    uniform: str = Field("", max_length=SHORT_TEXT, description="Uniform or agency, as seen (what, never who).")
    equipment: str = Field("", max_length=SHORT_TEXT)
    seen: str = Field("", max_length=LONG_TEXT, description="Anything else seen, in the observer's words.")
    reading: str = Field("", max_length=LONG_TEXT, description="How the observer read it, kept apart.")
    seen_at: datetime | None = Field(None, description="When it was seen: ISO 8601 with its offset.")

    def values(self, media: UploadedFile | None = None) -> ObservationValues:
        return ObservationValues(
            size=self.size,
            activity=self.activity,
            location=self.location,
            uniform=self.uniform,
            equipment=self.equipment,
            seen=self.seen,
            reading=self.reading,
            seen_at=self.seen_at,
            media=media,
        )


class MediaOut(Schema):
    kind: Literal["photo", "video"]
    content_type: str
    size: int = Field(description="In bytes, as stored (its metadata removed).")
    url: str = Field(description="Where a dispatcher fetches it (audited).")


class ObservationOut(Schema):
    entry: str = Field(description="Its timeline entry's id.")
    at: datetime = Field(description="When it was added.")
    kind: Literal["observation", "correction"]
    actor: str = Field(description="`user:<uuid>` (a dispatcher), `person:<uuid>` (a responder), or `system`.")
    source: Literal["web", "sms", "hotline", "api"]
    corrects: str | None = Field(description="The entry it corrects; null: none.")
    size: str
    activity: str
    location: str
    uniform: str
    equipment: str
    seen: str
    seen_at: datetime | None
    reading: str
    media: MediaOut | None


def observation_out(found: Observation) -> ObservationOut:
    entry, media = found.entry, found.media
    code = entry.incident.code
    return ObservationOut(
        entry=str(entry.uuid),
        at=entry.at,
        kind=entry.kind,  # type: ignore[arg-type]  # an observation's entry is one of the two
        actor=entry.actor,
        source=found.source,  # type: ignore[arg-type]  # Source's values
        corrects=str(entry.corrects.uuid) if entry.corrects is not None else None,
        size=found.size,
        activity=found.activity,
        location=found.location,
        uniform=found.uniform,
        equipment=found.equipment,
        seen=found.seen,
        seen_at=found.seen_at,
        reading=found.reading,
        media=MediaOut(
            kind=found.media_kind,  # type: ignore[arg-type]  # MediaKind's values
            content_type=media.content_type,
            size=media.size,
            url=reverse("api:read_observation_media", kwargs={"incident": code, "entry": entry.uuid}),
        )
        if isinstance(media, EncryptedFile)
        else None,
    )


@router.get(
    "/incidents/{incident}/observations",
    response=list[ObservationOut],
    summary="An incident's observations and corrections, oldest first (audited)",
)
@paginate
@api_permission(DISPATCH)
def list_observations(request: HttpRequest, incident: Code) -> list[ObservationOut]:
    found = observations_of(request.user, access_incident(request.user, incident))
    return [observation_out(item) for item in found]


def added(
    request: HttpRequest, incident: str, payload: ObservationIn, media: UploadedFile | None
) -> Status[ObservationOut]:
    user = signed_in(request)
    found = access_incident(user, incident)
    with answered():
        made = do_add_observation(found, payload.values(media), actor=user_actor(user), source=Source.API, by=user)
    return Status(201, observation_out(made))


@router.post(
    "/incidents/{incident}/observations",
    response={201: ObservationOut, 422: ErrorOut},
    summary="Add what was seen to the timeline (JSON; with a photo or a video: .../observations/upload)",
)
@api_permission(DISPATCH)
def add_observation(request: HttpRequest, incident: Code, payload: ObservationIn) -> Status[ObservationOut]:
    return added(request, incident, payload, None)


@router.post(
    "/incidents/{incident}/observations/upload",
    response={201: ObservationOut, 400: ErrorOut, 422: ErrorOut},
    summary="Add what was seen with one photo or short video (multipart: the fields and `file`)",
)
@api_permission(DISPATCH)
def upload_observation(
    request: HttpRequest, incident: Code, payload: Form[ObservationIn], file: File[UploadedFile]
) -> Status[ObservationOut]:
    """The file's location and device details are removed before it is stored encrypted; 422 if it is neither."""
    return added(request, incident, payload, file)


@router.post(
    "/incidents/{incident}/observations/{entry}/corrections",
    response={201: ObservationOut, 409: ErrorOut, 422: ErrorOut},
    summary="Correct an observation: a new one pointing at it (it stays as it was)",
    openapi_extra=NOT_NOW,
)
@api_permission(DISPATCH)
def correct_observation(
    request: HttpRequest, incident: Code, entry: EntryId, payload: ObservationIn
) -> Status[ObservationOut]:
    """Give the whole corrected observation. Correcting an entry corrected already is a 409: correct its correction."""
    user = signed_in(request)
    found = access_incident(user, incident)
    old = access_observed_entry(user, found, entry)
    with answered():
        made = do_add_observation(
            found, payload.values(), actor=user_actor(user), source=Source.API, by=user, corrects=old
        )
    return Status(201, observation_out(made))


@router.get(
    "/incidents/{incident}/observations/{entry}/media",
    response={200: None},
    summary="An observation's photo or video (audited; never public)",
)
@api_permission(DISPATCH)
def read_observation_media(request: HttpRequest, incident: Code, entry: EntryId) -> HttpResponse:
    media = access_media(request.user, access_incident(request.user, incident), entry).media
    assert isinstance(media, EncryptedFile)  # noqa: S101  (a saved row's file)
    response = HttpResponse(media.read_plain(), content_type=media.content_type)
    response["Cache-Control"] = "no-store"
    return response


@router.get(
    "/incidents/{incident}/exports/pdf",
    response={200: None},
    summary="The timeline as a PDF for the network's lawyers (audited, never kept)",
)
@api_permission(DISPATCH)
def export_timeline_pdf(request: HttpRequest, incident: Code) -> HttpResponse:
    return exports.download(exports.timeline_pdf(request.user, access_incident(request.user, incident)))


@router.get(
    "/incidents/{incident}/exports/json",
    response={200: None},
    summary="The timeline as a signed JSON bundle, media included (audited, never kept)",
)
@api_permission(DISPATCH)
def export_timeline_json(request: HttpRequest, incident: Code) -> HttpResponse:
    """Verify it with `solidarity incident verify-export FILE`, or its public key (incidents.exports)."""
    return exports.download(exports.timeline_bundle(request.user, access_incident(request.user, incident)))


@router.post(
    "/alerts/{alert}/observations",
    response={201: ObservationOut, 409: ErrorOut, 422: ErrorOut},
    summary="A responder out on the incident adds what they see, from their own alert",
    openapi_extra=NOT_NOW,
)
@api_permission("authenticated")
def add_alert_observation(request: HttpRequest, alert: Code, payload: ObservationIn) -> Status[ObservationOut]:
    """Only the alert's own person, going or on scene (409 otherwise); another's alert is a 404."""
    user = signed_in(request)
    found = access_own_alert(user, alert)
    with answered():
        made = do_add_responder_observation(found, payload.values(), source=Source.API, by=user)
    return Status(201, observation_out(made))
