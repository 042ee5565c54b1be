"""SMS keywords: what an inbound text asks for, the seam where higher parts answer it, and the automatic replies.

Pure: no model, no database. The router (messaging.inbound) calls `parse`, honours STOP, START
and HELP itself, and hands the other commands to the handler a higher part registered
(`HANDLERS.register(Command.GO, ...)` in its AppConfig.ready): the router knows nothing of incidents
or lists. Whatever is not a command goes to a part that reads it as its own (READERS, below),
else to the hotline takers' inbox.

The words are GLOSSARY.md's. The carrier words are those carriers act on themselves, so the
network's state agrees with the carrier's block list: Twilio's default opt-out words (STOP,
STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, OPTOUT, REVOKE; Advanced Opt-Out tutorial) and opt-in
words (START, UNSTOP, YES; "Twilio support for opt-out keywords"), "STOP ALL" (Telnyx) and
"OPT-OUT" (AWS End User Messaging), HELP and INFO (Twilio, AWS, Braze). ALTO and AYUDA are the
industry's Spanish words (Twilio, "Industry Standards for Spanish-language Short Code
campaigns"); DETENER and BAJA are common Spanish opt-out words (Latin American providers).
A volunteer's own words (PAUSE/PAUSA, BACK/VUELVO/VOLVI, STATUS/ESTADO) are none of the carriers'
(checked against the lists above, AWS's ARRET, REMOVE and TD, and Braze's defaults), nor is
the word for giving a training seat back (DROP/CEDO), nor a responder's (ARRIVED/HERE/LLEGUE/AQUI,
LEFT/SALI), nor the directory's (RESOURCES/RESOURCE, RECURSOS/RECURSO), nor the supplies'
(USED, USADO/USADA, NALOXONE, NALOXONA), nor the meetings' (STACK, TURNO; OFF, QUITAR and the
lane words only ever follow them), nor the campaigns' (CALL, LLAMAR: checked against the same lists;
no carrier acts on them), nor the events' (VOLUNTEER, VOLUNTARIO, VOLUNTARIA: checked against the same
lists, AWS's and Braze's; no carrier acts on them).

Matching rules, in this order (case, accents, punctuation and spacing ignored throughout):

1. STOP when the whole message is opt-out words ("Stop.", "OPT-OUT", "stop all", "ALTO ALTO").
   Like the carriers, a sentence is not an opt-out: "Stop the raid" or "please stop texting
   me" go to the inbox, where a person reads them and can opt the number out by hand.
2. START when the whole message is an opt-in word. A bare YES is an answer (GO), except from
   an opted-out number (`opted_out=True`): the carrier has just lifted its block on it, so
   Solidarity opts it back in too.
3. HELP when the whole message is a help word: "Help, ICE at my door" is not a command.
4. GO, NO, CONFIRM, DROP, ARRIVED and LEFT when the message is the word alone or the word and one code. A code
   has 2 to 8 letters and digits, at least one a digit (`CODE`), so "No se vayan", "Go home",
   "Si vienen" or "Ok gracias" never read as answers.
5. JOIN when the message is the word alone or the word and one list keyword.
6. REPORT when the message starts with the word; the rest, as written, is the report.
7. PAUSE when the message is the word alone or the word and a number of days (1 to 3 digits),
   perhaps followed by the word for days ("PAUSA 7", "pause 14 days", "PAUSA 7 dias"), or of
   weeks ("PAUSA 2 semanas", "pause 2 weeks", "pause 2w": the argument is then in days): "pausa
   para comer" or "Pause the alerts" are sentences, for the inbox.
8. BACK and STATUS when the whole message is the word ("Vuelvo!", "status?"): "I'll be back at
   5" or "estado de la calle" are sentences.
9. RESOURCES when the message starts with the word; the rest, as written, is the need (perhaps
   with a zone: "RECURSOS dentista centro"). None of the rules above starts with these words, so
   nothing they matched before changes meaning.
10. USED when the message is the word, an item's code (2 to 8 letters and digits, as printed on its
    label) and a count (1 to 999), in that order ("USADO NLX 2", "used gauze 4"): the argument is
    "CODE COUNT"; or the word alone (its handler says how). "Used all the gauze" or "usado por la
    policía" are sentences, for the inbox.
11. NALOXONE when the message is the word alone (its handler says how), or the word and a number of
    doses (1 to 10), perhaps followed by the zone's name as written ("NALOXONA 2 centro"): the
    argument is "DOSES" or "DOSES zone words". "Naloxona por favor" or "Naloxone?" asks for it, and
    goes to the inbox, where a person answers.
12. STACK (a meeting's speaking queue) when the message is: the word alone; the word and OFF /
    QUITAR (take one's turn back); the word and a lane word (PROCESS / ORDEN for a point of
    process, INFO for a point of information, QUESTION / PREGUNTA for a clarifying question),
    perhaps with a meeting's code before it ("TURNO KQ47 ORDEN"); the word and a code ("TURNO
    KQ47"), perhaps followed by OFF / QUITAR or by a name of 1 to 3 words of letters ("TURNO KQ47
    Ana María": the room sees it). Here a code is CODE with at least one letter, as every
    meeting's is, so "turno 24 horas" is no code; anything else after the word ("turno de
    guardia mañana", a responder's shift talk) is not a stack command. The argument is written
    for `stack_request` to read back: "", "OFF", "PROCESS" (a lane: PROCESS, INFORMATION or
    CLARIFYING), "KQ47", "KQ47 OFF", "KQ47 PROCESS" or "KQ47 Ana María" (the name as written).
13. CALL (a call-in campaign: the next office to call) when the message is the word alone, or the
    word and one campaign's code: CODE with at least one letter, as every campaign's is
    (core.codes.unique_code), so "llamar 911" is no code. The argument is the code, upper case, or "".
    Anything else after the word is a sentence for the inbox, where a person reads it: "Call me
    back", "llamar a mi abogado", "LLAMAR 911".
14. VOLUNTEER (an action's open slots, to sign up by replying a digit) when the message is the word alone, or
    the word and one action's code: CODE with at least one letter, as every action's is
    (core.codes.unique_code). The argument is the code, upper case, or "". Anything else after the word
    is a sentence for the inbox ("Volunteer at the food bank?", "voluntario para mañana").
15. Anything else is UNMATCHED.

DROP, ARRIVED and LEFT answer more than one part's question (a training seat, an action's sign-up, an
alert), as CONFIRM does: messaging answers them (messaging.inbound) and asks each part registered in
DROPPERS, ARRIVALS or DEPARTURES, in turn (start-up order), whether the code (or, bare, the one thing
pending for that number) is its own. A code nobody owns gets a short answer saying so.

A bare answer (GO, NO, DROP without a code) means something only when the sender has one alert
pending: the GO or NO handler claims it then; otherwise (it answers `NotMine`, or no part
registered one) it goes to the inbox. A bare HELP, AYUDA or INFO is answered and also goes to
the inbox: someone in danger may text just AYUDA.

The seam. A handler is `Handler = (InboundContext, Parsed) -> Outcome`, and says what follows:

- `Handled(reply)`: it acted on the text, which is kept as handled (out of the inbox), and the
  sender gets `reply` if it has one. A `Reply` has its lane (`priority`: `Priority.ALERT` for an
  answer to an alert, so it passes any broadcast) and says whether the automatic-reply limit
  (a few per number an hour, so two robots cannot answer each other forever) applies to it:
  an answer to an alert sets `is_rate_limited=False`, and is never dropped.
- `ToInbox(reply)`: a person should read it: it goes to the inbox, answered with `reply` if it
  has one (and with nothing else).
- `NotMine()`: not this handler's (a bare GO with no alert pending): the router treats it as
  unmatched, so it goes to the inbox with the usual automatic reply.

A handler that raises is treated as `NotMine`: its work is undone, and the text is in the inbox.

A carrier acts only on its own words. With Twilio, add the Spanish words to the Messaging
Service's Advanced Opt-Out, or ALTO opts a number out here but not at the carrier, and INICIAR
cannot lift the carrier's block after a STOP.
"""

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from solidarity.core.codes import CODE
from solidarity.core.hooks import Registry
from solidarity.messaging.priority import Priority


