"""Email templates: a broadcast's message built once and filled in per recipient says what a whole build says."""

from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from django.test import override_settings

from solidarity.messaging import mail, pump, services
from solidarity.messaging.mail import EmailTemplate, slot
from solidarity.messaging.models import Channel
from solidarity.messaging.services import Outgoing
from tests.factories.messaging import GpgHome, set_openpgp_key
from tests.smtp import SmtpServer, smtp_server

pytestmark = pytest.mark.django_db

LINK = slot("link")
TEXT = f"Hola, compañera:\n\nLa asamblea del jueves será a las 19:00.\n\nPara darte de baja: {LINK}\n"
HTML = f'<p>Hola, compañera:</p><p>La asamblea será a las 19:00.</p><p><a href="{LINK}">Darte de baja</a></p>'
RAW = {"List-Unsubscribe": f"<{LINK}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with smtp_server() as server, override_settings(MAILERS=server.mailers):
        yield server


def template(text: str = TEXT, html: str = HTML) -> EmailTemplate:
    return EmailTemplate(
        subject="Asamblea del jueves: ¡huelga de alquileres!",
        text=text,
        html=html,
        language="es",
        raw_headers=RAW,
        slots=("link",),
    )


def parsed(content: dict[str, str]) -> EmailMessage:
    message = message_from_bytes(mail.mime_bytes(content["mime"]), _class=EmailMessage, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def body(message: EmailMessage, kind: str) -> str:
    part = message.get_body((kind,))
    assert part is not None
    return str(part.get_content())


def test_a_filled_template_says_what_a_whole_build_says() -> None:
    link = "https://network.example.org/es/lists/unsubscribe/0f3a.Xy_9-z/"
    fast = parsed(template().content("ana@example.org", link=link))
    whole = parsed(
        mail.email_content(
            to="ana@example.org",
            subject="Asamblea del jueves: ¡huelga de alquileres!",
            text=TEXT.replace(LINK, link),
            html=HTML.replace(LINK, link),
            language="es",
            raw_headers={name: value.replace(LINK, link) for name, value in RAW.items()},
        )
    )

    for name in ("Subject", "From", "To", "Content-Language", "List-Unsubscribe", "List-Unsubscribe-Post"):
        assert fast[name] == whole[name], name
    assert fast.get_content_type() == whole.get_content_type() == "multipart/alternative"
    assert body(fast, "plain") == body(whole, "plain")
    assert body(fast, "html") == body(whole, "html")
    assert slot("") not in fast.as_string()


def test_each_recipient_gets_a_message_id_of_its_own() -> None:
    made = template()
    ids = {parsed(made.content(f"p{n}@example.org", link=f"https://x.example/u/{n}/"))["Message-ID"] for n in range(50)}

    assert len(ids) == 50


def test_the_template_is_built_once_and_not_quoted() -> None:
    made = template()

    assert made.pieces  # the fast path is taken
    assert "Content-Transfer-Encoding: 8bit" in made.content("ana@example.org", link="https://x.example/u/1/")["mime"]


@pytest.mark.parametrize(
    ("to", "link"),
    [
        ("Ana Pérez <ana@example.org>", "https://x.example/u/1/"),  # a name: built whole
        ("añá@example.org", "https://x.example/u/1/"),  # not ASCII
        ("ana@example.org", 'https://x.example/u/"1"/'),  # a quote: HTML would escape it
        ("ana@example.org", "https://x.example/u/" + "1" * 300),  # longer than a slot's value may be
    ],
)
def test_what_the_fast_path_cannot_vouch_for_is_built_whole_and_still_right(to: str, link: str) -> None:
    message = parsed(template().content(to, link=link))

    assert message["To"] == to
    assert link in body(message, "plain")
    assert message["List-Unsubscribe"] == f"<{link}>"


def test_a_body_with_lines_too_long_to_stay_unquoted_is_built_whole() -> None:
    long_paragraph = "La asamblea decidió seguir con la huelga de alquileres. " * 30  # one line, ~1,700 bytes
    made = template(text=f"{long_paragraph}\n\nBaja: {LINK}\n", html="")

    message = parsed(made.content("ana@example.org", link="https://x.example/u/1/"))

    assert not made.pieces
    assert body(message, "plain").startswith(long_paragraph)
    assert "https://x.example/u/1/" in body(message, "plain")


def test_a_header_injection_through_a_value_is_refused() -> None:
    with pytest.raises(ValueError, match="raw headers"):
        template().content("ana@example.org", link="https://x.example/u/1/\r\nBcc: eve@example.org")


def test_template_messages_reach_a_real_mail_server_as_written(smtp: SmtpServer) -> None:
    made = template()
    links = {f"vecina{n}@example.org": f"https://network.example.org/es/lists/unsubscribe/{n}.abc/" for n in range(3)}
    services.enqueue_many(
        [
            Outgoing(Channel.EMAIL, to, made.content(to, link=link), idempotency_key=f"test:{to}", language="es")
            for to, link in links.items()
        ]
    )

    assert pump.drain(Channel.EMAIL) == 3

    for to, link in links.items():
        [received] = smtp.inbox.to(to)
        assert received["To"] == to
        assert received["Subject"] == "Asamblea del jueves: ¡huelga de alquileres!"
        assert received["List-Unsubscribe"] == f"<{link}>"
        assert f"Para darte de baja: {link}" in body(received, "plain")
        assert f'href="{link}"' in body(received, "html")


def test_a_template_message_to_an_address_with_a_key_is_read_by_gpg(smtp: SmtpServer, gnupg: GpgHome) -> None:
    gnupg.new_key("rosa@example.org", "future-default")
    set_openpgp_key("rosa@example.org", gnupg.export("rosa@example.org"))
    gnupg.gpg("--import", stdin=str(services.network_key().public).encode())
    link = "https://network.example.org/es/lists/unsubscribe/7.abc/"
    content = template().content("rosa@example.org", link=link)
    services.enqueue(Outgoing(Channel.EMAIL, "rosa@example.org", content, idempotency_key="test:rosa"))

    assert pump.drain(Channel.EMAIL) == 1

    [received] = smtp.inbox.to("rosa@example.org")
    assert received.get_content_type() == "multipart/encrypted"
    _, data = received.iter_parts()
    plaintext, status = gnupg.decrypt(data.get_content())
    assert "[GNUPG:] DECRYPTION_OKAY" in status
    assert "compañera" in plaintext.decode()
    assert link in plaintext.decode()
