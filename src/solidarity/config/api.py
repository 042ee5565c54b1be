"""The JSON API at /api/v1/: one error shape, bearer tokens or the browser session."""

import copy
import json
from collections.abc import Callable
from functools import wraps
from inspect import iscoroutinefunction
from typing import Any

from asgiref.sync import markcoroutinefunction
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseNotAllowed
from django.urls import URLPattern, URLResolver, path
from django.utils.datastructures import MultiValueDict
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.schema import OpenAPISchema
from ninja.parser import Parser
from ninja.responses import NinjaJSONEncoder

from solidarity.accounts.api import groups_router
from solidarity.accounts.api import router as accounts_router
from solidarity.accounts.api_auth import BearerToken, SessionAuth
from solidarity.campaigns.api import router as campaigns_router
from solidarity.campaigns.call_api import router as campaign_calls_router
from solidarity.campaigns.invite_api import router as campaign_invitations_router
from solidarity.campaigns.subject_api import router as campaign_subject_router
from solidarity.core.api import (
    STATUS_CODES,
    ApiError,
    build_schemas,
    error_body,
    field_error,
    permission_first,
    zones_router,
)
from solidarity.core.api import router as network_router
from solidarity.core.permissions import permission
from solidarity.directory.api import router as directory_router
from solidarity.directory.csv_api import router as directory_csv_router
from solidarity.directory.flyer_api import router as flyers_router
from solidarity.events.action_api import router as event_actions_router
from solidarity.events.checklist_api import router as event_checklist_router
from solidarity.events.jail_api import router as event_jail_router
from solidarity.events.signup_api import router as event_signups_router
from solidarity.funds.fund_api import router as funds_router
from solidarity.funds.public_api import router as funds_public_router
from solidarity.funds.request_api import router as funds_requests_router
from solidarity.incidents.api import router as incidents_router
from solidarity.incidents.case_api import router as cases_router
from solidarity.incidents.drill_api import router as drills_router
from solidarity.incidents.report_api import router as reports_router
from solidarity.incidents.signoff_api import router as signoff_router
from solidarity.incidents.timeline_api import router as timeline_router
from solidarity.lists.api import router as lists_router
from solidarity.meetings.api import router as meetings_router
from solidarity.meetings.record_api import router as meeting_records_router
from solidarity.messaging.api import router as inbox_router
from solidarity.people.api import skills_router
from solidarity.people.contact_tests_api import router as contact_tests_router
from solidarity.people.import_api import router as people_sheets_router
from solidarity.people.people_api import router as people_router
from solidarity.people.people_api import vouches_router
from solidarity.supplies.api import router as supplies_router
from solidarity.supplies.csv_api import router as supplies_csv_router
from solidarity.supplies.reversal_api import router as reversals_router
from solidarity.trainings.api import router as trainings_router
from solidarity.trainings.readiness_api import router as readiness_router


class ObjectParser(Parser):
    """A request's JSON body is an object (STYLE.md); anything else is refused as unreadable, with 400.

    ninja reads a list or a bare value as an object with no fields: a PATCH of `[1, 2]` was an
    empty change answered 200. A NUL character in the body, the query or a form is refused (refuse_nul).
    """

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        body = super().parse_body(request)
        if not isinstance(body, dict):
            raise ValueError("the body is not a JSON object")  # ninja answers 400 (http_error below)
        refuse_nul(body)
        return body

    def parse_querydict(self, data: MultiValueDict[str, Any], list_fields: list[str], request: HttpRequest) -> Any:
        values = super().parse_querydict(data, list_fields, request)
        refuse_nul(values)  # a filter such as ?zone=%00 reached PostgreSQL, which answered 500
        return values


def refuse_nul(body: dict[str, Any]) -> None:
    """A NUL character in any text of the body or the query is refused (422, naming the field), as Django's
    forms refuse it.

    PostgreSQL cannot store one in a text column, nor compare one: it would answer 500.
    """

    def has_nul(value: Any) -> bool:
        if isinstance(value, str):
            return "\x00" in value
        if isinstance(value, dict):
            return any(has_nul(key) or has_nul(item) for key, item in value.items())
        if isinstance(value, list):
            return any(has_nul(item) for item in value)
        return False

    bad = [str(name) for name, value in body.items() if has_nul(name) or has_nul(value)]
    if bad:
        message = _("Null characters are not allowed.")
        raise ApiError(422, "invalid_input", message, {name: [message] for name in bad})


