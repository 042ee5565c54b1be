"""The Spanish catalog is complete, reviewed (no fuzzy entry) and compiled."""

import re
from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parent.parent / "src" / "solidarity" / "locale"


def test_spanish_catalog_is_complete_and_compiled() -> None:
    po = polib.pofile(str(LOCALE / "es" / "LC_MESSAGES" / "django.po"))
    assert not po.metadata_is_fuzzy
    assert [entry.msgid for entry in po.untranslated_entries()] == []
    assert [entry.msgid for entry in po.fuzzy_entries()] == []
    compiled = polib.mofile(str(LOCALE / "es" / "LC_MESSAGES" / "django.mo"))
    assert {entry.msgid: entry.msgstr for entry in compiled if entry.msgid} == {
        entry.msgid: entry.msgstr for entry in po.translated_entries()
    }, "run: solidarity manage compilemessages"


# Python's named and positional placeholders, and the brace ones of format() and of JavaScript's strings.
PLACEHOLDER = re.compile(r"%\([a-z_0-9]+\)[sdif]|%[sdif]|\{[a-z_0-9]*\}")


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def test_translations_keep_every_placeholder() -> None:
    po = polib.pofile(str(LOCALE / "es" / "LC_MESSAGES" / "django.po"))
    wrong = []
    for entry in po.translated_entries():
        if entry.msgid_plural:
            # A plural's forms may drop the count ("one text": "un mensaje"), never add a name it lacks.
            wanted = set(placeholders(entry.msgid_plural))
            forms = entry.msgstr_plural.values()
            if any(not set(placeholders(form)) <= wanted for form in forms):
                wrong.append(entry.msgid)
        elif placeholders(entry.msgid) != placeholders(entry.msgstr):
            wrong.append(entry.msgid)
    assert wrong == []


def test_the_placeholder_check_sees_a_dropped_or_renamed_placeholder() -> None:
    assert placeholders("%(network)s: text %(code)s {n}") == ["%(code)s", "%(network)s", "{n}"]
    assert placeholders("%(network)s: texto %(codigo)s") != placeholders("%(network)s: text %(code)s")
