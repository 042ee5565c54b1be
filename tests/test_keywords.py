"""SMS keywords: parsing English and Spanish texts, the handler registry, the automatic replies."""

from collections.abc import Callable, Iterator

import pytest

from solidarity.core.hooks import AlreadyRegistered
from solidarity.messaging.keywords import (
    HANDLERS,
    WORDS,
    Command,
    Handled,
    InboundContext,
    NotMine,
    Outcome,
    Parsed,
    Reply,
    StackRequest,
    guess_language,
    help_text,
    not_opted_out_text,
    parse,
    stack_request,
    started_text,
    stopped_text,
    unmatched_text,
)

C = Command
UNMATCHED = (C.UNMATCHED, "", "")

CASES: list[tuple[str, tuple[Command, str, str]]] = [
    # Opt-out: the whole message, any case, any punctuation.
    ("STOP", (C.STOP, "", "en")),
    ("Stop.", (C.STOP, "", "en")),
    ("  stop!  ", (C.STOP, "", "en")),
    ("STOPALL", (C.STOP, "", "en")),
    ("stop all", (C.STOP, "", "en")),
    ("Unsubscribe", (C.STOP, "", "en")),
    ("cancel", (C.STOP, "", "en")),
    ("END", (C.STOP, "", "en")),
    ("quit", (C.STOP, "", "en")),
    ("OPTOUT", (C.STOP, "", "en")),
    ("opt out", (C.STOP, "", "en")),
    ("Opt-Out", (C.STOP, "", "en")),
    ("revoke", (C.STOP, "", "en")),
    ("STOP STOP", (C.STOP, "", "en")),
    ("¡Alto!", (C.STOP, "", "es")),
    ("parar", (C.STOP, "", "es")),
    ("Cancelar", (C.STOP, "", "es")),
    ("detener", (C.STOP, "", "es")),
    ("BAJA", (C.STOP, "", "es")),
    # A sentence is never an opt-out: it goes to the inbox.
    ("Stop the raid", UNMATCHED),
    ("please stop texting me", UNMATCHED),
    ("STOP 4821", UNMATCHED),
    ("Alto, es la migra", UNMATCHED),
    # Opt back in.
    ("START", (C.START, "", "en")),
    ("unstop", (C.START, "", "en")),
    ("Iniciar", (C.START, "", "es")),
    ("Start the car", UNMATCHED),
    # Help: only the word alone.
    ("HELP", (C.HELP, "", "en")),
    ("help?", (C.HELP, "", "en")),
    ("Info", (C.HELP, "", "")),
    ("ayuda", (C.HELP, "", "es")),
    ("Help, ICE at my door", UNMATCHED),
    ("Ayuda, la migra está en mi puerta", UNMATCHED),
    # I can go: the word alone or with one code.
    ("GO", (C.GO, "", "en")),
    ("go ab12", (C.GO, "AB12", "en")),
    ("GO 4821", (C.GO, "4821", "en")),
    ("GO #4821", (C.GO, "4821", "en")),
    (" voy! ", (C.GO, "", "es")),
    ("¡VOY!", (C.GO, "", "es")),
    ("Voy 4821", (C.GO, "4821", "es")),
    ("YES", (C.GO, "", "en")),
    ("yes 4821", (C.GO, "4821", "en")),
    ("SÍ", (C.GO, "", "es")),
    ("si", (C.GO, "", "es")),
    ("sí, AB12", (C.GO, "AB12", "es")),
    ("Si\u0301 4821", (C.GO, "4821", "es")),  # a decomposed accent
    ("OK", (C.GO, "", "")),
    ("ok 4821", (C.GO, "4821", "")),
    ("\uff27\uff4f \uff14\uff18\uff12\uff11", (C.GO, "4821", "en")),  # full-width "Go 4821", from some keyboards
    # I can't go.
    ("NO", (C.NO, "", "")),
    ("no.", (C.NO, "", "")),
    ("No 4821", (C.NO, "4821", "")),
    ("NO, ab12", (C.NO, "AB12", "")),
    # Free text that starts with an answer word is not an answer.
    ("No se vayan, la migra está aquí", UNMATCHED),
    ("No se", UNMATCHED),
    ("No way", UNMATCHED),
    ("Go to the church on 5th", UNMATCHED),
    ("Go home", UNMATCHED),
    ("si vienen, avísame", UNMATCHED),
    ("Si vienen", UNMATCHED),
    ("Ok gracias", UNMATCHED),
    ("Yes I can", UNMATCHED),
    ("GO 4821 with my sister", UNMATCHED),
    ("GO 123456789", UNMATCHED),  # too long to be a code
    ("GO 4", UNMATCHED),  # too short
    # Confirm a subscription or a seat.
    ("CONFIRM 1234", (C.CONFIRM, "1234", "en")),
    ("confirmar 1234", (C.CONFIRM, "1234", "es")),
    ("Confirm", (C.CONFIRM, "", "en")),
    ("Confirm ICE at the school", UNMATCHED),
    ("Confirmo que vi a la migra", UNMATCHED),
    # Give a training seat back: the word alone, or with one code.
    ("DROP KT47", (C.DROP, "KT47", "en")),
    ("drop kt47.", (C.DROP, "KT47", "en")),
    ("Cedo KT47", (C.DROP, "KT47", "es")),
    ("CEDO", (C.DROP, "", "es")),
    ("Drop", (C.DROP, "", "en")),
    ("Drop me off at the clinic", UNMATCHED),
    ("Cedo mi lugar a Rosa", UNMATCHED),
    ("DROP KT47 KT48", UNMATCHED),
    # Join a list: one list keyword, upper-cased, accents folded.
    ("JOIN eastside", (C.JOIN, "EASTSIDE", "en")),
    ("unirse Niños", (C.JOIN, "NINOS", "es")),
    ("Unirme alertas", (C.JOIN, "ALERTAS", "es")),
    ("JOIN", (C.JOIN, "", "en")),
    ("Join us at the church", UNMATCHED),
    # Report: the rest as written.
    ("REPORT ICE at 5th and Main", (C.REPORT, "ICE at 5th and Main", "en")),
    ("report: two vans on Elm St.", (C.REPORT, "two vans on Elm St.", "en")),
    ("Reporte la migra está en la escuela Lincoln ", (C.REPORT, "la migra está en la escuela Lincoln", "es")),
    ("REPORTAR - retén en la 35 y Ávila", (C.REPORT, "retén en la 35 y Ávila", "es")),
    ("¡REPORTE! ¿Hay migra en la 5?", (C.REPORT, "¿Hay migra en la 5?", "es")),
    ("REPORTE", (C.REPORT, "", "es")),
    ("Reporting ICE at Walmart", UNMATCHED),
    # Find a resource: the rest as written is the need.
    ("RECURSOS dentista", (C.RESOURCES, "dentista", "es")),
    ("recursos: abogado centro", (C.RESOURCES, "abogado centro", "es")),
    ("Recurso salud mental ", (C.RESOURCES, "salud mental", "es")),
    ("RESOURCES lawyer", (C.RESOURCES, "lawyer", "en")),
    ("resource - food bank", (C.RESOURCES, "food bank", "en")),
    ("Resources", (C.RESOURCES, "", "en")),
    ("RECURSOS", (C.RESOURCES, "", "es")),
    ("Resourceful people at the church", UNMATCHED),
    ("Necesito recursos para mi familia", UNMATCHED),  # the word must come first
    # Supplies used: the word, a label's code and a count.
    ("USADO NLX 2", (C.USED, "NLX 2", "es")),
    ("usada nlx 02", (C.USED, "NLX 2", "es")),
    ("Used gauze 4.", (C.USED, "GAUZE 4", "en")),
    ("USED NLX 1000", UNMATCHED),  # more than 999: a typo, for a person to read
    ("USED NLX 0", UNMATCHED),
    ("used all the gauze", UNMATCHED),  # a sentence, for the inbox
    ("usado por la policía", UNMATCHED),
    ("USADO NLX", UNMATCHED),
    # A volunteer pauses: the word alone, or with a number of days.
    ("PAUSE", (C.PAUSE, "", "en")),
    ("pause 14", (C.PAUSE, "14", "en")),
    ("Pause 14 days.", (C.PAUSE, "14", "en")),
    ("PAUSA 7", (C.PAUSE, "7", "es")),
    ("pausa 7 días", (C.PAUSE, "7", "es")),
    ("Pausa: 7d", (C.PAUSE, "7", "es")),
    ("PAUSA 0", (C.PAUSE, "0", "es")),  # taken as a pause: its handler says which lengths it takes
    ("pausa para comer", UNMATCHED),  # a sentence, for the inbox
    ("Pause the alerts please", UNMATCHED),
    ("PAUSA 7 dias por favor", UNMATCHED),
    ("PAUSA 1000", UNMATCHED),  # longer than any pause
    ("PAUSA 4821 7", UNMATCHED),
    ("pause 2 weeks", (C.PAUSE, "14", "en")),
    ("PAUSA 2 semanas", (C.PAUSE, "14", "es")),
    ("Pausa 3 sem.", (C.PAUSE, "21", "es")),
    ("pause 1w", (C.PAUSE, "7", "en")),
    ("pause 2w days", UNMATCHED),
    ("pausa 2 meses", UNMATCHED),
    # Back from a pause, and one's own state: the word alone.
    ("BACK", (C.BACK, "", "en")),
    ("back!", (C.BACK, "", "en")),
    ("Vuelvo", (C.BACK, "", "es")),
    ("¡Volví!", (C.BACK, "", "es")),
    ("STATUS", (C.STATUS, "", "en")),
    ("status?", (C.STATUS, "", "en")),
    ("Estado", (C.STATUS, "", "es")),
    ("ESTADO.", (C.STATUS, "", "es")),
    ("Back door is open", UNMATCHED),
    ("Vuelvo a las 5", UNMATCHED),
    ("estado de la calle: hay un retén", UNMATCHED),
    ("Status of the raid on Elm?", UNMATCHED),
    # A meeting's speaking queue: the word alone, with OFF / QUITAR, a lane, a code, a code and a name.
    ("STACK", (C.STACK, "", "en")),
    ("turno", (C.STACK, "", "es")),
    ("Turno!", (C.STACK, "", "es")),
    ("TURNO KQ47", (C.STACK, "KQ47", "es")),
    ("stack kq47.", (C.STACK, "KQ47", "en")),
    ("TURNO KQ47 Ana María", (C.STACK, "KQ47 Ana María", "es")),
    ("turno kq47: Ana-María Pérez", (C.STACK, "KQ47 Ana-María Pérez", "es")),
    ("Stack KQ47 Bo", (C.STACK, "KQ47 Bo", "en")),
    ("STACK OFF", (C.STACK, "OFF", "en")),
    ("turno quitar", (C.STACK, "OFF", "es")),
    ("TURNO KQ47 QUITAR", (C.STACK, "KQ47 OFF", "es")),
    ("stack process", (C.STACK, "PROCESS", "en")),
    ("TURNO ORDEN", (C.STACK, "PROCESS", "es")),
    ("turno info", (C.STACK, "INFORMATION", "es")),
    ("STACK question?", (C.STACK, "CLARIFYING", "en")),
    ("Turno KQ47 pregunta", (C.STACK, "KQ47 CLARIFYING", "es")),
    ("turno de guardia mañana", UNMATCHED),  # a responder's shift: for the inbox
    ("Turno de noche", UNMATCHED),
    ("turno 24 horas", UNMATCHED),  # a meeting's code has letters
    ("TURNO mañana", UNMATCHED),
    ("TURNO KQ47 Ana María de la Luz", UNMATCHED),  # more than three words is a sentence
    ("STACK KQ47 Room 2", UNMATCHED),  # a name is letters
    ("Stack the chairs please", UNMATCHED),
    # A call-in campaign: the word alone, or the word and a campaign's code (letters and digits).
    ("CALL", (C.CALL, "", "en")),
    ("call.", (C.CALL, "", "en")),
    ("Llamar", (C.CALL, "", "es")),
    ("¡LLAMAR!", (C.CALL, "", "es")),
    ("CALL KQ47", (C.CALL, "KQ47", "en")),
    ("call kq47", (C.CALL, "KQ47", "en")),
    ("llamar Kq47.", (C.CALL, "KQ47", "es")),
    ("  LLAMAR   hx38 ", (C.CALL, "HX38", "es")),
    ("Call me back", UNMATCHED),  # someone asking for a call: a person reads it
    ("call me", UNMATCHED),
    ("CALL 911", UNMATCHED),  # a campaign's code has letters
    ("llamar 911", UNMATCHED),
    ("LLAMAR 4821", UNMATCHED),
    ("llamar a mi abogado", UNMATCHED),
    ("Llamar a la familia", UNMATCHED),
    ("call KQ47 now", UNMATCHED),
    ("CALL KQ47 HX38", UNMATCHED),
    ("Call the lawyer", UNMATCHED),
    # No keyword at all: the inbox.
    ("ICE at my door", UNMATCHED),
    ("la migra está en mi puerta", UNMATCHED),
    ("", UNMATCHED),
    ("   ", UNMATCHED),
    ("🙏", UNMATCHED),
    ("?!", UNMATCHED),
]


