"""Call-in campaigns in the JSON API: every operation for its rightful caller, nothing for an outsider (404) or
anonymous (401, or 404 for a members' campaign), bad input a 422 naming the field, a step the campaign's state
forbids a 409 with its code, messages in the caller's language, the name only after consent.

Offices, numbers and people are fictional (555-01xx, "Nadie Ejemplo")."""

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from solidarity.accounts.models import TokenScope, User, WorkingGroup
from solidarity.accounts.services import do_create_token
from solidarity.campaigns.calling import do_report_outcome, next_call
from solidarity.campaigns.models import Call, Campaign, ConsentFrom, Line, Outcome, State, Target, Visibility
from solidarity.campaigns.services import do_record_consent, do_set_subject
from solidarity.core.models import AuditAction, AuditEntry
from solidarity.core.permissions import Role
from tests.factories.accounts import bearer, client_for, make_member
from tests.factories.campaigns import OFFICE_HOURS, add_target, live_campaign, make_campaign, seed_targets
from tests.factories.people import holds_a_number

pytestmark = pytest.mark.django_db

API = "/api/v1"
NAME, IDS = "Nadie Ejemplo", "A-number 000-000-000"


def call(client: Client, method: str, path: str, body: dict[str, Any] | None = None, language: str = "") -> Any:
    """The API's answer to `method` on `path` with `body`, asked in `language` (Accept-Language) if given."""
    headers = {"Accept-Language": language} if language else {}
    return client.generic(method, API + path, json.dumps(body or {}), content_type="application/json", headers=headers)


def post(client: Client, path: str, body: dict[str, Any] | None = None, language: str = "") -> Any:
    return call(client, "POST", path, body, language)


def soon(hours: float = 1) -> str:
    return (timezone.now() + timedelta(hours=hours)).isoformat()


@pytest.fixture
def second(medics: WorkingGroup) -> User:
    """A second organiser of the medics' campaigns."""
    return make_member("co.second", medics, Role.COORDINATOR)


@pytest.fixture
def cora(coordinator: User) -> Client:
    return client_for(coordinator)


@pytest.fixture
def live(medics: WorkingGroup, coordinator: User, second: User) -> Campaign:
    """The seed's campaign, public, its four offices checked by the second organiser, live."""
    return live_campaign(medics, coordinator, second)


def office(campaign: Campaign, position: int = 0) -> Target:
    return campaign.targets.order_by("position", "pk")[position]


TARGET = {
    "name_en": "ICE Field Office (fictional)",
    "name_es": "Oficina de ICE (ficticia)",
    "kind": "field_office",
    "script_en": "Hi, I am calling from {place} about {person}. Please release them on bond today.",
    "script_es": "Hola, llamo desde {lugar} por {persona}. Por favor, libérenlo bajo fianza hoy.",
    "time_zone": "America/New_York",
    "weekdays": [1, 2, 3, 4, 5],
    "opens_at": "09:00",
    "closes_at": "17:00",
    "lines": [{"phone": "(919) 555-0141", "label": "main"}, {"phone": "+1 202 555 0142"}],
}


# Campaigns.


def test_a_coordinator_sets_up_a_campaign_and_gets_its_code(cora: Client, medics: WorkingGroup) -> None:
    body = {
        "title_en": "Free our neighbour",
        "intro_en": "{person} is detained.",
        "starts_at": soon(),
        "ends_at": soon(72),
    }

    made = post(cora, f"/groups/{medics.slug}/campaigns", body)

    assert made.status_code == 201, made.content
    shown = made.json()
    campaign = Campaign.objects.get(code=shown["code"])
    assert (campaign.group, campaign.state, campaign.visibility) == (medics, State.DRAFT, Visibility.MEMBERS)
    assert (shown["group"], shown["state"], shown["targets"], shown["is_named"], shown["result"]) == (
        medics.slug,
        "draft",
        0,
        False,
        None,
    )
    assert shown["id"] == str(campaign.uuid)
    assert cora.get(f"{API}/campaigns/{shown['code'].lower()}").json()["title"] == "Free our neighbour"


