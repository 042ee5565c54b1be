"""The callers' pages: a campaign's page, the next office, the office to call and its outcome, the report-back.

Offices, numbers and people are fictional (555-01xx)."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client

from solidarity.accounts.models import User, WorkingGroup
from solidarity.campaigns.calling import do_report_outcome, next_call
from solidarity.campaigns.models import Call, Campaign, ConsentFrom, Outcome, Result, State, Visibility
from solidarity.campaigns.services import (
    do_close_campaign,
    do_pause,
    do_record_consent,
    do_set_subject,
)
from solidarity.core.permissions import Role
from tests.factories.accounts import client_for, make_member
from tests.factories.campaigns import OFFICE_HOURS, live_campaign, make_campaign, seed_targets
from tests.factories.people import zone

pytestmark = pytest.mark.django_db

NAME = "Nadie Ejemplo"
A_NUMBER = "A-000-000-001"


@pytest.fixture
def second(medics: WorkingGroup) -> User:
    return make_member("co.second", medics, Role.COORDINATOR)


@pytest.fixture
def campaign(medics: WorkingGroup, coordinator: User, second: User) -> Campaign:
    return live_campaign(medics, coordinator, second)


def url(campaign: Campaign, rest: str = "", language: str = "en") -> str:
    return f"/{language}/call/{campaign.code}/{rest}"


def first_office(client: Client, campaign: Campaign, **where: str) -> Call:
    """Ask for an office as the campaign's page does; the call it was given."""
    response = client.post(url(campaign, "next/"), {"where": "1", **where})
    assert response.status_code == 302
    call = Call.objects.get(uuid=response["Location"].rstrip("/").rsplit("/", 1)[1])
    assert response["Location"] == url(campaign, f"{call.uuid}/")
    return call


def named(campaign: Campaign, by: User) -> Campaign:
    campaign = do_set_subject(campaign, NAME, A_NUMBER, by=by)
    campaign = do_record_consent(campaign, lawyer=False, consent_from=ConsentFrom.FAMILY, by=by)
    return do_record_consent(campaign, lawyer=True, by=by)


def test_anyone_calls_a_public_campaign_without_an_account(campaign: Campaign) -> None:
    client = Client()
    page = client.get(url(campaign))
    assert page.status_code == 200
    assert "Free our neighbour" in page.text
    assert "A member of our community is detained." in page.text
    assert "Give me an office to call" in page.text

    call = first_office(client, campaign, city="Durham")
    office = client.get(url(campaign, f"{call.uuid}/"))
    assert office.status_code == 200
    assert 'href="tel:+12025550140"' in office.text
    assert "(202) 555-0140" in office.text  # as people write it
    assert "Department of Homeland Security" in office.text
    assert "Hi, I am calling from Durham about a member of our community. Please release" in office.text
    for label in ("Reached a person", "Left a voicemail", "No answer", "Busy or voicemail full", "Wrong number"):
        assert label in office.text
    assert call.credited_to is None
    assert call.via == "web"


def test_reporting_an_outcome_counts_it_and_gives_the_next_office(campaign: Campaign) -> None:
    client = Client()
    call = first_office(client, campaign)

    response = client.post(url(campaign, f"{call.uuid}/"), {"outcome": "1"})
    assert response.status_code == 302
    call.refresh_from_db()
    assert call.outcome == Outcome.REACHED
    following = Call.objects.exclude(pk=call.pk).get()
    assert response["Location"] == url(campaign, f"{following.uuid}/")
    assert following.target != call.target  # an office this browser has not called yet
    assert "your call is counted" in client.get(response["Location"]).text


def test_a_call_reported_twice_counts_once_and_says_so_kindly(campaign: Campaign) -> None:
    client = Client()
    call = first_office(client, campaign)
    client.post(url(campaign, f"{call.uuid}/"), {"outcome": "2"})

    again = client.post(url(campaign, f"{call.uuid}/"), {"outcome": "1"}, follow=True)
    assert "already counted, once: thank you all the same" in again.text
    call.refresh_from_db()
    assert call.outcome == Outcome.VOICEMAIL
    assert Call.objects.filter(outcome__isnull=False).count() == 1
    page = client.get(url(campaign, f"{call.uuid}/"))
    assert "This call is counted already" in page.text
    assert 'name="outcome"' not in page.text


