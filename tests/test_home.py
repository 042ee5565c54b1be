"""The public home page: the hotline to tap and the network's own welcome, in the visitor's language."""

import re
from typing import Any

import pytest
from django.test import Client

from solidarity.accounts.models import User
from solidarity.accounts.services import do_create_token, do_issue_setup_link
from solidarity.core.models import WELCOME_MAX_LENGTH
from solidarity.core.services import do_update_network_settings, get_network_settings, network_values
from tests.factories.accounts import PASSWORD, bearer

WELCOME_EN = "Vecinos Unidos answers the phone day and night.\nWe never ask for papers."
WELCOME_ES = "Vecinos Unidos contesta día y noche.\nNunca pedimos papeles."


def set_network(**changes: Any) -> None:
    """The network's settings as they are, with `changes`, saved as the settings page saves them."""
    values: dict[str, Any] = {**network_values(), **changes}
    do_update_network_settings(**values)


def hotline_link(html: str) -> re.Match[str] | None:
    return re.search(r'<a class="hotline-number" href="(?P<href>[^"]+)">(?P<text>.*?)</a>', html, re.S)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "heading", "call"),
    [("/en/", "Emergency hotline", "Call"), ("/es/", "Línea de emergencia", "Llamar")],
)
def test_the_home_page_shows_the_hotline_to_tap_in_the_visitors_language(
    client: Client, path: str, heading: str, call: str
) -> None:
    set_network(phone_region="US", hotline="+1 919-555-0100")

    html = client.get(path).content.decode()

    link = hotline_link(html)
    assert link is not None
    assert link["href"] == "tel:+19195550100"  # E.164: a phone dials it from anywhere
    assert "(919) 555-0100" in link["text"]  # written as people here write it
    assert call in link["text"]  # the link's name says what tapping does
    assert f'<h2 id="hotline-heading">{heading}</h2>' in html


