"""The JSON API: bearer tokens, one error shape, bounded lists, the OpenAPI document."""

from collections.abc import Callable, Iterator
from typing import Any
from uuid import uuid4

import pytest
from django.core.management import call_command
from django.http import HttpRequest
from django.test import Client
from ninja import NinjaAPI, Router, Schema

from solidarity.accounts.models import ApiToken, User, WorkingGroup
from solidarity.accounts.services import do_create_token
from solidarity.config.api import api
from solidarity.core.api import MAX_LIMIT, MAX_OFFSET, ErrorOut, api_permission
from solidarity.core.permissions import Permission, Role, role
from solidarity.core.services import network_values
from tests.factories.accounts import bearer, client_for


def assert_error(body: dict[str, object], code: str) -> None:
    error = body["error"]
    assert isinstance(error, dict)
    assert error["code"] == code
    assert isinstance(error["message"], str)
    assert error["message"]
    assert isinstance(error["fields"], dict)


@pytest.mark.django_db
def test_token_from_the_cli_authenticates(client: Client, member: User, capsys: pytest.CaptureFixture[str]) -> None:
    call_command("token", "create", "mo.member", "--name", "scripts")
    secret = capsys.readouterr().out.strip()
    assert secret.startswith("sol_")
    stored = ApiToken.objects.get(user=member)
    assert secret not in (stored.token_hash, stored.prefix)

    response = client.get("/api/v1/accounts/me", headers=bearer(secret))

    assert response.status_code == 200
    assert response.json()["username"] == "mo.member"
    stored.refresh_from_db()
    assert stored.last_used_at is not None


@pytest.mark.django_db
def test_revoked_token_stops_working(client: Client, member: User) -> None:
    secret = do_create_token(member, name="old").secret
    call_command("token", "revoke", "mo.member", "--name", "old")
    response = client.get("/api/v1/accounts/me", headers=bearer(secret))
    assert response.status_code == 401
    assert_error(response.json(), "not_authenticated")


@pytest.mark.django_db
@pytest.mark.parametrize("header", [{}, {"authorization": "Bearer sol_nope"}, {"authorization": "Basic eDp5"}])
def test_without_a_valid_token_the_answer_is_401_json(client: Client, header: dict[str, str]) -> None:
    response = client.get("/api/v1/network", headers=header)
    assert response.status_code == 401
    assert_error(response.json(), "not_authenticated")


@pytest.mark.django_db
def test_members_read_but_only_admins_change_the_network(client: Client, member: User, admin: User) -> None:
    member_secret = do_create_token(member, name="m").secret
    admin_secret = do_create_token(admin, name="a").secret
    assert client.get("/api/v1/network", headers=bearer(member_secret)).status_code == 200

    refused = client.patch(
        "/api/v1/network", {"name": "Mine"}, content_type="application/json", headers=bearer(member_secret)
    )
    assert refused.status_code == 403
    assert_error(refused.json(), "forbidden")

    changed = client.patch(
        "/api/v1/network", {"name": "Red Sur"}, content_type="application/json", headers=bearer(admin_secret)
    )
    assert changed.status_code == 200
    assert changed.json()["name"] == "Red Sur"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "field"),
    [({"phone_region": "ZZ"}, "phone_region"), ({"languages": ["fr"]}, "languages"), ({"name": ""}, "name")],
)
def test_bad_input_is_422_with_the_field_named(
    client: Client, admin: User, payload: dict[str, object], field: str
) -> None:
    secret = do_create_token(admin, name="a").secret
    response = client.patch("/api/v1/network", payload, content_type="application/json", headers=bearer(secret))
    assert response.status_code == 422
    body = response.json()
    assert_error(body, "invalid_input")
    assert field in body["error"]["fields"]


@pytest.mark.django_db
def test_malformed_json_is_not_a_500(client: Client, admin: User) -> None:
    secret = do_create_token(admin, name="a").secret
    response = client.patch("/api/v1/network", "{not json", content_type="application/json", headers=bearer(secret))
    assert response.status_code in {400, 422}
    assert "error" in response.json()


@pytest.mark.django_db
def test_errors_speak_the_callers_language(client: Client) -> None:
    response = client.get("/api/v1/network", headers={"accept-language": "es"})
    assert "Inicie sesión" in response.json()["error"]["message"]


@pytest.mark.django_db
def test_unknown_api_path_is_404_json(client: Client) -> None:
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert_error(response.json(), "not_found")