def test_members_read_campaigns_and_only_coordinators_change_them(
    live: Campaign, medic: User, cora: Client, medics: WorkingGroup
) -> None:
    mia = client_for(medic)

    listed = mia.get(f"{API}/groups/{medics.slug}/campaigns").json()
    assert (listed["count"], listed["items"][0]["code"], listed["items"][0]["checked_targets"]) == (1, live.code, 4)
    assert mia.get(f"{API}/groups/{medics.slug}/campaigns?state=closed").json()["count"] == 0
    assert mia.get(f"{API}/campaigns/{live.code}").json()["is_calling_now"] is True
    assert post(mia, f"/groups/{medics.slug}/campaigns", {"title_en": "Mine"}).status_code == 404
    assert call(mia, "PATCH", f"/campaigns/{live.code}", {"title_en": "Mine"}).status_code == 404
    assert post(mia, f"/campaigns/{live.code}/pause").status_code == 404

    changed = call(cora, "PATCH", f"/campaigns/{live.code}", {"title_en": "Free Nadie's friend", "goal_es": "Fianza."})

    assert changed.status_code == 200
    assert (changed.json()["title_en"], changed.json()["goal_es"], changed.json()["title_es"]) == (
        "Free Nadie's friend",
        "Fianza.",
        "Liberen a nuestro vecino",
    )


def test_an_outsider_and_anonymous_get_nothing(
    live: Campaign, outsider: User, other_coordinator: User, medics: WorkingGroup
) -> None:
    target, line = office(live), office(live).lines.get()
    paths = [
        f"/groups/{medics.slug}/campaigns",
        f"/campaigns/{live.code}",
        f"/campaigns/{live.code}/targets",
        f"/campaigns/{live.code}/targets/{target.uuid}",
        f"/campaigns/{live.code}/subject",
        f"/campaigns/{live.code}/tallies",
    ]
    writes = [
        ("PATCH", f"/campaigns/{live.code}"),
        ("POST", f"/campaigns/{live.code}/close"),
        ("POST", f"/campaigns/{live.code}/targets"),
        ("DELETE", f"/campaigns/{live.code}/targets/{target.uuid}"),
        ("POST", f"/campaigns/{live.code}/targets/{target.uuid}/check"),
        ("POST", f"/campaigns/{live.code}/lines/{line.uuid}/confirm"),
        ("PUT", f"/campaigns/{live.code}/subject"),
        ("POST", f"/campaigns/{live.code}/consent"),
    ]
    for client in (client_for(outsider), client_for(other_coordinator)):
        for path in paths:
            assert client.get(API + path).status_code == 404, path
        for method, path in writes:
            assert call(client, method, path, {"name": NAME}).status_code == 404, path
    for path in paths:
        assert Client().get(API + path).status_code == 401, path
    assert Client().get(f"{API}/campaigns/NOPE99").status_code == 401
    assert client_for(outsider).get(f"{API}/campaigns/NOPE99").status_code == 404
    assert Target.objects.filter(pk=target.pk).exists()


def test_bad_input_is_a_422_naming_the_field_in_the_callers_language(cora: Client, medics: WorkingGroup) -> None:
    path = f"/groups/{medics.slug}/campaigns"

    untitled = post(cora, path, {"starts_at": soon(), "ends_at": soon(48)})
    backwards = post(cora, path, {"title_en": "Calls", "starts_at": soon(48), "ends_at": soon()}, language="es")
    naive = post(cora, path, {"title_en": "Calls", "starts_at": "2030-01-01T18:00:00", "ends_at": soon()})
    far = post(cora, path, {"title_en": "Calls", "starts_at": soon(), "ends_at": "9999-12-31T23:00:00+00:00"})
    unknown = post(cora, path, {"title_en": "Calls {nombre}", "starts_at": soon(), "ends_at": soon(9)}, language="es")

    assert untitled.status_code == 422
    assert untitled.json()["error"]["code"] == "invalid_input"
    assert untitled.json()["error"]["fields"]["title_en"] == ["Give the campaign a title, in English or in Spanish."]
    assert backwards.json()["error"]["fields"] == {"ends_at": ["Las llamadas deben terminar después de empezar."]}
    assert backwards.json()["error"]["message"] == "Las llamadas deben terminar después de empezar."
    assert (naive.status_code, list(naive.json()["error"]["fields"])) == (422, ["starts_at"])
    assert (far.status_code, list(far.json()["error"]["fields"])) == (422, ["ends_at"])
    assert far.json()["error"]["fields"]["ends_at"] == ["Choose a time within the next 10 years."]
    assert unknown.json()["error"]["fields"]["title_en"][0].startswith("No se reconoce: {nombre}.")
    assert not Campaign.objects.exists()


