"""Inbound SMS: keep each message once, route it by keyword, answer briefly, and put the rest in the inbox.

The rules, in order (messaging.keywords parses, and documents the words and the handlers' seam):
0. A text whose sender is no phone number goes to the inbox, marked, unanswered, acting on nothing.
1. STOP and the carriers' stop words opt the number out of everything, before any other rule,
   confirmed once, so Solidarity never drifts from the carrier.
2. START / INICIAR opt back in, confirmed; from a number that had not opted out, the answer says so.
3. A bare HELP / AYUDA / INFO is answered (how to reach the hotline, report and stop), even to a
   number that opted out, and goes to the inbox too: someone in danger may text just AYUDA.
   These three answers are required (carrier rules, and the law for opt-outs): the automatic-reply
   limit never drops them, and an opt-out made while one waits does not cancel it.
4. A command a higher part registered a handler for (GO/VOY, NO, JOIN, REPORT, PAUSE, STACK, CALL,
   VOLUNTEER, BACK, STATUS, RESOURCES) goes to it; CONFIRM, DROP, ARRIVED and LEFT go to each part that
   registered for them in turn (keywords.CONFIRMERS, DROPPERS, ARRIVALS, DEPARTURES); and a text with no
   keyword goes to the first part that reads it as its own (keywords.READERS: a responder out on an
   incident texting what they see). The handler's
   outcome (keywords.Outcome) says what follows: handled (with its reply, in its lane, rate-limited
   or not), to the inbox (with its reply or none), or not its own.
5. Anything else goes to the inbox that hotline takers read, with one short automatic reply: a
   text with no keyword, a command no handler took (a bare GO with no alert pending, say) and a
   text whose handler failed. Unknown senders learn nothing about the network's members.

Never lose a text. A text is kept first, in a transaction of its own, already in the inbox;
routing takes it out in a second one. Only a provider's retried webhook (the same message id) is
refused, by a savepoint around that first insert. A handler runs in a savepoint of its own:
whatever it raises, its work is undone, the text stays in the inbox, the sender gets the automatic
reply, and the log says the error's class and the text's uuid (never its number or words). A
failure anywhere else in routing leaves the text in the inbox in the same way.

The sender's row (messaging.models.Address: its opt-out and language) is looked up once per text
and carried through the router, the handler's context and the reply.

Automatic replies to any one number are rate-limited, so two robots cannot answer each other forever;
a handler's reply may be exempt (an answer to an alert is never dropped).
While the keys are locked, a message is sealed to the network's inbox key, and routed once they are
unlocked (`do_open_sealed`: by `solidarity keys unlock`, the worker, and a job every minute).
"""

import base64
import hashlib
import hmac
import json
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from solidarity.core import keyring, live
from solidarity.core.hooks import Registry
from solidarity.core.phones import dialable
from solidarity.core.public import Rate, daily_key, hit
from solidarity.core.services import get_network_settings
from solidarity.messaging import keywords, services
from solidarity.messaging.keywords import (
    Command,
    Handled,
    Handler,
    InboundContext,
    NotMine,
    Outcome,
    Parsed,
    Reply,
    ToInbox,
)
from solidarity.messaging.models import Address, Channel, Inbound, InboundState, State
from solidarity.messaging.sms import Delivery, InboundSms, Webhook
from solidarity.messaging.sms.errors import reason_for
from solidarity.messaging.sms_sender import do_record_ping

log = logging.getLogger("solidarity.messaging")

UNUSABLE_SENDER_CHARS = 40  # an alphanumeric sender id has at most 11; what is kept of a stranger's "From"
# Per number: enough for a volunteer who pauses, asks their state, comes back and confirms a seat in one hour
# (each answered), too few for two robots answering each other to cost much.
AUTO_REPLIES = Rate.parse("6/h")


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
    """Keep one inbound SMS, then route it; None when the provider sent it before (a retried webhook)."""
    inbound = keep(backend, sms)
    if inbound is not None and inbound.state != InboundState.SEALED:
        do_route(inbound)
    return inbound


