"""The SMS keyword router never loses a text or a reply: each keyword's path, failing handlers, one look-up."""

import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from solidarity.core import keyring
from solidarity.messaging import keywords, services, tasks
from solidarity.messaging.inbound import do_open_sealed, do_receive
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
from solidarity.messaging.models import Address, Channel, Inbound, InboundState, Message, State
from solidarity.messaging.priority import Priority
from solidarity.messaging.sms import InboundSms
from tests.conftest import in_threads

pytestmark = pytest.mark.django_db

NEIGHBOUR = "+19195550163"  # 555-01xx: fictional
PASSPHRASE = "an operator passphrase for the inbound tests"
UNMATCHED_REPLY = "a person will read it"
HELP_REPLY = "to report, text REPORT"


@pytest.fixture
def handlers() -> Iterator[Callable[[Command, Handler | None], None]]:
    """Set a command's handler for one test (None: nobody handles it); every handler is put back after."""
    before = {command: keywords.HANDLERS.get(command) for command in Command}

    def use(command: Command, handler: Handler | None) -> None:
        keywords.HANDLERS.unregister(command)
        if handler is not None:
            keywords.HANDLERS.register(command, handler)

    yield use
    for command, handler in before.items():
        keywords.HANDLERS.unregister(command)
        if handler is not None:
            keywords.HANDLERS.register(command, handler)


def answering(outcome: Outcome) -> Handler:
    def handler(context: InboundContext, parsed: Parsed) -> Outcome:
        return outcome

    return handler


def text(body: str, *, sender: str = NEIGHBOUR, sid: str = "") -> Inbound:
    inbound = do_receive("loopback", InboundSms(sender=sender, body=body, provider_id=sid))
    assert inbound is not None
    inbound.refresh_from_db()
    return inbound


def replies_to(inbound: Inbound) -> list[Message]:
    return list(Message.objects.filter(idempotency_key=f"messaging.reply:{inbound.uuid}"))


def reply_text(inbound: Inbound) -> str:
    [reply] = replies_to(inbound)
    return str(reply.content["text"])


# A handler that fails never loses the text.


def test_a_handler_that_raises_integrity_error_keeps_the_text_in_the_inbox(
    handlers: Callable[[Command, Handler | None], None], caplog: pytest.LogCaptureFixture
) -> None:
    def buggy_report(context: InboundContext, parsed: Parsed) -> Outcome:
        # A bug that breaks a constraint: the same provider message kept twice.
        Inbound.objects.create(backend="loopback", provider_id="SM-raid", received_at=timezone.now())
        return Handled()

    handlers(Command.REPORT, buggy_report)

    with caplog.at_level(logging.INFO, logger="solidarity.messaging"):
        inbound = text("REPORTE redada en la calle Elm 1200", sid="SM-raid")

    assert (inbound.state, inbound.command, inbound.body) == (
        InboundState.UNMATCHED,
        Command.REPORT,
        "REPORTE redada en la calle Elm 1200",
    )
    assert Inbound.objects.count() == 1  # the handler's work was undone, the text kept
    assert "una persona lo va a leer" in reply_text(inbound)  # the unmatched reply, in the keyword's language
    logged = caplog.text
    assert str(inbound.uuid) in logged
    assert "IntegrityError" in logged
    assert "seen before" not in logged
    assert "Elm" not in logged
    assert "0163" not in logged


def test_a_handler_that_raises_any_error_keeps_the_text_in_the_inbox(
    handlers: Callable[[Command, Handler | None], None], caplog: pytest.LogCaptureFixture
) -> None:
    def crashing(context: InboundContext, parsed: Parsed) -> Outcome:
        services.do_set_language(Channel.SMS, context.sender, "en")  # undone with the rest of its work
        raise RuntimeError(f"lost {context.sender}")

    handlers(Command.GO, crashing)

    inbound = text("voy 4821")

    assert (inbound.state, inbound.command) == (InboundState.UNMATCHED, Command.GO)
    assert "una persona lo va a leer" in reply_text(inbound)  # the unmatched reply, in Spanish: VOY says so
    address = services.find_address(Channel.SMS, NEIGHBOUR)
    assert address is not None
    assert address.language == "es"
    assert "RuntimeError" in caplog.text
    assert str(inbound.uuid) in caplog.text
    assert NEIGHBOUR not in caplog.text


