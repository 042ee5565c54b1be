"""Short codes: what a person reads in a text and types back ("GO HX38", "CONFIRM KT47"), or reads out on a call.

The format (`CODE`) is the SMS keyword router's (messaging.keywords): 2 to 8 letters and digits,
at least one of them a digit, so that no word of a reply ("No se vayan", "Go home") ever reads
as a code. Codes are compared folded: upper case, without accents ("hx38" is HX38).

The codes made here (`make_code`) are letters, then digits: "HX38". Why:
- Letters first, then digits: one switch between a phone keyboard's letters and its numbers,
  not one per character, and a code reads out in two parts ("H X, thirty-eight"; "hache
  equis, treinta y ocho").
- The alphabet leaves out what is misread on a small screen or misheard on a bad line: 0 and
  1, and O, Q, D (read as 0), I and L (read as 1), S (5), Z (2), B (8), G (6), U and V (read
  as each other; and B and V sound alike in Spanish). That leaves 15 letters and 8 digits, so
  a code typed from what was seen or heard is the code that was sent.
- Two letters and two digits by default: 14,400 codes, and 4 keys to type. `unique_code`
  adds a letter when a table has used up its share (15 times more codes each time).
"""

import re
import secrets
from typing import Any
from uuid import UUID

from django.db.models import Model, QuerySet
from django.http import Http404

CODE = re.compile(r"(?=[A-Z]*[0-9])[A-Z0-9]{2,8}")
LETTERS = "ACEFHJKMNPRTWXY"
DIGITS = "23456789"
MAX_LENGTH = 8  # CODE's
TRIES_PER_LENGTH = 10


def is_code(text: str) -> bool:
    """Whether `text`, already folded (upper case, no accents), has a code's format."""
    return CODE.fullmatch(text) is not None


def make_code(letters: int = 2, digits: int = 2) -> str:
    """A random code of `letters` letters then `digits` digits from the unmistakable alphabet ("HX38")."""
    if digits < 1 or letters < 0 or not 2 <= letters + digits <= MAX_LENGTH:
        raise ValueError(f"a code has 2 to {MAX_LENGTH} characters, at least one a digit")
    return "".join(secrets.choice(LETTERS) for _ in range(letters)) + "".join(
        secrets.choice(DIGITS) for _ in range(digits)
    )


def unique_code(rows: "type[Model] | QuerySet[Any]", field: str, letters: int = 2, digits: int = 2) -> str:
    """A code no row of `rows` (a model, or the rows that count: `Incident.objects.filter(open=True)`) has in `field`.

    Tries TRIES_PER_LENGTH codes, then makes them a letter longer, up to MAX_LENGTH. Between this
    and the caller's insert another caller may take the same code: the field's unique constraint
    (or one among the rows that count) refuses the second, which makes a new code and tries again.
    """
    queryset = rows._default_manager.all() if isinstance(rows, type) else rows
    while letters + digits <= MAX_LENGTH:
        for _ in range(TRIES_PER_LENGTH):
            code = make_code(letters, digits)
            if not queryset.filter(**{field: code}).exists():
                return code
        letters += 1
    raise RuntimeError(f"no free code left in {field}")  # 15**6 * 64 codes: not a table this network holds


def is_uuid(text: str) -> bool:
    """Whether `text` spells a UUID (the ids in URLs and the API)."""
    try:
        UUID(text)
    except ValueError:
        return False
    return True


def as_uuid(value: str | UUID) -> UUID:
    """The UUID a URL names; Http404 for anything that is not one (an id no object has)."""
    try:
        return value if isinstance(value, UUID) else UUID(str(value))
    except ValueError:
        raise Http404 from None