def sender_of(given: str) -> tuple[str, bool]:
    """The sender as kept: (E.164, True) for a phone number, else (what the provider gave, False).

    A sender that is no phone number ("abc", a carrier's short code, none at all) cannot be
    answered; kept as given, shortened, it is told apart in the inbox, and never becomes one shared
    empty address whose STOP would opt every such sender out.
    """
    number = dialable(given, get_network_settings().phone_region)
    if number is None:
        return given.strip()[:UNUSABLE_SENDER_CHARS], False
    return number.e164, True


def keep(backend: str, sms: InboundSms) -> Inbound | None:
    """The text's row, committed before anything acts on it: in the inbox, or sealed while the keys are locked.

    The savepoint refuses only the insert of a message the provider sent before (the same
    backend and provider id): nothing that routing does can be mistaken for a duplicate.
    """
    sender, is_usable = sender_of(sms.sender)
    try:
        with transaction.atomic():
            if keyring.is_locked():
                kept = {"sender": sender, "body": sms.body, "has_usable_sender": is_usable}
                sealed = keyring.seal_for_later(json.dumps(kept).encode())
                return Inbound.objects.create(
                    backend=backend,
                    provider_id=sms.provider_id,
                    sealed=base64.b64encode(sealed).decode(),
                    state=InboundState.SEALED,
                    received_at=timezone.now(),
                )
            return Inbound.objects.create(
                backend=backend,
                provider_id=sms.provider_id,
                sender=sender,
                has_usable_sender=is_usable,
                body=sms.body,
                state=InboundState.UNMATCHED,  # until routing takes it out: whatever fails, a person reads it
                received_at=timezone.now(),
            )
    except IntegrityError:
        log.info("inbound SMS from %s seen before: ignored", backend)
        return None


def do_open_sealed() -> int:
    """After an unlock: open what arrived while locked, and route it in the order it came; how many now.

    Each text is claimed (re-read under a lock, still sealed) and opened in one transaction, then
    routed: two callers at once (the unlock command and the worker) route each text once.
    """
    opened = 0
    sealed = Inbound.objects.filter(state=InboundState.SEALED)
    for pk in list(sealed.order_by("received_at", "pk").values_list("pk", flat=True)):
        with transaction.atomic():
            inbound = sealed.select_for_update(skip_locked=True).filter(pk=pk).first()
            if inbound is None:
                continue  # opened meanwhile by another process
            try:
                data = json.loads(keyring.open_later(base64.b64decode(inbound.sealed)))
            except Exception as error:  # one unreadable text must not hold back the ones after it
                log.error("inbound %s: cannot be opened (%s): it stays sealed", inbound.uuid, type(error).__name__)
                continue
            inbound.sender, inbound.body, inbound.sealed = data["sender"], data["body"], ""
            inbound.has_usable_sender = data.get("has_usable_sender", True)  # texts sealed before it was kept
            inbound.state = InboundState.UNMATCHED
            inbound.save(update_fields=["sender", "sender_index", "has_usable_sender", "body", "sealed", "state"])
        do_route(inbound)
        opened += 1
    return opened


def do_route(inbound: Inbound) -> None:
    """Route a kept text (the module's rules) in its own transaction; if routing fails, the text stays in the inbox."""
    try:
        with transaction.atomic():
            route(inbound)
    except Exception as error:  # the text is kept whatever happens: a person reads it and the sender is told
        log.error("inbound %s: routing failed (%s): it stays in the inbox", inbound.uuid, type(error).__name__)
        inbound.state = InboundState.UNMATCHED
        try:
            with transaction.atomic():
                to_inbox(inbound, Reply(unmatched_text(default_language())), None)
        except Exception as again:
            log.error("inbound %s: no automatic reply after a failure (%s)", inbound.uuid, type(again).__name__)


