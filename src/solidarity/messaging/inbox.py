"""What a hotline taker does with a text in the inbox: reply, opt its number out, move it into a flow, mark it read.

Each action is audited (who, which text; never its number or words). The taker never sees the
number: replies and confirmations go to it from the row.

Moving a text into a flow is the keyword router's step done by a person: "join me to the north
list" was no keyword, but the taker reads it and chooses JOIN with the list's keyword. The chosen
command and argument are read by the router's own parser (so a code or a list keyword is checked
as if the person had texted it), then the command's registered handler acts, as for a text, in a
savepoint: a handler that fails or says the text is not its own changes nothing.
"""

import dataclasses
import uuid

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from solidarity.core import audit
from solidarity.core.models import AuditAction
from solidarity.core.services import get_network_settings
from solidarity.messaging import keywords, services
from solidarity.messaging.inbound import default_language, handle, reply
from solidarity.messaging.keywords import Command, Handled, InboundContext, NotMine, Reply
from solidarity.messaging.models import Channel, Inbound, InboundState
from solidarity.messaging.priority import Priority

# The commands a text can be moved into, when a part registered a handler for them, with what the
# taker types after the word (GLOSSARY.md's keywords).
MOVABLE = {
    Command.REPORT: gettext_lazy("A report (REPORT): the text is the report"),
    Command.JOIN: gettext_lazy("Join a list (JOIN): type the list's keyword"),
    Command.CONFIRM: gettext_lazy("Confirm (CONFIRM): type the code"),
    Command.DROP: gettext_lazy("Give a training seat back (DROP): type the code"),
    Command.GO: gettext_lazy("Can go to an alert (GO): type the alert's code"),
    Command.NO: gettext_lazy("Cannot go to an alert (NO): type the alert's code"),
    Command.ARRIVED: gettext_lazy("A responder is on scene (ARRIVED): type the alert's code"),
    Command.LEFT: gettext_lazy("A responder has left the scene (LEFT): type the alert's code"),
    Command.PAUSE: gettext_lazy("A volunteer pauses (PAUSE): type the number of days"),
    Command.BACK: gettext_lazy("A volunteer is back (BACK)"),
    Command.STATUS: gettext_lazy("A volunteer asks for their status (STATUS)"),
}


class InboxError(Exception):
    """The action cannot be done on this text; the message says why, in the taker's language."""

    def __init__(self, message: str, *, code: str = "conflict") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def movable_commands() -> list[tuple[Command, str]]:
    """The commands a text can be moved into now: those some part handles, with their labels."""
    return [(command, str(label)) for command, label in MOVABLE.items() if keywords.HANDLERS.get(command)]


def check_answerable(inbound: Inbound) -> None:
    """InboxError when the text came from no phone number: there is nobody to answer or opt out."""
    if not inbound.has_usable_sender:
        raise InboxError(_("This text came from no phone number: nobody can answer it."), code="no_phone_number")


def record(inbound: Inbound, *, actor: str, role: str, detail: audit.Detail) -> None:
    audit.record(
        actor=actor,
        role=role,
        action=AuditAction.CHANGED,
        object_type="messaging.inbound",
        object_ids=[inbound.uuid],
        detail=detail,
    )


def do_mark_reviewed(inbound: Inbound, *, actor: str, role: str) -> None:
    """A hotline taker read it and did what was needed: it leaves the inbox (and its retention clock starts)."""
    with transaction.atomic():
        done = Inbound.objects.filter(pk=inbound.pk, state=InboundState.UNMATCHED).update(
            state=InboundState.REVIEWED, reviewed_at=timezone.now()
        )
        if done:
            inbound.state = InboundState.REVIEWED
            record(inbound, actor=actor, role=role, detail={"state": InboundState.REVIEWED})


def do_reply(inbound: Inbound, text: str, *, actor: str, role: str) -> None:
    """Answer an inbound text by SMS without showing the taker the number: the outbox reads it from the row."""
    check_answerable(inbound)
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
        record(inbound, actor=actor, role=role, detail={"replied": 1})


