"""The directory in the JSON API: anyone reads the public resources (no token needed; a signed-in member of
the network, by a token or the browser's session, also reads the members-only ones); keepers (the coordinators of the
group that keeps a resource) create and change resources, their phones and dated sessions, and say when
they checked them."""

from datetime import date, datetime, time
from typing import Annotated, Any
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from solidarity.accounts.access import signed_in
from solidarity.accounts.api_auth import BearerToken
from solidarity.core.api import ErrorOut, api_permission
from solidarity.core.permissions import AnyUser, Role, anywhere, owner_role
from solidarity.directory.access import (
    access_keeping_group,
    access_resource_scoped,
    filtered,
    kept,
    kept_resources,
    phone_of,
    session_of,
    visible_resource,
    visible_resources,
)
from solidarity.directory.models import MAX_LANGUAGES, NAME_LENGTH, TEXT_LENGTH, Kind, Phone, Resource, Session
from solidarity.directory.services import (
    ResourceValues,
    do_add_phone,
    do_add_session,
    do_mark_checked,
    do_pin,
    do_remove_phone,
    do_remove_session,
    do_save_resource,
    is_stale,
    values_of,
)
from solidarity.directory.services import stale as stale_resources
from solidarity.lists.api import refused_by_service as refused  # 409 for a name taken, else 422

router = Router(tags=["directory"])

KEEPER = owner_role(Role.COORDINATOR, access=access_resource_scoped, kwarg="resource")
ANY_COORDINATOR = anywhere(Role.COORDINATOR)  # POST /resources: then a coordinator of the group the body names
NO_TOKEN: dict[str, Any] = {"security": []}  # OpenAPI: readable without a token

LanguageCode = Annotated[str, Field(min_length=2, max_length=20)]
ZoneSlug = Annotated[str, Field(min_length=1, max_length=60)]
TAKEN = {"responses": {409: {"description": "Another resource has this short name, or it has this number."}}}


class ResourcePhoneOut(Schema):
    id: UUID = Field(alias="uuid")
    number: str = Field(description="In E.164.")
    label_en: str
    label_es: str
    is_24h: bool = Field(description="Answered 24 hours a day.")


class ResourceSessionOut(Schema):
    id: UUID = Field(alias="uuid")
    date: date
    starts_at: time | None
    ends_at: time | None
    note_en: str
    note_es: str


class ResourceOut(Schema):
    id: UUID = Field(alias="uuid")
    slug: str = Field(description="Its short name: its page's address and this API's.")
    kind: str
    name_en: str
    name_es: str
    offers_en: str
    offers_es: str
    is_free: bool
    is_sliding_scale: bool
    no_id_asked: bool
    is_walk_in: bool
    languages: list[str] = Field(description="Language codes spoken there.")
    web_address: str
    hours_en: str
    hours_es: str
    zones: list[str] = Field(description="The slugs of the zones it serves.")
    group: str = Field(description="The slug of the working group that keeps it.")
    is_public: bool = Field(description="Marked public by its keeper.")
    congregation_agreed: bool = Field(description="For a sanctuary congregation: it agreed to be listed publicly.")
    members_only: bool = Field(description="Seen by the network's members only.")
    check_every_days: int
    last_checked_at: datetime | None
    is_stale: bool = Field(description="Not checked within its interval: call first.")
    pinned: bool = Field(description="Pinned to the network's home page.")
    phones: list[ResourcePhoneOut]
    sessions: list[ResourceSessionOut] = Field(description="Its dated sessions from today on.")
    page_url: str

    @staticmethod
    def resolve_zones(obj: Resource) -> list[str]:
        return sorted(zone.slug for zone in obj.zones.all())

    @staticmethod
    def resolve_group(obj: Resource) -> str:
        return obj.group.slug

    @staticmethod
    def resolve_members_only(obj: Resource) -> bool:
        return not obj.is_listed_publicly

    @staticmethod
    def resolve_is_stale(obj: Resource) -> bool:
        return is_stale(obj)

    @staticmethod
    def resolve_pinned(obj: Resource) -> bool:
        return obj.pinned_at is not None

    @staticmethod
    def resolve_phones(obj: Resource) -> list[Phone]:
        return sorted(obj.phones.all(), key=lambda phone: phone.created_at)

    @staticmethod
    def resolve_sessions(obj: Resource) -> list[Session]:
        upcoming = getattr(obj, "upcoming", None)
        if upcoming is None:
            upcoming = list(obj.sessions.filter(date__gte=timezone.localdate()).order_by("date", "starts_at"))
        return list(upcoming)

    @staticmethod
    def resolve_page_url(obj: Resource) -> str:
        return str(settings.BASE_URL).rstrip("/") + reverse("directory:resource", kwargs={"resource": obj.slug})