def route(inbound: Inbound) -> None:
    """Act on one inbound message (see the module's rules) and record what became of it."""
    sender, body = str(inbound.sender), str(inbound.body)
    if not inbound.has_usable_sender:  # nobody to answer and no number whose state a keyword may change
        inbound.command = keywords.parse(body).command
        to_inbox(inbound, None, None)
        inbound.save(update_fields=["command", "state"])
        return
    address = services.find_address(Channel.SMS, sender)  # the one look-up: carried to the handler and the reply
    opted_out = address is not None and address.opted_out_at is not None
    parsed = keywords.parse(body, opted_out=opted_out)
    known = address.language if address else ""
    language = parsed.language or known or keywords.guess_language(body) or default_language()
    if parsed.language and parsed.language != known:
        address = (
            services.do_set_language(Channel.SMS, sender, parsed.language, state=address)
            if address
            else services.new_address(Channel.SMS, sender, language=parsed.language)
        )
    network = get_network_settings()
    inbound.command = parsed.command
    inbound.state = InboundState.HANDLED

    if parsed.command == Command.STOP:
        address = address or services.new_address(Channel.SMS, sender)
        services.do_opt_out(Channel.SMS, sender, state=address)
        if not opted_out:  # confirmed once: a second STOP gets nothing, so two robots cannot loop on it
            reply(inbound, Reply.required(keywords.stopped_text(language, network.name)), address)
    elif parsed.command == Command.START:
        if opted_out and address is not None:
            services.do_opt_in(Channel.SMS, sender, state=address)
            reply(inbound, Reply.required(keywords.started_text(language, network.name)), address)
        else:  # nothing to confirm: say what is true, as any other automatic reply (limited)
            reply(inbound, Reply(keywords.not_opted_out_text(language, network.name)), address)
    elif parsed.command == Command.HELP:
        # Answered even to a number that opted out (carrier rules ask for it), and read by a person too.
        to_inbox(inbound, Reply.required(help_text(language)), address)
    else:
        context = InboundContext(sender, str(inbound.uuid), language, is_opted_out=opted_out)
        if parsed.command == Command.UNMATCHED:  # the readers take it as written (keywords.READERS)
            parsed = Parsed(Command.UNMATCHED, body.strip(), "")
        outcome = handle(inbound, parsed, context)
        if not isinstance(outcome, NotMine) and services.is_blocked(address):
            address = services.find_address(Channel.SMS, sender)  # the handler may have opted it back in (JOIN)
        if isinstance(outcome, Handled):
            if outcome.reply is not None:
                reply(inbound, outcome.reply, address)
        elif isinstance(outcome, ToInbox):
            to_inbox(inbound, outcome.reply, address)
        else:
            to_inbox(inbound, Reply(unmatched_text(language)), address)
    inbound.save(update_fields=["command", "state"])


def handle(inbound: Inbound, parsed: Parsed, context: InboundContext) -> Outcome:
    """The registered handler's outcome, in a savepoint; NotMine when none is registered or it failed."""
    handler = keywords.HANDLERS.get(parsed.command)
    if handler is None:
        return NotMine()
    try:
        with transaction.atomic():
            outcome = handler(context, parsed)
    except Exception as error:  # a handler's bug must not lose the text: undone, and the text goes to the inbox
        log.error(
            "inbound %s: the %s handler failed (%s): the text goes to the inbox",
            inbound.uuid,
            parsed.command,
            type(error).__name__,
        )
        return NotMine()
    if not isinstance(outcome, Handled | ToInbox | NotMine):
        log.error(
            "inbound %s: the %s handler gave no outcome: the text goes to the inbox", inbound.uuid, parsed.command
        )
        return NotMine()
    return outcome


def answer_confirm(context: InboundContext, parsed: Parsed) -> Outcome:
    """CONFIRM / CONFIRMAR, with a code or bare: the first confirmer that owns it acts (keywords.CONFIRMERS).

    A code nobody owns gets a short answer saying so (a mistyped code is the usual reason); a bare
    CONFIRM nobody owns goes to the inbox, where a person reads it.
    """
    outcome = first_taker(keywords.CONFIRMERS, context, parsed)
    if isinstance(outcome, NotMine) and parsed.argument:
        return Handled(Reply(keywords.no_such_code_text(context.language, get_network_settings().name)))
    return outcome