class Api(NinjaAPI):
    """The API, whose OpenAPI document is made once a process, for each language and prefix.

    Making it walks every operation and schema: 2.5 to 3.5 s of CPU on a two-core machine, and
    anyone may fetch /api/v1/openapi.json (its docs page does). It changes only with the code.
    The endpoint answers the JSON kept; `get_openapi_schema`'s callers each get a copy of their own.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.documents: dict[tuple[str, str], OpenAPISchema] = {}
        self.encoded: dict[tuple[str, str], bytes] = {}

    def document(self, path_prefix: str) -> tuple[tuple[str, str], OpenAPISchema]:
        key = (path_prefix, get_language() or "")
        if key not in self.documents:
            self.documents[key] = super().get_openapi_schema(path_prefix=path_prefix)
        return key, self.documents[key]

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        return copy.deepcopy(self.document(path_prefix)[1])

    def openapi_json(self, request: HttpRequest, **path_params: Any) -> HttpResponse:
        key, document = self.document(self.get_root_path(path_params))
        if key not in self.encoded:
            self.encoded[key] = json.dumps(document, cls=NinjaJSONEncoder).encode()
        return HttpResponse(self.encoded[key], content_type="application/json")

    def _get_urls(self) -> list[URLResolver | URLPattern]:
        """Ninja's, with the document's URL answered by `openapi_json` (public, as ninja's: it holds no data)."""
        return [
            path(str(pattern.pattern), permission("public")(self.openapi_json), name=pattern.name)
            if isinstance(pattern, URLPattern) and pattern.name == "openapi-json"
            else pattern
            for pattern in super()._get_urls()
        ]


api = Api(
    title="Solidarity API",
    version="1",
    description="Script your network. Authenticate with `Authorization: Bearer <token>` "
    "(create one with `solidarity token create USERNAME`).",
    auth=[BearerToken(), SessionAuth()],
    parser=ObjectParser(),
    urls_namespace="api",
)
api.add_router("/accounts", accounts_router)
api.add_router("/groups", groups_router)
api.add_router("/network", network_router)
api.add_router("/zones", zones_router)
api.add_router("/skills", skills_router)
api.add_router("/inbox", inbox_router)
api.add_router("/people", people_sheets_router)  # before /people/{person_id}: imports, export, merge
api.add_router("/people", people_router)
api.add_router("/people", contact_tests_router)  # /people/{person_id}/contacts/{contact}/test
api.add_router("/network/vouches-needed", vouches_router)
api.add_router("", lists_router)  # /groups/{slug}/lists, /lists/{list_slug}, /broadcasts/{broadcast}
api.add_router("", trainings_router)  # /groups/{slug}/trainings, /trainings/sessions/{session}, /trainings/public
api.add_router("/readiness", readiness_router)  # /readiness, /readiness/invitations
api.add_router("", reports_router)  # POST /reports (public)
api.add_router("", incidents_router)  # /incidents, /alerts, GET /reports, /dispatch-requirements, /hotline-settings
api.add_router("", signoff_router)  # /incidents/{code}/wide-alerts, /incidents/{code}/purge
api.add_router("", drills_router)  # /drills, /drills/{drill}/report
api.add_router("", cases_router)  # /cases, POST /incidents/{incident}/cases
api.add_router("", directory_router)  # /resources (public reads), /resources/{resource}/phones, .../sessions
api.add_router("", timeline_router)  # /incidents/{incident}/observations, .../exports, /alerts/{alert}/observations
api.add_router(
    "", flyers_router
)  # /flyers/resources, /flyers/hotline-cards, /flyers/rights-cards, /flyers/list (public)
api.add_router("", directory_csv_router)  # /groups/{slug}/resource-imports, /resource-imports/{...}, /resources.csv
api.add_router("", supplies_router)  # /groups/{slug}/supplies/..., /supplies/items|locations|kits/...
api.add_router(
    "", supplies_csv_router
)  # /groups/{slug}/supplies/imports, items.csv, stock.csv; /supplies/imports/{...}
api.add_router("", reversals_router)  # POST /naloxone-reversals (public), /groups/{slug}/supplies/reversals...
api.add_router("", funds_router)  # /funds, /funds/{fund}, .../donations, .../transactions, /groups/{slug}/funds
api.add_router("", funds_requests_router)  # /funds/{fund}/disbursements, /disbursements/{...}, /bonds/{...}
api.add_router("", funds_public_router)  # /funds/{fund}/public (public), .../statements
api.add_router("", meetings_router)  # /meetings, /meetings/{meeting}/..., POST /groups/{slug}/meetings
api.add_router(
    "", meeting_records_router
)  # /meetings/{meeting}/proposals|minutes|action-items, /minutes/amendments/...
api.add_router("", campaign_invitations_router)  # /campaigns/{campaign}/invitations
api.add_router("", campaigns_router)  # /groups/{slug}/campaigns, /campaigns/{campaign}, .../targets, .../lines
api.add_router("", campaign_subject_router)  # /campaigns/{campaign}/subject, .../consent (organisers only)
api.add_router("", event_actions_router)  # /groups/{slug}/actions, /actions/{action}, /public/actions
api.add_router("", event_signups_router)  # /actions/{action}/slots, .../sign-ups, check-in and out, updates
api.add_router("", event_jail_router)  # /actions/{action}/arrests, .../arrest-plans
api.add_router("", event_checklist_router)  # /actions/{action}/checklist, .../debrief, /checklist-template
api.add_router("", campaign_calls_router)  # /campaigns/{campaign}/calls (public), .../tallies, .../counter (public)
permission_first(api)
build_schemas()


def field_name(location: list[Any]) -> str:
    # ninja locates errors as ["body", "payload", "field", 0, ...]: name the top-level field.
    names = [str(part) for part in location if part not in ("body", "query", "path", "payload")]
    return names[0] if names else "__all__"


@api.exception_handler(ValidationError)
def invalid_input(request: HttpRequest, error: ValidationError) -> HttpResponse:
    fields: dict[str, list[str]] = {}
    for item in error.errors:
        fields.setdefault(field_name(list(item.get("loc", []))), []).append(field_error(item))
    return api.create_response(
        request, error_body("invalid_input", _("Some values are not valid."), fields), status=422
    )


@api.exception_handler(AuthenticationError)
def not_authenticated(request: HttpRequest, error: AuthenticationError) -> HttpResponse:
    message = _("Sign in, or send a valid token as 'Authorization: Bearer …'.")
    return api.create_response(request, error_body("not_authenticated", message), status=401)


def library_messages() -> dict[int, str]:
    return {
        400: _("The request's body could not be read: send a JSON object."),
        403: _("You may not do this."),
        429: _("Too many requests. Wait a moment and try again."),
    }


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
    if isinstance(error.__cause__, ApiError):  # our parser's own refusal, which ninja wraps in its 400
        error = error.__cause__
    if isinstance(error, ApiError):
        body = error_body(error.code, error.message, error.fields)
    else:
        # ninja's own refusals (an unreadable body, a session's write without its CSRF token) speak English.
        message = library_messages().get(error.status_code, str(error))
        body = error_body(STATUS_CODES.get(error.status_code, "error"), message)
    return api.create_response(request, body, status=error.status_code)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, error: Http404) -> HttpResponse:
    return api.create_response(request, error_body("not_found", _("Not found.")), status=404)