@pytest.mark.django_db
def test_openapi_document_is_3_1_and_every_operation_is_described(client: Client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.1")
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert operation.get("summary"), f"{method.upper()} {path} has no summary"
            assert operation.get("tags"), f"{method.upper()} {path} has no tag"
            assert "security" in operation, f"{method.upper()} {path} declares no authentication"
            if not operation["security"]:  # none: only for what anyone may do, with a secret in its path
                assert "Permission: public." in operation["description"], f"{method.upper()} {path}"


@pytest.mark.django_db
def test_the_openapi_document_is_made_once_and_each_caller_gets_a_copy(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[str] = []
    real = NinjaAPI.get_openapi_schema

    def counted(self: NinjaAPI, **kwargs: Any) -> Any:
        made.append(str(kwargs.get("path_prefix")))
        return real(self, **kwargs)

    monkeypatch.setattr(NinjaAPI, "get_openapi_schema", counted)
    monkeypatch.setattr(api, "documents", {})
    monkeypatch.setattr(api, "encoded", {})

    first = client.get("/api/v1/openapi.json")
    again = client.get("/api/v1/openapi.json").json()
    spanish = client.get("/api/v1/openapi.json", headers={"Accept-Language": "es"}).json()

    assert made == ["/api/v1/", "/api/v1/"]  # once for each language asked, not once a request
    assert first.content == client.get("/api/v1/openapi.json").content
    assert first["Content-Type"] == "application/json"
    assert again["paths"]
    copy = api.get_openapi_schema(path_prefix="/api/v1/")
    assert copy["openapi"] == again["openapi"]
    assert copy["paths"].keys() == again["paths"].keys()
    copy["paths"].clear()  # what one caller does to its copy, the next does not see
    assert api.get_openapi_schema(path_prefix="/api/v1/")["paths"]
    assert spanish.keys() == again.keys()
    assert len(made) == 2


@pytest.mark.django_db
def test_browsable_docs_are_self_hosted(client: Client) -> None:
    html = client.get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle" in html
    assert "cdn" not in html.lower()


# Lists: ?limit= and ?offset= are bounded, for every list at once.

LISTS = ["/api/v1/groups", "/api/v1/accounts/tokens", "/api/v1/groups/street-medics-committee/members"]
TOO_BIG = 2**64  # 18446744073709551616: past every database's integers, once a 500


@pytest.mark.django_db
@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize(
    ("query", "field"),
    [
        (f"limit={TOO_BIG}", "limit"),
        (f"offset={TOO_BIG}", "offset"),
        (f"limit={MAX_LIMIT + 1}", "limit"),
        ("limit=0", "limit"),
        (f"offset={MAX_OFFSET + 1}", "offset"),
        ("offset=-1", "offset"),
        ("limit=ten", "limit"),
    ],
)
def test_a_limit_or_offset_out_of_range_is_422_naming_it(medic: User, path: str, query: str, field: str) -> None:
    secret = do_create_token(medic, name="scripts").secret
    response = Client().get(f"{path}?{query}", headers=bearer(secret))
    assert response.status_code == 422
    body = response.json()
    assert_error(body, "invalid_input")
    assert list(body["error"]["fields"]) == [field]


@pytest.mark.django_db
@pytest.mark.parametrize("path", LISTS)
def test_the_largest_page_and_offset_are_answered(medic: User, path: str) -> None:
    secret = do_create_token(medic, name="scripts").secret
    response = Client().get(f"{path}?limit={MAX_LIMIT}&offset={MAX_OFFSET}", headers=bearer(secret))
    assert response.status_code == 200
    assert response.json()["items"] == []
    assert response.json()["count"] >= 1


@pytest.mark.django_db
def test_a_list_answers_fifty_items_unless_asked_for_more(medics: WorkingGroup, coordinator: User) -> None:
    for number in range(60):
        do_create_token(coordinator, name=f"script {number}")
    secret = do_create_token(coordinator, name="last").secret

    first = Client().get("/api/v1/accounts/tokens", headers=bearer(secret)).json()
    rest = Client().get("/api/v1/accounts/tokens?offset=50&limit=500", headers=bearer(secret)).json()

    assert (first["count"], len(first["items"])) == (61, 50)
    assert [token["name"] for token in rest["items"]] == [*(f"script {n}" for n in range(50, 60)), "last"]


# Who is refused, and how.


@pytest.mark.django_db
def test_a_write_without_a_session_or_token_is_401_not_a_csrf_refusal() -> None:
    # ninja's session check refused it first for a missing CSRF token: 403, to a caller who has no session.
    client = Client(enforce_csrf_checks=True)
    response = client.patch("/api/v1/network", {"name": "Mine"}, content_type="application/json")
    assert response.status_code == 401
    assert_error(response.json(), "not_authenticated")
    assert network_values()["name"] != "Mine"


@pytest.mark.django_db
def test_a_sessions_write_without_its_csrf_token_is_403_in_the_one_shape(admin: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin)

    response = client.patch(
        "/api/v1/network", {"name": "Mine"}, content_type="application/json", headers={"accept-language": "es"}
    )

    assert response.status_code == 403
    assert_error(response.json(), "forbidden")
    assert response.json()["error"]["message"] == "No tiene permiso para hacer esto."
    assert network_values()["name"] != "Mine"


@pytest.mark.django_db
@pytest.mark.parametrize("body", ["[null, null]", "[]", "3", '"Red Sur"', "null", "true"])
def test_a_body_that_is_not_a_json_object_is_400_and_changes_nothing(admin: User, body: str) -> None:
    # ninja read a list as an object with no fields: an empty change, answered 200.
    secret = do_create_token(admin, name="a").secret
    before = network_values()["name"]

    response = Client().patch("/api/v1/network", body, content_type="application/json", headers=bearer(secret))

    assert response.status_code == 400
    assert_error(response.json(), "bad_request")
    assert "JSON object" in response.json()["error"]["message"]
    assert network_values()["name"] == before


@pytest.mark.django_db
def test_an_unreadable_body_is_explained_in_the_callers_language(admin: User) -> None:
    secret = do_create_token(admin, name="a").secret
    response = Client().patch(
        "/api/v1/network",
        "{not json",
        content_type="application/json",
        headers=bearer(secret) | {"accept-language": "es"},
    )
    assert response.status_code == 400
    assert_error(response.json(), "bad_request")
    assert response.json()["error"]["message"] == "No se pudo leer el cuerpo de la solicitud: envíe un objeto JSON."


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path", "allowed"), [("delete", "/api/v1/network", "PATCH, GET"), ("put", "/api/v1/accounts/me", "GET")]
)
def test_a_method_a_path_does_not_take_is_405_in_the_one_shape(
    member: User, method: str, path: str, allowed: str
) -> None:
    response = getattr(client_for(member), method)(path)
    assert response.status_code == 405
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert sorted(response["Allow"].split(", ")) == sorted(allowed.split(", "))
    assert_error(response.json(), "method_not_allowed")


# The OpenAPI document names every error answer, with its body's schema.


def implied(needed: str, method: str, path: str, operation: dict[str, Any]) -> set[str]:
    statuses = set()
    if operation.get("parameters") or operation.get("requestBody"):
        statuses.add("422")
    if operation.get("requestBody"):
        statuses.add("400")
    if "{" in path:
        statuses.add("404")
    if needed != "public":
        statuses.add("401")
    if needed == "admin" or (needed != "public" and method != "get"):
        statuses.add("403")
    if needed not in {"public", "authenticated", "admin"}:
        statuses.add("404")
    return statuses


@pytest.mark.django_db
def test_every_operation_documents_the_errors_its_permission_implies_with_the_error_shape(client: Client) -> None:
    document = client.get("/api/v1/openapi.json").json()
    error = document["components"]["schemas"]["ErrorOut"]
    detail = document["components"]["schemas"]["ErrorDetail"]
    assert error["required"] == ["error"]
    assert set(detail["required"]) == {"code", "message", "fields"}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            needed = operation["description"].rsplit("Permission: ", 1)[1].rstrip(".")
            documented = {status for status in operation["responses"] if status.startswith(("4", "5"))}
            assert implied(needed, method, path, operation) <= documented, f"{method.upper()} {path}: {documented}"
            for status in documented:
                answer = operation["responses"][status]
                assert answer["description"], f"{method.upper()} {path} {status}"
                schema = answer["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorOut"}, f"{method.upper()} {path} {status}"


def integer_inputs(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every integer a caller may send: in a path, the query or a body, with its name."""
    components = document["components"]["schemas"]

    def walk(name: str, schema: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
        if "$ref" in schema:
            yield from walk(name, components[schema["$ref"].rsplit("/", 1)[1]])
        if schema.get("type") == "integer":
            yield name, schema
        for option in schema.get("anyOf", []) + schema.get("allOf", []) + schema.get("oneOf", []):
            yield from walk(name, option)
        for field, inner in schema.get("properties", {}).items():
            yield from walk(f"{name}.{field}", inner)
        if isinstance(schema.get("items"), dict):
            yield from walk(f"{name}[]", schema["items"])

    for path, item in document["paths"].items():
        for method, operation in item.items():
            where = f"{method.upper()} {path}"
            for parameter in operation.get("parameters", []):
                yield from walk(f"{where} {parameter['name']}", parameter["schema"])
            for content in operation.get("requestBody", {}).get("content", {}).values():
                yield from walk(f"{where} body", content["schema"])


@pytest.mark.django_db
def test_every_integer_a_caller_sends_has_bounds_the_databases_can_hold(client: Client) -> None:
    # An unbounded integer reached the database as 2**64 and answered 500.
    document = client.get("/api/v1/openapi.json").json()
    found = list(integer_inputs(document))
    assert any(name.endswith(" limit") for name, _schema in found)  # the walk sees the lists' parameters
    for name, schema in found:
        assert "minimum" in schema or "exclusiveMinimum" in schema, f"{name} has no lower bound"
        assert "maximum" in schema or "exclusiveMaximum" in schema, f"{name} has no upper bound"
        assert schema.get("minimum", schema.get("exclusiveMinimum", 0)) > -(2**31), name
        assert schema.get("maximum", schema.get("exclusiveMaximum", 0)) < 2**31, name


class ThingOut(Schema):
    name: str


def plain(request: HttpRequest) -> ThingOut:
    return ThingOut(name="x")


def by_slug(request: HttpRequest, slug: str) -> ThingOut:
    return ThingOut(name=slug)


def with_body(request: HttpRequest, payload: ThingOut) -> ThingOut:
    return payload


def documented_errors(
    needed: Permission, operation: Callable[..., ThingOut], method: str = "GET", **options: Any
) -> dict[str, str]:
    """The answers a throwaway API documents for one operation declared `needed`: {status: description}."""
    router = Router()
    path = "/{slug}" if operation is by_slug else ""
    router.api_operation([method], path, summary="A thing", **options)(api_permission(needed)(operation))
    throwaway = NinjaAPI(urls_namespace=f"throwaway-{uuid4()}")
    throwaway.add_router("/things", router)
    [declared] = throwaway.get_openapi_schema(path_prefix="/")["paths"].values()
    return {str(status): answer["description"] for status, answer in declared[method.lower()]["responses"].items()}


def test_the_declared_permission_decides_which_refusals_are_documented() -> None:
    assert set(documented_errors("public", plain)) == {"200"}
    assert set(documented_errors("authenticated", plain)) == {"200", "401"}
    assert set(documented_errors("admin", plain)) == {"200", "401", "403"}
    assert set(documented_errors("public", by_slug)) == {"200", "404", "422"}
    assert set(documented_errors(role(Role.COORDINATOR, kwarg="slug"), by_slug)) == {"200", "401", "404", "422"}
    assert set(documented_errors("authenticated", with_body, "POST")) == {"200", "400", "401", "403", "422"}


def test_an_operation_documents_a_refusal_of_its_own_and_keeps_its_words() -> None:
    declared = documented_errors(
        "admin",
        with_body,
        "POST",
        response={201: ThingOut, 409: ErrorOut},
        openapi_extra={"responses": {409: {"description": "A thing by this name exists."}}},
    )
    assert set(declared) == {"201", "400", "401", "403", "409", "422"}
    assert declared["409"] == "A thing by this name exists."
    assert declared["401"].startswith("No valid token or session")


@pytest.mark.django_db
def test_a_nul_character_in_a_body_is_refused_by_its_field_not_answered_500(admin: User) -> None:
    response = client_for(admin).post(
        "/api/v1/groups", {"name": "\u0000", "description": "ok"}, content_type="application/json"
    )
    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == ["name"]
    nested = client_for(admin).post(
        "/api/v1/zones", {"name_en": "Walltown", "neighbours": ["a\u0000b"]}, content_type="application/json"
    )
    assert (nested.status_code, list(nested.json()["error"]["fields"])) == (422, ["neighbours"])


def test_answer_models_are_built_when_first_used_and_our_schemas_at_start_up() -> None:
    # Built at start-up, the operations' answer models held 13 MB in every web process; built later without our
    # schemas built first, each held its own copy of them (core.api: defer_build, build_schemas).
    eager: list[str] = []
    deferred: list[str] = []

    def walk(parent: type[Schema]) -> None:
        for child in parent.__subclasses__():
            if child.__name__ == "NinjaResponseSchema" and not child.model_config.get("defer_build"):
                eager.append(child.__name__)
            if child.__module__.startswith("solidarity.") and not child.__pydantic_complete__:
                deferred.append(f"{child.__module__}.{child.__name__}")
            walk(child)

    assert api.urls  # every router is imported
    walk(Schema)
    assert eager == []
    assert deferred == []


def test_no_two_schemas_share_a_name() -> None:
    # The OpenAPI document names a schema by its class: two classes of one name (the directory's SessionOut and
    # the trainings') become one, and the fuzz run found trainings' sessions answering "against the schema".
    modules: dict[str, set[str]] = {}

    def walk(parent: type[Schema]) -> None:
        for child in parent.__subclasses__():
            if child.__module__.startswith("solidarity."):
                modules.setdefault(child.__name__, set()).add(child.__module__)
            walk(child)

    assert api.urls  # every router is imported
    walk(Schema)
    assert {name: found for name, found in modules.items() if len(found) > 1} == {}