@pytest.mark.parametrize(("body", "expected"), CASES)
def test_text_parses_to_its_command(body: str, expected: tuple[Command, str, str]) -> None:
    assert parse(body) == Parsed(*expected)


def test_bare_yes_from_an_opted_out_number_opts_it_back_in() -> None:
    assert parse("Yes!", opted_out=True) == Parsed(C.START, "", "en")


def test_yes_with_a_code_stays_an_answer_from_an_opted_out_number() -> None:
    # The carrier lifts its block only on the word alone.
    assert parse("YES 4821", opted_out=True) == Parsed(C.GO, "4821", "en")
    assert parse("SÍ", opted_out=True) == Parsed(C.GO, "", "es")


def test_stop_wins_over_everything_even_when_opted_out() -> None:
    assert parse("STOP", opted_out=True).command == C.STOP


def test_every_keyword_parses_alone_to_its_command() -> None:
    for word, (command, language) in WORDS.items():
        assert parse(word.lower()) == Parsed(command, "", language), word


# Words carriers and messaging providers act on themselves: Twilio's opt-out and opt-in words, AWS
# End User Messaging's required opt-out words, Telnyx's STOP ALL, the help words (Twilio, AWS, Braze).
CARRIER_WORDS = frozenset(
    [
        "STOP",
        "STOPALL",
        "UNSUBSCRIBE",
        "CANCEL",
        "END",
        "QUIT",
        "OPTOUT",
        "REVOKE",
        "START",
        "UNSTOP",
        "YES",
        "HELP",
        "INFO",
        "ARRET",
        "REMOVE",
        "TD",
    ]
)


