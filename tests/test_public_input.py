"""Public input: rate limits keyed by a daily HMAC, a honeypot, a size limit, proof of work, no stored address."""

import hashlib
import html
import json
import logging
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import altcha
import pytest
import time_machine
from django import forms
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.http import HttpResponse
from django.test import Client, RequestFactory
from pytest_django.fixtures import Settings

from solidarity.core.public import (
    Outcome,
    PublicForm,
    Rate,
    client_address,
    client_token,
    limit,
    new_challenge,
    verify_proof_of_work,
)
from tests import canaries
from tests.testapp.models import Dossier

pytestmark = pytest.mark.urls("tests.urls")

TIP = "/en/test/tip"
REPORT = "/en/test/report"
NOON = datetime(2031, 5, 6, 12, 0, tzinfo=UTC)


def solved() -> str:
    """A payload as the browser widget sends it: the page's challenge, solved."""
    challenge = altcha.Challenge.from_dict(new_challenge())
    solution = altcha.solve_challenge(challenge)
    assert solution is not None
    return str(altcha.Payload(challenge, solution).to_base64())


def send(url: str, address: str, *, pow: bool = False, **data: Any) -> HttpResponse:
    fields = {"what": "ICE van on 5th and Main", "zone": "eastside", **data}
    if pow:
        fields["altcha"] = solved()
    response = Client().post(url, fields, REMOTE_ADDR=address)
    assert isinstance(response, HttpResponse)
    return response


def request_from(address: str, forwarded: str = "") -> Any:
    request = RequestFactory().post("/", REMOTE_ADDR=address)
    if forwarded:
        request.META["HTTP_X_FORWARDED_FOR"] = forwarded
    return request


def test_the_form_page_embeds_a_challenge_a_hidden_honeypot_and_only_self_hosted_scripts(db: None) -> None:
    response = Client().get(TIP)

    page = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'<altcha-widget name="altcha" challenge="\{', page)
    assert re.search(r'<div hidden aria-hidden="true"><label for="id_website">', page)
    assert 'tabindex="-1"' in page
    assert '<script src="/static/vendor/altcha/altcha.min.js" type="module">' in page
    assert '<link href="/static/vendor/altcha/altcha.css"' in page
    # The CSP allows no inline script or style: the page carries none.
    assert "style=" not in page
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_a_solved_challenge_counts_once(db: None) -> None:
    payload = solved()

    assert verify_proof_of_work(payload) is True
    assert verify_proof_of_work(payload) is False


@pytest.mark.parametrize("payload", ["", "not base64!", "eyJmb28iOiAxfQ==", "x" * 5000])
def test_a_missing_or_forged_proof_of_work_is_not_accepted(db: None, payload: str) -> None:
    assert verify_proof_of_work(payload) is False


def test_an_expired_challenge_is_not_accepted(db: None) -> None:
    with time_machine.travel(NOON, tick=False):
        payload = solved()
    with time_machine.travel(NOON + timedelta(hours=1), tick=False):
        assert verify_proof_of_work(payload) is False


def test_a_browser_that_solved_the_challenge_gets_the_looser_limit(db: None) -> None:
    with time_machine.travel(NOON, tick=False):
        statuses = [send(TIP, "198.51.100.10", pow=True).status_code for _ in range(4)]

    assert statuses == [302, 302, 302, 429]
    assert Dossier.objects.filter(pseudonym="tip").count() == 3


def test_without_javascript_the_form_works_under_a_stricter_limit(db: None) -> None:
    with time_machine.travel(NOON, tick=False):
        first = send(TIP, "198.51.100.11")
        second = send(TIP, "198.51.100.11")
        with_pow = send(TIP, "198.51.100.11", pow=True)

    assert first.status_code == 302
    assert second.status_code == 429
    assert second["Retry-After"] == "60"
    body = second.content.decode()
    assert "Too many submissions from your connection. Please try again in 1 minute." in body
    assert "ICE van on 5th and Main" in body  # what they typed is kept
    assert with_pow.status_code == 302


def test_a_replayed_payload_counts_as_no_proof_of_work(db: None) -> None:
    with time_machine.travel(NOON, tick=False):
        payload = solved()
        first = send(TIP, "198.51.100.12", altcha=payload)
        replays = [send(TIP, "198.51.100.12", altcha=payload).status_code for _ in range(2)]

    assert first.status_code == 302
    assert replays == [302, 429]  # the stricter tier: one per minute


def test_the_limit_window_resets(db: None) -> None:
    with time_machine.travel(NOON, tick=False):
        assert send(TIP, "198.51.100.13").status_code == 302
        assert send(TIP, "198.51.100.13").status_code == 429
    with time_machine.travel(NOON + timedelta(seconds=61), tick=False):
        assert send(TIP, "198.51.100.13").status_code == 302


