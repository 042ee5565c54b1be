"""What other parts say about an action's preparation: the seam between the events part and the parts of its own
tier that hold the answer (supplies knows the medics' kits, funds the medical and legal fund).

Parts of one tier never import each other (DESIGN.md), so the question lives here: the events part asks
`prepared(KEY, question)`, and the part that knows registered an answer under KEY in its AppConfig.ready.
While nothing answers (that part is not installed), the step says so instead of guessing.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _

from solidarity.core.hooks import Registry

MEDIC_KITS = "supplies.medic-kits"  # street-medic kits packed and in date for the action
FUND = "funds.medical-legal"  # a medical and legal fund able to pay, before it is needed


@dataclass(frozen=True)
class Question:
    """What the action asks: its working group, its day, and how many of the thing it needs (kits: one per
    pair of medics; a fund: none)."""

    group: str  # the working group's slug
    on: date
    needed: int = 0


@dataclass(frozen=True)
class Answer:
    """Whether it is ready, in one line the organisers read ("2 of 3 kits packed: pack 1 more"), in the active
    language, and where to act on it (a path in this site, or "")."""

    ready: bool
    summary: str
    path: str = ""


Preparation = Callable[[Question], Answer]
PREPARATIONS = Registry[str, Preparation]("core.preparations")


def prepared(key: str, question: Question) -> Answer:
    """The answer of the part registered under `key`; not ready, saying so, when no part answers."""
    answer = PREPARATIONS.get(key)
    if answer is None:
        return Answer(ready=False, summary=_("No part of this network answers this yet."))
    return answer(question)
