"""Logs never carry personal data: a filter on every handler masks what slips through.

Code logs ids, never values; this filter is the net under that rule. It masks email
addresses, phone numbers (found by libphonenumber's matcher, which leaves dates, times
and ids alone) and IP addresses in the message, its arguments and any traceback.
"""

import ipaddress
import logging
import re

import phonenumbers

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
IP_LIKE = re.compile(r"(?<![\w:.])[0-9A-Fa-f:.]{3,45}(?![\w:])")


def mask_ip(match: re.Match[str]) -> str:
    candidate = match.group().rstrip(".")
    try:
        ipaddress.ip_address(candidate)
    except ValueError:
        return match.group()
    return "[ip]" + match.group()[len(candidate) :]


def scrub(text: str) -> str:
    text = EMAIL.sub("[email]", text)
    text = IP_LIKE.sub(mask_ip, text)
    # Region "US" only decides how numbers without +country code are read; any country's are found.
    for found in reversed(list(phonenumbers.PhoneNumberMatcher(text, "US", leniency=phonenumbers.Leniency.POSSIBLE))):
        text = text[: found.start] + "[phone]" + text[found.end :]
    return text


class ScrubPersonalData(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = scrub(record.getMessage())
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = scrub(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True
