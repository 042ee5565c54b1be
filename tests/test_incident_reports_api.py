"""POST /api/v1/reports: anyone reports (no account); never refused, over the limits kept for review."""

import json
from typing import Any

import pytest
import time_machine
from django.test import Client

from solidarity.incidents.models import Report, ReportState, Source
from tests.factories.people import zone

pytestmark = pytest.mark.django_db

URL = "/api/v1/reports"


def post(body: dict[str, Any], language: str = "en") -> tuple[int, dict[str, Any]]:
    answer = Client().post(
        URL, json.dumps(body), content_type="application/json", headers={"Accept-Language": language}
    )
    return answer.status_code, answer.json()


@pytest.fixture(autouse=True)
def east(db: None) -> None:
    zone("east-durham")


@time_machine.travel("2026-12-04 15:00 +00:00", tick=False)
def test_a_report_by_api_gets_its_reference_and_what_happens_next() -> None:
    status, body = post(
        {
            "type": "checkpoint",
            "zone": "east-durham",
            "description": "Six agents stopping cars by the bridge",
            "occurred_at": "2026-12-04T09:15:00-05:00",
            "size": "6 agents",
            "seen_directly": True,
        }
    )

    assert status == 201, body
    report = Report.objects.get()
    assert body == {
        "reference": report.code,
        "state": "grouped",
        "message": "Thank you: your report is kept. A person checks every report before any alert goes out.",
    }
    assert (report.source, report.follow_up, report.seen_directly) == (Source.API, False, True)
    assert report.incident is not None


@time_machine.travel("2026-12-04 15:00 +00:00", tick=False)
def test_the_answer_is_in_the_callers_language_and_a_contact_asks_for_follow_up() -> None:
    status, body = post({"type": "home_raid", "zone": "east-durham", "contact": "919 555 0123"}, language="es")
    assert status == 201
    assert body["message"].startswith("Gracias")
    report = Report.objects.get()
    assert (report.follow_up, str(report.contact), report.language) == (True, "+19195550123", "es")


@time_machine.travel("2026-12-04 15:00 +00:00", tick=False)
def test_an_unknown_zone_or_type_is_a_422_naming_the_field() -> None:
    status, body = post({"type": "checkpoint", "zone": "atlantis"})
    assert status == 422
    assert body["error"]["code"] == "invalid_input"
    assert list(body["error"]["fields"]) == ["zone"]
    status, body = post({"type": "spying", "zone": "east-durham"})
    assert (status, list(body["error"]["fields"])) == (422, ["type"])
    status, body = post({"type": "checkpoint", "zone": "east-durham", "occurred_at": "2026-12-04T09:15:00"})
    assert (status, list(body["error"]["fields"])) == (422, ["occurred_at"])
    assert not Report.objects.exists()


def test_over_the_limit_it_still_answers_201_and_keeps_the_report_for_review() -> None:
    answers = [post({"type": "checkpoint", "zone": "east-durham", "description": f"n{n}"}) for n in range(8)]
    assert [status for status, _ in answers] == [201] * 8
    assert [body["state"] for _, body in answers] == ["grouped"] * 6 + ["for_review"] * 2
    assert Report.objects.filter(state=ReportState.FOR_REVIEW).count() == 2


def test_an_outsider_learns_nothing_but_the_reference() -> None:
    status, body = post({"type": "checkpoint", "zone": "east-durham", "contact": "919 555 0123"})
    assert status == 201
    assert set(body) == {"reference", "state", "message"}
    assert Client().get(URL).status_code == 401  # the list of reports waiting is the dispatchers'