class Command(StrEnum):
    STOP = "stop"
    START = "start"
    HELP = "help"
    GO = "go"
    NO = "no"
    JOIN = "join"
    REPORT = "report"
    CONFIRM = "confirm"
    DROP = "drop"
    PAUSE = "pause"
    BACK = "back"
    STATUS = "status"
    ARRIVED = "arrived"
    LEFT = "left"
    RESOURCES = "resources"
    USED = "used"
    NALOXONE = "naloxone"
    STACK = "stack"
    CALL = "call"
    VOLUNTEER = "volunteer"
    UNMATCHED = "unmatched"


@dataclass(frozen=True)
class Parsed:
    command: Command
    argument: str  # a code or list keyword upper-cased, a report or a need as written, a pause's days, else ""
    language: str  # "en" or "es" for the word matched, "" when it is both (NO, OK, INFO) or none


# Each word, folded (upper case, no accents), with its command and language.
WORDS: dict[str, tuple[Command, str]] = {
    **dict.fromkeys(
        ("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE"), (Command.STOP, "en")
    ),
    **dict.fromkeys(("ALTO", "PARAR", "CANCELAR", "DETENER", "BAJA"), (Command.STOP, "es")),
    **dict.fromkeys(("START", "UNSTOP"), (Command.START, "en")),
    "INICIAR": (Command.START, "es"),
    "HELP": (Command.HELP, "en"),
    "INFO": (Command.HELP, ""),
    "AYUDA": (Command.HELP, "es"),
    **dict.fromkeys(("GO", "YES"), (Command.GO, "en")),
    **dict.fromkeys(("VOY", "SI"), (Command.GO, "es")),
    "OK": (Command.GO, ""),
    "NO": (Command.NO, ""),
    "JOIN": (Command.JOIN, "en"),
    **dict.fromkeys(("UNIRSE", "UNIRME"), (Command.JOIN, "es")),
    "REPORT": (Command.REPORT, "en"),
    **dict.fromkeys(("REPORTE", "REPORTAR"), (Command.REPORT, "es")),
    "CONFIRM": (Command.CONFIRM, "en"),
    "CONFIRMAR": (Command.CONFIRM, "es"),
    # Giving a seat back (GLOSSARY.md row to add):
    # | give a training seat back (to the waiting list) | DROP 1234 | CEDO 1234 ("cedo mi lugar") |
    "DROP": (Command.DROP, "en"),
    "CEDO": (Command.DROP, "es"),
    # A volunteer's own state (GLOSSARY.md rows to add):
    # | pause (no alerts) for some days | PAUSE (PAUSE 7: for 7 days; alone: 7 days) | PAUSA (PAUSA 7) |
    # | back from a pause | BACK | VUELVO (also VOLVÍ) |
    # | my state, next shift, skills lapsing soon | STATUS | ESTADO |
    "PAUSE": (Command.PAUSE, "en"),
    "PAUSA": (Command.PAUSE, "es"),
    "BACK": (Command.BACK, "en"),
    **dict.fromkeys(("VUELVO", "VOLVI"), (Command.BACK, "es")),
    "STATUS": (Command.STATUS, "en"),
    "ESTADO": (Command.STATUS, "es"),
    # A responder on an incident (GLOSSARY.md rows to add):
    # | I am on scene | ARRIVED 4821 (also HERE 4821) | LLEGUE 4821 (also AQUI 4821) |
    # | I have left the scene | LEFT 4821 | SALI 4821 |
    **dict.fromkeys(("ARRIVED", "HERE"), (Command.ARRIVED, "en")),
    **dict.fromkeys(("LLEGUE", "AQUI"), (Command.ARRIVED, "es")),
    "LEFT": (Command.LEFT, "en"),
    "SALI": (Command.LEFT, "es"),
    # Finding a resource in the directory (GLOSSARY.md row to add):
    # | find a resource by need | RESOURCES dentist (also RESOURCE) | RECURSOS dentista (also RECURSO) |
    **dict.fromkeys(("RESOURCES", "RESOURCE"), (Command.RESOURCES, "en")),
    **dict.fromkeys(("RECURSOS", "RECURSO"), (Command.RESOURCES, "es")),
    # Supplies used, from a label's code (GLOSSARY.md row to add):
    # | record supplies used | USED NLX 2 | USADO NLX 2 (also USADA) |
    "USED": (Command.USED, "en"),
    **dict.fromkeys(("USADO", "USADA"), (Command.USED, "es")),
    # A naloxone reversal, from anyone (GLOSSARY.md row to add):
    # | report naloxone given (doses, zone) | NALOXONE 2 downtown | NALOXONA 2 centro |
    "NALOXONE": (Command.NALOXONE, "en"),
    "NALOXONA": (Command.NALOXONE, "es"),
    # A meeting's speaking queue, from the room (GLOSSARY.md rows to add):
    # | get on stack (pedir la palabra) | STACK KQ47 (then STACK) | TURNO KQ47 (then TURNO) |
    # | take one's turn back | STACK OFF | TURNO QUITAR |
    "STACK": (Command.STACK, "en"),
    "TURNO": (Command.STACK, "es"),
    # A call-in campaign, by text (GLOSSARY.md row to add):
    # | the next office to call in a campaign (then 1-5: what happened) | CALL (CALL KQ47) | LLAMAR (LLAMAR KQ47) |
    "CALL": (Command.CALL, "en"),
    "LLAMAR": (Command.CALL, "es"),
    # An action's slots, by text (GLOSSARY.md rows to add):
    # | an action's open slots (then a digit: sign up) | VOLUNTEER HX38 | VOLUNTARIO HX38 (also VOLUNTARIA) |
    # | give an action's seat back | DROP 1234 | CEDO 1234 (as a training's) |
    # | I am here (an action's shift) / I am leaving | ARRIVED 1234 / LEFT 1234 | LLEGUE 1234 / SALI 1234 |
    "VOLUNTEER": (Command.VOLUNTEER, "en"),
    **dict.fromkeys(("VOLUNTARIO", "VOLUNTARIA"), (Command.VOLUNTEER, "es")),
}