def test_a_campaign_goes_live_once_a_second_organiser_checked_an_office(
    cora: Client, medics: WorkingGroup, coordinator: User, second: User
) -> None:
    campaign = make_campaign(medics, coordinator)
    added = post(cora, f"/campaigns/{campaign.code}/targets", TARGET)
    assert added.status_code == 201, added.content
    target = added.json()

    unchecked = post(cora, f"/campaigns/{campaign.code}/go-live")
    own = post(cora, f"/campaigns/{campaign.code}/targets/{target['id']}/check", language="es")
    checked = post(client_for(second), f"/campaigns/{campaign.code}/targets/{target['id']}/check")
    live = post(cora, f"/campaigns/{campaign.code}/go-live")
    again = post(cora, f"/campaigns/{campaign.code}/go-live")

    assert target["checkable_by_caller"] is False  # its own maker
    assert (unchecked.status_code, unchecked.json()["error"]["code"]) == (409, "unchecked")
    assert (own.status_code, own.json()["error"]["code"]) == (409, "own_change")
    assert own.json()["error"]["message"] == (
        "Usted cambió los números o el guion de esta oficina: debe revisarlos otra persona organizadora."
    )
    assert (checked.status_code, checked.json()["is_checked"]) == (200, True)
    assert (live.status_code, live.json()["state"], live.json()["checked_targets"]) == (200, "live", 1)
    assert (again.status_code, again.json()["error"]["code"]) == (409, "already_live")


def test_pausing_and_closing_with_what_happened(live: Campaign, cora: Client) -> None:
    paused = post(cora, f"/campaigns/{live.code}/pause")
    twice = post(cora, f"/campaigns/{live.code}/pause")
    unsaid = post(cora, f"/campaigns/{live.code}/close", {"result_en": "Released."}, language="es")
    closed = post(
        cora,
        f"/campaigns/{live.code}/close",
        {"result": "won", "result_en": "Released on bond.", "result_es": "Salió bajo fianza."},
    )
    after = call(cora, "PATCH", f"/campaigns/{live.code}", {"title_en": "Again"})

    assert (paused.status_code, paused.json()["state"]) == (200, "draft")
    assert (twice.status_code, twice.json()["error"]["code"]) == (409, "not_live")
    assert (unsaid.status_code, unsaid.json()["error"]["fields"]) == (
        422,
        {"result": ["Diga cómo terminó la campaña."]},
    )
    assert (closed.status_code, closed.json()["state"], closed.json()["result"]) == (200, "closed", "won")
    assert closed.json()["result_es"] == "Salió bajo fianza."
    assert (after.status_code, after.json()["error"]["code"]) == (409, "campaign_closed")
    again = post(cora, f"/campaigns/{live.code}/close", {"result": "won"})
    assert (again.status_code, again.json()["error"]["code"]) == (409, "campaign_closed")


# Offices.


def test_an_office_shows_its_numbers_hours_scripts_check_and_the_live_status_of_each_number(
    live: Campaign, medic: User, second: User
) -> None:
    dhs = office(live)
    given = next_call(live, via="web", language="en")
    assert isinstance(given, Call)
    assert given.target == dhs
    do_report_outcome(given, Outcome.BUSY)

    shown = client_for(medic).get(f"{API}/campaigns/{live.code}/targets/{dhs.uuid}").json()
    listed = client_for(second).get(f"{API}/campaigns/{live.code}/targets").json()

    assert (shown["name"], shown["kind"], shown["time_zone"], shown["is_always_open"]) == (
        "Department of Homeland Security",
        "agency",
        "America/New_York",
        True,
    )
    assert shown["script_es"].startswith("Hola, llamo desde {lugar} por {persona}")
    assert shown["checked_at"] is not None
    assert shown["checkable_by_caller"] is False  # a member checks nothing
    [line] = shown["lines"]
    assert (line["phone"], line["streak_outcome"], line["streak_count"], line["is_resting"], line["is_given"]) == (
        "+12025550140",
        Outcome.BUSY,
        1,
        True,
        True,
    )
    assert line["status"].startswith("busy or voicemail full since")
    assert line["streak_since"] is not None
    assert listed["count"] == 4
    assert [each["name"] for each in listed["items"]][2:] == [
        "Rep. Example, Washington office",
        "Rep. Example, district office",
    ]


