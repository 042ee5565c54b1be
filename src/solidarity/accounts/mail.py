"""One email to one account, in the account's language, through the outbox.

Parts that tell an account something (a reminder, a digest) render `<template>_subject.txt` and
`<template>_body.txt` with the network's name and their context, and enqueue the message here.
"""

from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from solidarity.accounts.models import User
from solidarity.core.services import get_network_settings
from solidarity.messaging import mail
from solidarity.messaging import services as messaging
from solidarity.messaging.models import Channel


def language_of(user: User) -> str:
    return user.language if user.language in ("en", "es") else settings.LANGUAGE_CODE


def email_account(user: User, template: str, context: dict[str, Any], *, key: str) -> bool:
    """Enqueue one email to `user` (in the caller's transaction); False if the account has no email.

    `context` may hold lazy strings and links: it is rendered inside the account's language.
    `key` is the outbox's idempotency key: the same key twice sends once."""
    address = str(user.email or "")
    if not address:
        return False
    language = language_of(user)
    with translation.override(language):
        full = {"network": get_network_settings().name, **context}
        subject = " ".join(render_to_string(f"{template}_subject.txt", full).split())
        body = render_to_string(f"{template}_body.txt", full)
    content = mail.email_content(to=address, subject=subject, text=body, language=language)
    messaging.enqueue(messaging.Outgoing(Channel.EMAIL, address, content, idempotency_key=key, language=language))
    return True