def test_a_full_voicemail_reported_on_the_web_steers_the_next_caller_elsewhere(campaign: Campaign) -> None:
    first = Client()
    call = first_office(first, campaign)
    first.post(url(campaign, f"{call.uuid}/"), {"outcome": str(Outcome.BUSY)})

    # Every other office has been called as often: only the full voicemail's rest keeps it from coming next.
    for _each in range(3):
        do_report_outcome(call_for(campaign), Outcome.REACHED)
    stranger = Client()
    given = first_office(stranger, campaign)
    assert given.target != call.target
    # The status every caller shares, on the office's page.
    shown = Client()
    busy = Call.objects.create(
        campaign=campaign, target=call.target, line=call.line, offered_at=call.offered_at, language="en"
    )
    assert "busy or voicemail full since" in shown.get(url(campaign, f"{busy.uuid}/")).text


def call_for(campaign: Campaign) -> Call:
    given = next_call(campaign, via="web", language="en")
    assert isinstance(given, Call)
    return given


def test_bad_input_comes_back_on_the_form(campaign: Campaign) -> None:
    client = Client()
    too_long = "Durham " * 20
    page = client.post(url(campaign, "next/"), {"where": "1", "city": too_long})
    assert page.status_code == 400
    assert too_long.strip() in page.text
    assert not Call.objects.exists()

    call = first_office(client, campaign)
    wrong = client.post(url(campaign, f"{call.uuid}/"), {"outcome": "9"})
    assert wrong.status_code == 400
    assert "Choose what happened on the call." in wrong.text
    call.refresh_from_db()
    assert call.outcome is None


def test_a_zone_chosen_fills_the_script_in_the_pages_language(campaign: Campaign) -> None:
    zone("walltown")
    client = Client()
    page = client.get(url(campaign, language="es"))
    assert "Liberen a nuestro vecino" in page.text
    assert "Un miembro de nuestra comunidad está detenido." in page.text
    call = first_office(client, campaign, zone="walltown")
    office = client.get(url(campaign, f"{call.uuid}/", language="es"))
    assert "Hola, llamo desde" in office.text
    assert "por un miembro de nuestra comunidad" in office.text
    assert "walltown" not in office.request["PATH_INFO"]


def test_a_members_campaign_refuses_anyone_without_an_account(
    medics: WorkingGroup, coordinator: User, second: User, outsider: User
) -> None:
    campaign = live_campaign(medics, coordinator, second, visibility=Visibility.MEMBERS)
    anonymous = Client()
    assert anonymous.get(url(campaign)).status_code == 404
    assert anonymous.post(url(campaign, "next/")).status_code == 404
    call = call_for(campaign)
    assert anonymous.get(url(campaign, f"{call.uuid}/")).status_code == 404
    assert anonymous.post(url(campaign, f"{call.uuid}/"), {"outcome": "1"}).status_code == 404

    signed_in = client_for(outsider)  # any account of the network may call
    assert signed_in.get(url(campaign)).status_code == 200
    assert first_office(signed_in, campaign).via == "web"


def test_a_campaign_being_prepared_is_for_its_group_only(
    medics: WorkingGroup, coordinator: User, medic: User, outsider: User
) -> None:
    campaign = make_campaign(medics, coordinator)
    seed_targets(campaign, coordinator)
    assert Client().get(url(campaign)).status_code == 404
    assert client_for(outsider).get(url(campaign)).status_code == 404
    preview = client_for(medic).get(url(campaign))
    assert preview.status_code == 200
    assert "being prepared" in preview.text
    assert "Give me an office to call" not in preview.text


def test_a_call_of_another_campaign_is_not_found(
    campaign: Campaign, medics: WorkingGroup, coordinator: User, second: User
) -> None:
    other = live_campaign(medics, coordinator, second, title_en="Another call-in")
    call = call_for(other)
    client = Client()
    assert client.get(url(campaign, f"{call.uuid}/")).status_code == 404
    assert client.post(url(campaign, f"{call.uuid}/"), {"outcome": "1"}).status_code == 404
    assert client.get(url(campaign, "00000000-0000-4000-8000-000000000000/")).status_code == 404
    assert client.get("/en/call/NOSUCH/").status_code == 404


def test_a_paused_campaign_says_so(campaign: Campaign, coordinator: User) -> None:
    do_pause(campaign, by=coordinator)
    client = Client()
    page = client.get(url(campaign))
    assert page.status_code == 200
    assert "Calls are paused for now" in page.text
    assert client.post(url(campaign, "next/")).status_code == 302
    assert not Call.objects.exists()


