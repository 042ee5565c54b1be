"""A resource as a vCard (RFC 6350, version 4.0), so a phone saves its numbers as a contact in one tap.

Written here rather than with a library: the card holds an organisation's public facts in a few
properties (FN, ORG, KIND, TEL, URL, SOURCE, NOTE), and the one library that writes vCards (vobject) would bring
pytz and six along. What the RFC asks of a writer is all here: escaping (3.4), CRLF line ends and lines
folded at 75 octets without splitting a character (3.2).
"""

from django.conf import settings
from django.urls import reverse

from solidarity.core.bilingual import text_of
from solidarity.directory.models import Resource

FOLD_AT = 75  # octets, CRLF not counted


def escaped(text: str) -> str:
    """A text value (RFC 6350 3.4): backslash, comma and semicolon escaped, line breaks as \\n."""
    text = text.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")


def folded(line: str) -> str:
    """One content line folded at FOLD_AT octets: each continuation starts with a space (RFC 6350 3.2)."""
    parts: list[str] = []
    current, size = "", 0
    for character in line:
        width = len(character.encode())
        limit = FOLD_AT if not parts else FOLD_AT - 1  # a continuation's leading space counts
        if size + width > limit:
            parts.append(current)
            current, size = "", 0
        current += character
        size += width
    parts.append(current)
    return "\r\n ".join(parts)


def vcard(resource: Resource, language: str) -> str:
    """The resource's card in `language` (the other language where a text is missing)."""
    name = text_of(resource, "name", language)
    lines = ["BEGIN:VCARD", "VERSION:4.0", "KIND:org", f"FN:{escaped(name)}", f"ORG:{escaped(name)}"]
    for phone in sorted(resource.phones.all(), key=lambda item: item.created_at):
        kinds = "voice,text" if not phone.is_24h else "voice"
        lines.append(f'TEL;VALUE=uri;TYPE="{kinds}":tel:{phone.number}')
    if resource.web_address:
        lines.append(f"URL:{resource.web_address}")
    # Where the card's latest version is: a phone that follows it sees a number change.
    source = str(settings.BASE_URL).rstrip("/") + reverse("directory:vcard", kwargs={"resource": resource.slug})
    lines.append(f"SOURCE:{source}")
    notes = [text_of(resource, "offers", language), text_of(resource, "hours", language)]
    note = "\n\n".join(note for note in notes if note)
    if note:
        lines.append(f"NOTE:{escaped(note)}")
    lines.append("END:VCARD")
    return "".join(folded(line) + "\r\n" for line in lines)
