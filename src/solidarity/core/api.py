"""The API's shared pieces: the error shape, bounded pagination and declared permissions for operations.

Every operation declares `@api_permission(...)`; the declaration also writes, into the OpenAPI
document, the error answers the operation can give (`error_statuses`), so a network's script
knows them all and a fuzzer finds none undocumented. Lists use `Pagination` (settings'
NINJA_PAGINATION_CLASS): a bare `@paginate` gets the bounds.
"""

from collections.abc import Callable, Iterator
from decimal import Decimal
from functools import partial, wraps
from typing import Any, Literal
from uuid import UUID

from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, NinjaAPI, Router, Schema, Status
from ninja.conf import settings as ninja_settings
from ninja.constants import NOT_SET
from ninja.errors import HttpError
from ninja.operation import AsyncOperation, Operation
from ninja.pagination import LimitOffsetPagination, paginate
from ninja.params.models import BodyModel
from ninja.utils import contribute_operation_callback

from solidarity.core.forms import NetworkSettingsForm
from solidarity.core.models import WELCOME_MAX_LENGTH, Zone
from solidarity.core.permissions import AnyGroupRole, GroupRole, ObjectRole, Permission, holds, is_admin
from solidarity.core.services import do_update_network_settings, network_values
from solidarity.core.zones import (
    ZONE_KEEPERS,
    ZoneValues,
    do_create_zone,
    do_update_zone,
    keeper_role,
    network_zones,
    zone_by_slug,
)

STATUS_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    422: "invalid_input",
    429: "too_many_requests",
    500: "server_error",
}

# Methods that change nothing: a read-only token may use only these.
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


# An operation's answer models (one per status it may answer) are built when first used, not at start-up:
# built at once, the API's some 2,000 held 13 MB in every web process, for answers most networks never give.
# ninja makes them from its own Schema class, so the setting goes there, before any module that defines an
# operation has run (each imports this one); build_schemas() then builds Solidarity's own schemas at once.
Schema.model_config["defer_build"] = True


def build_schemas() -> None:
    """Build Solidarity's own schemas now, once all are defined (config.api calls this): an answer model built
    later refers to them instead of making its own copy of each (measured: every answer model built that way
    held 15 MB more than with them built first)."""

    def every(parent: type[Schema]) -> Iterator[type[Schema]]:
        for child in parent.__subclasses__():
            yield child
            yield from every(child)

    for schema in every(Schema):
        if schema.__module__.startswith("solidarity."):
            schema.model_rebuild()


