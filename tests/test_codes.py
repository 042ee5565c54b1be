"""Short codes: every code made reads as a code in a text, is typed without a mistake, and is unique where asked."""

import itertools

import pytest
from django.utils import timezone

from solidarity.core import codes
from solidarity.core.codes import DIGITS, LETTERS, make_code, unique_code
from solidarity.messaging import keywords
from solidarity.messaging.keywords import Command
from tests.testapp.models import Dossier

MISREAD = set("01OQDILSZBGUV")  # 0/O/Q/D, 1/I/L, 5/S, 2/Z, 8/B, 6/G, U/V


def test_every_code_made_is_read_as_a_code_after_go_no_and_confirm() -> None:
    made = [make_code() for _ in range(2000)] + [make_code(letters, 2) for letters in range(7)]
    made += [make_code(0, 2), make_code(1, 1), make_code(7, 1)]
    for code in made:
        assert codes.is_code(code), code
        assert keywords.parse(f"GO {code}") == keywords.Parsed(Command.GO, code, "en")
        assert keywords.parse(f"voy {code.lower()}") == keywords.Parsed(Command.GO, code, "es")
        assert keywords.parse(f"NO {code}").argument == code
        assert keywords.parse(f"CONFIRM {code}") == keywords.Parsed(Command.CONFIRM, code, "en")
        assert keywords.parse(f"Confirmar {code}").argument == code


def test_the_router_and_the_code_maker_share_one_format() -> None:
    assert vars(keywords)["CODE"] is codes.CODE  # one definition, in core


def test_a_code_is_letters_then_digits_from_characters_nobody_misreads() -> None:
    made = [make_code() for _ in range(2000)]
    assert all(code[:2].isalpha() and code[2:].isdigit() for code in made)
    assert not MISREAD & set("".join(made))
    assert not MISREAD & set(LETTERS + DIGITS)
    assert set("".join(made)) == set(LETTERS + DIGITS)  # and every character is used


def test_a_code_has_a_digit_and_at_most_eight_characters() -> None:
    for letters, digits in ((2, 0), (0, 1), (8, 1), (-1, 3)):
        with pytest.raises(ValueError, match="at least one a digit"):
            make_code(letters, digits)
    assert len(make_code(6, 2)) == 8


@pytest.mark.django_db
def test_a_unique_code_is_not_taken_and_grows_when_its_length_is_used_up() -> None:
    # Given every code of one letter and one digit taken.
    every = ["".join(pair) for pair in itertools.product(LETTERS, DIGITS)]
    Dossier.objects.bulk_create([Dossier(pseudonym=code) for code in every])

    # Then a new one is a letter longer, and free.
    code = unique_code(Dossier, "pseudonym", letters=1, digits=1)
    assert len(code) == 3
    assert code[:2].isalpha()
    assert code[2].isdigit()
    assert not Dossier.objects.filter(pseudonym=code).exists()

    # And only the rows that count are looked at: once those are closed, their codes are free again.
    Dossier.objects.update(closed_at=timezone.now())
    assert len(unique_code(Dossier.objects.filter(closed_at__isnull=True), "pseudonym", letters=1, digits=1)) == 2
