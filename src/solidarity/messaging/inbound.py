"""Inbound SMS: keep each message once, route it by keyword, answer briefly, and put the rest in the inbox.

The rules, in order (messaging.keywords parses):
1. STOP and the carriers' stop words opt the number out of everything, before any other rule,
   confirmed once, so Solidarity never drifts from the carrier.
2. START / INICIAR opt back in; HELP / AYUDA answer who we are, how to stop and report.
3. A command a higher part registered (GO/VOY, NO, JOIN, REPORT, CONFIRM) goes to its handler.
4. Anything else, and a command nobody handles, goes to the inbox that hotline takers read,
   with one short automatic reply. Unknown senders learn nothing about the network's members.
Automatic replies to any one number are rate-limited, so two robots cannot answer each other forever.
While the keys are locked, a message is sealed to the network's inbox key and routed on unlock.
"""

import base64
import hashlib
import hmac
import json
import logging
import uuid

from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from solidarity.core import audit, keyring, live
from solidarity.core.fields import normalise_phone
from solidarity.core.models import AuditAction
from solidarity.core.public import Rate, daily_key, hit
from solidarity.core.services import get_network_settings
from solidarity.messaging import keywords, services
from solidarity.messaging.keywords import Command, InboundContext, Parsed
from solidarity.messaging.models import Channel, Inbound, InboundState, Priority, State
from solidarity.messaging.sms import Delivery, InboundSms, Webhook
from solidarity.messaging.sms.errors import reason_for
from solidarity.messaging.sms_sender import do_record_ping

log = logging.getLogger("solidarity.messaging")

AUTO_REPLIES = Rate.parse("3/h")  # per number: enough for a person, too few for a loop


def do_receive_webhook(backend: str, hook: Webhook) -> None:
    """What a verified webhook said: delivery receipts, inbound messages, a phone's ping."""
    for update in hook.statuses:
        if update.state == Delivery.DELIVERED:
            services.do_record_delivery(update.provider_id, State.DELIVERED, backend=backend)
        elif update.state == Delivery.FAILED:
            reason = reason_for(backend, update.code).slug
            services.do_record_delivery(update.provider_id, State.FAILED, backend=backend, reason=reason)
    for sms in hook.inbound:
        do_receive(backend, sms)
    if hook.ping:
        do_record_ping(backend)


def do_receive(backend: str, sms: InboundSms) -> Inbound | None:
    """Keep one inbound SMS and route it; None when the provider sent it before (a retried webhook)."""
    sender = normalise_phone(sms.sender)
    try:
        with transaction.atomic():
            if keyring.is_locked():
                sealed = keyring.seal_for_later(json.dumps({"sender": sender, "body": sms.body}).encode())
                return Inbound.objects.create(
                    backend=backend,
                    provider_id=sms.provider_id,
                    sealed=base64.b64encode(sealed).decode(),
                    state=InboundState.SEALED,
                    received_at=timezone.now(),
                )
            inbound = Inbound.objects.create(
                backend=backend,
                provider_id=sms.provider_id,
                sender=sender,
                body=sms.body,
                received_at=timezone.now(),
            )
            route(inbound)
            return inbound
    except IntegrityError:
        log.info("inbound SMS from %s seen before: ignored", backend)
        return None


def do_open_sealed() -> int:
    """After an unlock: open what arrived while locked, and route it in the order it came."""
    opened = 0
    for inbound in Inbound.objects.filter(state=InboundState.SEALED).order_by("received_at", "pk"):
        with transaction.atomic():
            data = json.loads(keyring.open_later(base64.b64decode(inbound.sealed)))
            inbound.sender, inbound.body, inbound.sealed = data["sender"], data["body"], ""
            inbound.state = InboundState.NEW
            inbound.save(update_fields=["sender", "sender_index", "body", "sealed", "state"])
            route(inbound)
        opened += 1
    return opened


