"""The JSON API at /api/v1/: one error shape, bearer tokens or the browser session."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import django_auth

from solidarity.accounts.api import groups_router
from solidarity.accounts.api import router as accounts_router
from solidarity.accounts.api_auth import BearerToken
from solidarity.core.api import STATUS_CODES, ApiError, error_body, permission_first
from solidarity.core.api import router as network_router

api = NinjaAPI(
    title="Solidarity API",
    version="1",
    description="Script your network. Authenticate with `Authorization: Bearer <token>` "
    "(create one with `solidarity token create USERNAME`).",
    auth=[BearerToken(), django_auth],
    urls_namespace="api",
)
api.add_router("/accounts", accounts_router)
api.add_router("/groups", groups_router)
api.add_router("/network", network_router)
permission_first(api)


def field_name(location: list[Any]) -> str:
    # ninja locates errors as ["body", "payload", "field", 0, ...]: name the top-level field.
    names = [str(part) for part in location if part not in ("body", "query", "path", "payload")]
    return names[0] if names else "__all__"


@api.exception_handler(ValidationError)
def invalid_input(request: HttpRequest, error: ValidationError) -> HttpResponse:
    fields: dict[str, list[str]] = {}
    for item in error.errors:
        fields.setdefault(field_name(list(item.get("loc", []))), []).append(str(item.get("msg", "")))
    return api.create_response(
        request, error_body("invalid_input", _("Some values are not valid."), fields), status=422
    )


@api.exception_handler(AuthenticationError)
def not_authenticated(request: HttpRequest, error: AuthenticationError) -> HttpResponse:
    message = _("Sign in, or send a valid token as 'Authorization: Bearer …'.")
    return api.create_response(request, error_body("not_authenticated", message), status=401)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
    if isinstance(error, ApiError):
        body = error_body(error.code, error.message, error.fields)
    else:
        body = error_body(STATUS_CODES.get(error.status_code, "error"), str(error))
    return api.create_response(request, body, status=error.status_code)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, error: Http404) -> HttpResponse:
    return api.create_response(request, error_body("not_found", _("Not found.")), status=404)


@api.exception_handler(PermissionDenied)
def forbidden(request: HttpRequest, error: PermissionDenied) -> HttpResponse:
    return api.create_response(request, error_body("forbidden", _("You may not do this.")), status=403)
