"""How long a text is as SMS: its encoding, its segments, and shortening it on purpose.

A message whose every character is in the GSM 03.38 default alphabet (3GPP TS 23.038, 6.2.1)
goes as GSM-7: 160 septets in one SMS, 153 a segment once it is split (the concatenation
header takes the rest). The extension table's characters (€ [ ] { } ^ ~ \\ | and form feed)
take two septets each: an escape, then the character. One character outside both tables
(á, í, ó, ú, an emoji, a curly quote) turns the whole message into UCS-2: 70 UTF-16 units in
one SMS, 67 a segment. Phones never split an escape sequence or a surrogate pair across two
segments, so the count below fills segments the same way.
"""

from typing import Literal

Encoding = Literal["GSM-7", "UCS-2"]

# 3GPP TS 23.038 6.2.1, the default alphabet in code order 0x00-0x7F (0x1B is the escape to the
# extension table, written here as a character no text contains so the table stays 128 long).
GSM_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNO"
    "PQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmno"
    "pqrstuvwxyzäöñüà"
)
# 6.2.1.1, the default extension table: each costs an escape plus itself.
GSM_EXTENSION = "\f^{}\\[~]|€"

_BASIC = frozenset(GSM_BASIC) - {"\x1b"}
_EXTENSION = frozenset(GSM_EXTENSION)

SINGLE = {"GSM-7": 160, "UCS-2": 70}
PART = {"GSM-7": 153, "UCS-2": 67}

# Letters that are not in the GSM alphabet, to their bare letter; the ones that are (é É ñ Ñ ü Ü
# à è ì ò ù Ç Ä Ö Å ä ö å ¿ ¡) stay. Typographic punctuation that phones and word processors put
# in becomes its plain ASCII twin, so it does not switch a message to UCS-2 either.
_FRIENDLY = str.maketrans(
    {
        "á": "a",
        "í": "i",
        "ó": "o",
        "ú": "u",
        "Á": "A",
        "Í": "I",
        "Ó": "O",
        "Ú": "U",
        "â": "a",
        "ê": "e",
        "î": "i",
        "ô": "o",
        "û": "u",
        "Â": "A",
        "Ê": "E",
        "Î": "I",
        "Ô": "O",
        "Û": "U",
        "ã": "a",
        "õ": "o",
        "Ã": "A",
        "Õ": "O",
        "ë": "e",
        "ï": "i",
        "ÿ": "y",
        "Ë": "E",
        "Ï": "I",
        "ç": "c",
        "È": "E",
        "Ì": "I",
        "Ò": "O",
        "Ù": "U",
        "À": "A",
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "«": '"',
        "»": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2010": "-",
        "\u2026": "...",
        "\u00a0": " ",
        "\u2009": " ",
        "\u202f": " ",
        "\t": " ",
    }
)


def encoding(text: str) -> Encoding:
    """GSM-7 when every character is in the default alphabet or its extension table, else UCS-2."""
    return "GSM-7" if all(char in _BASIC or char in _EXTENSION for char in text) else "UCS-2"


def _units(text: str, coding: Encoding) -> list[int]:
    """What each character costs: septets in GSM-7, UTF-16 code units in UCS-2."""
    if coding == "GSM-7":
        return [2 if char in _EXTENSION else 1 for char in text]
    return [2 if ord(char) > 0xFFFF else 1 for char in text]


def _count(units: list[int], coding: Encoding) -> int:
    if sum(units) <= SINGLE[coding]:
        return 1
    limit, parts, used = PART[coding], 1, 0
    for cost in units:
        if used + cost > limit:
            parts, used = parts + 1, 0
        used += cost
    return parts


def segments(text: str) -> int:
    """How many SMS the text takes (an empty text still takes one)."""
    coding = encoding(text)
    return _count(_units(text, coding), coding)


def gsm_friendly(text: str) -> str:
    """The text with accented letters missing from GSM-7 bare (á -> a), so it can stay GSM-7.

    Spanish loses its acute accents except on é and É, which GSM-7 has; ñ, ü, ¿ and ¡ stay.
    A character with no plain twin (an emoji, Chinese) is left alone: the text stays UCS-2.
    """
    return text.translate(_FRIENDLY)


def fit(text: str, max_segments: int) -> str:
    """The text cut at a word boundary, with an ellipsis, so it takes at most `max_segments` SMS.

    A text that already fits comes back unchanged. The ellipsis is "..." when the shortened text
    is GSM-7 (the "…" character is not in the GSM alphabet and would turn it into UCS-2), "…"
    otherwise. Only a first word longer than the whole room is cut inside the word.
    """
    if max_segments < 1:
        raise ValueError("max_segments must be at least 1")
    if segments(text) <= max_segments:
        return text
    # No segment holds more than 160 characters, so a longer head can never fit.
    longest = min(len(text), max_segments * SINGLE["GSM-7"])
    boundaries = [i for i in range(min(longest, len(text) - 1), 0, -1) if text[i].isspace()]
    for cut in [*boundaries, *range(longest, 0, -1)]:
        head = text[:cut].rstrip()
        if not head:
            continue
        shortened = head + ("..." if encoding(head) == "GSM-7" else "…")
        if segments(shortened) <= max_segments:
            return shortened
    return "..."
