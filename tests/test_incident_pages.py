"""Incidents' pages: the board, an incident's page and its actions, waiting reports, the alert's one-tap page,
a responder's own alerts, and what each incident type needs. Real services and the test client."""

from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from solidarity.accounts.models import User
from solidarity.core.models import AuditEntry
from solidarity.incidents import dispatch
from solidarity.incidents.intake import ReportValues, do_take_report
from solidarity.incidents.models import (
    Alert,
    AlertState,
    Entry,
    EntryKind,
    HotlineSettings,
    Incident,
    IncidentState,
    ReportState,
    Requirement,
    Source,
)
from solidarity.incidents.services import do_confirm
from solidarity.incidents.timeline import hotline_settings
from solidarity.messaging.models import Channel
from solidarity.messaging.pump import drain
from solidarity.people.models import Person, Skill
from tests.factories.accounts import client_for
from tests.factories.incidents import incident_of, report
from tests.factories.incidents import responder as make_responder
from tests.factories.people import zone

pytestmark = pytest.mark.django_db

BOARD = "/en/incidents/"


def only(requirements: list[tuple[str, str, int]], **options: Any) -> None:
    Requirement.objects.all().delete()
    for kind, slug, count in requirements:
        Requirement.objects.create(type=kind, skill=Skill.objects.get(slug=slug), count=count, **options)


def page_of(incident: Incident) -> str:
    return reverse("incidents:incident", args=[incident.code])


def action(incident: Incident, name: str) -> str:
    return reverse(f"incidents:{name}", kwargs={"incident": incident.code})


@pytest.fixture
def desk(dispatcher: User) -> Client:
    return client_for(dispatcher)


@pytest.fixture
def observers(loopback: Path) -> list[Person]:
    only([("checkpoint", "legal-observer", 2)])
    return [make_responder(f"Observadora {n}", "legal-observer", phone=f"+1919555{n:04d}") for n in range(100, 104)]


@pytest.fixture
def confirmed(observers: list[Person]) -> Incident:
    return do_confirm(incident_of(report()), by=None)


# The board.


def test_the_board_shows_open_incidents_with_needs_people_asked_and_why(
    desk: Client, confirmed: Incident, observers: list[Person]
) -> None:
    closed = incident_of(report("home_raid", "old-west"))
    closed.state = IncidentState.RESOLVED
    closed.save()

    response = desk.get(BOARD)

    assert response.status_code == 200
    body = response.content.decode()
    assert f'id="incident-{confirmed.code}"' in body
    # The card's anchor, not the bare code: four characters can also be an alert's reply code on the page.
    assert f'id="incident-{closed.code}"' not in body
    assert "checkpoint" in body
    assert "East Durham" in body
    assert "0 of 2 going" in body
    assert "Observadora 100" in body  # display names
    assert "+1919555" not in body  # never a phone
    assert "on call in East Durham" in body
    assert "never asked before" in body
    assert 'data-stream="/live/?channel=incidents"' in body
    assert "<script>" not in body  # no inline script (CSP)


def test_the_board_warns_of_a_lone_street_medic(desk: Client, loopback: Path) -> None:
    only([("checkpoint", "naloxone", 2)], in_pairs=True)
    medics = [make_responder(f"Medic {n}", "naloxone") for n in range(3)]
    incident = do_confirm(incident_of(report()), by=None)
    first = Alert.objects.filter(incident=incident, person__in=medics).order_by("rank").first()
    assert first is not None
    dispatch.do_answer_alert(first, going=True)

    body = desk.get(BOARD).content.decode()

    assert "1 of 2 going" in body
    assert "they go in pairs" in body


