"""Mail leaves through the outbox and a real SMTP server, configured by SOLIDARITY_EMAIL_URL."""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client, override_settings

from solidarity.config import env
from solidarity.messaging.models import Channel
from solidarity.messaging.pump import drain
from tests.smtp import SmtpServer, smtp_server


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[SmtpServer, dict[str, Any]]]:
    with smtp_server() as server:
        monkeypatch.setenv("SOLIDARITY_EMAIL_URL", f"smtp://127.0.0.1:{server.port}")
        mailer = env.email()
        yield (
            server,
            {
                "default": {"BACKEND": "solidarity.messaging.mail.OutboxBackend"},
                "transport": {"BACKEND": mailer.backend, "OPTIONS": mailer.options},
            },
        )


@pytest.mark.django_db
def test_invitation_goes_out_through_the_outbox_and_smtp(
    admin_client: Client,
    smtp: tuple[SmtpServer, dict[str, Any]],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    server, mailers = smtp
    with override_settings(MAILERS=mailers), django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post("/en/invitations/", {"email": "newcomer@example.org"})
    assert response.status_code == 302
    assert not server.inbox.messages  # queued in the outbox: the worker sends it

    with override_settings(MAILERS=mailers):
        assert drain(Channel.EMAIL) == 1

    [received] = server.inbox.messages
    assert received.recipients == ["newcomer@example.org"]
    assert "noreply@" in received.sender
    assert received.message["Subject"] == "You are invited to join your network on Solidarity"
    body = received.message.get_body(("plain",))
    assert body is not None
    assert "/en/join/" in body.get_content()