class ResourcePatch(Schema):
    slug: str | None = Field(None, min_length=1, max_length=60)
    kind: Kind | None = None
    name_en: str | None = Field(None, max_length=NAME_LENGTH)
    name_es: str | None = Field(None, max_length=NAME_LENGTH)
    offers_en: str | None = Field(None, max_length=TEXT_LENGTH)
    offers_es: str | None = Field(None, max_length=TEXT_LENGTH)
    is_free: bool | None = None
    is_sliding_scale: bool | None = None
    no_id_asked: bool | None = None
    is_walk_in: bool | None = None
    languages: list[LanguageCode] | None = Field(None, max_length=MAX_LANGUAGES)
    web_address: str | None = Field(None, max_length=300)
    hours_en: str | None = Field(None, max_length=TEXT_LENGTH)
    hours_es: str | None = Field(None, max_length=TEXT_LENGTH)
    zones: list[ZoneSlug] | None = Field(None, max_length=200)
    is_public: bool | None = None
    congregation_agreed: bool | None = None
    check_every_days: int | None = Field(None, ge=1, le=730)


class ResourceIn(ResourcePatch):
    group: str = Field(min_length=1, max_length=60, description="The slug of the working group that keeps it.")
    slug: str = Field(min_length=1, max_length=60)
    kind: Kind


class ResourcePhoneIn(Schema):
    number: str = Field(min_length=1, max_length=40)
    label_en: str = Field("", max_length=80)
    label_es: str = Field("", max_length=80)
    is_24h: bool = False


class ResourceSessionIn(Schema):
    date: date
    starts_at: time | None = None
    ends_at: time | None = None
    note_en: str = Field("", max_length=300)
    note_es: str = Field("", max_length=300)


def saved(group: Any, values: dict[str, Any], request: HttpRequest, existing: Resource | None = None) -> Resource:
    user = signed_in(request)
    values["languages"] = tuple(values.get("languages") or ())
    values["zones"] = tuple(values.get("zones") or ())
    if "slug" in values:
        values["slug"] = values["slug"].strip()
    try:
        return do_save_resource(group, ResourceValues(**values), by=user, resource=existing)
    except ValidationError as error:
        raise refused(error) from None


def reader(request: HttpRequest) -> AnyUser:
    """Who makes a public read: the account of a bearer token when one is given (a token we do not know
    reads as the public), else the browser's session."""
    if not request.user.is_authenticated and "authorization" in request.headers:
        BearerToken()(request)  # sets request.user for a token it knows
    return request.user


@router.get(
    "/resources", response=list[ResourceOut], summary="The directory's resources", auth=None, openapi_extra=NO_TOKEN
)
@paginate
@api_permission("public")
def list_resources(
    request: HttpRequest,
    kind: Kind | None = None,
    zone: ZoneSlug | None = None,
    language: LanguageCode | None = None,
    stale: bool | None = None,
    kept: bool = False,
) -> QuerySet[Resource]:
    """Public resources, filtered by kind, zone (its slug) and language (its code); a member of the network
    signed in (by a token or the browser's session) also gets the members-only ones. No person's data.
    `stale`: only those due for a check (true) or only the fresh ones (false); `kept`: only those the caller
    keeps (a keeper's list to check; none for the public)."""
    user = reader(request)
    found = kept_resources(user) if kept else visible_resources(user)
    if stale is not None:
        due = stale_resources(found)
        found = due if stale else found.exclude(pk__in=due.values("pk"))
    return filtered(found, kind or "", zone or "", language or "").select_related("group")


@router.get("/resources/{resource}", response=ResourceOut, summary="One resource", auth=None, openapi_extra=NO_TOKEN)
@api_permission("public")
def read_resource(request: HttpRequest, resource: str) -> Resource:
    return visible_resource(reader(request), resource)


