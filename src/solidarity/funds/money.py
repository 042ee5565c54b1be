"""Amounts: integer cents in the network's one currency, read and written as the user's language does."""

import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from babel.numbers import NumberFormatError, format_currency, parse_decimal
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

from solidarity.core.services import get_network_settings

# "1.250,50" or "25,00": a comma before the cents, which the network's locale (es_US, en_US) alone would read
# as thousands.
COMMA_DECIMALS = re.compile(r"-?[\d.]*\d,\d{1,2}")
# One amount (a gift, a payment, a band) below 21 million in the currency: far above any, and within a 32-bit
# integer, which every API caller and database holds (balances are sums in 64 bits).
MAX_CENTS = 2**31 - 1
# What may stand between an amount's first and last digit: separators, never a letter ("1O0" is no 100).
WITHIN = re.compile(r"[\d.,'\s]*")


def locale_of(language: str | None = None, region: str | None = None) -> str:
    """Babel's locale for `language` (the active one by default) in the network's country: es_US, en_US."""
    wanted = (language or translation.get_language() or "en").split("-")[0]
    return f"{wanted}_{region or get_network_settings().phone_region}"


def money(cents: int, language: str | None = None, *, whole: bool = False) -> str:
    """`cents` as the user reads money: "$1,250.00" in English, "1250,00 US$" or "$1,250.00" in Spanish,
    as the network's country writes it. `whole`: without the cents (public totals, rounded)."""
    return formatter(language, whole=whole)(cents)


def formatter(language: str | None = None, *, whole: bool = False) -> Callable[[int], str]:
    """money() for many amounts, the network's settings read once (a page of transactions)."""
    network = get_network_settings()
    currency, locale = network.currency, locale_of(language, network.phone_region)

    def shown(cents: int) -> str:
        try:
            return format_currency(
                Decimal(cents) / 100,
                currency,
                locale=locale,
                format="¤#,##0" if whole else None,
                currency_digits=not whole,
            )
        except ValueError:  # a locale babel does not know: the language alone
            return format_currency(Decimal(cents) / 100, currency, locale=(language or "en").split("-")[0])

    return shown


def parse_cents(text: str, language: str | None = None) -> int:
    """An amount as a person types it ("1,250", "1250.50", "$ 20") into cents; ValidationError otherwise, and for
    a letter between its digits (a mistyped "1O0" is refused, never read as 10)."""
    text = str(text)
    digits = [index for index, char in enumerate(text) if char.isdigit()]
    if digits and not WITHIN.fullmatch(text[digits[0] : digits[-1] + 1]):
        raise ValidationError(_("Write an amount, for example 250 or 1,250.50."), code="amount")
    cleaned = "".join(char for char in text if char.isdigit() or char in ".,-").strip()
    if not cleaned:
        raise ValidationError(_("Write an amount, for example 250 or 1,250.50."), code="amount")
    if COMMA_DECIMALS.fullmatch(cleaned):
        cleaned, language = cleaned.replace(".", "").replace(",", "."), "en"
    try:
        amount = parse_decimal(cleaned, locale=locale_of(language), strict=False)
    except (NumberFormatError, ValueError, InvalidOperation):
        raise ValidationError(_("Write an amount, for example 250 or 1,250.50."), code="amount") from None
    cents = amount * 100
    if cents != cents.to_integral_value():
        raise ValidationError(_("An amount has at most two decimals."), code="amount")
    if cents <= 0:
        raise ValidationError(_("The amount must be more than zero."), code="amount")
    if cents >= MAX_CENTS:
        raise ValidationError(_("That amount is too large."), code="amount")
    return int(cents)
