"""The API's shared pieces: the error shape and declared permissions for operations."""

from collections.abc import Callable
from functools import wraps
from typing import Any, Literal

from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, NinjaAPI, Router, Schema
from ninja.errors import HttpError
from ninja.operation import AsyncOperation, Operation

from solidarity.core.forms import NetworkSettingsForm
from solidarity.core.models import WELCOME_MAX_LENGTH
from solidarity.core.permissions import AnyGroupRole, GroupRole, ObjectRole, Permission, holds, is_admin
from solidarity.core.services import do_update_network_settings, network_values

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


class ApiError(HttpError):
    """An error with a stable code: raise ApiError(409, "already_done", _("…"))."""

    def __init__(self, status_code: int, code: str, message: str, fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(status_code, message)
        self.code = code
        self.fields = fields or {}


def error_body(code: str, message: str, fields: dict[str, list[str]] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


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


def api_permission(needed: Permission) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare and enforce what an operation needs; authentication itself is the router's `auth`.

    `role(...)` reads the group's slug from the operation's path parameter named by its `kwarg`
    (`role(Role.MEMBER, kwarg="slug")` for `/groups/{slug}/members`), `owner_role(...)` the object's
    code; to anyone else it is 404 (an access function's Http404 becomes the API's 404 too).
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
        return wrapper

    return decorate


# The network's settings, for scripts.
router = Router(tags=["network"])


class NetworkOut(Schema):
    name: str
    time_zone: str
    phone_region: str
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