@router.post("/resources", response={201: ResourceOut, 409: ErrorOut}, summary="Add a resource", openapi_extra=TAKEN)
@api_permission(ANY_COORDINATOR)
def create_resource(request: HttpRequest, payload: ResourceIn) -> Status[Resource]:
    """For a coordinator of the group named in the body, which keeps it; 404 for any other group."""
    group = access_keeping_group(signed_in(request), payload.group)
    values = payload.model_dump(exclude={"group"}, exclude_none=True)
    return Status(201, saved(group, values, request))


@router.patch(
    "/resources/{resource}",
    response={200: ResourceOut, 409: ErrorOut},
    summary="Change a resource",
    openapi_extra=TAKEN,
)
@api_permission(KEEPER)
def update_resource(request: HttpRequest, resource: str, payload: ResourcePatch) -> Resource:
    found = kept(access_resource_scoped(signed_in(request), resource))
    changes = payload.model_dump(exclude_unset=True, exclude_none=True)
    current = {name: getattr(values_of(found), name) for name in ResourceValues.__dataclass_fields__}
    return saved(found.group, current | changes, request, existing=found)


@router.post("/resources/{resource}/checked", response=ResourceOut, summary="Say a resource's facts are still right")
@api_permission(KEEPER)
def check_resource(request: HttpRequest, resource: str) -> Resource:
    user = signed_in(request)
    return do_mark_checked(kept(access_resource_scoped(user, resource)), by=user)


@router.post(
    "/resources/{resource}/pin",
    response={200: ResourceOut, 422: ErrorOut},
    summary="Pin a resource to the home page",
)
@api_permission(KEEPER)
def pin_resource(request: HttpRequest, resource: str) -> Resource:
    """A public resource only, and a few at most (422 says so)."""
    return set_pinned(request, resource, True)


@router.delete("/resources/{resource}/pin", response=ResourceOut, summary="Take a resource off the home page")
@api_permission(KEEPER)
def unpin_resource(request: HttpRequest, resource: str) -> Resource:
    return set_pinned(request, resource, False)


def set_pinned(request: HttpRequest, resource: str, pinned: bool) -> Resource:
    user = signed_in(request)
    try:
        return do_pin(kept(access_resource_scoped(user, resource)), by=user, pinned=pinned)
    except ValidationError as error:
        raise refused(error) from None


@router.post(
    "/resources/{resource}/phones",
    response={201: ResourcePhoneOut, 409: ErrorOut},
    summary="Add a phone number",
    openapi_extra=TAKEN,
)
@api_permission(KEEPER)
def add_phone(request: HttpRequest, resource: str, payload: ResourcePhoneIn) -> Status[Phone]:
    user = signed_in(request)
    found = kept(access_resource_scoped(user, resource))
    try:
        return Status(201, do_add_phone(found, by=user, **payload.model_dump()))
    except ValidationError as error:
        raise refused(error) from None


@router.delete("/resources/{resource}/phones/{phone}", response={204: None}, summary="Remove a phone number")
@api_permission(KEEPER)
def remove_phone(request: HttpRequest, resource: str, phone: UUID) -> Status[None]:
    user = signed_in(request)
    do_remove_phone(phone_of(kept(access_resource_scoped(user, resource)), phone), by=user)
    return Status(204, None)


@router.post("/resources/{resource}/sessions", response={201: ResourceSessionOut}, summary="Add a dated session")
@api_permission(KEEPER)
def add_session(request: HttpRequest, resource: str, payload: ResourceSessionIn) -> Status[Session]:
    user = signed_in(request)
    found = kept(access_resource_scoped(user, resource))
    data = payload.model_dump()
    try:
        return Status(201, do_add_session(found, data.pop("date"), by=user, **data))
    except ValidationError as error:
        raise refused(error) from None


@router.delete(
    "/resources/{resource}/sessions/{resource_session}", response={204: None}, summary="Remove a dated session"
)
@api_permission(KEEPER)
def remove_session(request: HttpRequest, resource: str, resource_session: UUID) -> Status[None]:
    user = signed_in(request)
    do_remove_session(session_of(kept(access_resource_scoped(user, resource)), resource_session), by=user)
    return Status(204, None)