def test_one_client_over_its_limit_does_not_lock_out_others(db: None) -> None:
    with time_machine.travel(NOON, tick=False):
        assert send(TIP, "198.51.100.14").status_code == 302
        assert send(TIP, "198.51.100.14").status_code == 429
        assert send(TIP, "198.51.100.15").status_code == 302


def test_the_global_cap_counts_everyone_together(db: None) -> None:
    with time_machine.travel(NOON, tick=False):
        verdicts = [
            limit(request_from(f"198.51.100.{20 + n}"), "test-global", per_client="5/m", overall="2/m")
            for n in range(3)
        ]

    assert [verdict.outcome for verdict in verdicts] == [Outcome.ALLOWED, Outcome.ALLOWED, Outcome.OVER_GLOBAL]
    assert verdicts[2].refused
    assert not verdicts[2].for_review


def test_a_report_over_the_limit_is_accepted_for_review_never_refused(db: None) -> None:
    with time_machine.travel(NOON, tick=False):
        from_one_address = [send(REPORT, "198.51.100.30").status_code for _ in range(3)]
        from_many = [send(REPORT, f"198.51.100.{40 + n}").status_code for n in range(6)]

    assert from_one_address == [302, 302, 302]
    assert from_many == [302] * 6
    assert Dossier.objects.filter(pseudonym="tip").count() == 5  # one per client, up to the global cap of 5
    assert Dossier.objects.filter(pseudonym="for-review").count() == 4  # kept, for a person to review


def test_an_over_limit_verdict_is_for_review_only_when_the_caller_accepts_it(db: None) -> None:
    with time_machine.travel(NOON, tick=False):
        request = request_from("198.51.100.50")
        limit(request, "test-flag", per_client="1/m")
        refused = limit(request, "test-flag", per_client="1/m")
        kept = limit(request, "test-flag", per_client="1/m", accept_over_limit=True)

    assert refused.outcome is Outcome.OVER_CLIENT
    assert refused.refused
    assert not refused.for_review
    assert kept.for_review
    assert not kept.refused


def test_a_filled_honeypot_looks_accepted_but_is_dropped(db: None) -> None:
    response = send(TIP, "198.51.100.60", website="http://cheap-pills.example")

    assert response.status_code == 302
    assert not Dossier.objects.exists()


def test_a_body_over_the_size_limit_is_refused_with_a_clear_message(db: None) -> None:
    response = send(TIP, "198.51.100.61", what="x" * 70_000)

    assert response.status_code == 413
    assert "too large: at most 64 kilobytes" in response.content.decode()
    assert not Dossier.objects.exists()


def test_invalid_input_is_refused_with_messages_in_the_users_language(db: None) -> None:
    english = send(TIP, "198.51.100.62", what="", zone="not a slug!")
    spanish = send("/es/test/tip", "198.51.100.63", what="y" * 501)

    assert english.status_code == 400
    assert "This field is required." in english.content.decode()
    assert spanish.status_code == 400
    assert "Asegúrese de que este valor tenga menos de 500 caracteres (tiene 501)." in spanish.content.decode()
    assert not Dossier.objects.exists()


def test_a_public_form_must_bound_every_text_field() -> None:
    class Unbounded(PublicForm):
        what = forms.CharField()

    with pytest.raises(ImproperlyConfigured, match="max_length"):
        Unbounded()


def test_rates_are_read_from_short_strings() -> None:
    assert Rate.parse("5/m") == Rate(5, 60)
    assert Rate.parse("100/10m") == Rate(100, 600)
    assert Rate.parse("2/d") == Rate(2, 86400)
    with pytest.raises(ValueError, match="not a rate"):
        Rate.parse("5 per minute")


def test_the_client_key_is_a_keyed_hash_that_rotates_daily() -> None:
    request = request_from("203.0.113.9")
    with time_machine.travel(NOON, tick=False):
        today = client_token(request)
    with time_machine.travel(NOON + timedelta(hours=11), tick=False):
        later_today = client_token(request)
    with time_machine.travel(NOON + timedelta(days=1), tick=False):
        tomorrow = client_token(request)

    assert today == later_today
    assert tomorrow != today
    assert today not in hashlib.sha256(b"203.0.113.9").hexdigest()
    assert "203.0.113.9" not in today


def test_forwarded_for_is_read_only_behind_a_proxy(settings: Settings) -> None:
    request = request_from("10.0.0.2", forwarded="1.2.3.4, 198.51.100.70")

    settings.BEHIND_PROXY = False
    assert client_address(request) == "10.0.0.2"
    settings.BEHIND_PROXY = True
    # The entry our proxy appended; the ones before it are whatever the client sent.
    assert client_address(request) == "198.51.100.70"
    assert client_address(request_from("10.0.0.2")) == "10.0.0.2"