def test_a_retried_webhook_is_still_kept_once() -> None:
    first = do_receive("loopback", InboundSms(sender=NEIGHBOUR, body="hola", provider_id="SM1"))
    again = do_receive("loopback", InboundSms(sender=NEIGHBOUR, body="hola", provider_id="SM1"))

    assert first is not None
    assert again is None
    assert Inbound.objects.count() == 1
    assert len(replies_to(first)) == 1


# Each keyword's path: registered handler or none.

GO = answering(Handled(Reply("Gracias, le esperamos.", priority=Priority.ALERT, is_rate_limited=False)))

PATHS: list[tuple[str, Command, Outcome | None, str, str | None]] = [
    # body, command, the command's handler's outcome (None: no handler), state, the reply's text (None: no reply)
    ("STOP", Command.STOP, None, InboundState.HANDLED, "you are unsubscribed"),
    ("START", Command.START, None, InboundState.HANDLED, "had not unsubscribed"),  # it never opted out
    ("HELP", Command.HELP, None, InboundState.UNMATCHED, HELP_REPLY),
    ("INFO", Command.HELP, None, InboundState.UNMATCHED, HELP_REPLY),
    ("AYUDA", Command.HELP, None, InboundState.UNMATCHED, "para reportar"),
    ("GO 4821", Command.GO, Handled(Reply("Thank you, see you there.")), InboundState.HANDLED, "see you there"),
    ("GO 4821", Command.GO, None, InboundState.UNMATCHED, UNMATCHED_REPLY),
    ("NO 4821", Command.NO, Handled(Reply("Thank you for telling us.")), InboundState.HANDLED, "telling us"),
    ("NO 4821", Command.NO, None, InboundState.UNMATCHED, UNMATCHED_REPLY),
    ("GO", Command.GO, Handled(Reply("Thank you, see you there.")), InboundState.HANDLED, "see you there"),
    ("GO", Command.GO, NotMine(), InboundState.UNMATCHED, UNMATCHED_REPLY),  # no alert pending
    ("GO", Command.GO, None, InboundState.UNMATCHED, UNMATCHED_REPLY),
    ("NO", Command.NO, NotMine(), InboundState.UNMATCHED, UNMATCHED_REPLY),
    ("NO", Command.NO, None, InboundState.UNMATCHED, UNMATCHED_REPLY),
    ("JOIN NORTE", Command.JOIN, Handled(Reply("You are on the list.")), InboundState.HANDLED, "on the list"),
    ("JOIN NORTE", Command.JOIN, None, InboundState.UNMATCHED, UNMATCHED_REPLY),
    ("CONFIRM 1234", Command.CONFIRM, Handled(Reply("Confirmed.")), InboundState.HANDLED, "Confirmed."),
    ("CONFIRM 1234", Command.CONFIRM, None, InboundState.UNMATCHED, UNMATCHED_REPLY),
    ("REPORT vans on Elm", Command.REPORT, ToInbox(Reply("Thank you: a person reads it now.")), "unmatched", "now"),
    ("REPORT vans on Elm", Command.REPORT, ToInbox(), InboundState.UNMATCHED, None),
    ("REPORT vans on Elm", Command.REPORT, Handled(), InboundState.HANDLED, None),
    ("REPORT vans on Elm", Command.REPORT, None, InboundState.UNMATCHED, UNMATCHED_REPLY),
    ("ICE at my door on Elm St", Command.UNMATCHED, None, InboundState.UNMATCHED, UNMATCHED_REPLY),
]


@pytest.mark.parametrize(("body", "command", "outcome", "state", "answer"), PATHS)
def test_each_keyword_takes_its_path(
    handlers: Callable[[Command, Handler | None], None],
    body: str,
    command: Command,
    outcome: Outcome | None,
    state: str,
    answer: str | None,
) -> None:
    if command not in (Command.STOP, Command.START, Command.HELP, Command.UNMATCHED):
        handlers(command, answering(outcome) if outcome is not None else None)

    inbound = text(body)

    assert (inbound.command, inbound.state) == (command, state)
    if answer is None:
        assert replies_to(inbound) == []
    else:
        assert answer in reply_text(inbound)


