"""What callers read: a campaign's texts with their placeholders filled, and the checks that keep a script short.

Placeholders, written in any of the campaign's texts (English or Spanish words):
- {person} / {persona}: the detained person's name once consent is recorded, else "a member of our community";
- {ids} / {identificadores}: their identifiers (an A-number) once consent is recorded, else nothing;
- {place} / {lugar}: where the caller is calling from, if they choose to say it, else "[your city]" for them
  to say aloud.

A script is at most 30 seconds read aloud (SPOKEN_WORDS_PER_SECOND), one ask. The name itself is never
written into a text: only {person} shows it, so that it shows only with consent and goes when the
campaign closes.
"""

import re
from collections.abc import Mapping

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from solidarity.campaigns.models import Campaign

PLACEHOLDER = re.compile(r"\{([^{}]{0,30})\}")
ALIASES = {
    "person": "person",
    "persona": "person",
    "ids": "ids",
    "identificadores": "ids",
    "place": "place",
    "lugar": "place",
}
SPOKEN_WORDS_PER_SECOND = 2.5  # 150 words a minute: a caller reading calmly
MAX_SECONDS = 30
PLACEHOLDER_WORDS = 3  # a name, an A-number or a city takes about three words to say

SOMEONE = gettext_lazy("a member of our community")
# Translators: in a call script, where the caller says their city if they want to; the brackets stay.
YOUR_CITY = gettext_lazy("[your city]")


# The placeholders' names as a page or an error tells them, in the language it is read in.
NAMES = {
    "en": {"person": "{person}", "ids": "{ids}", "place": "{place}"},
    "es": {"person": "{persona}", "ids": "{identificadores}", "place": "{lugar}"},
}


def names() -> dict[str, str]:
    return NAMES.get(translation.get_language() or "en", NAMES["en"])


def unknown_placeholders(text: str) -> list[str]:
    return [found for found in PLACEHOLDER.findall(text) if found.strip().lower() not in ALIASES]


def seconds_to_read(text: str) -> int:
    """About how long `text` takes to read aloud, placeholders as what they stand for."""
    words = len(PLACEHOLDER.sub(" ", text).split()) + PLACEHOLDER_WORDS * len(PLACEHOLDER.findall(text))
    return round(words / SPOKEN_WORDS_PER_SECOND)


def script_errors(text: str, name: str) -> list[str]:
    """What is wrong with a script as written: what is wrong with any text (text_errors), and too long to read
    aloud in 30 seconds."""
    errors = text_errors(text, name)
    seconds = seconds_to_read(text)
    if seconds > MAX_SECONDS:
        errors.append(
            _("This script takes about %(seconds)d seconds to read aloud: keep it to 30 seconds and one ask.")
            % {"seconds": seconds}
        )
    return errors


def text_errors(text: str, name: str) -> list[str]:
    """What is wrong with any public text of a campaign: unknown placeholders, the person's name written out."""
    errors = []
    unknown = unknown_placeholders(text)
    if unknown:
        errors.append(
            _("Unknown placeholder: %(found)s. Use %(person)s, %(ids)s or %(place)s.")
            % ({"found": ", ".join("{" + each + "}" for each in unknown)} | names())
        )
    if names_the_person(text, name):
        errors.append(
            _("Write %(person)s where the name goes: the name shows only once consent is recorded.") % names()
        )
    return errors


def names_the_person(text: str, name: str) -> bool:
    """Whether `text` writes out the person's `name` (or its longest word, their surname, alone)."""
    name = " ".join(name.split())
    if not name:
        return False
    folded = " ".join(text.split()).casefold()
    if name.casefold() in folded:
        return True
    longest = max(name.split(), key=len)
    return len(longest) >= 4 and re.search(rf"\b{re.escape(longest.casefold())}\b", folded) is not None


def filled(text: str, campaign: Campaign, language: str, place: str = "") -> str:
    """`text` with its placeholders filled for a caller in `language`."""
    with translation.override(language):
        values: Mapping[str, str] = {
            "person": str(campaign.subject_name) if campaign.is_named else str(SOMEONE),
            "ids": str(campaign.subject_identifiers) if campaign.is_named else "",
            "place": place.strip() or str(YOUR_CITY),
        }

    def fill(found: re.Match[str]) -> str:
        key = ALIASES.get(found.group(1).strip().lower())
        if not key:
            return found.group(0)
        value = values[key]
        before = found.string[: found.start()].rstrip(" \t\"'«“¡¿")
        if value and (not before or before[-1] in ".!?\n"):  # a sentence begins with it
            value = value[0].upper() + value[1:]
        return value

    text = PLACEHOLDER.sub(fill, text)
    # An empty {ids} leaves "said, ," or "( )": tidy what it leaves.
    text = re.sub(r"\(\s*\)", "", text)
    text = re.sub(r"[ \t]+([,.;:])", r"\1", text)
    text = re.sub(r",\s*([,.;:])", r"\1", text)
    return re.sub(r"[ \t]{2,}", " ", text).strip()
