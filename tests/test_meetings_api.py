"""Meetings in the JSON API: every operation for its rightful caller, nothing for an outsider (404), bad input a
422 naming the field, a step the meeting's state forbids a 409, messages in the caller's language."""

import json
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from solidarity.accounts.models import User, WorkingGroup
from solidarity.meetings import services, stack
from solidarity.meetings.models import Duty, Lane, Meeting, MeetingRole, State, Turn, TurnState, Visibility
from tests.factories.accounts import client_for, make_member
from tests.factories.meetings import guest, item, make_meeting, started

pytestmark = pytest.mark.django_db

API = "/api/v1"


def call(client: Client, method: str, path: str, body: dict[str, Any] | None = None, language: str = "") -> Any:
    """The API's answer to `method` on `path` with `body`, asked in `language` (Accept-Language) if given."""
    headers = {"Accept-Language": language} if language else {}
    return client.generic(method, API + path, json.dumps(body or {}), content_type="application/json", headers=headers)


def post(client: Client, path: str, body: dict[str, Any] | None = None, language: str = "") -> Any:
    return call(client, "POST", path, body, language)


def soon(days: float = 3) -> str:
    return (timezone.now() + timedelta(days=days)).isoformat()


@pytest.fixture
def meeting(assembly: WorkingGroup, facilitator: User) -> Meeting:
    """A public general assembly, scheduled, with three items."""
    return make_meeting(assembly, facilitator)


@pytest.fixture
def running(meeting: Meeting, facilitator: User) -> Meeting:
    return started(meeting, facilitator)


@pytest.fixture
def fai(facilitator: User) -> Client:
    return client_for(facilitator)


@pytest.fixture
def otto(outsider: User) -> Client:
    return client_for(outsider)


@pytest.fixture
def private(assembly: WorkingGroup, facilitator: User) -> Meeting:
    """A meeting only the assembly group's members see, under way."""
    return started(make_meeting(assembly, facilitator, visibility=Visibility.GROUP, title_en="Group only"), facilitator)


# Meetings.


def test_a_facilitator_schedules_a_meeting_for_the_group_and_gets_its_code(fai: Client, assembly: WorkingGroup) -> None:
    body = {"title_en": "Assembly", "title_es": "Asamblea", "starts_at": soon(), "place": "Union hall", "quorum": 12}

    made = post(fai, f"/groups/{assembly.slug}/meetings", body)

    assert made.status_code == 201, made.content
    shown = made.json()
    meeting = Meeting.objects.get(code=shown["code"])
    assert (meeting.group, meeting.quorum, meeting.state) == (assembly, 12, State.SCHEDULED)
    assert (shown["group"], shown["rule"], shown["items"], shown["live"]["state"]) == (
        assembly.slug,
        "consensus",
        [],
        "scheduled",
    )
    assert "manage" in shown["powers"]


def test_scheduling_refuses_an_outsider_bad_input_and_a_time_without_offset(
    fai: Client, otto: Client, assembly: WorkingGroup
) -> None:
    body = {"title_en": "Assembly", "starts_at": soon(), "place": "Union hall"}

    assert post(otto, f"/groups/{assembly.slug}/meetings", body).status_code == 404
    nowhere = post(fai, f"/groups/{assembly.slug}/meetings", body | {"place": ""}, language="es")
    naive = post(fai, f"/groups/{assembly.slug}/meetings", body | {"starts_at": "2030-01-01T18:00:00"})
    far = post(fai, f"/groups/{assembly.slug}/meetings", body | {"starts_at": "9999-12-31T23:00:00+00:00"})
    link = post(fai, f"/groups/{assembly.slug}/meetings", body | {"call_link": "not a link"})

    assert nowhere.status_code == 422
    assert nowhere.json()["error"]["fields"]["place"] == ["Diga dónde es: un lugar, un enlace de llamada, o los dos."]
    assert (naive.status_code, list(naive.json()["error"]["fields"])) == (422, ["starts_at"])
    assert (far.status_code, list(far.json()["error"]["fields"])) == (422, ["starts_at"])
    assert (link.status_code, list(link.json()["error"]["fields"])) == (422, ["call_link"])
    assert not Meeting.objects.exists()


