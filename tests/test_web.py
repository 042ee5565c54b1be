"""The shell of the site: who sees what, settings, demo data, error pages."""

from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client, RequestFactory
from django.utils import timezone
from pytest_django.fixtures import Settings

from solidarity.accounts.models import User, WorkingGroup
from solidarity.core.permissions import Role
from solidarity.core.services import get_network_settings
from solidarity.lists.models import AnnouncementList
from solidarity.messaging.models import Gateway
from solidarity.messaging.sms.loopback import LoopbackBackend
from tests.factories.accounts import client_for, make_member


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/en/dashboard/", "/en/settings/", "/en/invitations/", "/live/?channel=dashboard"])
def test_anonymous_visitors_are_sent_to_sign_in(client: Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/en/accounts/login/?next=")


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/en/settings/", "/en/invitations/", "/en/groups/"])
def test_members_cannot_reach_admin_pages(member_client: Client, path: str) -> None:
    assert member_client.get(path).status_code == 403


@pytest.mark.django_db
def test_members_cannot_hear_the_admins_live_dashboard(member_client: Client) -> None:
    assert member_client.get("/live/?channel=dashboard").status_code == 404


@pytest.mark.django_db
def test_member_dashboard_shows_no_system_details(member_client: Client) -> None:
    html = member_client.get("/en/dashboard/").content.decode()
    assert "Signed in as mo.member" in html
    assert "Background worker" not in html


@pytest.mark.django_db
def test_admin_dashboard_shows_the_worker_and_streams_it_live(admin_client: Client) -> None:
    html = admin_client.get("/en/dashboard/").content.decode()
    assert "Background worker" in html
    assert 'data-stream="/live/?channel=dashboard"' in html


def test_admin_dashboard_says_when_sms_is_not_configured(admin_client: Client, settings: Settings) -> None:
    settings.SMS_BACKENDS = []
    page = admin_client.get("/en/dashboard/").content.decode()
    assert "SMS not configured" in page


@pytest.mark.django_db
def test_admin_edits_the_network_settings(admin_client: Client) -> None:
    response = admin_client.post(
        "/en/settings/",
        {"name": "Red del Valle", "time_zone": "America/Los_Angeles", "phone_region": "mx", "languages": ["es"]},
    )
    assert response.status_code == 302
    network = get_network_settings()
    assert (network.name, network.time_zone, network.phone_region, network.languages) == (
        "Red del Valle",
        "America/Los_Angeles",
        "MX",
        ["es"],
    )


@pytest.mark.django_db
def test_bad_settings_are_explained_in_spanish_and_nothing_changes(admin_client: Client) -> None:
    response = admin_client.post(
        "/es/settings/", {"name": "", "time_zone": "Mars/Olympus", "phone_region": "1", "languages": []}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Este campo es obligatorio." in html
    assert "Use un código de país de dos letras" in html
    assert get_network_settings().name != ""


@pytest.mark.django_db
def test_missing_page_is_a_friendly_404_in_the_right_language(client: Client) -> None:
    response = client.get("/es/no-existe/")
    assert response.status_code == 404
    assert "Esta página no existe" in response.content.decode()


@pytest.mark.django_db
def test_a_form_without_its_csrf_token_is_refused_plainly(admin: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin)
    response = client.post("/en/settings/", {"name": "x"})
    assert response.status_code == 403
    assert "This form expired" in response.content.decode()


@pytest.mark.django_db
def test_demo_fills_the_network_and_running_it_twice_does_no_harm(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("demo")
    call_command("demo")
    users = list(User.objects.all())
    assert len(users) == 4
    assert all(user.email.endswith("@example.org") for user in users)
    assert get_network_settings().name == "Vecinos Unidos (demo)"
    second = capsys.readouterr().out.split("Demo data loaded:")[-1]
    assert (
        "0 texts; 0 accounts, groups and memberships; 0 zones, lists and subscriptions; 0 people; 0 trainings; "
        "0 incident reports; 0 resources; 0 supply items; 0 meetings; 0 gifts to the funds; 0 call-in campaigns; "
        "0 actions added" in second
    )
    assert AnnouncementList.objects.exists()


@pytest.mark.django_db
def test_demo_leaves_a_configured_network_alone(admin_client: Client) -> None:
    admin_client.post(
        "/en/settings/",
        {"name": "Real Network", "time_zone": "America/Denver", "phone_region": "US", "languages": ["en"]},
    )
    call_command("demo")
    assert get_network_settings().name == "Real Network"


@pytest.mark.django_db
def test_requests_run_in_the_network_time_zone(rf: RequestFactory) -> None:
    from django.http import HttpResponse
    from django.utils import timezone

    from solidarity.core.middleware import network_time_zone
    from solidarity.core.services import do_update_network_settings

    do_update_network_settings(name="R", time_zone="America/Chicago", phone_region="US", languages=["en"])
    handler = network_time_zone(lambda request: HttpResponse(timezone.get_current_timezone_name()))
    assert handler(rf.get("/en/")).content == b"America/Chicago"


def test_a_dispatcher_is_told_when_a_way_of_texting_is_down(rapid_response: WorkingGroup, settings: Settings) -> None:
    settings.SMS_BACKENDS = [LoopbackBackend(Path(settings.HOME) / "sms.jsonl", "a-long-loopback-token")]
    Gateway.objects.create(name="loopback", failures_in_row=3, down_since=timezone.now(), last_error="no signal")
    dispatcher = client_for(make_member("dina.dispatcher", rapid_response, Role.DISPATCHER))
    responder = client_for(make_member("rafa.responder", rapid_response, Role.RESPONDER))

    assert "no signal" in dispatcher.get("/en/dashboard/").content.decode()
    assert "no signal" not in responder.get("/en/dashboard/").content.decode()