def route(inbound: Inbound) -> None:
    """Act on one inbound message (see the module's rules) and record what became of it."""
    sender = str(inbound.sender)
    address = services.find_address(Channel.SMS, sender)
    opted_out = address is not None and address.opted_out_at is not None
    parsed = keywords.parse(str(inbound.body), opted_out=opted_out)
    known = address.language if address else ""
    language = parsed.language or known or keywords.guess_language(str(inbound.body)) or default_language()
    if parsed.language and (address is None or address.language != parsed.language):
        services.do_set_language(Channel.SMS, sender, parsed.language)
    network = get_network_settings()
    inbound.command = parsed.command
    inbound.state = InboundState.HANDLED

    if parsed.command == Command.STOP:
        services.do_opt_out(Channel.SMS, sender)
        if not opted_out:  # confirmed once
            reply(inbound, keywords.stopped_text(language, network.name), even_if_opted_out=True)
    elif parsed.command == Command.START:
        services.do_opt_in(Channel.SMS, sender)
        reply(inbound, keywords.started_text(language, network.name))
    elif parsed.command == Command.HELP:
        reply(inbound, help_text(language))
    elif (handler := keywords.HANDLERS.get(parsed.command)) is not None:
        answer = handler(InboundContext(sender, str(inbound.uuid), language), parsed)
        if answer is not None:
            reply(inbound, answer.text)
    else:
        to_inbox(inbound, parsed, language)
    inbound.save(update_fields=["command", "state"])


def to_inbox(inbound: Inbound, parsed: Parsed, language: str) -> None:
    inbound.state = InboundState.UNMATCHED
    reply(inbound, unmatched_text(language), limited=True)
    live.publish("inbox", "inbound", {"id": str(inbound.uuid), "command": parsed.command})


def default_language() -> str:
    languages = get_network_settings().languages
    return languages[0] if languages else "en"


def help_text(language: str) -> str:
    network = get_network_settings()
    if network.hotline:
        return keywords.help_text(language, network.name, network.hotline)
    with translation.override(language):
        text = _("%(network)s: to report, text REPORT and what you see. Text STOP to stop all messages.")
    return text % {"network": network.name}


def unmatched_text(language: str) -> str:
    network = get_network_settings()
    if network.hotline:
        return keywords.unmatched_text(language, network.name, network.hotline)
    with translation.override(language):
        text = _("%(network)s: thank you, we got your message and a person will read it.")
    return text % {"network": network.name}


def may_auto_reply(sender: str) -> bool:
    token = hmac.new(daily_key(b"sms-auto-reply"), sender.encode(), hashlib.sha256).hexdigest()[:32]
    count, _left = hit(f"sms-auto-reply:{token}", AUTO_REPLIES)
    return count <= AUTO_REPLIES.count


def reply(inbound: Inbound, text: str, *, limited: bool = True, even_if_opted_out: bool = False) -> None:
    """Answer an inbound message through the outbox, at most AUTO_REPLIES per number."""
    sender = str(inbound.sender)
    if limited and not may_auto_reply(sender):
        log.info("automatic reply to inbound %s skipped: this number got enough of them", inbound.uuid)
        return
    services.enqueue(
        services.Outgoing(
            Channel.SMS,
            sender,
            {"text": text},
            idempotency_key=f"messaging.reply:{inbound.uuid}",
            priority=Priority.DIRECT,
        ),
        even_if_opted_out=even_if_opted_out,
    )


def do_mark_reviewed(inbound: Inbound, *, actor: str, role: str) -> None:
    """A hotline taker read it and did what was needed: it leaves the inbox (and its retention clock starts)."""
    with transaction.atomic():
        done = Inbound.objects.filter(pk=inbound.pk, state=InboundState.UNMATCHED).update(
            state=InboundState.REVIEWED, reviewed_at=timezone.now()
        )
        if done:
            audit.record(
                actor=actor,
                role=role,
                action=AuditAction.CHANGED,
                object_type="messaging.inbound",
                object_ids=[inbound.uuid],
                detail={"state": InboundState.REVIEWED},
            )


def do_reply(inbound: Inbound, text: str, *, actor: str, role: str) -> None:
    """Answer an inbound text by SMS without showing the taker the number: the outbox reads it from the row."""
    with transaction.atomic():
        services.enqueue(
            services.Outgoing(
                Channel.SMS,
                str(inbound.sender),
                {"text": text},
                idempotency_key=f"messaging.inbox-reply:{inbound.uuid}:{uuid.uuid4()}",
                priority=Priority.DIRECT,
            )
        )
        audit.record(
            actor=actor,
            role=role,
            action=AuditAction.CHANGED,
            object_type="messaging.inbound",
            object_ids=[inbound.uuid],
            detail={"replied": 1},
        )