@pytest.mark.django_db
def test_a_hotline_in_another_country_is_shown_the_international_way(client: Client) -> None:
    set_network(phone_region="US", hotline="+52 55 1234 5678")

    link = hotline_link(client.get("/en/").content.decode())

    assert link is not None
    assert link["href"] == "tel:+525512345678"
    assert "+52 55 1234 5678" in link["text"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/en/", "/es/"])
def test_without_a_hotline_the_home_page_has_no_empty_box(client: Client, path: str) -> None:
    set_network(hotline="")

    html = client.get(path).content.decode()

    assert 'class="hotline' not in html
    assert "tel:" not in html


@pytest.mark.django_db
def test_the_spanish_page_shows_the_spanish_welcome_and_the_english_page_the_english(client: Client) -> None:
    set_network(welcome_en=WELCOME_EN, welcome_es=WELCOME_ES)

    spanish = client.get("/es/").content.decode()
    english = client.get("/en/").content.decode()

    assert "Vecinos Unidos contesta día y noche.<br>Nunca pedimos papeles." in spanish
    assert "answers the phone" not in spanish
    assert "answers the phone day and night.<br>We never ask for papers." in english
    assert "contesta" not in english


@pytest.mark.django_db
def test_a_welcome_written_in_one_language_is_shown_on_both_pages(client: Client) -> None:
    set_network(welcome_en=WELCOME_EN, welcome_es="")

    assert "answers the phone" in client.get("/es/").content.decode()
    assert "Neighbours organizing" not in client.get("/en/").content.decode()


@pytest.mark.django_db
def test_without_a_welcome_the_home_page_says_what_the_network_is(client: Client) -> None:
    set_network(welcome_en="", welcome_es="")

    assert "Vecinas y vecinos organizados para cuidarnos" in client.get("/es/").content.decode()
    assert "Neighbours organizing to keep each other safe" in client.get("/en/").content.decode()


@pytest.mark.django_db
def test_the_welcome_is_plain_text_never_markup(client: Client) -> None:
    set_network(welcome_en='<script>alert("x")</script> <a href="https://example.org">us</a>', welcome_es="")

    html = client.get("/en/").content.decode()

    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert '<a href="https://example.org">' not in html


@pytest.mark.django_db
def test_an_admin_writes_the_welcome_in_both_languages_in_the_network_settings(admin_client: Client) -> None:
    form = dict(network_values()) | {"welcome_en": "Hello,\r\nneighbours.", "welcome_es": "Hola,\r\nvecinos."}

    response = admin_client.post("/en/settings/", form)

    assert response.status_code == 302
    network = get_network_settings()
    assert (network.welcome_en, network.welcome_es) == ("Hello,\nneighbours.", "Hola,\nvecinos.")
    page = admin_client.get("/en/settings/").content.decode()
    assert 'name="welcome_es"' in page
    assert 'lang="es"' in page


@pytest.mark.django_db
def test_a_welcome_over_the_limit_is_refused_in_spanish_and_nothing_is_lost(admin_client: Client) -> None:
    set_network(welcome_es="Antes")
    too_long = "x" * (WELCOME_MAX_LENGTH + 1)

    response = admin_client.post("/es/settings/", dict(network_values()) | {"welcome_es": too_long})

    assert response.status_code == 200
    assert "Asegúrese de que este valor tenga menos de 1000 caracteres (tiene 1001)" in response.content.decode()
    assert too_long in response.content.decode()  # what they wrote is still in the box
    assert get_network_settings().welcome_es == "Antes"


@pytest.mark.django_db
def test_line_breaks_count_once_against_the_limit(admin_client: Client) -> None:
    lines = "\r\n".join(["y" * 99] * 10)  # 990 letters and 9 line breaks: 999 as the reader counts

    response = admin_client.post("/en/settings/", dict(network_values()) | {"welcome_en": lines})

    assert response.status_code == 302
    assert len(get_network_settings().welcome_en) == 999


@pytest.mark.django_db
def test_the_api_reads_and_changes_the_welcome_without_touching_the_rest(client: Client, admin: User) -> None:
    set_network(name="Red Sur", hotline="+1 919-555-0100")
    secret = do_create_token(admin, name="a").secret

    response = client.patch(
        "/api/v1/network",
        {"welcome_es": "Bienvenidos a la red."},
        content_type="application/json",
        headers=bearer(secret),
    )

    assert response.status_code == 200
    body = response.json()
    assert body["welcome_es"] == "Bienvenidos a la red."
    assert body["welcome_en"] == ""
    assert (body["name"], body["hotline"]) == ("Red Sur", "+1 919-555-0100")
    assert "Bienvenidos a la red." in client.get("/es/").content.decode()


@pytest.mark.django_db
def test_the_api_refuses_a_welcome_over_the_limit_with_the_field_named(client: Client, admin: User) -> None:
    secret = do_create_token(admin, name="a").secret

    response = client.patch(
        "/api/v1/network",
        {"welcome_en": "x" * (WELCOME_MAX_LENGTH + 1)},
        content_type="application/json",
        headers=bearer(secret),
    )

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_input"
    assert get_network_settings().welcome_en == ""


@pytest.mark.django_db
def test_the_first_start_asks_for_no_welcome_and_leaves_one_written_before(client: Client) -> None:
    set_network(welcome_en="Written before the first start")
    path = do_issue_setup_link().link().removeprefix("http://127.0.0.1:8000")
    assert "welcome_en" not in client.get(path).content.decode()

    response = client.post(
        path,
        {
            "name": "Vecinos del Norte",
            "time_zone": "America/Chicago",
            "phone_region": "US",
            "languages": ["en", "es"],
            "username": "first.admin",
            "email": "first.admin@example.org",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )

    assert response.status_code == 302
    assert (get_network_settings().name, get_network_settings().welcome_en) == (
        "Vecinos del Norte",
        "Written before the first start",
    )