def test_an_office_is_added_with_its_numbers_in_e164_and_a_bad_number_is_refused_naming_it(
    cora: Client, medics: WorkingGroup, coordinator: User
) -> None:
    campaign = make_campaign(medics, coordinator)

    added = post(cora, f"/campaigns/{campaign.code}/targets", TARGET).json()
    bad = post(cora, f"/campaigns/{campaign.code}/targets", TARGET | {"lines": [{"phone": "not a number"}]})
    folder = post(cora, f"/campaigns/{campaign.code}/targets", TARGET | {"time_zone": "America"}, language="es")
    hours = post(cora, f"/campaigns/{campaign.code}/targets", TARGET | {"opens_at": "25:00"})
    long = post(cora, f"/campaigns/{campaign.code}/targets", TARGET | {"script_en": "please " * 90})

    assert [line["phone"] for line in added["lines"]] == ["+19195550141", "+12025550142"]
    assert (added["weekdays"], added["opens_at"], added["closes_at"]) == ([1, 2, 3, 4, 5], "09:00", "17:00")
    assert bad.json()["error"]["fields"] == {"lines": ["not a number is not a phone number."]}
    assert folder.json()["error"]["fields"] == {"time_zone": ["Elija una zona horaria, como America/New_York."]}
    assert (hours.status_code, list(hours.json()["error"]["fields"])) == (422, ["opens_at"])
    assert long.json()["error"]["fields"]["script_en"][0].startswith("This script takes about 36 seconds")
    assert campaign.targets.count() == 1
    assert not any(holds_a_number(str(entry.detail)) for entry in AuditEntry.objects.all())


def test_a_change_to_an_office_unchecks_it_and_its_changer_cannot_check_it(
    live: Campaign, cora: Client, second: User
) -> None:
    dhs = office(live)
    path = f"/campaigns/{live.code}/targets/{dhs.uuid}"

    renamed = call(client_for(second), "PATCH", path, {"name_es": "Departamento de Seguridad Nacional"})
    moved = call(client_for(second), "PATCH", path, {"lines": [{"phone": "202-555-0199"}]})
    refused = post(client_for(second), path + "/check")
    checked = post(cora, path + "/check")

    assert (renamed.status_code, renamed.json()["is_checked"]) == (200, False)
    assert [line["phone"] for line in moved.json()["lines"]] == ["+12025550199"]
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "own_change")
    assert (checked.status_code, checked.json()["is_checked"], checked.json()["name_en"]) == (
        200,
        True,
        "Department of Homeland Security",
    )
    same = call(cora, "PATCH", path, {"name_en": "Department of Homeland Security"})
    assert same.json()["is_checked"] is True  # nothing changed: still checked


def test_an_office_is_taken_out_and_a_number_reported_wrong_is_confirmed(live: Campaign, cora: Client) -> None:
    dhs, ice = office(live), office(live, 1)
    line = ice.lines.get()
    given = next_call(live, via="web", language="en", called=[t.pk for t in live.targets.exclude(pk=ice.pk)])
    assert isinstance(given, Call)
    do_report_outcome(given, Outcome.WRONG)  # once: the organisers are emailed from the second report
    line.refresh_from_db()
    assert line.wrong_reports == 1

    removed = call(cora, "DELETE", f"/campaigns/{live.code}/targets/{dhs.uuid}")
    confirmed = post(cora, f"/campaigns/{live.code}/lines/{line.uuid}/confirm")

    assert removed.status_code == 204
    assert not Target.objects.filter(pk=dhs.pk).exists()
    assert (confirmed.json()["wrong_reports"], confirmed.json()["is_given"], confirmed.json()["status"]) == (
        0,
        True,
        "",
    )
    assert post(cora, f"/campaigns/{live.code}/lines/{dhs.uuid}/confirm").status_code == 404


# The person and consent.


