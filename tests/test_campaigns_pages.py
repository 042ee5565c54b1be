"""The organisers' pages: a group's campaigns, a new one, a campaign's page with its offices, the second
organiser's check, going live, pausing, closing, the person and consent, and the wrong-number alert.

Offices, numbers and people are fictional (555-01xx)."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from solidarity.accounts.models import User, WorkingGroup
from solidarity.campaigns.access import may_hear_campaign
from solidarity.campaigns.calling import do_report_outcome, next_call
from solidarity.campaigns.models import Call, Campaign, Line, Outcome, Result, State, Target
from solidarity.campaigns.scripts import seconds_to_read
from solidarity.campaigns.services import do_set_subject
from solidarity.core.models import AuditAction, AuditEntry
from solidarity.core.permissions import Role
from tests.factories.accounts import client_for, make_member
from tests.factories.campaigns import SCRIPT_EN, add_target, live_campaign, make_campaign, seed_targets
from tests.factories.messaging import deliver

pytestmark = pytest.mark.django_db

NAME = "Nadie Ejemplo"


@pytest.fixture
def second(medics: WorkingGroup) -> User:
    return make_member("co.second", medics, Role.COORDINATOR)


@pytest.fixture
def campaign(medics: WorkingGroup, coordinator: User, second: User) -> Campaign:
    return live_campaign(medics, coordinator, second)


def page(campaign: Campaign, rest: str = "", language: str = "en") -> str:
    return f"/{language}/campaigns/{campaign.code}/{rest}"


def call_for(campaign: Campaign) -> Call:
    given = next_call(campaign, via="web", language="en")
    assert isinstance(given, Call)
    return given


def office_values(**more: str) -> dict[str, str]:
    values = {
        "name_en": "County Sheriff (fictional)",
        "kind": "sheriff",
        "phone_0": "(919) 555-0150",
        "label_0": "Front desk",
        "phone_1": "919.555.0151",
        "weekdays": ["1", "2", "3", "4", "5"],
        "opens_at": "08:30",
        "closes_at": "16:30",
        "time_zone": "America/New_York",
        "script_en": SCRIPT_EN,
    }
    return values | more  # type: ignore[return-value]  # weekdays: a list, as a form posts it


def organiser_urls(campaign: Campaign) -> list[tuple[str, str]]:
    target = campaign.targets.first()
    assert target is not None
    line = target.lines.get()
    return [
        ("get", page(campaign, "edit/")),
        ("post", page(campaign, "go-live/")),
        ("post", page(campaign, "pause/")),
        ("post", page(campaign, "close/")),
        ("get", page(campaign, "offices/new/")),
        ("get", page(campaign, f"offices/{target.uuid}/")),
        ("post", page(campaign, f"offices/{target.uuid}/check/")),
        ("get", page(campaign, f"offices/{target.uuid}/remove/")),
        ("post", page(campaign, f"offices/{target.uuid}/remove/")),
        ("post", page(campaign, f"numbers/{line.uuid}/confirm/")),
        ("get", page(campaign, "person/")),
        ("post", page(campaign, "person/consent/")),
        ("post", page(campaign, "person/withdraw/")),
    ]


def test_outsiders_get_nothing(
    campaign: Campaign, medics: WorkingGroup, outsider: User, other_coordinator: User
) -> None:
    for user in (outsider, other_coordinator):
        client = client_for(user)
        assert client.get(f"/en/groups/{medics.slug}/campaigns/").status_code == 404
        assert client.get(f"/en/groups/{medics.slug}/campaigns/new/").status_code == 404
        assert client.get(page(campaign)).status_code == 404
        for method, url in organiser_urls(campaign):
            assert getattr(client, method)(url).status_code == 404, url
    assert Client().get(page(campaign)).status_code == 302  # to sign in
    assert Campaign.objects.get(pk=campaign.pk).state == State.LIVE
    assert Target.objects.filter(campaign=campaign).count() == 4


def test_members_see_the_page_and_only_coordinators_act(campaign: Campaign, medics: WorkingGroup, medic: User) -> None:
    client = client_for(medic)
    listing = client.get(f"/en/groups/{medics.slug}/campaigns/")
    assert listing.status_code == 200
    assert "Free our neighbour" in listing.text
    assert "New campaign" not in listing.text
    shown = client.get(page(campaign))
    assert shown.status_code == 200
    assert "Department of Homeland Security" in shown.text
    assert 'href="tel:+12025550140"' in shown.text
    assert "Pause" not in shown.text
    assert "Add an office" not in shown.text
    for method, url in organiser_urls(campaign):
        assert getattr(client, method)(url).status_code == 404, url
    assert Campaign.objects.get(pk=campaign.pk).state == State.LIVE


def test_an_organiser_sets_up_a_campaign_with_an_office_and_a_second_organiser_checks_it(
    medics: WorkingGroup, coordinator: User, second: User
) -> None:
    client = client_for(coordinator)
    start = timezone.localtime() + timedelta(hours=1)
    made = client.post(
        f"/en/groups/{medics.slug}/campaigns/new/",
        {
            "title_en": "Bring her home",
            "intro_en": "A member of our community is detained.",
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
            "visibility": "public",
        },
    )
    assert made.status_code == 302
    campaign = Campaign.objects.get(title_en="Bring her home")
    assert made["Location"] == page(campaign)

    form = client.get(page(campaign, "offices/new/"))
    assert "Script in Spanish" in form.text
    added = client.post(page(campaign, "offices/new/"), office_values())
    assert added.status_code == 302
    target = campaign.targets.get()
    assert [(line.phone, line.label) for line in target.lines.all()] == [
        ("+19195550150", "Front desk"),
        ("+19195550151", ""),
    ]
    assert target.weekdays == "12345"
    assert not target.is_checked
    edit = client.get(page(campaign, f"offices/{target.uuid}/"))
    assert f"As written: about {seconds_to_read(SCRIPT_EN)} seconds to read aloud." in edit.text

    own = client.get(page(campaign))
    assert "You changed this office: another organiser must check it." in own.text
    refused = client.post(page(campaign, f"offices/{target.uuid}/check/"))
    assert refused.status_code == 400
    assert "another organiser must check them" in refused.text
    not_yet = client.post(page(campaign, "go-live/"))
    assert not_yet.status_code == 400
    assert "A second organiser must check" in not_yet.text

    checker = client_for(second)
    assert "I checked the numbers and scripts" in checker.get(page(campaign)).text
    assert checker.post(page(campaign, f"offices/{target.uuid}/check/")).status_code == 302
    target.refresh_from_db()
    assert target.checked_by == second
    assert f"Checked by {second.username}" in client.get(page(campaign)).text
    assert client.post(page(campaign, "go-live/")).status_code == 302
    assert Campaign.objects.get(pk=campaign.pk).state == State.LIVE


def test_bad_input_comes_back_on_the_form_with_what_was_typed(campaign: Campaign, coordinator: User) -> None:
    client = client_for(coordinator)
    long_script = "Please " * 90  # within the field's length, too long to read in 30 seconds
    refused = client.post(
        page(campaign, "offices/new/"),
        office_values(name_en="Office of Nobody", phone_0="call me maybe", script_en=long_script.strip()),
    )
    assert refused.status_code == 400
    assert "call me maybe is not a phone number." in refused.text
    assert "keep it to 30 seconds and one ask" in refused.text
    assert "Office of Nobody" in refused.text
    assert campaign.targets.count() == 4

    edit = client.post(page(campaign, "edit/"), {"title_en": "Still here", "starts_at": "", "ends_at": "soon"})
    assert edit.status_code == 400
    assert "Still here" in edit.text

    do_set_subject(campaign, NAME, "", by=coordinator)
    named = client.post(
        page(campaign, "edit/"),
        {
            "title_en": "Free Nadie Ejemplo",
            "starts_at": timezone.localtime(campaign.starts_at).strftime("%Y-%m-%dT%H:%M"),
            "ends_at": timezone.localtime(campaign.ends_at).strftime("%Y-%m-%dT%H:%M"),
            "visibility": "public",
        },
    )
    assert named.status_code == 400
    assert "Write {person} where the name goes" in named.text
    assert Campaign.objects.get(pk=campaign.pk).title_en == "Free our neighbour"


def test_changing_an_office_unchecks_it(campaign: Campaign, coordinator: User, second: User) -> None:
    target = campaign.targets.first()
    assert target is not None
    client = client_for(second)
    form = client.get(page(campaign, f"offices/{target.uuid}/"))
    assert 'value="+12025550140"' in form.text
    changed = office_values(name_en=target.name_en, phone_0="+1 202 555 0140", label_0="", phone_1="")
    assert client.post(page(campaign, f"offices/{target.uuid}/"), changed).status_code == 302
    target.refresh_from_db()
    assert not target.is_checked
    assert target.editors == [second.pk]
    assert "I checked the numbers and scripts" in client_for(coordinator).get(page(campaign)).text


def test_an_office_is_removed_after_asking(campaign: Campaign, coordinator: User) -> None:
    target = campaign.targets.first()
    assert target is not None
    client = client_for(coordinator)
    asked = client.get(page(campaign, f"offices/{target.uuid}/remove/"))
    assert "Remove Department of Homeland Security?" in asked.text
    assert campaign.targets.count() == 4
    assert client.post(page(campaign, f"offices/{target.uuid}/remove/")).status_code == 302
    assert campaign.targets.count() == 3


def test_pausing_and_closing_with_the_result_in_both_languages(campaign: Campaign, coordinator: User) -> None:
    client = client_for(coordinator)
    assert client.post(page(campaign, "pause/")).status_code == 302
    assert "paused: callers get no office" in client.get(page(campaign)).text
    again = client.post(page(campaign, "pause/"))
    assert again.status_code == 400
    assert "Only a live campaign can be paused." in again.text

    unsaid = client.post(page(campaign, "close/"), {"result_en": "We kept calling."})
    assert unsaid.status_code == 400
    assert "We kept calling." in unsaid.text
    assert Campaign.objects.get(pk=campaign.pk).state == State.DRAFT

    closed = client.post(
        page(campaign, "close/"),
        {"result": Result.PARTLY, "result_en": "Moved to a closer centre.", "result_es": "Trasladado más cerca."},
    )
    assert closed.status_code == 302
    shown = client.get(page(campaign))
    assert "Moved to a closer centre." in shown.text
    assert "Trasladado más cerca." in shown.text
    assert "Go live" not in shown.text
    assert "Close the campaign" not in shown.text
    assert "sse-connect" not in shown.text


def test_the_person_is_masked_unless_asked_and_consent_is_recorded(campaign: Campaign, coordinator: User) -> None:
    client = client_for(coordinator)
    saved = client.post(page(campaign, "person/"), {"subject_name": NAME, "subject_identifiers": "A-000-000-001"})
    assert saved.status_code == 302
    masked = client.get(page(campaign, "person/"))
    assert NAME not in masked.text
    assert "••••••••" in masked.text
    assert not AuditEntry.objects.filter(action=AuditAction.VIEWED, object_type="campaigns.subject").exists()
    shown = client.get(page(campaign, "person/?show=1"))
    assert NAME in shown.text
    assert AuditEntry.objects.filter(action=AuditAction.VIEWED, object_type="campaigns.subject").count() == 1

    unsaid = client.post(page(campaign, "person/consent/"), {})
    assert unsaid.status_code == 400
    assert "Say whether the person or their family gave consent." in unsaid.text
    assert client.post(page(campaign, "person/consent/"), {"consent_from": "family"}).status_code == 302
    assert client.post(page(campaign, "person/consent/"), {"lawyer": "1"}).status_code == 302
    assert Campaign.objects.get(pk=campaign.pk).is_named
    assert "Callers see the name and identifiers." in client.get(page(campaign, "person/")).text
    assert NAME not in client.get(page(campaign)).text  # the organisers' page never writes it

    assert client.post(page(campaign, "person/withdraw/")).status_code == 302
    assert not Campaign.objects.get(pk=campaign.pk).is_named


def test_two_wrong_number_reports_email_each_organiser_once_and_the_number_stops_being_given(
    campaign: Campaign, coordinator: User, second: User, medic: User
) -> None:
    coordinator.email, second.email, second.language = "cora@example.org", "co@example.org", "es"
    coordinator.save()
    second.save()
    caller = Client()
    wrong_line = Line.objects.get(phone="+12025550140")
    for _each in range(3):
        call = Call.objects.create(
            campaign=campaign, target=wrong_line.target, line=wrong_line, offered_at=timezone.now(), language="en"
        )
        assert caller.post(f"/en/call/{campaign.code}/{call.uuid}/", {"outcome": "5"}).status_code == 302

    sent = [mail for mail in deliver() if "wrong number" in str(mail.subject) or "equivocado" in str(mail.subject)]
    assert sorted(address for mail in sent for address in mail.to) == ["co@example.org", "cora@example.org"]
    assert all(f"/campaigns/{campaign.code}/" in str(mail.body) for mail in sent)
    assert all("+12025550140" in str(mail.body) or "555-0140" in str(mail.body) for mail in sent)
    given = {call_for(campaign).line_id for _each in range(8)}
    assert wrong_line.pk not in given

    shown = client_for(coordinator).get(page(campaign))
    assert "wrong number reported 3 times" in shown.text
    assert "Not given to callers until an organiser confirms it." in shown.text
    assert "I called it: the number is right" not in client_for(medic).get(page(campaign)).text
    confirmed = client_for(coordinator).post(page(campaign, f"numbers/{wrong_line.uuid}/confirm/"))
    assert confirmed.status_code == 302
    wrong_line.refresh_from_db()
    assert wrong_line.wrong_reports == 0


def test_the_page_draws_the_calls_a_day_and_listens_to_its_channel(campaign: Campaign, coordinator: User) -> None:
    for outcome in (Outcome.REACHED, Outcome.VOICEMAIL, Outcome.BUSY):
        do_report_outcome(call_for(campaign), outcome)
    shown = client_for(coordinator).get(page(campaign))
    assert "<svg" in shown.text
    assert "3 calls" in shown.text
    assert "1 reached a person" in shown.text
    assert f'sse-connect="/live/?channel=campaign%3A{campaign.uuid}"' in shown.text
    assert 'hx-trigger="sse:tally throttle:2s"' in shown.text
    fragment = client_for(coordinator).get(page(campaign), headers={"HX-Request": "true"})
    assert fragment.text.lstrip().startswith('<div id="board"')


def test_the_live_channel_is_for_the_group_only(
    campaign: Campaign, medic: User, outsider: User, other_coordinator: User
) -> None:
    rest = str(campaign.uuid)
    assert may_hear_campaign(medic, rest)
    assert not may_hear_campaign(outsider, rest)
    assert not may_hear_campaign(other_coordinator, rest)
    assert not may_hear_campaign(medic, "not-a-uuid")
    assert client_for(outsider).get(f"/live/?channel=campaign:{rest}").status_code == 404


def test_spanish_pages(campaign: Campaign, coordinator: User, medics: WorkingGroup) -> None:
    client = client_for(coordinator)
    shown = client.get(page(campaign, language="es"))
    assert shown.status_code == 200
    assert "Liberen a nuestro vecino" in shown.text
    assert "Agregar una oficina" in shown.text
    assert "Campañas de llamadas" in client.get(f"/es/groups/{medics.slug}/campaigns/").text
    assert "Guion en español" in client.get(page(campaign, "offices/new/", language="es")).text


def test_the_dashboard_links_to_the_groups_campaigns(medics: WorkingGroup, coordinator: User, medic: User) -> None:
    link = f"/en/groups/{medics.slug}/campaigns/"
    assert link in client_for(coordinator).get("/en/dashboard/").text  # may make one
    assert link not in client_for(medic).get("/en/dashboard/").text  # nothing to see yet
    make_campaign(medics, coordinator)
    assert link in client_for(medic).get("/en/dashboard/").text


def test_the_campaign_page_reads_in_a_fixed_number_of_queries(
    campaign: Campaign,
    coordinator: User,
    second: User,
    medics: WorkingGroup,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    client = client_for(coordinator)
    client.get(page(campaign))  # the session's first reads
    for outcome in (Outcome.REACHED, Outcome.BUSY, Outcome.WRONG):
        do_report_outcome(call_for(campaign), outcome)
    with django_assert_num_queries(QUERIES) as counted:
        client.get(page(campaign))
    more = make_campaign(medics, coordinator, title_en="Another")
    seed_targets(more, coordinator)
    add_target(campaign, second, "One more office", "(919) 555-0160")
    with django_assert_num_queries(len(counted.captured_queries)):
        client.get(page(campaign))
    with django_assert_num_queries(LIST_QUERIES):
        client.get(f"/en/groups/{medics.slug}/campaigns/")


QUERIES = 14
LIST_QUERIES = 8