# The commands that take a code, or none (then the sender's one pending thing).
CODED = frozenset((Command.GO, Command.NO, Command.CONFIRM, Command.DROP, Command.ARRIVED, Command.LEFT))

STOP_WORDS = frozenset(word for word, (command, _language) in WORDS.items() if command == Command.STOP)

# Opt-out words people split in two: "STOP ALL", "OPT OUT", "OPT-OUT".
SPLIT_WORDS = {("STOP", "ALL"): "STOPALL", ("OPT", "OUT"): "OPTOUT"}

LIST_KEYWORD = re.compile(r"[A-Z0-9]{2,30}")
ITEM_CODE = re.compile(r"[A-Z0-9]{2,8}")  # a supply item's code, as its label prints it
COUNT = re.compile(r"0*[1-9][0-9]{0,2}")  # 1 to 999
DOSES = re.compile(r"0*([1-9]|10)")  # 1 to 10
# A pause's length in days ("7", "7D"), perhaps with the word for days after it; the handler says which it takes.
DAYS = re.compile(r"(?P<days>[0-9]{1,3})(?P<unit>D|W|S)?")
DAY_WORDS = frozenset(("D", "DAY", "DAYS", "DIA", "DIAS"))
WEEK_WORDS = frozenset(("W", "WK", "WKS", "WEEK", "WEEKS", "SEM", "SEMANA", "SEMANAS"))
TOKEN = re.compile(r"[^\W_]+")  # a run of letters and digits, in any script
LEADING_SEPARATORS = " \t\r\n:;,.!?-\u2013\u2014"