def test_only_organisers_see_the_name_and_consent_gates_it_in_the_script_a_caller_gets(
    live: Campaign, cora: Client, medic: User, second: User
) -> None:
    subject = f"/campaigns/{live.code}/subject"
    mia = client_for(medic)

    put = call(cora, "PUT", subject, {"name": NAME, "identifiers": IDS})
    before = post(Client(), f"/campaigns/{live.code}/calls", {"place": "Durham"})
    family = post(cora, f"/campaigns/{live.code}/consent", {"from": "family"})
    lawyer = post(client_for(second), f"/campaigns/{live.code}/consent", {"from": "lawyer"})
    after = post(Client(), f"/campaigns/{live.code}/calls", {"place": "Durham"})
    spanish = post(Client(), f"/campaigns/{live.code}/calls", {"language": "es"})

    assert (put.status_code, put.json()["name"], put.json()["is_named"]) == (200, NAME, False)
    assert mia.get(API + subject).status_code == 404
    assert NAME not in before.json()["script"]
    assert "about a member of our community" in before.json()["script"]
    assert (family.json()["consent_from"], family.json()["has_consent"]) == ("family", False)
    assert (lawyer.json()["has_consent"], lawyer.json()["is_named"]) == (True, True)
    assert f"from Durham about {NAME} {IDS}." in after.json()["script"]
    assert NAME in spanish.json()["script"]
    assert spanish.json()["script"].startswith("Hola, llamo desde [su ciudad]")
    for path in (f"/campaigns/{live.code}", f"/groups/{live.group.slug}/campaigns", f"/campaigns/{live.code}/targets"):
        assert NAME not in mia.get(API + path).content.decode()
        assert NAME not in cora.get(API + path).content.decode()
    assert mia.get(f"{API}/campaigns/{live.code}").json()["is_named"] is True

    withdrawn = post(cora, f"/campaigns/{live.code}/consent/withdraw")
    assert (withdrawn.json()["has_consent"], withdrawn.json()["name"]) == (False, NAME)
    assert NAME not in post(Client(), f"/campaigns/{live.code}/calls").json()["script"]

    seen = cora.get(API + subject).json()
    assert seen["identifiers"] == IDS
    assert AuditEntry.objects.filter(object_type="campaigns.subject", action=AuditAction.VIEWED).count() == 1
    for entry in AuditEntry.objects.filter(object_type__startswith="campaigns."):
        assert "Nadie" not in str(entry.detail)
        assert "000-000" not in str(entry.detail)


def test_consent_needs_a_name_first_and_a_name_written_out_is_refused(
    live: Campaign, cora: Client, coordinator: User
) -> None:
    unnamed = post(cora, f"/campaigns/{live.code}/consent", {"from": "person"}, language="es")
    nobody = post(cora, f"/campaigns/{live.code}/consent", {"from": "neighbour"})
    call(cora, "PATCH", f"/campaigns/{live.code}", {"intro_en": "Nadie Ejemplo is detained."})
    written = call(cora, "PUT", f"/campaigns/{live.code}/subject", {"name": NAME})

    assert (unnamed.status_code, unnamed.json()["error"]["code"]) == (409, "unnamed")
    assert unnamed.json()["error"]["message"].startswith("Escriba primero el nombre")
    assert (nobody.status_code, list(nobody.json()["error"]["fields"])) == (422, ["from"])
    assert (written.status_code, list(written.json()["error"]["fields"])) == (422, ["name"])
    assert NAME not in written.content.decode()


def test_closing_deletes_the_name_and_the_script_stops_naming_the_person(
    live: Campaign, cora: Client, coordinator: User
) -> None:
    do_set_subject(live, NAME, IDS, by=coordinator)
    do_record_consent(live, lawyer=False, consent_from=ConsentFrom.PERSON, by=coordinator)
    do_record_consent(live, lawyer=True, by=coordinator)

    post(cora, f"/campaigns/{live.code}/close", {"result": "won"})

    assert cora.get(f"{API}/campaigns/{live.code}/subject").json()["name"] == ""
    assert call(cora, "PUT", f"/campaigns/{live.code}/subject", {"name": NAME}).json()["error"]["code"] == (
        "campaign_closed"
    )
    over = post(Client(), f"/campaigns/{live.code}/calls")
    assert (over.status_code, over.json()["state"], over.json()["opens_at"]) == (200, "over", None)


# Calling.


