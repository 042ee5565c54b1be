"""Mail leaves through a real SMTP server, configured by SOLIDARITY_EMAIL_URL."""

from collections.abc import Callable, Iterator
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.test import Client, override_settings

from solidarity.config import env
from tests.conftest import free_port


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], Message]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), message_from_bytes(envelope.content)))
        return "250 OK"


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Inbox, dict[str, Any]]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("SOLIDARITY_EMAIL_URL", f"smtp://127.0.0.1:{port}")
    mailer = env.email()
    yield inbox, {"default": {"BACKEND": mailer.backend, "OPTIONS": mailer.options}}
    controller.stop()


@pytest.mark.django_db
def test_invitation_goes_out_through_smtp(
    admin_client: Client,
    smtp: tuple[Inbox, dict[str, Any]],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    inbox, mailers = smtp
    with override_settings(MAILERS=mailers), django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post("/en/invitations/", {"email": "newcomer@example.org"})
    assert response.status_code == 302
    [(sender, recipients, message)] = inbox.messages
    assert recipients == ["newcomer@example.org"]
    assert "noreply@" in sender
    assert message["Subject"] == "You are invited to join your network on Solidarity"
    body = message.get_payload(decode=True)
    assert isinstance(body, bytes)
    assert b"/en/join/" in body
