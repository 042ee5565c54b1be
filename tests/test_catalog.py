"""The Spanish catalog is complete, reviewed (no fuzzy entry) and compiled."""

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


def test_translations_keep_their_placeholders() -> None:
    po = polib.pofile(str(LOCALE / "es" / "LC_MESSAGES" / "django.po"))
    for entry in po.translated_entries():
        for placeholder in ("%(name)s", "%(link)s", "%(days)s", "%(when)s"):
            assert (placeholder in entry.msgid) == (placeholder in entry.msgstr), entry.msgid