def test_a_volunteers_own_words_are_no_carrier_keyword() -> None:
    own = [word for word, (command, _language) in WORDS.items() if command in (C.PAUSE, C.BACK, C.STATUS)]

    assert sorted(own) == ["BACK", "ESTADO", "PAUSA", "PAUSE", "STATUS", "VOLVI", "VUELVO"]
    assert not CARRIER_WORDS & set(own)


def test_a_responders_words_are_no_carrier_keyword_and_take_a_code() -> None:
    own = [word for word, (command, _language) in WORDS.items() if command in (C.ARRIVED, C.LEFT)]

    assert sorted(own) == ["AQUI", "ARRIVED", "HERE", "LEFT", "LLEGUE", "SALI"]
    assert not CARRIER_WORDS & set(own)
    assert parse("Llegué HX38") == Parsed(C.ARRIVED, "HX38", "es")
    assert parse("sali") == Parsed(C.LEFT, "", "es")
    assert parse("left the house at 5").command == C.UNMATCHED  # a sentence, for the inbox
    assert parse("aquí están los de la migra").command == C.UNMATCHED


def test_the_directorys_words_are_no_carrier_keyword_and_take_the_need_as_written() -> None:
    own = [word for word, (command, _language) in WORDS.items() if command == C.RESOURCES]

    assert sorted(own) == ["RECURSO", "RECURSOS", "RESOURCE", "RESOURCES"]
    assert not CARRIER_WORDS & set(own)
    assert parse("¡Recursos! Dentista en el Centro") == Parsed(C.RESOURCES, "Dentista en el Centro", "es")