class ApiError(HttpError):
    """An error with a stable code: raise ApiError(409, "already_done", _("…"))."""

    def __init__(self, status_code: int, code: str, message: str, fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(status_code, message)
        self.code = code
        self.fields = fields or {}


def error_body(code: str, message: str, fields: dict[str, list[str]] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


# pydantic's kinds of error, in our words (see field_error); a message may name the bound from the error's context.
FIELD_ERRORS: dict[str, str | Promise] = {
    kind: message
    for kinds, message in (
        (("missing",), gettext_lazy("This field is required.")),
        (("int_parsing", "int_type", "int_from_float"), gettext_lazy("Enter a whole number.")),
        (("float_parsing", "float_type", "decimal_parsing"), gettext_lazy("Enter a number.")),
        (("bool_parsing", "bool_type"), gettext_lazy("Enter true or false.")),
        (("string_type",), gettext_lazy("Enter text.")),
        (("uuid_parsing", "uuid_type"), gettext_lazy("This is not a valid identifier.")),
        (("date_parsing", "date_from_datetime_parsing"), gettext_lazy("Enter a date as YYYY-MM-DD.")),
        (
            ("datetime_parsing", "datetime_from_date_parsing"),
            gettext_lazy("Enter a date and time as YYYY-MM-DDTHH:MM."),
        ),
        (("time_parsing",), gettext_lazy("Enter a time as HH:MM.")),
        (("list_type",), gettext_lazy("Give a list.")),
        (("dict_type", "model_type"), gettext_lazy("Give an object.")),
        (("json_invalid",), gettext_lazy("This is not valid JSON.")),
        (("extra_forbidden",), gettext_lazy("This field is not expected here.")),
        (("enum", "literal_error"), gettext_lazy("Choose one of: %(expected)s.")),
        (("greater_than_equal",), gettext_lazy("Enter %(ge)s or more.")),
        (("greater_than",), gettext_lazy("Enter more than %(gt)s.")),
        (("less_than_equal",), gettext_lazy("Enter %(le)s or less.")),
        (("less_than",), gettext_lazy("Enter less than %(lt)s.")),
        (("string_too_short",), gettext_lazy("Write at least %(min_length)s characters.")),
        (("string_too_long",), gettext_lazy("Write at most %(max_length)s characters.")),
        (("too_short",), gettext_lazy("Give at least %(min_length)s.")),
        (("too_long",), gettext_lazy("Give at most %(max_length)s.")),
    )
    for kind in kinds
}


def field_error(item: dict[str, Any]) -> str:
    """One of pydantic's validation errors (a dict of its `errors()`) as a sentence in the reader's language.

    pydantic writes its own messages in English only ("Input should be a valid integer"). The
    common kinds get ours (FIELD_ERRORS); an error our own validators raised keeps their
    (translated) words; any other kind keeps pydantic's.
    """
    kind, context = str(item.get("type", "")), item.get("ctx") or {}
    if kind == "value_error" and "error" in context:
        return str(context["error"])
    message = FIELD_ERRORS.get(kind)
    if message is None:
        return str(item.get("msg", ""))
    return str(message) % {"expected": "", **context}


def refused(request: HttpRequest, needed: Permission, kwargs: dict[str, Any]) -> ApiError | None:
    """The error for a caller `needed` refuses (authentication is the router's `auth`), or None."""
    if needed == "admin" and not is_admin(request.user):
        return ApiError(403, "forbidden", _("Only network admins may do this."))
    if isinstance(needed, GroupRole | AnyGroupRole | ObjectRole):
        try:
            allowed = holds(request.user, needed, kwargs)
        except Http404:
            allowed = False
        if not allowed:
            return ApiError(404, "not_found", _("Not found."))
    return None


class PermissionFirst(Operation):
    """An operation that checks its declared permission right after authentication, before reading its input.

    So a caller it refuses learns nothing from it, not even which input it would take: 401, 403 or
    404, never a 422 about a body it may not send. (The declaration is checked again around the
    call itself; the look-ups are kept per request, so the second check costs nothing.)
    """

    def _run_checks(self, request: HttpRequest) -> HttpResponse | None:
        error = super()._run_checks(request)
        if error is not None:
            return error
        needed: Permission | None = getattr(self.view_func, "solidarity_permission", None)
        match = request.resolver_match
        problem = refused(request, needed, dict(match.kwargs) if match else {}) if needed else None
        return self.api.on_exception(request, problem) if problem is not None else None


def permission_first(api: NinjaAPI) -> None:
    """Make every operation of `api`'s routers a PermissionFirst (config.api calls this once)."""
    for _prefix, router in api._routers:  # ninja keeps this list for callers like us
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                if isinstance(operation, AsyncOperation):
                    raise TypeError(f"{operation.view_func.__name__}: async operations check their permission late")
                operation.__class__ = PermissionFirst


class ErrorDetail(Schema):
    code: str = Field(description="Stable, in snake_case: what a script branches on.")
    message: str = Field(description="For a person, in the caller's language.")
    fields: dict[str, list[str]] = Field(description="What is wrong with each named input; empty if none.")


class ErrorOut(Schema):
    """Every error the API answers, whatever its status (STYLE.md)."""

    error: ErrorDetail


# Lists: ?limit= and ?offset=, bounded so that no number a script sends reaches the database unchecked
# (an offset past a 64-bit integer answered 500). A billion rows is past any list a network keeps.
MAX_LIMIT = 500
MAX_OFFSET = 1_000_000_000


class Pagination(LimitOffsetPagination):
    """Django-ninja's limit/offset pagination with both numbers bounded: out of range is a 422."""

    class Input(LimitOffsetPagination.Input):
        limit: int = Field(
            ninja_settings.PAGINATION_PER_PAGE, ge=1, le=MAX_LIMIT, description=f"How many items, 1 to {MAX_LIMIT}."
        )
        offset: int = Field(0, ge=0, le=MAX_OFFSET, description="How many items to skip.")


# What each error answer means, for the OpenAPI document.
ERROR_ANSWERS = {
    400: "The body could not be read as a JSON object.",
    401: "No valid token or session: sign in, or send `Authorization: Bearer <token>`.",
    403: "Signed in, but not allowed: not a network admin, a read-only token used to write, "
    "or a session's write without its CSRF token.",
    404: "No such object, or one the caller may not see.",
    409: "The request conflicts with the object's state.",
    422: "A value is missing, malformed or out of range; `fields` names each.",
    429: "Too many requests: wait and try again.",
}


def error_statuses(needed: Permission, operation: Operation) -> set[int]:
    """The error answers an operation can give, from its permission, its methods and its parameters.

    An operation that refuses for a reason of its own (409 on a conflict, 429 from a rate limit)
    declares that status itself, `response={201: GroupOut, 409: ErrorOut}`.
    """
    statuses = set()
    if operation.signature.models:
        statuses.add(422)  # ninja validates every parameter before the operation runs
    if any(issubclass(model, BodyModel) for model in operation.signature.models):
        statuses.add(400)
    if "{" in operation.path:
        statuses.add(404)  # the object the path names may not exist
    if operation.throttle_param is not NOT_SET:
        statuses.add(429)
    if needed == "public":
        return statuses
    statuses.add(401)
    if set(operation.methods) - READ_METHODS:
        statuses.add(403)  # a read-only token, or a session without its CSRF token
    if needed == "admin":
        statuses.add(403)
    elif needed != "authenticated":
        statuses.add(404)  # a role in a group or an object's group: to anyone else, it does not exist
    return statuses


def document_errors(needed: Permission, operation: Operation) -> None:
    """Add the error answers `needed` implies to the operation's responses (ninja calls this as it builds one)."""
    answers = {}
    for status in sorted(error_statuses(needed, operation)):
        if status not in operation.response_models:
            operation.response_models[status] = operation._create_response_model(ErrorOut)
        answers[status] = {"description": ERROR_ANSWERS.get(status, STATUS_CODES.get(status, "error"))}
    operation.openapi_extra = {**(operation.openapi_extra or {})}
    operation.openapi_extra["responses"] = answers | operation.openapi_extra.get("responses", {})


def api_permission(needed: Permission) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare and enforce what an operation needs; authentication itself is the router's `auth`.

    `role(...)` reads the group's slug from the operation's path parameter named by its `kwarg`
    (`role(Role.MEMBER, kwarg="slug")` for `/groups/{slug}/members`), `owner_role(...)` the object's
    code; to anyone else it is 404 (an access function's Http404 becomes the API's 404 too).
    The declaration also documents the operation's error answers (`error_statuses`).
    """

    def decorate(operation: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(operation)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            problem = refused(request, needed, kwargs)
            if problem is not None:
                raise problem
            return operation(request, *args, **kwargs)

        wrapper.solidarity_permission = needed  # type: ignore[attr-defined]  # read by the URL walk
        # ninja takes the docstring as the operation's description: the OpenAPI document shows the permission.
        wrapper.__doc__ = "\n\n".join(filter(None, [operation.__doc__, f"Permission: {needed}."]))
        contribute_operation_callback(wrapper, partial(document_errors, needed))
        return wrapper

    return decorate


# The network's settings, for scripts.
router = Router(tags=["network"])


class NetworkOut(Schema):
    name: str
    time_zone: str
    phone_region: str
    currency: str = Field(description="The three-letter code (ISO 4217) of the money the funds count in.")
    languages: list[str]
    hotline: str
    clear_mail_when_key_expired: bool
    expected_population: int
    welcome_en: str = Field(description="The home page's welcome in English: plain text.")
    welcome_es: str = Field(description="The home page's welcome in Spanish: plain text.")


class NetworkPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=120)
    time_zone: str | None = None
    phone_region: str | None = Field(None, min_length=2, max_length=2)
    currency: str | None = Field(None, min_length=3, max_length=3)
    languages: list[Literal["en", "es"]] | None = Field(None, min_length=1)
    hotline: str | None = Field(None, max_length=32)
    clear_mail_when_key_expired: bool | None = None
    expected_population: int | None = Field(None, ge=10, le=10_000_000)
    welcome_en: str | None = Field(None, max_length=WELCOME_MAX_LENGTH)
    welcome_es: str | None = Field(None, max_length=WELCOME_MAX_LENGTH)


@router.get("", response=NetworkOut, summary="The network's settings")
@api_permission("authenticated")
def read_network(request: HttpRequest) -> NetworkOut:
    return NetworkOut(**network_values())


@router.patch("", response=NetworkOut, summary="Change the network's settings")
@api_permission("admin")
def update_network(request: HttpRequest, payload: NetworkPatch) -> NetworkOut:
    changes = payload.model_dump(exclude_unset=True, exclude_none=True)
    form = NetworkSettingsForm(network_values() | changes)
    if not form.is_valid():
        raise ApiError(422, "invalid_input", _("Some values are not valid."), form_errors(form))
    do_update_network_settings(**form.network_values())
    return NetworkOut(**network_values())


def form_errors(form: Form) -> dict[str, list[str]]:
    return {field: [str(message) for message in errors] for field, errors in form.errors.items()}


# The network's zones, for scripts (people.zone_views has their pages): every signed-in account reads
# them; the coordinators of any working group and the network's admins add and change them (ZONE_KEEPERS).
zones_router = Router(tags=["zones"])


class ZoneOut(Schema):
    id: UUID
    slug: str
    name_en: str
    name_es: str
    latitude: float | None = Field(description="The centre, to about 100 m; never an address.")
    longitude: float | None
    neighbours: list[str] = Field(description="The slugs of the zones that touch it.")


NAMES = "At least one of `name_en` and `name_es`; no other zone may have the same name in that language."
CENTRE = "The middle of the area, never anyone's address: give both coordinates or neither; kept to 3 decimals."
NEIGHBOURS = "The slugs of the zones that touch it (each must exist); both zones list each other."


class ZoneIn(Schema):
    slug: str = Field(
        "",
        max_length=60,
        pattern=r"^[-a-z0-9_]*$",
        description="Made from a name when empty. It never changes once made: other parts refer to the zone by it.",
    )
    name_en: str = Field("", max_length=80, description=NAMES)
    name_es: str = Field("", max_length=80, description=NAMES)
    latitude: float | None = Field(None, ge=-90, le=90, description=CENTRE)
    longitude: float | None = Field(None, ge=-180, le=180, description=CENTRE)
    neighbours: list[str] = Field(default_factory=list, max_length=100, description=NEIGHBOURS)


class ZonePatch(Schema):
    """Only the fields sent change; the slug never does."""

    name_en: str | None = Field(None, max_length=80, description=NAMES)
    name_es: str | None = Field(None, max_length=80, description=NAMES)
    latitude: float | None = Field(None, ge=-90, le=90, description=CENTRE)
    longitude: float | None = Field(None, ge=-180, le=180, description=CENTRE)
    neighbours: list[str] | None = Field(None, max_length=100, description=NEIGHBOURS + " Replaces the list.")


def zone_out(zone: Zone) -> ZoneOut:
    return ZoneOut(
        id=zone.uuid,
        slug=zone.slug,
        name_en=zone.name_en,
        name_es=zone.name_es,
        latitude=float(zone.latitude) if zone.latitude is not None else None,
        longitude=float(zone.longitude) if zone.longitude is not None else None,
        neighbours=sorted(neighbour.slug for neighbour in zone.neighbours.all()),
    )


def coordinate(value: float | None) -> Decimal | None:
    return Decimal(str(value)) if value is not None else None


def zone_refused(error: ValidationError) -> ApiError:
    """A zone the model refuses: 409 for a name or slug another zone has, 422 for the rest."""
    fields = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
    codes = {e.code for errors in getattr(error, "error_dict", {}).values() for e in errors}
    taken = bool(codes & {"unique", "unique_together"}) or not hasattr(error, "error_dict")
    message = next(iter(fields.values()))[0]
    return ApiError(409 if taken else 422, "conflict" if taken else "invalid_input", message, fields)


@zones_router.get("", response=list[ZoneOut], summary="The network's zones, by name in the caller's language")
@paginate
@api_permission("authenticated")
def list_zones(request: HttpRequest) -> list[ZoneOut]:
    return [zone_out(zone) for zone in network_zones().prefetch_related("neighbours")]


ZONE_ERRORS = {
    409: {"description": "Another zone has this name (in that language) or this slug: `fields` names which."},
    422: {
        "description": "A value is missing, malformed or out of range, a centre with one coordinate only, "
        "a neighbour no zone is (by slug), or the zone itself as its neighbour: `fields` names each."
    },
}


@zones_router.post(
    "",
    response={201: ZoneOut, 409: ErrorOut},
    summary="Add a zone to the network",
    openapi_extra={"responses": ZONE_ERRORS},
)
@api_permission(ZONE_KEEPERS)
def create_zone(request: HttpRequest, payload: ZoneIn) -> Status[ZoneOut]:
    values = ZoneValues(
        name_en=payload.name_en,
        name_es=payload.name_es,
        latitude=coordinate(payload.latitude),
        longitude=coordinate(payload.longitude),
        neighbours=tuple(payload.neighbours),
    )
    try:
        zone = do_create_zone(
            values, slug=payload.slug, actor=str(getattr(request.user, "uuid", "")), role=keeper_role(request.user)
        )
    except ValidationError as error:
        raise zone_refused(error) from None
    return Status(201, zone_out(zone))


@zones_router.patch(
    "/{zone}",
    response={200: ZoneOut, 409: ErrorOut},
    summary="Rename a zone, move its centre, set its neighbours",
    openapi_extra={"responses": ZONE_ERRORS},
)
@api_permission(ZONE_KEEPERS)
def update_zone(request: HttpRequest, zone: str, payload: ZonePatch) -> ZoneOut:
    found = zone_by_slug(zone)
    if found is None:
        raise ApiError(404, "not_found", _("Not found."))
    current = zone_out(found)
    changes = payload.model_dump(exclude_unset=True)
    values = ZoneValues(
        name_en=changes.get("name_en", current.name_en) or "",
        name_es=changes.get("name_es", current.name_es) or "",
        latitude=coordinate(changes.get("latitude", current.latitude)),
        longitude=coordinate(changes.get("longitude", current.longitude)),
        neighbours=tuple(current.neighbours if changes.get("neighbours") is None else changes["neighbours"]),
    )
    try:
        do_update_zone(found, values, actor=str(getattr(request.user, "uuid", "")), role=keeper_role(request.user))
    except ValidationError as error:
        raise zone_refused(error) from None
    return zone_out(zone_by_slug(zone) or found)