# After STACK / TURNO: taking one's turn back, and the interrupt lanes (by the lane they name, as
# stack_request reads it back; the canonical names are lane words too, so a one-word name never is one).
OFF_WORDS = frozenset(("OFF", "QUITAR"))
LANE_WORDS = {
    "PROCESS": "PROCESS",
    "ORDEN": "PROCESS",
    "INFO": "INFORMATION",
    "INFORMATION": "INFORMATION",
    "QUESTION": "CLARIFYING",
    "PREGUNTA": "CLARIFYING",
    "CLARIFYING": "CLARIFYING",
}
MAX_NAME_WORDS = 3

# The opt-in word carriers honour from an opted-out number, which is otherwise an answer.
CARRIER_OPT_IN = "YES"


def fold(text: str) -> str:
    """Upper case without accents: "sí" -> "SI". How keywords, codes and list keywords are compared."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).upper()


def parse(body: str, *, opted_out: bool = False) -> Parsed:
    """What an inbound text asks for. `opted_out`: the sender's number is opted out (see rule 2)."""
    text = unicodedata.normalize("NFC", body)
    tokens = list(TOKEN.finditer(text))
    words = [fold(token.group()) for token in tokens]
    if not words:
        return Parsed(Command.UNMATCHED, "", "")

    joined = _join_split_words(words)
    if all(word in STOP_WORDS for word in joined):
        return Parsed(Command.STOP, "", WORDS[joined[0]][1])

    first, rest = words[0], words[1:]
    command, language = WORDS.get(first, (Command.UNMATCHED, ""))
    if len(words) == 1 and opted_out and first == CARRIER_OPT_IN:
        return Parsed(Command.START, "", language)
    if command in (Command.START, Command.HELP) and not rest:
        return Parsed(command, "", language)
    if command in CODED and _is_one(rest, CODE):
        return Parsed(command, "".join(rest), language)
    if command == Command.JOIN and _is_one(rest, LIST_KEYWORD):
        return Parsed(command, "".join(rest), language)
    if command in (Command.REPORT, Command.RESOURCES):
        return Parsed(command, text[tokens[0].end() :].lstrip(LEADING_SEPARATORS).rstrip(), language)
    if command == Command.USED and not rest:
        return Parsed(command, "", language)
    if command == Command.USED and len(rest) == 2 and ITEM_CODE.fullmatch(rest[0]) and COUNT.fullmatch(rest[1]):
        return Parsed(command, f"{rest[0]} {int(rest[1])}", language)
    if command == Command.NALOXONE and not rest:
        return Parsed(command, "", language)
    if command == Command.NALOXONE and DOSES.fullmatch(rest[0]):
        zone = text[tokens[1].end() :].strip(LEADING_SEPARATORS + " ").strip()
        return Parsed(command, f"{int(rest[0])} {zone}".strip(), language)
    if command == Command.PAUSE and (days := _days(rest)) is not None:
        return Parsed(command, days, language)
    if command in (Command.BACK, Command.STATUS) and not rest:
        return Parsed(command, "", language)
    if command == Command.STACK and (argument := _stack(text, tokens, rest)) is not None:
        return Parsed(command, argument, language)
    if command == Command.CALL and (not rest or (len(rest) == 1 and _is_lettered_code(rest[0]))):
        return Parsed(command, "".join(rest), language)
    if command == Command.VOLUNTEER and (not rest or (len(rest) == 1 and _is_lettered_code(rest[0]))):
        return Parsed(command, "".join(rest), language)
    return Parsed(Command.UNMATCHED, "", "")


