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
    # Keyed by context and message: one word may be translated twice ("done" as a state, and as a step).
    assert {(entry.msgctxt, entry.msgid): entry.msgstr for entry in compiled if entry.msgid} == {
        (entry.msgctxt, entry.msgid): entry.msgstr for entry in po.translated_entries()
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


def test_our_catalog_never_shadows_django_s_month_and_day_names() -> None:
    """A bare msgid of ours that is also one of Django's date words takes its place in every date: "May"
    translated as the verb made "18 de Puede de 2026". Such a word of ours is translated as Django does, or
    carries a context."""
    po = polib.pofile(str(LOCALE / "es" / "LC_MESSAGES" / "django.po"))
    months = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ]
    meses = [
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ]
    days = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    dias = ["lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"]
    django_s = dict(zip(months + days, meses + dias, strict=True))
    shadowed = {entry.msgid: entry.msgstr for entry in po if entry.msgid in django_s and not entry.msgctxt}
    assert {word: spanish for word, spanish in shadowed.items() if spanish != django_s[word]} == {}