# The registry.


@pytest.fixture
def no_go_handler() -> Iterator[None]:
    before = HANDLERS.get(C.GO)
    HANDLERS.unregister(C.GO)
    yield
    HANDLERS.unregister(C.GO)
    if before is not None:
        HANDLERS.register(C.GO, before)


def answer(context: InboundContext, parsed: Parsed) -> Outcome:
    return Handled(Reply(f"{context.sender} {parsed.argument}"))


def other_answer(context: InboundContext, parsed: Parsed) -> Outcome:
    return NotMine()


@pytest.mark.usefixtures("no_go_handler")
def test_registered_handler_answers_its_command() -> None:
    HANDLERS.register(C.GO, answer)
    handler = HANDLERS.get(C.GO)
    assert handler is not None
    context = InboundContext(sender="+15555550100", inbound_id="0b9d6f0e-6c2f-4a47-9d54-0f4a8c7e1a10", language="en")
    assert handler(context, parse("GO 4821")) == Handled(Reply("+15555550100 4821"))


@pytest.mark.usefixtures("no_go_handler")
def test_second_handler_for_a_command_is_refused() -> None:
    HANDLERS.register(C.GO, answer)
    HANDLERS.register(C.GO, answer)  # the same one again (a module imported twice) is harmless
    with pytest.raises(AlreadyRegistered):
        HANDLERS.register(C.GO, other_answer)
    assert HANDLERS.get(C.GO) is answer


@pytest.mark.usefixtures("no_go_handler")
def test_replace_swaps_the_handler() -> None:
    HANDLERS.register(C.GO, answer)
    HANDLERS.register(C.GO, other_answer, replace=True)
    assert HANDLERS.get(C.GO) is other_answer