def do_opt_out_sender(inbound: Inbound, *, actor: str, role: str) -> bool:
    """Opt the text's number out of everything, as its STOP would ("please stop texting me"); False if it was already.

    Confirmed to the number once, as a STOP is (a required answer: no limit drops it), and the
    text leaves the inbox: there is nothing more to do with it.
    """
    check_answerable(inbound)
    sender = str(inbound.sender)
    with transaction.atomic():
        address = services.address_state(Channel.SMS, sender)
        was_opted_out = address.opted_out_at is not None
        services.do_opt_out(Channel.SMS, sender, state=address)
        if not was_opted_out:
            language = address.language or keywords.guess_language(str(inbound.body)) or default_language()
            stopped = keywords.stopped_text(language, get_network_settings().name)
            reply(inbound, Reply.required(stopped), address, key="opt-out")
        Inbound.objects.filter(pk=inbound.pk).update(command=Command.STOP)
        inbound.command = Command.STOP
        record(inbound, actor=actor, role=role, detail={"opted_out": 1})
        do_mark_reviewed(inbound, actor=actor, role=role)
    return not was_opted_out


def do_move_to_flow(inbound: Inbound, command: Command, argument: str, *, actor: str, role: str) -> str:
    """Act on the text as if it had been sent as `command` `argument`; what became of it, for the taker.

    Raises InboxError when the argument does not read as the command's (code "invalid_input"),
    when no part handles the command or its handler does not take the text (code "not_taken");
    nothing has changed then. Handled: the text leaves the inbox, reviewed. Sent back to the inbox by the
    handler: it stays. The handler's answer goes to the sender: a person chose it, so no limit
    drops it.
    """
    check_answerable(inbound)
    if command not in dict(movable_commands()):
        raise InboxError(_("Nothing in this network takes that kind of text yet."), code="not_taken")
    parsed = read_as(command, argument, str(inbound.body))
    sender = str(inbound.sender)
    with transaction.atomic():
        address = services.find_address(Channel.SMS, sender)
        language = (address.language if address else "") or keywords.guess_language(str(inbound.body))
        context = InboundContext(
            sender,
            str(inbound.uuid),
            language or default_language(),
            is_opted_out=address is not None and address.opted_out_at is not None,
        )
        outcome = handle(inbound, parsed, context)
        if isinstance(outcome, NotMine):
            raise InboxError(_("That did not fit: nothing changed. Check the code or keyword."), code="not_taken")
        answer = outcome.reply
        if answer is not None:
            answer = dataclasses.replace(answer, is_rate_limited=False)
            reply(inbound, answer, services.find_address(Channel.SMS, sender), key=f"moved:{uuid.uuid4()}")
        inbound.command = command
        if isinstance(outcome, Handled):  # a person dealt with it: reviewed (a follow-up reply stays possible)
            inbound.state, inbound.reviewed_at = InboundState.REVIEWED, timezone.now()
        Inbound.objects.filter(pk=inbound.pk).update(
            command=command, state=inbound.state, reviewed_at=inbound.reviewed_at
        )
        record(inbound, actor=actor, role=role, detail={"moved_to": str(command), "state": inbound.state})
    if isinstance(outcome, Handled):
        return _("Done: the text was taken, and it has left the inbox.")
    return _("Taken note of: the text stays in the inbox for a person to follow up.")


def read_as(command: Command, argument: str, body: str) -> keywords.Parsed:
    """The command and argument as the router reads a text: a code or a list keyword is checked as it is there."""
    if command == Command.REPORT:
        return keywords.Parsed(Command.REPORT, argument.strip() or body, "")
    word = next(word for word, (meant, _language) in keywords.WORDS.items() if meant == command)
    parsed = keywords.parse(f"{word} {argument}")
    if parsed.command != command:
        raise InboxError(_("That does not read as what follows this keyword."), code="invalid_input")
    return keywords.Parsed(command, parsed.argument, "")