@api.exception_handler(PermissionDenied)
def forbidden(request: HttpRequest, error: PermissionDenied) -> HttpResponse:
    return api.create_response(request, error_body("forbidden", _("You may not do this.")), status=403)


def method_not_allowed(request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
    """ninja answers a method a path does not have in plain text: answer in the one error shape, with `Allow`."""
    if not isinstance(response, HttpResponseNotAllowed):
        return response
    message = _("This API path does not take %(method)s.") % {"method": request.method}
    answer = api.create_response(request, error_body("method_not_allowed", message), status=405)
    answer["Allow"] = response["Allow"]
    return answer


def in_one_shape(view: Callable[..., Any]) -> Callable[..., Any]:
    if iscoroutinefunction(view):

        @wraps(view)
        async def async_wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            return method_not_allowed(request, await view(request, *args, **kwargs))

        return markcoroutinefunction(async_wrapper)

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        return method_not_allowed(request, view(request, *args, **kwargs))

    return wrapper


def urls() -> tuple[list[URLResolver | URLPattern], str, str]:
    """The API's URL patterns (`api.urls`); the operations' answer an unknown method in the one error shape."""
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        if isinstance(pattern, URLPattern) and pattern.callback.__module__ == "ninja.operation":  # not the docs
            pattern.callback = in_one_shape(pattern.callback)
    return patterns, app_name, namespace
