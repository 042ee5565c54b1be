"""The JSON API: bearer tokens, one error shape, the OpenAPI document."""

import pytest
from django.core.management import call_command
from django.test import Client

from solidarity.accounts.models import ApiToken, User
from solidarity.accounts.services import do_create_token


def bearer(secret: str) -> dict[str, str]:
    return {"authorization": f"Bearer {secret}"}


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
            assert operation.get("security"), f"{method.upper()} {path} declares no authentication"


@pytest.mark.django_db
def test_browsable_docs_are_self_hosted(client: Client) -> None:
    html = client.get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle" in html
    assert "cdn" not in html.lower()