def _join_split_words(words: list[str]) -> list[str]:
    joined: list[str] = []
    for word in words:
        whole = SPLIT_WORDS.get((joined[-1], word)) if joined else None
        if whole:
            joined[-1] = whole
        else:
            joined.append(word)
    return joined


def _days(rest: list[str]) -> str | None:
    """The days after PAUSE, "" for none, None when it is no length of time.

    Days ("7", "7D", "7 DAYS", "7 DIAS": "7") or weeks ("2 WEEKS", "2 SEMANAS", "2W", "2S": "14").
    """
    if not rest:
        return ""
    found = DAYS.fullmatch(rest[0])
    if found is None or len(rest) > 2:
        return None
    unit = found.group("unit") or ""
    if len(rest) == 2:
        if unit:
            return None
        unit = "D" if rest[1] in DAY_WORDS else "W" if rest[1] in WEEK_WORDS else ""
        if not unit:
            return None
    weeks = unit in ("W", "S")
    return str(int(found.group("days")) * (7 if weeks else 1))


def _stack(text: str, tokens: list[re.Match[str]], rest: list[str]) -> str | None:
    """The argument of STACK / TURNO (rule 12), or None when the words after it are no stack command."""
    code = ""
    if rest and _is_lettered_code(rest[0]):
        code, rest, tokens = rest[0], rest[1:], tokens[1:]
    if not rest:
        return code
    if len(rest) == 1 and (rest[0] in OFF_WORDS or rest[0] in LANE_WORDS):
        word = "OFF" if rest[0] in OFF_WORDS else LANE_WORDS[rest[0]]
        return f"{code} {word}".strip()
    if code and len(rest) <= MAX_NAME_WORDS and all(word.isalpha() for word in rest):
        return f"{code} {text[tokens[1].start() : tokens[-1].end()]}"
    return None