def test_a_bare_confirm_with_nothing_to_confirm_goes_to_the_inbox() -> None:
    """Lists' own CONFIRM handler (registered at start-up) says it is not its text: a person reads it."""
    inbound = text("CONFIRMAR")

    assert (inbound.command, inbound.state) == (Command.CONFIRM, InboundState.UNMATCHED)
    assert "una persona lo va a leer" in reply_text(inbound)


@pytest.fixture
def confirmers() -> Iterator[Callable[[str, Handler], None]]:
    """Add confirmers (keywords.CONFIRMERS) for one test, after the parts' own; removed after."""
    added: list[str] = []

    def add(name: str, confirmer: Handler) -> None:
        keywords.CONFIRMERS.register(name, confirmer)
        added.append(name)

    yield add
    for name in added:
        keywords.CONFIRMERS.unregister(name)


def test_confirm_goes_to_the_first_confirmer_that_owns_the_code(confirmers: Callable[[str, Handler], None]) -> None:
    asked: list[tuple[str, str]] = []

    def owns(code: str, name: str) -> Handler:
        def confirmer(context: InboundContext, parsed: Parsed) -> Outcome:
            asked.append((name, parsed.argument))
            return Handled(Reply(f"{name} confirmed.")) if parsed.argument == code else NotMine()

        return confirmer

    confirmers("tests.seats", owns("KT47", "seat"))
    confirmers("tests.contacts", owns("HX38", "contact"))

    inbound = text("confirm hx38")

    assert (inbound.command, inbound.state) == (Command.CONFIRM, InboundState.HANDLED)
    assert reply_text(inbound) == "contact confirmed."
    assert asked == [("seat", "HX38"), ("contact", "HX38")]


def test_a_code_nobody_owns_is_answered_in_the_senders_language(confirmers: Callable[[str, Handler], None]) -> None:
    confirmers("tests.nobody", answering(NotMine()))

    inbound = text("CONFIRMAR KT47")

    assert (inbound.command, inbound.state) == (Command.CONFIRM, InboundState.HANDLED)
    assert "ese código no corresponde" in reply_text(inbound)


def test_a_handler_hears_who_sent_it_in_which_language_and_whether_the_number_had_opted_out(
    handlers: Callable[[Command, Handler | None], None],
) -> None:
    seen: list[InboundContext] = []

    def report(context: InboundContext, parsed: Parsed) -> Outcome:
        seen.append(context)
        return ToInbox()

    handlers(Command.REPORT, report)
    text("STOP")

    inbound = text("reporte hay agentes en la escuela")

    [context] = seen
    assert (context.sender, context.inbound_id, context.language, context.is_opted_out) == (
        NEIGHBOUR,
        str(inbound.uuid),
        "es",
        True,
    )


# An answer to an alert is never rate-limited away; other automatic replies still are.


def test_five_answers_to_alerts_within_a_minute_get_five_replies_in_the_alert_lane(
    handlers: Callable[[Command, Handler | None], None],
) -> None:
    handlers(Command.GO, GO)

    answered = [text(f"GO {code}") for code in ("AB12", "CD34", "EF56", "GH78", "JK90")]

    replies = [reply for inbound in answered for reply in replies_to(inbound)]
    assert len(replies) == 5
    assert {(reply.priority, reply.state) for reply in replies} == {(Priority.ALERT, State.QUEUED)}


def test_rate_limited_replies_stop_after_six_an_hour(handlers: Callable[[Command, Handler | None], None]) -> None:
    handlers(Command.GO, answering(Handled(Reply("Thank you."))))

    answered = [text(f"GO {code}") for code in ("AB12", "CD34", "EF56", "GH78", "JK90", "MN23", "PR45", "TW67")]

    assert sum(len(replies_to(inbound)) for inbound in answered) == 6
    assert {inbound.state for inbound in answered} == {InboundState.HANDLED}


# The answers carrier rules and the law require are never rate-limited away nor cancelled.

THREE_OF_A_KIND = [
    pytest.param(["where is the clinic?", "is anyone there?", "hello?"], id="three-questions"),
    pytest.param(["hola", "hola", "hola"], id="three-quick-texts"),
    pytest.param(["HELP", "AYUDA", "INFO"], id="three-helps"),
]


