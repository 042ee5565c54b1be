"""English and Spanish everywhere, picked by URL prefix or the browser's language."""

import pytest
from django.test import Client


@pytest.mark.django_db
@pytest.mark.parametrize(("accept", "target"), [("es-MX,es;q=0.9", "/es/"), ("en-US,en;q=0.8", "/en/"), ("fr", "/en/")])
def test_root_picks_the_language_from_the_browser(client: Client, accept: str, target: str) -> None:
    response = client.get("/", headers={"accept-language": accept})
    assert response.status_code == 302
    assert response["Location"] == target


@pytest.mark.django_db
def test_spanish_pages_are_in_spanish(client: Client) -> None:
    html = client.get("/es/").content.decode()
    assert 'lang="es"' in html
    assert "Iniciar sesión" in html
    assert "Sign in" not in html


@pytest.mark.django_db
def test_every_page_links_to_the_same_page_in_the_other_language(client: Client) -> None:
    html = client.get("/en/accounts/login/").content.decode()
    assert 'href="/es/accounts/login/"' in html
    html = client.get("/es/accounts/login/").content.decode()
    assert 'href="/en/accounts/login/"' in html


@pytest.mark.django_db
def test_switcher_offers_only_the_network_languages(client: Client) -> None:
    from solidarity.core.services import do_update_network_settings

    do_update_network_settings(name="Red", time_zone="America/Chicago", phone_region="US", languages=["es"])
    html = client.get("/es/").content.decode()
    assert 'hreflang="en"' not in html