def _is_lettered_code(word: str) -> bool:
    """A code with at least one letter, as every meeting's and campaign's is: "24" or "911" is none."""
    return CODE.fullmatch(word) is not None and not word.isdigit()


@dataclass(frozen=True)
class StackRequest:
    """What a STACK / TURNO text asks, read back from its argument (rule 12)."""

    code: str = ""  # the meeting's code, upper case; "" for the meeting the number joined
    lane: str = ""  # "process", "information" or "clarifying"; "" for the main queue
    name: str = ""  # the name the room is to see, as written
    off: bool = False  # take one's turn back


def stack_request(argument: str) -> StackRequest:
    """The parts of a STACK argument as `parse` wrote it: "", "OFF", "PROCESS", "KQ47", "KQ47 OFF",
    "KQ47 PROCESS", "KQ47 Ana María"."""
    first, _space, rest = argument.partition(" ")
    code = first if first and _is_lettered_code(first) else ""
    if not code:
        rest = argument
    if rest == "OFF":
        return StackRequest(code=code, off=True)
    if rest in LANE_WORDS.values():
        return StackRequest(code=code, lane=rest.lower())
    return StackRequest(code=code, name=rest)


def _is_one(rest: list[str], pattern: re.Pattern[str]) -> bool:
    """No argument, or exactly one that fits the pattern."""
    return not rest or (len(rest) == 1 and pattern.fullmatch(rest[0]) is not None)


# The registration seam.


@dataclass(frozen=True)
class InboundContext:
    """What the router knows of a text's sender, looked up once for the whole text."""

    sender: str  # E.164
    inbound_id: str  # the inbound message's UUID
    language: str  # the language to answer in: the keyword's, else the sender's known one, else a guess
    is_opted_out: bool = False  # the number had opted out of everything when it sent this text


@dataclass(frozen=True)
class Reply:
    """An answer to the sender, by SMS through the outbox (see the module's docstring on the seam)."""

    text: str
    priority: Priority = Priority.DIRECT  # its lane: Priority.ALERT for an answer to an alert
    is_rate_limited: bool = True  # False: never dropped by the automatic-reply limit (an answer to an alert)
    is_required: bool = False  # carrier rules require it: passes an opt-out (see `required`)

    @classmethod
    def required(cls, text: str) -> "Reply":
        """An answer carrier rules and the law require: an opt-out's or opt-in's confirmation, a HELP answer.

        Never dropped by the automatic-reply limit, whatever other replies the number got, nor
        counted against it; sent even to a number that opted out, and not cancelled when it
        opts out while the answer waits. The router's own replies only: a handler's answer is
        never one (it would reach numbers that asked for silence).
        """
        return cls(text, priority=Priority.DIRECT, is_rate_limited=False, is_required=True)