@pytest.mark.parametrize("before", THREE_OF_A_KIND)
def test_an_opt_out_is_confirmed_whatever_came_before(before: list[str]) -> None:
    for body in before:
        text(body)

    stop = text("STOP")

    [confirmation] = replies_to(stop)
    assert "you are unsubscribed" in confirmation.content["text"]
    assert confirmation.state == State.QUEUED
    assert Address.objects.get().opted_out_at is not None


def test_an_opt_in_is_confirmed_whatever_came_before() -> None:
    text("ALTO")
    for body in ("hola", "hola", "hola", "hola"):
        text(body)

    start = text("INICIAR")

    [confirmation] = replies_to(start)
    assert ("se ha suscrito de nuevo" in confirmation.content["text"], confirmation.state) == (True, State.QUEUED)
    assert Address.objects.get().opted_out_at is None


def test_help_is_answered_after_any_number_of_other_replies() -> None:
    for body in ("hello?", "hello?", "hello?", "hello?"):
        text(body)

    answered = [text(word) for word in ("HELP", "AYUDA", "HELP")]

    assert all(HELP_REPLY in reply_text(inbound) or "para reportar" in reply_text(inbound) for inbound in answered)
    assert {reply.state for inbound in answered for reply in replies_to(inbound)} == {State.QUEUED}


def test_help_is_answered_even_from_a_number_that_opted_out() -> None:
    text("STOP")

    help_ = text("HELP")

    [answer] = replies_to(help_)
    assert (HELP_REPLY in answer.content["text"], answer.state) == (True, State.QUEUED)
    assert help_.state == InboundState.UNMATCHED  # a person reads it too
    assert Address.objects.get().opted_out_at is not None  # and it stays opted out


def test_an_opt_out_does_not_cancel_the_help_answer_waiting_for_it() -> None:
    help_ = text("AYUDA")
    text("ALTO")

    [answer] = replies_to(help_)
    assert answer.state == State.QUEUED


def test_start_from_a_number_that_never_opted_out_says_so() -> None:
    text("hola")

    start = text("START")

    assert "had not unsubscribed" in reply_text(start)
    assert "subscribed again" not in reply_text(start)


def test_a_second_stop_is_not_confirmed_again() -> None:
    """Confirmed once: a robot that answers every text with STOP cannot loop with the network."""
    text("STOP")

    again = text("STOP")

    assert replies_to(again) == []


# The sender's number is looked up once per text.