def test_one_ipv6_host_cannot_rotate_through_its_own_64() -> None:
    one = client_token(request_from("2001:db8:1:2::1"))
    same_64 = client_token(request_from("2001:db8:1:2:ffff::9"))
    other_64 = client_token(request_from("2001:db8:1:3::1"))

    assert one == same_64
    assert one != other_64


# No address is stored anywhere.

CANARY_ADDRESS = "203.0.113.77"
CANARY_FORWARDED = "192.0.2.177"


def cache_bytes() -> bytes:
    """Every key and value in Redis (the database cache is in the database dump)."""
    backend: Any = cache
    if not hasattr(backend, "_cache") or not hasattr(backend._cache, "get_client"):
        return b""
    client = backend._cache.get_client()  # Django's RedisCache: the redis-py client underneath
    found = b""
    for key in client.scan_iter():
        found += key + b"\n" + (client.dump(key) or b"") + b"\n"
    return found


def cached_rows() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM solidarity_cache")
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def needles() -> dict[str, bytes]:
    found = {}
    for address in (CANARY_ADDRESS, CANARY_FORWARDED):
        found[address] = address.encode()
        found[f"{address} sha256"] = hashlib.sha256(address.encode()).hexdigest().encode()
    return found


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("behind_proxy", [False, True])
def test_no_client_address_is_stored_in_any_table_cache_key_or_log(
    behind_proxy: bool, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    settings.BEHIND_PROXY = behind_proxy
    client = Client(REMOTE_ADDR=CANARY_ADDRESS, HTTP_X_FORWARDED_FOR=f"10.9.9.9, {CANARY_FORWARDED}")
    fields = {"what": "a tip", "zone": "eastside"}

    statuses = [
        client.get(TIP).status_code,
        client.post(TIP, {**fields, "altcha": solved()}).status_code,  # accepted, with proof of work
        client.post(TIP, fields).status_code,  # accepted, without
        client.post(TIP, fields).status_code,  # over the stricter limit
        client.post(REPORT, fields).status_code,  # a report
        client.post(REPORT, {**fields, "website": "spam"}).status_code,  # honeypot
        client.post(REPORT, {"what": ""}).status_code,  # invalid
        client.post(REPORT, fields).status_code,  # a report over the limit, kept for review
    ]

    assert statuses == [200, 302, 302, 429, 302, 302, 400, 302]
    assert Dossier.objects.filter(pseudonym="for-review").count() == 1
    haystacks = {
        "database": canaries.raw_database_bytes(),
        "cache": cache_bytes(),
        "logs": (caplog.text + "\n".join(record.getMessage() for record in caplog.records)).encode(),
    }
    # The scan saw the rate-limit counters: in Redis, or in the database cache's table.
    assert haystacks["cache"] if settings.REDIS_URL else cached_rows() > 0
    leaked = [f"{label} in {where}" for where, hay in haystacks.items() for label, n in needles().items() if n in hay]
    assert leaked == []


@pytest.mark.django_db(transaction=True)
def test_the_address_scan_sees_an_address_stored_in_clear() -> None:
    Dossier.objects.create(pseudonym=CANARY_ADDRESS)

    assert needles()[CANARY_ADDRESS] in canaries.raw_database_bytes()


def widget_words(page: str) -> dict[str, str]:
    found = re.search(r'<altcha-widget [^>]*data-strings="(?P<words>[^"]*)"', page)
    assert found, "the widget carries no words"
    words: dict[str, str] = json.loads(html.unescape(found["words"]))
    return words


def vendored_keys() -> set[str]:
    """The keys of the English words bundled in the vendored widget: each one the widget may show."""
    script = finders.find("vendor/altcha/altcha.min.js")
    assert isinstance(script, str)
    bundle = re.search(r'i18n\.set\("en",\{(?P<body>[^}]*)\}', Path(script).read_text())
    assert bundle, "the vendored widget no longer registers its English words this way"
    return set(re.findall(r"(?:^|,)(\w+):", bundle["body"]))


def test_the_widget_speaks_spanish_on_a_spanish_page_with_every_word_translated(db: None) -> None:
    spanish_page = Client().get("/es/test/tip").content.decode()
    english_page = Client().get(TIP).content.decode()

    spanish, english = widget_words(spanish_page), widget_words(english_page)

    assert 'language="es"' in spanish_page
    assert spanish["label"] == "No soy un robot"
    assert spanish["verified"] == "Verificado"
    assert english["label"] == "I'm not a robot"
    assert set(spanish) == set(english) == vendored_keys()  # no word left to the widget's English
    assert [key for key in spanish if spanish[key] == english[key]] == []