def test_a_public_campaign_gives_anyone_an_office_with_its_number_and_script(live: Campaign) -> None:
    given = post(Client(), f"/campaigns/{live.code}/calls", {"place": "Durham"}, language="es")

    assert given.status_code == 201, given.content
    shown = given.json()
    made = Call.objects.get(uuid=shown["id"])
    assert (made.via, made.language, made.credited_to) == ("api", "es", None)
    assert (shown["office"], shown["number"], shown["number_display"]) == (
        "Department of Homeland Security",
        "+12025550140",
        "(202) 555-0140",
    )
    assert shown["script"] == (
        "Hola, llamo desde Durham por un miembro de nuestra comunidad. Por favor, libérenlo bajo fianza hoy. Gracias."
    )
    assert shown["intro"].startswith("Un miembro de nuestra comunidad está detenido.")
    assert shown["outcomes"][0] == {"value": 1, "label": "hablé con una persona"}
    assert (shown["outcome"], shown["credited"], shown["line_status"]) == (None, False, "")


def test_a_members_campaign_is_for_signed_in_callers_only(
    medics: WorkingGroup, coordinator: User, second: User, outsider: User
) -> None:
    campaign = live_campaign(medics, coordinator, second, visibility=Visibility.MEMBERS)
    token = do_create_token(outsider, name="calls").secret

    anonymous = post(Client(), f"/campaigns/{campaign.code}/calls")
    by_token = Client().post(f"{API}/campaigns/{campaign.code}/calls", "{}", "application/json", headers=bearer(token))
    by_session = post(client_for(outsider), f"/campaigns/{campaign.code}/calls")

    assert (anonymous.status_code, anonymous.json()["error"]["code"]) == (404, "not_found")
    assert (by_token.status_code, by_session.status_code) == (201, 201)
    assert Client().get(f"{API}/campaigns/{campaign.code}/counter").status_code == 404


def test_a_sessions_call_needs_its_csrf_token_and_a_read_only_token_may_not_take_one(
    live: Campaign, outsider: User
) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(outsider)
    reader = do_create_token(outsider, name="reads", scope=TokenScope.READ).secret

    forged = browser.post(f"{API}/campaigns/{live.code}/calls", "{}", "application/json")
    read_only = Client().post(f"{API}/campaigns/{live.code}/calls", "{}", "application/json", headers=bearer(reader))

    assert (forged.status_code, forged.json()["error"]["code"]) == (403, "forbidden")
    assert (read_only.status_code, read_only.json()["error"]["code"]) == (403, "read_only_token")
    assert not Call.objects.exists()
    assert (
        Client(enforce_csrf_checks=True).post(f"{API}/campaigns/{live.code}/calls", {}, "application/json").status_code
        == 201
    )


def test_a_draft_campaign_gives_callers_nothing_and_a_paused_one_says_so(
    medics: WorkingGroup, coordinator: User, live: Campaign, cora: Client
) -> None:
    draft = make_campaign(medics, coordinator)
    seed_targets(draft, coordinator)

    assert post(Client(), f"/campaigns/{draft.code}/calls").status_code == 404
    post(cora, f"/campaigns/{live.code}/pause")
    paused = post(Client(), f"/campaigns/{live.code}/calls", language="es")
    assert (paused.status_code, paused.json()["state"]) == (200, "paused")
    assert paused.json()["message"] == "Esta campaña está en pausa: por ahora no hay oficinas a las que llamar."


def test_a_caller_reports_an_outcome_once_and_only_a_signed_in_caller_is_credited(
    live: Campaign, outsider: User
) -> None:
    anonymous = post(Client(), f"/campaigns/{live.code}/calls").json()
    signed = post(client_for(outsider), f"/campaigns/{live.code}/calls").json()

    credit = post(Client(), f"/campaigns/{live.code}/calls/{anonymous['id']}/outcome", {"outcome": 1, "credit": True})
    first = post(Client(), f"/campaigns/{live.code}/calls/{anonymous['id']}/outcome", {"outcome": 2})
    again = post(Client(), f"/campaigns/{live.code}/calls/{anonymous['id']}/outcome", {"outcome": 1}, language="es")
    mine = post(
        client_for(outsider), f"/campaigns/{live.code}/calls/{signed['id']}/outcome", {"outcome": 1, "credit": True}
    )

    assert (credit.status_code, list(credit.json()["error"]["fields"])) == (422, ["credit"])
    assert (first.status_code, first.json()["outcome"], first.json()["credited"]) == (200, 2, False)
    assert (again.status_code, again.json()["error"]["code"]) == (409, "already_reported")
    assert again.json()["error"]["message"] == "El resultado de esta llamada ya se reportó: cuenta una sola vez."
    assert (mine.json()["outcome"], mine.json()["credited"]) == (1, True)
    assert Call.objects.get(uuid=signed["id"]).credited_to == outsider
    assert Call.objects.get(uuid=anonymous["id"]).outcome == Outcome.VOICEMAIL
    for bad in (0, 6, 2**31, "1", None):
        answer = post(Client(), f"/campaigns/{live.code}/calls/{signed['id']}/outcome", {"outcome": bad})
        assert (answer.status_code, list(answer.json()["error"]["fields"])) == (422, ["outcome"]), bad


