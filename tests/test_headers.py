"""Security headers on every response; nothing from other hosts."""

import re
from pathlib import Path

import pytest
from django.core.checks import Error
from django.test import Client, override_settings
from django.utils.csp import CSP

from solidarity.core.checks import csp_only_self
from tests.conftest import command_env, run_solidarity


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/en/", "/es/accounts/login/", "/healthz", "/api/v1/openapi.json", "/en/nope/"])
def test_every_response_carries_the_security_headers(client: Client, path: str) -> None:
    response = client.get(path)
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "camera=()" in response["Permissions-Policy"]
    assert "Strict-Transport-Security" not in response  # plain HTTP on localhost: no HSTS


@pytest.mark.django_db
def test_csp_names_no_other_host(client: Client) -> None:
    csp = client.get("/en/")["Content-Security-Policy"]
    assert not re.search(r"https?://|\*", csp)


@pytest.mark.django_db
@override_settings(SECURE_HSTS_SECONDS=63072000, SECURE_SSL_REDIRECT=False)
def test_hsts_when_served_over_https(client: Client) -> None:
    response = client.get("/en/", secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=63072000")


@pytest.mark.django_db
def test_pages_load_nothing_from_other_sites(client: Client) -> None:
    html = client.get("/en/").content.decode()
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)


def test_system_check_refuses_a_foreign_origin() -> None:
    with override_settings(SECURE_CSP={"default-src": [CSP.SELF], "script-src": [CSP.SELF, "https://cdn.example"]}):
        errors = csp_only_self(None)
    assert [error.id for error in errors if isinstance(error, Error)] == ["solidarity.E001"]
    assert csp_only_self(None) == []


@pytest.mark.django_db
def test_pages_for_signed_in_people_are_never_cached(admin_client: Client, client: Client) -> None:
    assert "no-store" in admin_client.get("/en/dashboard/")["Cache-Control"]
    assert "no-store" not in client.get("/en/").get("Cache-Control", "")


def test_production_settings_pass_djangos_deployment_checks(tmp_path: Path) -> None:
    production = command_env(
        tmp_path,
        SOLIDARITY_HTTPS="1",
        SOLIDARITY_EMAIL_URL="smtp+tls://mail.example.org",
        SOLIDARITY_ALLOWED_HOSTS="red.example.org",
        SOLIDARITY_URL="https://red.example.org",
    )
    result = run_solidarity("manage", "check", "--deploy", "--fail-level", "WARNING", env=production)
    assert result.returncode == 0, result.stdout + result.stderr
