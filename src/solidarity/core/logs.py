"""Logs never carry personal data: the formatter masks what slips through.

Code logs ids, never values; this formatter is the net under that rule. It masks email
addresses, phone numbers (found by libphonenumber's matcher) and IP addresses in the
formatted line, traceback included. Long tokens that mix letters and digits (ids, hashes,
signatures) are left whole, so a digit run inside a hash is never taken for a number.
It formats a copy of the text and leaves the log record alone, so other handlers see it as logged.
"""

import ipaddress
import logging
import re

import phonenumbers

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
IP_LIKE = re.compile(r"(?<![\w:.])[0-9A-Fa-f:.]{3,45}(?![\w:])")
TOKEN = re.compile(r"\S+")
OPAQUE = re.compile(r"^(?=.*[A-Za-z])(?=.*\d)[A-Za-z0-9+/=:_.-]{20,}$")


def mask_ip(match: re.Match[str]) -> str:
    candidate = match.group().rstrip(".")
    try:
        ipaddress.ip_address(candidate)
    except ValueError:
        return match.group()
    return "[ip]" + match.group()[len(candidate) :]


def mask_phones(text: str) -> str:
    # Region "US" only decides how numbers without +country code are read; any country's are found.
    for found in reversed(list(phonenumbers.PhoneNumberMatcher(text, "US", leniency=phonenumbers.Leniency.POSSIBLE))):
        text = text[: found.start] + "[phone]" + text[found.end :]
    return text


def scrub(text: str) -> str:
    text = EMAIL.sub("[email]", text)
    text = IP_LIKE.sub(mask_ip, text)
    # Set opaque tokens aside while phone numbers are masked, then put them back.
    opaque = [token for token in TOKEN.findall(text) if OPAQUE.match(token)]
    for n, token in enumerate(opaque):
        text = text.replace(token, f"\x00{n}\x00", 1)
    text = mask_phones(text)
    for n, token in enumerate(opaque):
        text = text.replace(f"\x00{n}\x00", token, 1)
    return text


class ScrubbingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return scrub(super().format(record))