def test_a_call_of_another_campaign_or_none_at_all_is_not_found(
    live: Campaign, medics: WorkingGroup, coordinator: User, second: User
) -> None:
    other = live_campaign(medics, coordinator, second, title_en="Another")
    theirs = post(Client(), f"/campaigns/{other.code}/calls").json()

    assert post(Client(), f"/campaigns/{live.code}/calls/{theirs['id']}/outcome", {"outcome": 1}).status_code == 404
    assert post(Client(), f"/campaigns/{live.code}/calls/not-a-uuid/outcome", {"outcome": 1}).status_code == 422
    assert post(Client(), f"/campaigns/{live.code}/calls/{other.uuid}/outcome", {"outcome": 1}).status_code == 404


def test_a_full_voicemail_steers_the_next_api_callers_elsewhere(live: Campaign, cora: Client) -> None:
    dhs = office(live)
    first = post(Client(), f"/campaigns/{live.code}/calls").json()
    assert first["target"] == str(dhs.uuid)
    for _n in range(3):  # three more callers, three other offices, each answered
        other = post(Client(), f"/campaigns/{live.code}/calls").json()
        post(Client(), f"/campaigns/{live.code}/calls/{other['id']}/outcome", {"outcome": Outcome.REACHED})

    post(Client(), f"/campaigns/{live.code}/calls/{first['id']}/outcome", {"outcome": Outcome.BUSY})

    after = [post(Client(), f"/campaigns/{live.code}/calls").json() for _n in range(6)]
    assert all(each["target"] != str(dhs.uuid) for each in after)
    line = Line.objects.get(target=dhs)
    assert (line.streak_outcome, line.streak_count) == (Outcome.BUSY, 1)
    shown = cora.get(f"{API}/campaigns/{live.code}/targets/{dhs.uuid}").json()
    assert shown["lines"][0]["is_resting"] is True


def test_the_offices_a_caller_already_called_come_last(live: Campaign) -> None:
    called = [str(target.uuid) for target in live.targets.order_by("position")[:3]]

    given = post(Client(), f"/campaigns/{live.code}/calls", {"called": called}).json()

    assert given["target"] == str(office(live, 3).uuid)


def test_when_no_office_is_open_the_caller_hears_when_the_next_opens(
    medics: WorkingGroup, coordinator: User, second: User
) -> None:
    saturday = datetime(2026, 12, 5, 15, 0, tzinfo=UTC)  # 10:00 in New York, a Saturday
    with time_machine.travel(saturday, tick=False):
        campaign = live_campaign(medics, coordinator, second, **OFFICE_HOURS)
        english = post(Client(), f"/campaigns/{campaign.code}/calls")
        spanish = post(Client(), f"/campaigns/{campaign.code}/calls", language="es")

    assert (english.status_code, english.json()["state"]) == (200, "offices_closed")
    opens_at = datetime.fromisoformat(english.json()["opens_at"])
    assert (opens_at, opens_at.utcoffset()) == (datetime(2026, 12, 7, 14, 0, tzinfo=UTC), timedelta(hours=-5))
    assert english.json()["message"] == "No office can be called now: the next one opens on Dec. 7, 2026 at 09:00."
    assert spanish.json()["message"] == (
        "Ahora no se puede llamar a ninguna oficina: la próxima abre el 7 de diciembre de 2026 a las 09:00."
    )
    assert not Call.objects.exists()


# Tallies.


