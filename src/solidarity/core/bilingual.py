"""Text a network writes for the public, in English and in Spanish.

A list's name, a resource's description, the home page's welcome: each is two fields, `<name>_en`
and `<name>_es`, either of which may be empty. A page shows the one in its own language, and the
other only when its own is empty: the Spanish page never shows English when Spanish exists.
"""

from typing import Any

from django.db.models import F, Value
from django.db.models.functions import Coalesce, Lower, NullIf
from django.utils.translation import get_language

LANGUAGES = ("en", "es")


def pick(en: str, es: str, language: str | None = None) -> str:
    """The text in `language` (the active one by default), else the other one."""
    wanted = (language or get_language() or "en")[:2]
    first, second = (es, en) if wanted == "es" else (en, es)
    return first or second


def text_of(obj: Any, field: str, language: str | None = None) -> str:
    """`obj.<field>_en` / `obj.<field>_es` in `language`: `text_of(announcement_list, "name")`."""
    return pick(str(getattr(obj, f"{field}_en") or ""), str(getattr(obj, f"{field}_es") or ""), language)


def in_order(field: str, language: str | None = None) -> Lower:
    """text_of in the database, to sort by a public text as the page shows it: `.order_by(in_order("name"))`."""
    wanted = (language or get_language() or "en")[:2]
    first, second = ("es", "en") if wanted == "es" else ("en", "es")
    return Lower(Coalesce(NullIf(F(f"{field}_{first}"), Value("")), F(f"{field}_{second}")))