@pytest.mark.usefixtures("no_go_handler")
def test_unregistered_command_has_no_handler() -> None:
    HANDLERS.register(C.GO, answer)
    HANDLERS.unregister(C.GO)
    assert HANDLERS.get(C.GO) is None
    HANDLERS.unregister(C.GO)  # twice is fine


# The automatic replies.

GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿"
    "abcdefghijklmnopqrstuvwxyzäöñüà"
)
NETWORK = "Eastside Rapid Response Net"  # 27 characters
HOTLINE = "+15555550100"

REPLIES = [
    lambda language: help_text(language, NETWORK, HOTLINE),
    lambda language: stopped_text(language, NETWORK),
    lambda language: started_text(language, NETWORK),
    lambda language: not_opted_out_text(language, NETWORK),
    lambda language: unmatched_text(language, NETWORK, HOTLINE),
]


@pytest.mark.parametrize("reply", REPLIES)
def test_english_reply_fits_one_sms_segment(reply: Callable[[str], str]) -> None:
    text = reply("en")
    assert set(text) <= GSM7, set(text) - GSM7
    assert len(text) <= 160, len(text)
    assert NETWORK in text


@pytest.mark.parametrize("reply", REPLIES)
@pytest.mark.parametrize("language", ["en", "es", "", "fr"])
def test_reply_renders_in_any_language_asked(reply: Callable[[str], str], language: str) -> None:
    text = reply(language)
    assert NETWORK in text
    assert "%(" not in text


def test_english_replies_say_how_to_stop_come_back_and_reach_the_hotline() -> None:
    assert "STOP" in help_text("en", NETWORK, HOTLINE)
    assert "REPORT" in help_text("en", NETWORK, HOTLINE)
    assert HOTLINE in help_text("en", NETWORK, HOTLINE)
    assert "START" in stopped_text("en", NETWORK)
    assert "STOP" in started_text("en", NETWORK)
    assert HOTLINE in unmatched_text("en", NETWORK, HOTLINE)
    assert "person will read" in unmatched_text("en", NETWORK, HOTLINE)


def test_unknown_language_answers_in_english() -> None:
    assert unmatched_text("fr", NETWORK, HOTLINE) == unmatched_text("en", NETWORK, HOTLINE)
    assert help_text("", NETWORK, HOTLINE) == help_text("en", NETWORK, HOTLINE)


@pytest.mark.parametrize(
    ("body", "language"),
    [
        ("La migra está afuera de la iglesia", "es"),
        ("hay hombres en mi puerta", "es"),
        ("ICE is at my door, please help", "en"),
        ("someone at the corner of 5th and Elm", "en"),
        ("???", ""),
        ("ok", ""),
    ],
)
def test_the_language_of_a_text_without_keyword_is_guessed(body: str, language: str) -> None:
    assert guess_language(body) == language


def test_the_meetings_words_are_no_carrier_keyword_and_read_back() -> None:
    own = [word for word, (command, _language) in WORDS.items() if command == C.STACK]

    assert sorted(own) == ["STACK", "TURNO"]
    assert not CARRIER_WORDS & set(own)
    assert stack_request("") == StackRequest()
    assert stack_request("OFF") == StackRequest(off=True)
    assert stack_request("KQ47 OFF") == StackRequest(code="KQ47", off=True)
    assert stack_request("INFORMATION") == StackRequest(lane="information")
    assert stack_request("KQ47 PROCESS") == StackRequest(code="KQ47", lane="process")
    assert stack_request("KQ47") == StackRequest(code="KQ47")
    assert stack_request(parse("TURNO KQ47 Ana María").argument) == StackRequest(code="KQ47", name="Ana María")
    assert stack_request(parse("stack kq47 off").argument) == StackRequest(code="KQ47", off=True)


def test_the_supplies_word_is_no_carrier_keyword() -> None:
    own = [word for word, (command, _language) in WORDS.items() if command == C.USED]
    assert sorted(own) == ["USADA", "USADO", "USED"]
    assert not CARRIER_WORDS & set(own)


def test_the_campaigns_words_are_no_carrier_keyword_and_take_a_lettered_code() -> None:
    own = [word for word, (command, _language) in WORDS.items() if command == C.CALL]

    assert sorted(own) == ["CALL", "LLAMAR"]
    assert not CARRIER_WORDS & set(own)
    assert parse("LLAMAR ab12") == Parsed(C.CALL, "AB12", "es")
    assert parse("call 12").command == C.UNMATCHED  # digits alone: a number, not a campaign's code
    assert parse("Llamar a ICE ahora").command == C.UNMATCHED