def test_the_board_costs_the_same_queries_for_one_incident_or_many(
    desk: Client,
    observers: list[Person],
    django_assert_num_queries: DjangoAssertNumQueries,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    do_confirm(incident_of(report()), by=None)
    do_take_report(ReportValues(type="other", description="Agents on 5th"), source=Source.SMS)
    desk.get(BOARD)  # the session and the caches warm
    with django_assert_max_num_queries(12) as one:  # 12 on SQLite, 10 on PostgreSQL + Redis
        desk.get(BOARD)
    for slug in ("old-west", "walltown", "lakewood"):
        do_confirm(incident_of(report("checkpoint", slug)), by=None)
    do_take_report(ReportValues(type="other", description="More agents"), source=Source.SMS)
    with django_assert_num_queries(len(one.captured_queries)):
        response = desk.get(BOARD)
    assert response.content.decode().count('class="card incident') == 4


def test_outsiders_and_members_get_no_board(client: Client, member: User, responder: User) -> None:
    assert client.get(BOARD).status_code == 302  # to sign in
    for user in (member, responder):
        assert client_for(user).get(BOARD).status_code == 404


def test_a_waiting_report_is_placed_into_an_incident(desk: Client, dispatcher: User) -> None:
    waiting = do_take_report(ReportValues(type="other", description="Agents by the school"), source=Source.SMS)
    body = desk.get(BOARD).content.decode()
    assert waiting.code in body
    assert "Agents by the school" in body

    url = reverse("incidents:place-report", kwargs={"report": waiting.code})
    response = desk.post(url, {"zone": zone("east-durham").slug, "type": "checkpoint"})

    assert response.status_code == 302
    waiting.refresh_from_db()
    assert waiting.state == ReportState.GROUPED
    assert waiting.incident is not None
    assert waiting.incident.type == "checkpoint"


def test_placing_a_report_with_bad_input_is_refused_with_400_and_twice_with_409(desk: Client) -> None:
    waiting = do_take_report(ReportValues(type="other", description="x"), source=Source.SMS)
    url = reverse("incidents:place-report", kwargs={"report": waiting.code})
    zone("east-durham")

    assert desk.post(url, {"zone": "nowhere", "type": "checkpoint"}).status_code == 400
    assert desk.post(url, {"zone": "east-durham", "type": "party"}).status_code == 400
    assert desk.post(url, {"zone": "east-durham", "type": "checkpoint"}).status_code == 302
    again = desk.post(url, {"zone": "east-durham", "type": "checkpoint"})
    assert again.status_code == 409
    assert "in an incident already" in again.content.decode()


def test_a_waiting_report_is_dismissed(desk: Client, responder: User) -> None:
    waiting = do_take_report(ReportValues(type="other", description="lol"), source=Source.SMS)
    url = reverse("incidents:dismiss-report", kwargs={"report": waiting.code})

    assert client_for(responder).post(url).status_code == 404
    assert desk.post(url).status_code == 302
    waiting.refresh_from_db()
    assert waiting.state == ReportState.DISMISSED
    assert desk.post(url).status_code == 409


# An incident's page.


def test_the_incident_page_shows_reports_timeline_and_needs_and_audits_the_view(
    desk: Client, confirmed: Incident
) -> None:
    before = AuditEntry.objects.filter(action="viewed", object_type="incidents.incident").count()

    response = desk.get(page_of(confirmed))

    body = response.content.decode()
    assert response.status_code == 200
    assert "Six agents stopping cars by the bridge" in body
    assert "Timeline" in body
    assert "reported → confirmed" in body
    assert "Asked: Observadora" in body
    assert "+1919555" not in body
    assert AuditEntry.objects.filter(action="viewed", object_type="incidents.incident").count() == before + 1


def test_an_unknown_incident_and_an_outsider_get_404(desk: Client, confirmed: Incident, member: User) -> None:
    assert desk.get("/en/incidents/ZZZZ99/").status_code == 404
    assert client_for(member).get(page_of(confirmed)).status_code == 404
    assert client_for(member).post(action(confirmed, "resolve")).status_code == 404
    assert Client().post(action(confirmed, "resolve")).status_code == 302


def test_verify_confirm_note_where_and_resolve_from_the_page(desk: Client, observers: list[Person]) -> None:
    settings = hotline_settings()
    settings.verifier_skills.set([Skill.objects.get(slug="legal-observer")])
    incident = incident_of(report())

    assert desk.post(action(incident, "verify")).status_code == 302
    incident.refresh_from_db()
    assert incident.state == IncidentState.VERIFYING

    response = desk.post(action(incident, "confirm"), {"where": "Main St and 5th", "note": "Seen by two"})
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.state == IncidentState.CONFIRMED
    assert incident.where == "Main St and 5th"

    assert desk.post(action(incident, "note"), {"text": "Vans leaving north"}).status_code == 302
    assert desk.post(action(incident, "where"), {"where": "By the bridge"}).status_code == 302
    assert desk.post(action(incident, "verification"), {"text": "4 agents, 2 vans"}).status_code == 302
    assert desk.post(action(incident, "stand-down")).status_code == 302
    assert desk.post(action(incident, "resolve"), {"note": "They left"}).status_code == 302
    incident.refresh_from_db()
    assert incident.state == IncidentState.RESOLVED
    kinds = set(Entry.objects.filter(incident=incident).values_list("kind", flat=True))
    assert {EntryKind.NOTE, EntryKind.VERIFICATION, EntryKind.STATE} <= kinds
    body = desk.get(page_of(incident)).content.decode()
    assert "Vans leaving north" in body
    assert "4 agents, 2 vans" in body
    assert "you" in body


def test_an_action_the_state_forbids_is_409_with_the_reason(desk: Client, confirmed: Incident) -> None:
    response = desk.post(action(confirmed, "false-alarm"), {"note": ""})

    assert response.status_code == 409
    assert "this cannot be done now" in response.content.decode()


def test_bad_input_on_an_incident_is_400_with_the_form_again(desk: Client, confirmed: Incident) -> None:
    assert desk.post(action(confirmed, "note"), {"text": ""}).status_code == 400
    assert desk.post(action(confirmed, "note"), {"text": "x" * 3000}).status_code == 400
    assert desk.post(action(confirmed, "where"), {"where": "x" * 300}).status_code == 400
    assert desk.post(action(confirmed, "merge"), {"into": ""}).status_code == 400
    response = desk.post(action(confirmed, "split"), {"reports": "NOPE"})
    assert response.status_code == 400
    assert "Choose reports of this incident" in response.content.decode()
    assert desk.post(action(confirmed, "merge"), {"into": "NOPE99"}).status_code == 404
    assert desk.post(action(confirmed, "merge"), {"into": confirmed.code}).status_code == 409


def test_merge_and_split_from_the_page(desk: Client) -> None:
    first = incident_of(report("checkpoint", "east-durham"))
    extra = report("checkpoint", "east-durham", description="Second report")
    other = incident_of(report("arrest", "east-durham"))

    response = desk.post(action(first, "split"), {"reports": extra.code.lower()})
    assert response.status_code == 302
    extra.refresh_from_db()
    assert extra.incident is not None
    assert extra.incident != first

    assert desk.post(action(other, "merge"), {"into": first.code}).status_code == 302
    other.refresh_from_db()
    assert other.state == IncidentState.MERGED
    assert other.merged_into == first


def test_a_dispatcher_records_a_phoned_answer(desk: Client, confirmed: Incident) -> None:
    alert = Alert.objects.filter(incident=confirmed).order_by("rank").first()
    assert alert is not None
    url = reverse("incidents:answer", kwargs={"incident": confirmed.code, "alert": alert.code})

    assert desk.post(url, {"answer": "maybe"}).status_code == 400
    assert desk.post(url, {"answer": "go"}).status_code == 302
    assert desk.post(url, {"answer": "arrived"}).status_code == 302
    alert.refresh_from_db()
    assert alert.state == AlertState.ON_SCENE
    answer = Entry.objects.filter(incident=confirmed, kind=EntryKind.ANSWER).get()
    assert answer.actor.startswith("user:")


def test_the_page_shows_the_next_candidates_for_an_open_need(desk: Client, confirmed: Incident) -> None:
    make_responder("Next In Line", "legal-observer")

    body = desk.get(page_of(confirmed)).content.decode()

    assert "Next in line, and why" in body
    assert "Next In Line</strong>: on call in East Durham" in body


# The alert's one-tap page and a responder's own alerts.


def test_the_alert_link_shows_and_get_changes_nothing(client: Client, confirmed: Incident) -> None:
    alert = Alert.objects.filter(incident=confirmed).order_by("rank").first()
    assert alert is not None
    url = reverse("incidents:alert-link", args=[dispatch.link_token(alert)])

    response = client.get(url)

    body = response.content.decode()
    assert response.status_code == 200
    assert "East Durham" in body
    assert "GO: I am going" in body
    assert "NO: I cannot go" in body
    alert.refresh_from_db()
    assert alert.state == AlertState.ASKED


def test_going_then_arrived_then_left_by_the_alert_link(client: Client, confirmed: Incident) -> None:
    alert = Alert.objects.filter(incident=confirmed).order_by("rank").first()
    assert alert is not None
    url = reverse("incidents:alert-link", args=[dispatch.link_token(alert)])

    assert client.post(url, {"answer": "go"}).status_code == 302
    alert.refresh_from_db()
    assert alert.state == AlertState.GOING
    assert "I have ARRIVED" in client.get(url).content.decode()
    client.post(url, {"answer": "arrived"})
    client.post(url, {"answer": "left"})
    alert.refresh_from_db()
    assert alert.state == AlertState.LEFT
    assert client.post(url, {"answer": "go"}).status_code == 302  # not answerable now: a message, no change
    alert.refresh_from_db()
    assert alert.state == AlertState.LEFT


def test_a_bad_alert_link_is_404(client: Client, confirmed: Incident) -> None:
    alert = Alert.objects.filter(incident=confirmed).first()
    assert alert is not None
    token = dispatch.link_token(alert)

    for bad in ("nonsense", token[:-2] + "xx"):
        response = client.get(reverse("incidents:alert-link", args=[bad]))
        assert response.status_code == 404
        assert "This link does not work" in response.content.decode()
    assert client.post(reverse("incidents:alert-link", args=["nonsense"]), {"answer": "go"}).status_code == 404


def test_a_responder_answers_their_own_alert_and_not_anothers(loopback: Path, responder: User, member: User) -> None:
    only([("checkpoint", "legal-observer", 1)])
    mine = make_responder("Rey", "legal-observer")
    Person.objects.filter(pk=mine.pk).update(user=responder)
    make_responder("Somebody Else", "legal-observer")
    incident = do_confirm(incident_of(report()), by=None)
    own = Alert.objects.get(incident=incident, person=mine)
    other = Alert.objects.exclude(pk=own.pk).get(incident=incident)
    rey = client_for(responder)

    body = rey.get("/en/me/alerts/").content.decode()
    assert f'id="alert-{own.code}"' in body
    assert f'id="alert-{other.code}"' not in body  # four characters could also be the incident's code
    assert rey.post(reverse("incidents:my-answer", args=[other.code]), {"answer": "go"}).status_code == 404
    assert rey.post(reverse("incidents:my-answer", args=[own.code]), {"answer": "go"}).status_code == 302
    own.refresh_from_db()
    assert own.state == AlertState.GOING
    assert client_for(member).get("/en/me/alerts/").status_code == 200  # no record: nothing
    assert Client().get("/en/me/alerts/").status_code == 302


def test_the_alert_email_carries_the_one_tap_link(loopback: Path) -> None:
    only([("checkpoint", "legal-observer", 1)])
    make_responder("Correo", "legal-observer", email="correo@example.org")
    incident = do_confirm(incident_of(report()), by=None)
    alert = Alert.objects.get(incident=incident)
    drain(Channel.EMAIL)

    sent = "\n".join(str(message.body) for message in mail.outbox)
    assert reverse("incidents:alert-link", args=[dispatch.link_token(alert)]) in sent


# What each incident type needs, and the hotline settings.


def test_requirements_are_added_changed_and_removed(coordinator: User) -> None:
    keeper = client_for(coordinator)
    url = reverse("incidents:requirements")
    assert keeper.get(url).status_code == 200

    data = {"type": "arrest", "skill": "legal-observer", "count": 2, "within_minutes": 30, "in_pairs": "on"}
    assert keeper.post(url, data).status_code == 302
    found = Requirement.objects.get(type="arrest", skill__slug="legal-observer")
    assert (found.count, found.within_minutes, found.in_pairs) == (2, 30, True)
    assert keeper.post(url, {**data, "count": 3}).status_code == 302
    assert Requirement.objects.get(pk=found.pk).count == 3
    assert AuditEntry.objects.filter(object_type="incidents.requirement").count() == 2

    remove = reverse("incidents:remove-requirement")
    assert keeper.post(remove, {"type": "arrest", "skill": "legal-observer"}).status_code == 302
    assert not Requirement.objects.filter(pk=found.pk).exists()


def test_bad_requirements_are_400(coordinator: User) -> None:
    keeper = client_for(coordinator)
    url = reverse("incidents:requirements")
    for bad in (
        {"type": "party", "skill": "legal-observer", "count": 1},
        {"type": "arrest", "skill": "juggling", "count": 1},
        {"type": "arrest", "skill": "legal-observer", "count": 0},
        {"type": "arrest", "skill": "legal-observer", "count": 99},
        {"type": "arrest", "skill": "legal-observer", "count": "two"},
    ):
        assert keeper.post(url, bad).status_code == 400, bad
    assert keeper.post(reverse("incidents:remove-requirement"), {"type": "x"}).status_code == 400


def test_the_hotline_settings_are_saved(dispatcher: User) -> None:
    keeper = client_for(dispatcher)
    url = reverse("incidents:hotline")
    current = {
        "group_window_minutes": 60,
        "stale_after_minutes": 120,
        "ring_minutes": 4,
        "page_minutes": 10,
        "over_ask_percent": 150,
        "max_rings": 2,
        "sender_hours": 6,
        "verifier_skills": ["legal-observer"],
    }
    assert keeper.post(url, {**current, "ring_minutes": 0}).status_code == 400
    assert keeper.post(url, {**current, "verifier_skills": ["nope"]}).status_code == 400
    assert keeper.post(url, current).status_code == 302
    found = HotlineSettings.objects.get()
    assert (found.ring_minutes, found.over_ask_percent) == (4, 150)
    assert list(found.verifier_skills.values_list("slug", flat=True)) == ["legal-observer"]


def test_members_cannot_change_requirements(member: User, responder: User, client: Client) -> None:
    url = reverse("incidents:requirements")
    for user in (member, responder):
        assert client_for(user).get(url).status_code == 404
        assert client_for(user).post(reverse("incidents:hotline"), {}).status_code == 404
    assert client.get(url).status_code == 302


# The dashboard's card.


def test_the_dashboard_card_counts_open_incidents_and_waiting_reports(desk: Client, member: User) -> None:
    report()
    do_take_report(ReportValues(type="other", description="?"), source=Source.SMS)

    body = desk.get("/en/dashboard/").content.decode()

    assert "1 open incident" in body
    assert "1 report waiting for a person" in body
    assert "1 open incident" not in client_for(member).get("/en/dashboard/").content.decode()


def test_spanish_pages(desk: Client, confirmed: Incident) -> None:
    body = desk.get("/es/incidents/").content.decode()
    assert "Tablero en vivo" in body
    alert = Alert.objects.filter(incident=confirmed).order_by("rank").first()
    assert alert is not None
    dispatch.do_answer_alert(alert, going=True)
    body = desk.get(f"/es/incidents/{confirmed.code}/").content.decode()
    assert "Cronología" in body
    assert f"({alert.code}): va" in body  # the timeline's words in the page's language
