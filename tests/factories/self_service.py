"""A volunteer's own session, opened as a volunteer opens it: the link texted to their phone, and its button."""

import re
from pathlib import Path

from django.test import Client

from tests.factories.messaging import texts_out

ROSA_PHONE = "+19195550123"  # 555-01xx: fictional
LINK = re.compile(r"https?://[^\s]+/(en|es)/me/open/([A-Za-z0-9_-]+)/")


def link_in_text(outbox: Path, to: str = ROSA_PHONE) -> str:
    """The path of the last record link texted to `to`."""
    bodies = [sent["body"] for sent in texts_out(outbox) if sent["to"] == to]
    assert bodies, "no text was sent"
    found = LINK.search(bodies[-1])
    assert found is not None, bodies[-1]
    return f"/{found.group(1)}/me/open/{found.group(2)}/"


def signed_in_as(client: Client, outbox: Path, contact: str = ROSA_PHONE) -> None:
    """`client` asks for the link at `contact`, and presses the button of the page it opens."""
    assert client.post("/en/me/", {"contact": contact}).status_code == 200
    assert client.post(link_in_text(outbox, contact)).status_code == 302