def answer_shared(registry: Registry[str, Handler], context: InboundContext, parsed: Parsed) -> Outcome:
    """DROP, ARRIVED or LEFT: the first part in `registry` that owns the code (or, bare, the one thing pending).

    A code nobody owns gets a short answer saying so; a bare word nobody owns goes to the inbox.
    """
    outcome = first_taker(registry, context, parsed)
    if isinstance(outcome, NotMine) and parsed.argument:
        network = get_network_settings().name
        return Handled(Reply(keywords.no_such_answer_code_text(context.language, network, parsed.argument)))
    return outcome


def answer_drop(context: InboundContext, parsed: Parsed) -> Outcome:
    """DROP / CEDO: a seat given back (keywords.DROPPERS: a training's, an action's)."""
    return answer_shared(keywords.DROPPERS, context, parsed)


def answer_arrived(context: InboundContext, parsed: Parsed) -> Outcome:
    """ARRIVED / LLEGUE: on scene, or at one's shift (keywords.ARRIVALS: an alert's, an action's)."""
    return answer_shared(keywords.ARRIVALS, context, parsed)


def answer_left(context: InboundContext, parsed: Parsed) -> Outcome:
    """LEFT / SALI: left the scene, or one's shift (keywords.DEPARTURES: an alert's, an action's)."""
    return answer_shared(keywords.DEPARTURES, context, parsed)


def answer_unmatched(context: InboundContext, parsed: Parsed) -> Outcome:
    """A text that is no command: the first reader that takes it (keywords.READERS), else the inbox."""
    return first_taker(keywords.READERS, context, parsed)


def first_taker(registry: Registry[str, Handler], context: InboundContext, parsed: Parsed) -> Outcome:
    """The outcome of the first part in `registry` that takes the text, asked in turn; NotMine when none does."""
    for name in registry:
        outcome = registry[name](context, parsed)
        if not isinstance(outcome, NotMine):
            return outcome
    return NotMine()


def to_inbox(inbound: Inbound, answer: Reply | None, address: Address | None) -> None:
    """The text waits in the inbox for a hotline taker, answered with `answer` if there is one."""
    inbound.state = InboundState.UNMATCHED
    if answer is not None:
        reply(inbound, answer, address)
    live.publish("inbox", "inbound", {"id": str(inbound.uuid), "command": inbound.command})


def default_language() -> str:
    languages = get_network_settings().languages
    return languages[0] if languages else "en"


def help_text(language: str) -> str:
    network = get_network_settings()
    return keywords.help_text(language, network.name, network.hotline)


def unmatched_text(language: str) -> str:
    network = get_network_settings()
    return keywords.unmatched_text(language, network.name, network.hotline)


def may_auto_reply(sender: str) -> bool:
    token = hmac.new(daily_key(b"sms-auto-reply"), sender.encode(), hashlib.sha256).hexdigest()[:32]
    count, _left = hit(f"sms-auto-reply:{token}", AUTO_REPLIES)
    return count <= AUTO_REPLIES.count


def reply(inbound: Inbound, answer: Reply, address: Address | None, *, key: str = "") -> None:
    """Answer an inbound message through the outbox in the answer's lane, at most AUTO_REPLIES per number if limited.

    A required answer (Reply.required) passes the number's opt-out. `address`: the sender's row as
    routing found it (None: it has none), so enqueueing does not look it up again. `key`: for a second
    answer to one text (a dispatcher moved it into a flow), what tells it from the first.
    """
    sender = str(inbound.sender)
    if not inbound.has_usable_sender:
        return  # no phone number to answer
    if answer.is_rate_limited and not may_auto_reply(sender):
        log.info("automatic reply to inbound %s skipped: this number got enough of them", inbound.uuid)
        return
    services.enqueue(
        services.Outgoing(
            Channel.SMS,
            sender,
            {"text": answer.text},
            idempotency_key=f"messaging.reply:{inbound.uuid}" + (f":{key}" if key else ""),
            priority=answer.priority,
        ),
        even_if_opted_out=answer.is_required,
        known={sender: address},  # the sender is kept normalised (E.164)
    )