def test_the_list_shows_what_the_caller_may_see_filtered_with_pinned_queries(
    meeting: Meeting,
    private: Meeting,
    assembly: WorkingGroup,
    facilitator: User,
    outsider: User,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    make_meeting(assembly, facilitator, in_days=10, title_en="Later")
    fai, otto, anyone = client_for(facilitator), client_for(outsider), Client()
    fai.get(f"{API}/meetings")  # the session's first request sets things up once

    with django_assert_max_num_queries(6):  # 5 where the cache is Redis, not a database table
        listed = fai.get(f"{API}/meetings").json()

    assert listed["count"] == 3
    assert {each["code"] for each in otto.get(f"{API}/meetings").json()["items"]} == {
        each["code"] for each in listed["items"] if each["code"] != private.code
    }
    assert anyone.get(f"{API}/meetings").json()["count"] == 2
    live = fai.get(f"{API}/meetings?state=live").json()["items"]
    assert [each["code"] for each in live] == [private.code]
    assert fai.get(f"{API}/meetings?group=nobody").json()["count"] == 0
    assert fai.get(f"{API}/meetings?state=nonsense").status_code == 422


def test_more_meetings_cost_no_more_queries(meeting: Meeting, assembly: WorkingGroup, facilitator: User) -> None:
    fai = client_for(facilitator)
    fai.get(f"{API}/meetings")
    with CaptureQueriesContext(connection) as few:
        assert fai.get(f"{API}/meetings").json()["count"] == 1
    for days in (5, 6, 7, 8):
        services.do_set_next_meeting(
            make_meeting(assembly, facilitator, in_days=days), timezone.now() + timedelta(20), by=facilitator
        )

    with CaptureQueriesContext(connection) as many:
        assert fai.get(f"{API}/meetings").json()["count"] == 9
    assert len(many) == len(few) <= 6


def test_reading_a_meeting_shows_its_agenda_roles_rule_and_live_picture(
    running: Meeting, facilitator: User, assembly: WorkingGroup
) -> None:
    keeper = make_member("kai.keeper", assembly)
    services.do_set_role(running, Duty.STACK_KEEPER, keeper, by=facilitator)
    ana = guest(running, "Ana")
    stack.do_request_turn(running, ana)

    shown = Client().get(f"{API}/meetings/{running.code.lower()}").json()

    assert [each["title"] for each in shown["items"]] == ["Welcome and agenda", "Bond fund", "Report-backs"]
    assert shown["roles"] == [{"duty": "stack_keeper", "name": "kai.keeper", "account": None}]
    assert (shown["rule"], shown["fallback_percent"], shown["state"]) == ("consensus", 75, "live")
    assert shown["live"]["item"]["title_en"] == "Welcome and agenda"
    assert [each["who"] for each in shown["live"]["queue"]] == [str(ana.uuid)]
    assert "Ana" not in json.dumps(shown["live"])
    managed = client_for(facilitator).get(f"{API}/meetings/{running.code}").json()
    assert managed["roles"][0]["account"] == str(keeper.uuid)


def test_a_group_meeting_does_not_exist_for_an_outsider(private: Meeting, otto: Client) -> None:
    for path in ("", "/items", "/roles", "/stack"):
        assert otto.get(f"{API}/meetings/{private.code}{path}").status_code == 404, path
        assert Client().get(f"{API}/meetings/{private.code}{path}").status_code == 404, path
    assert post(otto, f"/meetings/{private.code}/coming", {"coming": True}).status_code == 404
    assert post(otto, f"/meetings/{private.code}/stack/turns").status_code == 404
    assert Client().get(f"{API}/meetings/NOPE99").status_code == 404


def test_a_facilitator_edits_and_cancels_and_cannot_cancel_twice_what_began(
    meeting: Meeting, running_other: Meeting, fai: Client, otto: Client
) -> None:
    assert call(otto, "PATCH", f"/meetings/{meeting.code}", {"quorum": 3}).status_code == 404

    changed = call(fai, "PATCH", f"/meetings/{meeting.code}", {"quorum": 3, "rule": "majority"})
    blank = call(fai, "PATCH", f"/meetings/{meeting.code}", {"title_en": "", "title_es": ""})
    cancelled = post(fai, f"/meetings/{meeting.code}/cancel")
    again = post(fai, f"/meetings/{meeting.code}/cancel")
    over = call(fai, "PATCH", f"/meetings/{meeting.code}", {"quorum": 4}, language="es")
    begun = post(fai, f"/meetings/{running_other.code}/cancel")

    assert (changed.status_code, changed.json()["quorum"], changed.json()["rule"]) == (200, 3, "majority")
    assert (blank.status_code, list(blank.json()["error"]["fields"])) == (422, ["title_en"])
    assert (cancelled.json()["state"], again.status_code) == ("cancelled", 200)
    assert (over.status_code, over.json()["error"]["code"]) == (409, "meeting_over")
    assert over.json()["error"]["message"] == "Esta reunión ya terminó: no se puede cambiar."
    assert (begun.status_code, begun.json()["error"]["code"]) == (409, "already_begun")
    assert post(otto, f"/meetings/{running_other.code}/cancel").status_code == 404


@pytest.fixture
def running_other(assembly: WorkingGroup, facilitator: User) -> Meeting:
    return started(make_meeting(assembly, facilitator, title_en="Another"), facilitator)


# The agenda.


def test_the_agenda_is_listed_added_to_edited_moved_and_trimmed(
    meeting: Meeting, fai: Client, otto: Client, assembly: WorkingGroup, medics: WorkingGroup
) -> None:
    base = f"/meetings/{meeting.code}/items"
    first = item(meeting, 1)

    listed = Client().get(API + base).json()
    report = post(fai, base, {"kind": "report", "group": medics.slug, "minutes": 15})
    pause = post(fai, base, {"kind": "break", "minutes": 5, "after": str(first.uuid)})
    edited = call(fai, "PATCH", f"{base}/{first.uuid}", {"minutes": 20, "presenter": "Rosa"})
    moved = post(fai, f"{base}/{pause.json()['id']}/move", {"direction": "up"})
    removed = call(fai, "DELETE", f"{base}/{report.json()['id']}")

    assert (listed["count"], listed["items"][0]["title"]) == (3, "Welcome and agenda")
    assert report.status_code == 201, report.content
    assert (report.json()["title_en"], report.json()["group"]) == ("Report-back: Street Medics Committee", medics.slug)
    assert (pause.json()["title_es"], pause.json()["position"]) == ("Descanso", 2)
    assert (edited.json()["minutes"], edited.json()["presenter"]) == (20, "Rosa")
    assert [each["kind"] for each in moved.json()][:2] == ["break", "item"]
    assert removed.status_code == 204
    assert meeting.items.count() == 4


def test_agenda_changes_refuse_an_outsider_bad_input_and_a_begun_item(
    running: Meeting, fai: Client, otto: Client
) -> None:
    base = f"/meetings/{running.code}/items"
    current = item(running, 1)

    assert post(otto, base, {"title_en": "Mine"}).status_code == 404
    assert call(otto, "PATCH", f"{base}/{current.uuid}", {"minutes": 5}).status_code == 404
    assert call(otto, "DELETE", f"{base}/{current.uuid}").status_code == 404
    assert post(otto, f"{base}/{current.uuid}/move", {"direction": "up"}).status_code == 404
    untitled = post(fai, base, {"title_en": "", "minutes": 10})
    nobody = post(fai, base, {"kind": "report", "group": "no-such-group"})
    long = post(fai, base, {"title_en": "Long", "minutes": 500})
    begun = call(fai, "DELETE", f"{base}/{current.uuid}", language="es")
    stray = call(fai, "PATCH", f"{base}/00000000-0000-4000-8000-000000000000", {"minutes": 5})

    assert (untitled.status_code, list(untitled.json()["error"]["fields"])) == (422, ["title_en"])
    assert (nobody.status_code, list(nobody.json()["error"]["fields"])) == (422, ["group"])
    assert (long.status_code, list(long.json()["error"]["fields"])) == (422, ["minutes"])
    assert (begun.status_code, begun.json()["error"]["code"]) == (409, "item_begun")
    assert begun.json()["error"]["message"] == "Este punto ya empezó: se queda en el orden del día."
    assert stray.status_code == 404


# Roles.


def test_a_duty_is_given_by_username_or_uuid_and_taken_back(
    meeting: Meeting, fai: Client, otto: Client, assembly: WorkingGroup, outsider: User
) -> None:
    kai = make_member("kai.keeper", assembly)
    path = f"/meetings/{meeting.code}/roles"

    by_name = call(fai, "PUT", path, {"duty": "stack_keeper", "account": "kai.keeper"})
    by_uuid = call(fai, "PUT", path, {"duty": "timekeeper", "account": str(kai.uuid)})
    unset = call(fai, "PUT", path, {"duty": "timekeeper", "account": None})
    nobody = call(fai, "PUT", path, {"duty": "timekeeper", "account": "no.such.person"})
    no_duty = call(fai, "PUT", path, {"duty": "king", "account": "kai.keeper"})

    assert by_name.status_code == 200, by_name.content
    assert by_uuid.status_code == 200
    assert [each["duty"] for each in unset.json()["roles"]] == ["stack_keeper"]
    assert MeetingRole.objects.get(meeting=meeting).user == kai
    assert (nobody.status_code, list(nobody.json()["error"]["fields"])) == (422, ["account"])
    assert no_duty.status_code == 422
    assert call(otto, "PUT", path, {"duty": "facilitator", "account": outsider.username}).status_code == 404
    assert Client().get(f"{API}{path}").json()["items"] == [
        {"duty": "stack_keeper", "name": "kai.keeper", "account": None}
    ]


# Running it.


def test_a_facilitator_runs_the_agenda_live_and_closes_once_the_next_meeting_is_set(
    meeting: Meeting, fai: Client, otto: Client
) -> None:
    base = f"/meetings/{meeting.code}"
    for step in ("/start", "/next-item", "/close"):
        assert post(otto, base + step).status_code == 404, step

    started_ = post(fai, base + "/start")
    again = post(fai, base + "/start")
    extended = post(fai, base + "/extend", {"minutes": 5})
    pause = post(fai, base + "/break", {"minutes": 10})
    following = post(fai, base + "/next-item")
    jumped = post(fai, f"{base}/items/{item(meeting, 4).uuid}/begin")
    early = post(fai, base + "/close", language="es")
    next_set = post(fai, base + "/next-meeting", {"starts_at": soon(14), "place": "Library"})
    closed = post(fai, base + "/close")

    assert started_.json()["live"]["item"]["title_en"] == "Welcome and agenda"
    assert (again.status_code, again.json()["error"]["code"]) == (409, "conflict")
    assert extended.json()["items"][0]["extended_minutes"] == 5
    assert pause.json()["live"]["item"]["kind"] == "break"
    assert following.json()["live"]["item"]["title_en"] == "Bond fund"
    assert jumped.json()["live"]["item"]["title_en"] == "Report-backs"
    assert (early.status_code, early.json()["error"]["message"]) == (
        409,
        "Fije la fecha de la próxima reunión antes de cerrar esta.",
    )
    following_code = next_set.json()["next_meeting"]
    assert Meeting.objects.get(code=following_code).place == "Library"
    assert (closed.json()["state"], closed.json()["live"]["item"]) == ("closed", None)
    over = post(fai, base + "/next-item")
    assert (over.status_code, over.json()["error"]["code"]) == (409, "meeting_over")


def test_live_steps_refuse_bad_input_and_a_meeting_not_begun(meeting: Meeting, fai: Client) -> None:
    base = f"/meetings/{meeting.code}"

    not_live = post(fai, base + "/next-item", language="es")
    too_long = post(fai, base + "/extend", {"minutes": 90})
    past = post(fai, base + "/next-meeting", {"starts_at": (timezone.now() - timedelta(days=1)).isoformat()})

    assert (not_live.status_code, not_live.json()["error"]) == (
        409,
        {"code": "not_live", "message": "Esta reunión no está en curso.", "fields": {}},
    )
    assert (too_long.status_code, list(too_long.json()["error"]["fields"])) == (422, ["minutes"])
    assert (past.status_code, list(past.json()["error"]["fields"])) == (422, ["starts_at"])


def test_a_timekeeper_extends_but_does_not_run_the_agenda(
    running: Meeting, facilitator: User, assembly: WorkingGroup
) -> None:
    tim = make_member("tim.timekeeper", assembly)
    services.do_set_role(running, Duty.TIMEKEEPER, tim, by=facilitator)
    clock = client_for(tim)

    assert post(clock, f"/meetings/{running.code}/extend", {"minutes": 3}).status_code == 200
    assert post(clock, f"/meetings/{running.code}/next-item").status_code == 404
    assert post(clock, f"/meetings/{running.code}/stack/next").status_code == 404


# Who is coming.


def test_a_member_says_they_are_coming_and_then_not(meeting: Meeting, medic: User, otto: Client) -> None:
    mia = client_for(medic)

    coming = post(mia, f"/meetings/{meeting.code}/coming", {"coming": True})
    assert coming.json() == {"coming": True}
    assert meeting.participants.get(user=medic).is_coming
    assert post(mia, f"/meetings/{meeting.code}/coming", {"coming": False}).json() == {"coming": False}
    assert post(mia, f"/meetings/{meeting.code}/coming", {"coming": "maybe"}).status_code == 422
    assert post(Client(), f"/meetings/{meeting.code}/coming", {"coming": True}).status_code == 401


# The speaking queue.


def test_a_member_gets_on_stack_sees_the_names_and_takes_the_turn_back(
    running: Meeting, medic: User, otto: Client
) -> None:
    bo = guest(running, "Bo")
    stack.do_request_turn(running, bo)
    mia = client_for(medic)

    asked = post(mia, f"/meetings/{running.code}/stack/turns", {"lane": "main"})
    process = post(mia, f"/meetings/{running.code}/stack/turns", {"lane": "process"})
    shown = Client().get(f"{API}/meetings/{running.code}/stack").json()
    mine = mia.get(f"{API}/meetings/{running.code}/stack").json()

    assert asked.status_code == 201, asked.content
    assert (asked.json()["name"], asked.json()["mine"], asked.json()["lane"]) == ("mia.medic", True, "main")
    assert [each["name"] for each in shown["queue"]] == ["mia.medic", "Bo", "mia.medic"]
    assert [each["lane"] for each in shown["queue"]] == ["process", "main", "main"]
    assert [each["mine"] for each in mine["queue"]] == [True, False, True]
    assert not any(each["mine"] for each in shown["queue"])
    bos = Turn.objects.get(participant=bo)
    assert call(mia, "DELETE", f"/meetings/{running.code}/stack/turns/{bos.uuid}").status_code == 404
    assert call(mia, "DELETE", f"/meetings/{running.code}/stack/turns/{process.json()['id']}").status_code == 204
    again = call(mia, "DELETE", f"/meetings/{running.code}/stack/turns/{process.json()['id']}")
    assert (again.status_code, again.json()["error"]["code"]) == (409, "not_waiting")
    assert post(mia, f"/meetings/{running.code}/stack/turns", {"lane": "shouting"}).status_code == 422


def test_getting_on_a_closed_stack_or_at_a_meeting_not_begun_is_a_409_in_spanish(
    running: Meeting, meeting_later: Meeting, facilitator: User, medic: User
) -> None:
    stack.do_set_stack_open(running, False, by=facilitator)
    mia = client_for(medic)

    closed = post(mia, f"/meetings/{running.code}/stack/turns", {}, language="es")
    early = post(mia, f"/meetings/{meeting_later.code}/stack/turns", {})

    assert (closed.status_code, closed.json()["error"]["message"]) == (
        409,
        "Los turnos de palabra están cerrados para este punto.",
    )
    assert (early.status_code, early.json()["error"]["code"]) == (409, "not_live")
    assert not meeting_later.participants.exists()


@pytest.fixture
def meeting_later(assembly: WorkingGroup, facilitator: User) -> Meeting:
    return make_meeting(assembly, facilitator, title_en="Later")


def test_the_stack_keeper_calls_moves_sends_back_and_keeps_side_stacks(
    running: Meeting, facilitator: User, assembly: WorkingGroup, medic: User
) -> None:
    kai = make_member("kai.keeper", assembly)
    services.do_set_role(running, Duty.STACK_KEEPER, kai, by=facilitator)
    keeper, mia = client_for(kai), client_for(medic)
    base = f"/meetings/{running.code}/stack"
    ana, bo = guest(running, "Ana"), guest(running, "Bo")
    stack.do_request_turn(running, ana)
    late = stack.do_request_turn(running, bo, Lane.CLARIFYING)

    for path in ("/next", "/end", "/open", "/close", "/side"):
        assert post(mia, base + path, {"title": "x"}).status_code == 404, path
    assert post(mia, f"{base}/turns/{late.uuid}/move", {"index": 0}).status_code == 404
    assert mia.get(f"{API}/meetings/{running.code}/tallies").status_code == 404

    main = post(keeper, f"{base}/turns/{late.uuid}/to-main-lane")
    moved = post(keeper, f"{base}/turns/{late.uuid}/move", {"index": 0})
    added = post(keeper, f"{base}/speakers", {"name": "Cy on the phone", "lane": "information"})
    called = post(keeper, f"{base}/next")
    side = post(keeper, f"{base}/side", {"title": "Direct responses"})
    second = post(keeper, f"{base}/side", {"title": "Another"}, language="es")
    closed_side = call(keeper, "DELETE", f"{base}/side")
    no_side = call(keeper, "DELETE", f"{base}/side")
    ended = post(keeper, f"{base}/end")
    shut = post(keeper, f"{base}/close")
    reopened = post(keeper, f"{base}/open")

    assert main.json()["queue"][1]["lane"] == "main"
    assert [each["name"] for each in moved.json()["queue"]] == ["Bo", "Ana"]
    assert (added.status_code, added.json()["lane"], added.json()["via"]) == (201, "information", "keeper")
    assert called.json()["speaking"]["name"] == "Cy on the phone"
    assert (side.status_code, side.json()["side"]["title"]) == (201, "Direct responses")
    assert (second.status_code, second.json()["error"]["message"]) == (
        409,
        "Ya hay una ronda aparte abierta: ciérrela primero.",
    )
    assert (closed_side.status_code, closed_side.json()["side"]) == (200, None)
    assert (no_side.status_code, no_side.json()["error"]["code"]) == (409, "no_side_stack")
    assert ended.json()["speaking"] is None
    assert (shut.json()["stack_open"], reopened.json()["stack_open"]) == (False, True)
    tallies = keeper.get(f"{API}/meetings/{running.code}/tallies").json()
    assert [each["name"] for each in tallies["items"]] == ["Cy on the phone"]
    assert post(keeper, f"{base}/speakers", {"name": ""}).status_code == 422
    assert post(keeper, f"{base}/turns/{late.uuid}/move", {"index": -1}).status_code == 422
    assert post(keeper, f"{base}/side", {"title": ""}).status_code == 422


def test_a_keeper_removes_someone_elses_turn(running: Meeting, facilitator: User) -> None:
    ana = guest(running, "Ana")
    turn = stack.do_request_turn(running, ana)

    removed = call(client_for(facilitator), "DELETE", f"/meetings/{running.code}/stack/turns/{turn.uuid}")

    assert removed.status_code == 204
    turn.refresh_from_db()
    assert turn.state == TurnState.WITHDRAWN


def test_seeing_a_public_meeting_is_not_running_it(running: Meeting, otto: Client) -> None:
    """Every step of a public meeting under way, tried by an account of no group: none exists for them."""
    base = f"/meetings/{running.code}"
    first = item(running, 1)
    turn = stack.do_request_turn(running, guest(running, "Ana"))
    steps: list[tuple[str, str, dict[str, Any]]] = [
        ("PATCH", base, {"quorum": 1}),
        ("POST", f"{base}/cancel", {}),
        ("POST", f"{base}/items", {"title_en": "Mine"}),
        ("PATCH", f"{base}/items/{first.uuid}", {"minutes": 1}),
        ("DELETE", f"{base}/items/{item(running, 2).uuid}", {}),
        ("POST", f"{base}/items/{first.uuid}/move", {"direction": "down"}),
        ("POST", f"{base}/items/{item(running, 3).uuid}/begin", {}),
        ("PUT", f"{base}/roles", {"duty": "facilitator", "account": "otto.outsider"}),
        ("POST", f"{base}/start", {}),
        ("POST", f"{base}/next-item", {}),
        ("POST", f"{base}/extend", {"minutes": 5}),
        ("POST", f"{base}/break", {"minutes": 5}),
        ("POST", f"{base}/next-meeting", {"starts_at": soon(9)}),
        ("POST", f"{base}/close", {}),
        ("POST", f"{base}/stack/next", {}),
        ("POST", f"{base}/stack/end", {}),
        ("POST", f"{base}/stack/turns/{turn.uuid}/move", {"index": 0}),
        ("POST", f"{base}/stack/turns/{turn.uuid}/to-main-lane", {}),
        ("DELETE", f"{base}/stack/turns/{turn.uuid}", {}),
        ("POST", f"{base}/stack/open", {}),
        ("POST", f"{base}/stack/close", {}),
        ("POST", f"{base}/stack/side", {"title": "Mine"}),
        ("DELETE", f"{base}/stack/side", {}),
        ("POST", f"{base}/stack/speakers", {"name": "Otto"}),
        ("GET", f"{base}/tallies", {}),
    ]

    assert otto.get(API + base).status_code == 200  # they see it: it is public
    for method, path, body in steps:
        assert call(otto, method, path, body).status_code == 404, (method, path)
    running.refresh_from_db()
    assert (running.state, running.quorum, running.items.count()) == (State.LIVE, 0, 3)
    turn.refresh_from_db()
    assert turn.state == TurnState.WAITING
