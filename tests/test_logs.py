"""Logs carry no personal data, even when a message slips one in."""

import logging

import pytest

from solidarity.core.logs import ScrubbingFormatter, scrub


@pytest.mark.parametrize(
    ("dirty", "clean"),
    [
        ("reply from rosa.ejemplo+x@example.org failed", "reply from [email] failed"),
        ("SMS to +1 (919) 555-0142 queued", "SMS to [phone] queued"),
        ("SMS to 919.555.0142 queued", "SMS to [phone] queued"),
        ("client 203.0.113.9 throttled", "client [ip] throttled"),
        ("client 2001:db8::1:2:3 throttled", "client [ip] throttled"),
    ],
)
def test_personal_data_is_masked(dirty: str, clean: str) -> None:
    assert scrub(dirty) == clean


@pytest.mark.parametrize(
    "harmless",
    [
        "task id=8234ef9d-1623-44e8-a3f3-53c19598c058 state=SUCCESSFUL",
        "Re-encrypted 450 rows in 2.5 s",
        "audit entry #1024 at 2026-11-25T02:08:38.038732+00:00",
    ],
)
def test_ids_counts_and_times_survive(harmless: str) -> None:
    assert scrub(harmless) == harmless


def test_the_formatter_masks_arguments_and_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    try:
        raise ValueError("bad number +52 55 1234 5678")
    except ValueError:
        logging.getLogger("solidarity.test").exception("could not text %s", "lupe@example.org")
    record = caplog.records[-1]

    line = ScrubbingFormatter("%(message)s").format(record)

    assert line.startswith("could not text [email]")
    assert "5678" not in line
    assert "[phone]" in line
    assert record.getMessage() == "could not text lupe@example.org"  # other handlers see the record untouched


def test_hashes_and_signatures_survive_whole() -> None:
    head = "audit head 12:4f1c2e55512345678901aa:MEUCIQD5551234567xyz+/=="
    assert scrub(head) == head