@dataclass(frozen=True)
class Handled:
    """The handler acted on the text: kept as handled, out of the inbox; `reply` answers the sender."""

    reply: Reply | None = None


@dataclass(frozen=True)
class ToInbox:
    """A person should read the text: it goes to the inbox, answered with `reply` (and nothing else) if given."""

    reply: Reply | None = None


@dataclass(frozen=True)
class NotMine:
    """Not this handler's text: the router treats it as unmatched (the inbox, and the usual automatic reply)."""


Outcome = Handled | ToInbox | NotMine

Handler = Callable[[InboundContext, Parsed], Outcome]


# One handler per command, registered at start-up (AppConfig.ready): two parts never both act on one text.
HANDLERS = Registry[Command, Handler]("messaging.keyword-handlers")

# CONFIRM / CONFIRMAR and a code answer more than one part's question (a list sign-up, a seat at a
# training, a test message to a contact): messaging answers CONFIRM itself (messaging.inbound.answer_confirm)
# and asks each part registered here, in turn, whether the code (or, bare, the one thing pending for
# that number) is its own. A confirmer acts and answers `Handled` or `ToInbox`, or says `NotMine`; codes
# are drawn at random, so two parts rarely hold the same one for one number, and then the first asked wins.
CONFIRMERS = Registry[str, Handler]("messaging.confirmers")

# DROP / CEDO, ARRIVED / LLEGUE and LEFT / SALI with a code, or bare, answer more than one part's question too
# (a training seat, an action's sign-up, an alert): messaging answers them (messaging.inbound.answer_drop,
# answer_arrived, answer_left) and asks each part registered here in turn, as for CONFIRM. A part that does
# not own the code (or, bare, has nothing pending for the number) says `NotMine`.
DROPPERS = Registry[str, Handler]("messaging.droppers")
ARRIVALS = Registry[str, Handler]("messaging.arrivals")
DEPARTURES = Registry[str, Handler]("messaging.departures")

# A text that is no command may still be some part's to take: a responder out on an incident texting
# what they see. Before it goes to the inbox, messaging (messaging.inbound.answer_unmatched) asks each
# part registered here, in turn, with the text as written in `parsed.argument`. A reader knows its own
# senders (by their number) and says `NotMine` for anyone else; the first that does not say it takes the text.
READERS = Registry[str, Handler]("messaging.readers")


# Automatic replies. Each fits one SMS: under 160 GSM-7 characters in English with a network
# name up to about 30 characters. The Spanish avoids á, í, ó and ú where the plain wording
# allows (é, ñ, ¿ and ¡ are GSM-7; the others force UCS-2, 70 characters a segment).


def _reply_language(language: str) -> str:
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