def test_members_see_the_tallies_per_office_outcome_and_day(live: Campaign, medic: User, outsider: User) -> None:
    for outcome in (Outcome.REACHED, Outcome.REACHED, Outcome.VOICEMAIL):
        given = post(Client(), f"/campaigns/{live.code}/calls").json()
        post(Client(), f"/campaigns/{live.code}/calls/{given['id']}/outcome", {"outcome": outcome})
    post(Client(), f"/campaigns/{live.code}/calls")  # given, never reported: not counted

    tally = client_for(medic).get(f"{API}/campaigns/{live.code}/tallies").json()

    assert tally["counts"] == {"reached": 2, "voicemail": 1, "no_answer": 0, "busy": 0, "wrong": 0, "total": 3}
    assert [each["counts"]["total"] for each in tally["targets"]] == [1, 1, 1, 0]
    assert tally["targets"][0]["name"] == "Department of Homeland Security"
    assert tally["targets"][0]["lines"][0]["status"].startswith("a person answered at")
    assert [day["counts"]["total"] for day in tally["days"]] == [3]
    assert client_for(outsider).get(f"{API}/campaigns/{live.code}/tallies").status_code == 404
    assert Client().get(f"{API}/campaigns/{live.code}/tallies").status_code == 401


def test_the_public_counter_shows_a_total_only_when_the_campaign_wants_one(live: Campaign, cora: Client) -> None:
    given = post(Client(), f"/campaigns/{live.code}/calls").json()
    post(Client(), f"/campaigns/{live.code}/calls/{given['id']}/outcome", {"outcome": 3})

    assert Client().get(f"{API}/campaigns/{live.code}/counter").status_code == 404
    call(cora, "PATCH", f"/campaigns/{live.code}", {"has_public_counter": True})
    counter = Client().get(f"{API}/campaigns/{live.code}/counter")
    assert (counter.status_code, counter.json()) == (200, {"campaign": live.code, "total": 1})


# Lists cost the same few queries, whatever they hold.


def test_the_campaigns_list_costs_no_more_queries_for_more_campaigns(
    live: Campaign,
    medics: WorkingGroup,
    coordinator: User,
    medic: User,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    mia = client_for(medic)
    mia.get(f"{API}/groups/{medics.slug}/campaigns")  # the session's first request sets things up once
    for title in ("Two", "Three", "Four"):
        make_campaign(medics, coordinator, title_en=title)

    with django_assert_max_num_queries(7):  # 6 where the cache is Redis, not a database table
        listed = mia.get(f"{API}/groups/{medics.slug}/campaigns").json()

    assert listed["count"] == 4


def test_the_targets_list_costs_the_same_few_queries_however_many_offices(
    live: Campaign, medic: User, coordinator: User
) -> None:
    mia = client_for(medic)
    mia.get(f"{API}/campaigns/{live.code}/targets")
    with CaptureQueriesContext(connection) as few:
        assert mia.get(f"{API}/campaigns/{live.code}/targets").json()["count"] == 4
    add_target(live, coordinator, "Sheriff (fictional)", "(919) 555-0144")
    add_target(live, coordinator, "County commissioner (fictional)", "(919) 555-0145")

    with CaptureQueriesContext(connection) as many:
        assert mia.get(f"{API}/campaigns/{live.code}/targets").json()["count"] == 6

    assert len(many) == len(few) <= 7  # 6 where the cache is Redis, not a database table


# Bounds.


def test_every_integer_sent_to_the_campaigns_is_bounded_within_32_bits(live: Campaign, cora: Client) -> None:
    target = office(live)
    document = cora.get(f"{API}/openapi.json").json()
    weekday = document["components"]["schemas"]["CampaignTargetIn"]["properties"]["weekdays"]["items"]
    outcome = document["components"]["schemas"]["CampaignOutcomeIn"]["properties"]["outcome"]
    assert (weekday["minimum"], weekday["maximum"], outcome["minimum"], outcome["maximum"]) == (1, 7, 1, 5)

    huge = call(cora, "PATCH", f"/campaigns/{live.code}/targets/{target.uuid}", {"weekdays": [2**31]})
    assert (huge.status_code, list(huge.json()["error"]["fields"])) == (422, ["weekdays"])
    assert post(cora, f"/campaigns/{live.code}/targets/{target.uuid}/check").json()["is_checked"] is True