def address_reads(queries: CaptureQueriesContext) -> list[str]:
    table = Address._meta.db_table
    return [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT") and table in q["sql"]]


def on_messaging_tables(queries: CaptureQueriesContext) -> list[str]:
    """Routing's own queries (the cache's, a database table without Redis, vary with the backend)."""
    return [q["sql"] for q in queries.captured_queries if '"messaging_' in q["sql"]]


def test_an_unmatched_text_looks_its_sender_up_once() -> None:
    text("ayuda")  # the number has written before: its row (its language) exists

    with CaptureQueriesContext(connection) as queries:
        inbound = do_receive("loopback", InboundSms(sender=NEIGHBOUR, body="hay alguien en la puerta"))

    assert inbound is not None
    assert inbound.state == InboundState.UNMATCHED
    assert "una persona lo va a leer" in reply_text(inbound)
    assert len(address_reads(queries)) == 1
    # The text kept, its sender read, the reply's key checked, queued and read back, the text's state.
    assert len(on_messaging_tables(queries)) == 6, on_messaging_tables(queries)


def test_a_stop_looks_its_sender_up_once_and_still_cancels_what_waits() -> None:
    waiting = services.enqueue(
        services.Outgoing(Channel.SMS, NEIGHBOUR, {"text": "Assembly on Thursday"}, idempotency_key="news:1")
    )
    text("ayuda")

    with CaptureQueriesContext(connection) as queries:
        inbound = do_receive("loopback", InboundSms(sender=NEIGHBOUR, body="ALTO"))

    assert inbound is not None
    waiting.refresh_from_db()
    assert (waiting.state, waiting.reason) == (State.CANCELLED, "opted_out")
    assert "se ha dado de baja" in reply_text(inbound)  # the one confirmation, in Spanish, though opted out
    assert replies_to(inbound)[0].state == State.QUEUED
    assert len(address_reads(queries)) == 1
    # As above, and the opt-out: the row's update, what waits for the number read and cancelled.
    assert len(on_messaging_tables(queries)) == 9, on_messaging_tables(queries)


def test_a_stop_from_a_new_number_makes_its_row_once() -> None:
    with CaptureQueriesContext(connection) as queries:
        inbound = text("STOP")

    address = services.find_address(Channel.SMS, NEIGHBOUR)
    assert address is not None
    assert (address.language, address.opted_out_at is not None) == ("en", True)
    assert replies_to(inbound)[0].state == State.QUEUED
    assert len(address_reads(queries)) == 1
    assert Address.objects.count() == 1


# Texts that came while the keys were locked are routed once the keys are unlocked, once.


@pytest.fixture
def locked(own_home: Path, tmp_path: Path) -> Path:
    """A sealed network, locked: returns a file holding the operator's passphrase."""
    keyring.seal(PASSPHRASE)
    keyring.lock()
    passphrase = tmp_path / "passphrase"
    passphrase.write_text(PASSPHRASE + "\n")
    return passphrase


def test_a_text_received_while_locked_is_routed_when_an_operator_unlocks_once(
    locked: Path, handlers: Callable[[Command, Handler | None], None]
) -> None:
    calls: list[str] = []

    def report(context: InboundContext, parsed: Parsed) -> Outcome:
        calls.append(parsed.argument)
        return ToInbox(Reply("Gracias: una persona lo lee ahora."))

    handlers(Command.REPORT, report)
    try:
        inbound = text("REPORTE retén en la 15 y Main")
        assert inbound.state == InboundState.SEALED
    finally:
        call_command("keys", "unlock", "--passphrase-file", str(locked))

    inbound.refresh_from_db()
    assert (inbound.state, inbound.command, inbound.sender) == (InboundState.UNMATCHED, Command.REPORT, NEIGHBOUR)
    assert calls == ["retén en la 15 y Main"]
    assert reply_text(inbound) == "Gracias: una persona lo lee ahora."

    # The worker, once it sees the keys unlocked, and the job every minute find nothing left to do.
    assert keyring.after_unlock() == []
    tasks.open_sealed.call()
    assert do_open_sealed() == 0
    assert calls == ["retén en la 15 y Main"]
    assert len(replies_to(inbound)) == 1


def test_the_job_routes_nothing_while_the_keys_are_locked(locked: Path) -> None:
    inbound = text("ayuda")

    tasks.open_sealed.call()

    inbound.refresh_from_db()
    assert inbound.state == InboundState.SEALED
    keyring.unlock(PASSPHRASE)
    tasks.open_sealed.call()
    inbound.refresh_from_db()
    assert (inbound.state, inbound.command) == (InboundState.UNMATCHED, Command.HELP)


@pytest.mark.django_db(transaction=True)
def test_two_processes_opening_at_once_route_each_text_once(locked: Path) -> None:
    sealed = [text(f"hola {n}", sender=f"+1919555016{n}") for n in range(3)]
    keyring.unlock(PASSPHRASE)

    opened = in_threads(2, lambda _n: do_open_sealed())

    assert sum(opened) == 3
    assert Inbound.objects.filter(state=InboundState.UNMATCHED).count() == 3
    assert sum(len(replies_to(inbound)) for inbound in sealed) == 3


def test_opening_keeps_what_a_failing_route_could_not_handle(
    locked: Path, handlers: Callable[[Command, Handler | None], None]
) -> None:
    def broken(context: InboundContext, parsed: Parsed) -> Outcome:
        raise IntegrityError("a bug")

    handlers(Command.GO, broken)
    inbound = text("GO 4821")
    keyring.unlock(PASSPHRASE)

    assert do_open_sealed() == 1

    inbound.refresh_from_db()
    assert (inbound.state, inbound.command) == (InboundState.UNMATCHED, Command.GO)
    assert UNMATCHED_REPLY in reply_text(inbound)