# Translators: SMS, one segment. Keep the keywords of GLOSSARY.md: REPORTE, ALTO.
HELP = gettext_lazy(
    "%(network)s: for emergencies call %(hotline)s. To report, text REPORT and what you see. "
    "Text STOP to stop all messages."
)
HELP_WITHOUT_HOTLINE = gettext_lazy(
    "%(network)s: to report, text REPORT and what you see. Text STOP to stop all messages."
)
# Translators: SMS, one segment, to CONFIRM and a code no part knows for this number. Keyword: CONFIRMAR.
NO_SUCH_CODE = gettext_lazy(
    "%(network)s: that code matches nothing we sent to this number. Text CONFIRM and the code we sent."
)
# Translators: SMS, one segment, to DROP, ARRIVED or LEFT and a code no part knows for this number.
NO_SUCH_ANSWER_CODE = gettext_lazy(
    "%(network)s: no code %(code)s was sent to this number. Check the code and try again."
)
# Translators: SMS, one segment, sent once after an opt-out. Keyword: INICIAR.
STOPPED = gettext_lazy("%(network)s: you are unsubscribed and will get no more messages. To come back, text START.")
# Translators: SMS, one segment, sent after an opt-in. Keywords: AYUDA, ALTO.
STARTED = gettext_lazy("%(network)s: you are subscribed again. Text HELP for help, or STOP to stop all messages.")
# Translators: SMS, one segment, to START from a number that had not opted out. Keywords: AYUDA, ALTO.
NOT_OPTED_OUT = gettext_lazy(
    "%(network)s: this number had not unsubscribed, so our messages reach it already. "
    "Text HELP for help, or STOP to stop all messages."
)
# Translators: SMS, one segment, to a text that is not a keyword: perhaps someone in danger. Keep it calm.
UNMATCHED = gettext_lazy(
    "%(network)s: thank you, we got your message and a person will read it. If this is an emergency, call %(hotline)s."
)
UNMATCHED_WITHOUT_HOTLINE = gettext_lazy("%(network)s: thank you, we got your message and a person will read it.")


def say(language: str, text: Promise, **values: str) -> str:
    """One automatic reply, in `language` (the default language for one the network does not speak)."""
    with translation.override(_reply_language(language)):
        return str(text) % values


def help_text(language: str, network: str, hotline: str = "") -> str:
    if hotline:
        return say(language, HELP, network=network, hotline=hotline)
    return say(language, HELP_WITHOUT_HOTLINE, network=network)


def stopped_text(language: str, network: str) -> str:
    return say(language, STOPPED, network=network)


def started_text(language: str, network: str) -> str:
    return say(language, STARTED, network=network)


def not_opted_out_text(language: str, network: str) -> str:
    return say(language, NOT_OPTED_OUT, network=network)


def no_such_code_text(language: str, network: str) -> str:
    return say(language, NO_SUCH_CODE, network=network)


def no_such_answer_code_text(language: str, network: str, code: str) -> str:
    return say(language, NO_SUCH_ANSWER_CODE, network=network, code=code)


def unmatched_text(language: str, network: str, hotline: str = "") -> str:
    if hotline:
        return say(language, UNMATCHED, network=network, hotline=hotline)
    return say(language, UNMATCHED_WITHOUT_HOTLINE, network=network)


# The language of a text with no keyword, guessed, so a stranger is answered in the language they wrote in.

SPANISH_HINTS = frozenset(
    "LA EL LOS LAS DE DEL QUE EN ESTA ESTAN ESTOY POR FAVOR AYUDA AYUDEN MI MIS UNA UN MIGRA HAY AQUI "  # noqa: SIM905
    "CASA PUERTA NECESITO HOLA GRACIAS CON PARA SU ES SON ALGUIEN TRABAJO CALLE ESQUINA IGLESIA ESCUELA".split()
)
ENGLISH_HINTS = frozenset(
    "THE IS ARE AT MY HELP PLEASE THERE HERE DOOR HOUSE NEED HI HELLO THANKS THANK OF AND TO IN ON "  # noqa: SIM905
    "SOMEONE WORK STREET CORNER CHURCH SCHOOL WITH FOR YOU WE THEY".split()
)
SPANISH_LETTERS = frozenset("ñÑ¿¡áéíóúÁÉÍÓÚ")


def guess_language(body: str) -> str:
    """ "es" or "en" when the words say so plainly, else "" (the caller falls back to what it knows)."""
    words = [fold(token.group()) for token in TOKEN.finditer(body)]
    spanish = sum(word in SPANISH_HINTS for word in words) + 2 * sum(ch in SPANISH_LETTERS for ch in body)
    english = sum(word in ENGLISH_HINTS for word in words)
    if spanish > english:
        return "es"
    if english > spanish:
        return "en"
    return ""