def test_when_no_office_is_open_the_page_says_when_the_next_opens(
    medics: WorkingGroup, coordinator: User, second: User
) -> None:
    friday_night = datetime(2026, 3, 6, 23, 0, tzinfo=UTC)  # 18:00 in New York: every office closed
    with time_machine.travel(friday_night, tick=False):
        campaign = live_campaign(medics, coordinator, second, **OFFICE_HOURS)
        client = Client()
        page = client.get(url(campaign))
        assert "No office is open right now. The next one opens" in page.text
        assert "March 9, 2026" in page.text  # Monday
        assert "Give me an office to call" not in page.text
        assert client.post(url(campaign, "next/")).status_code == 302
        assert not Call.objects.exists()


def test_a_signed_in_member_may_be_credited(campaign: Campaign, medic: User) -> None:
    anonymous = Client()
    assert "Credit my calls to me" not in anonymous.get(url(campaign)).text
    assert first_office(anonymous, campaign, credit="on").credited_to is None

    client = client_for(medic)
    assert "Credit my calls to me" in client.get(url(campaign)).text
    call = first_office(client, campaign, credit="on")
    assert call.credited_to == medic
    client.post(url(campaign, f"{call.uuid}/"), {"outcome": "3"})
    assert Call.objects.filter(credited_to=medic).count() == 2  # the next office too
    assert first_office(client_for(medic), campaign).credited_to is None  # not asked: not credited


def test_no_name_on_a_public_page_before_consent_nor_after_close(campaign: Campaign, coordinator: User) -> None:
    client = Client()
    campaign = do_set_subject(campaign, NAME, A_NUMBER, by=coordinator)
    call = first_office(client, campaign)
    pages = [client.get(url(campaign)).text, client.get(url(campaign, f"{call.uuid}/")).text]
    assert not any(NAME in page or A_NUMBER in page for page in pages)

    campaign = named(campaign, coordinator)
    assert f"about {NAME} {A_NUMBER}. Please release" in client.get(url(campaign, f"{call.uuid}/")).text

    client.post(url(campaign, f"{call.uuid}/"), {"outcome": "1"})
    do_close_campaign(campaign, Result.WON, "Released on bond. Thank you all.", "", by=coordinator)
    report = client.get(url(campaign))
    assert report.status_code == 200
    pages = [report.text, client.get(url(campaign, f"{call.uuid}/")).text]
    assert not any(NAME in page or A_NUMBER in page for page in pages)


def test_a_closed_campaign_is_its_report_back(campaign: Campaign, coordinator: User) -> None:
    client = Client()
    call = first_office(client, campaign)
    client.post(url(campaign, f"{call.uuid}/"), {"outcome": "1"})
    waiting = Call.objects.exclude(pk=call.pk).get()
    do_close_campaign(campaign, Result.WON, "Released on bond. Thank you all.", "Liberado bajo fianza.", by=coordinator)

    report = client.get(url(campaign))
    assert "We won what we asked for" in report.text
    assert "Released on bond. Thank you all." in report.text
    assert "Department of Homeland Security</strong>: 1 call" in report.text
    assert "Reached a person: 1" in report.text
    assert "Give me an office to call" not in report.text
    assert "Liberado bajo fianza." in client.get(url(campaign, language="es")).text

    late = client.post(url(campaign, f"{waiting.uuid}/"), {"outcome": "1"}, follow=True)
    assert "calls are no longer counted" in late.text
    waiting.refresh_from_db()
    assert waiting.outcome is None
    assert Campaign.objects.get(pk=campaign.pk).state == State.CLOSED


def test_the_public_counter_shows_the_total_and_streams_only_when_the_campaign_has_one(
    medics: WorkingGroup, coordinator: User, second: User, campaign: Campaign
) -> None:
    counted = live_campaign(medics, coordinator, second, has_public_counter=True)
    do_report_outcome(call_for(counted), Outcome.REACHED)
    page = Client().get(url(counted))
    assert '<strong id="counter-total">1</strong> call so far.' in page.text
    assert f'data-stream="/en/call/{counted.code}/count/"' in page.text
    assert "counter-total" not in Client().get(url(campaign)).text
    assert Client().get(url(campaign, "count/")).status_code == 404  # no counter: nothing to stream


def test_the_callers_pages_are_small(campaign: Campaign) -> None:
    client = Client()
    page = client.get(url(campaign))
    call = first_office(client, campaign)
    office = client.get(url(campaign, f"{call.uuid}/"))
    for response in (page, office):
        assert len(response.content) < 100_000
        assert '<script src="http' not in response.text


def test_the_campaign_window_shows_when_calls_run(campaign: Campaign) -> None:
    page = Client().get(url(campaign))
    starts = campaign.starts_at
    assert "Calls run from" in page.text
    assert str((starts + timedelta(days=7)).year) in page.text
