"""Phone numbers as the public reads and taps them: the hotline, and later the directory's numbers."""

from dataclasses import dataclass

import phonenumbers


@dataclass(frozen=True)
class Dialable:
    """A number for a `tel:` link (`e164`) and as people there write it (`text`)."""

    e164: str
    text: str


def dialable(number: str, region: str) -> Dialable | None:
    """`number` ready to tap: written the national way when it is in the network's own `region`
    ("(919) 555-0100" in the US), the international way otherwise ("+52 55 1234 5678"), since a
    national form from another country cannot be dialled from here. None when it is no number.
    """
    try:
        parsed = phonenumbers.parse(number, region or None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    at_home = phonenumbers.region_code_for_number(parsed) == region.upper()
    style = phonenumbers.PhoneNumberFormat.NATIONAL if at_home else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    return Dialable(
        e164=phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164),
        text=phonenumbers.format_number(parsed, style),
    )
