"""One incident's timeline for the network's lawyers: a PDF or a signed JSON bundle, built for the download, never kept.

Both hold the timeline's entries in order (times with their offset, in the network's time zone), each
observation with what was seen apart from how it was read, and which entry corrects which. The PDF
shows the photos; the bundle carries every photo and video (base64) with its SHA-256. Neither holds a
reporter's contact or the number a text came from, nor anything about anyone on the other side.

Who exported which incident is audited (AuditAction.EXPORTED, with the format and counts), never
what the export said. Only the incident's dispatchers may download (the views and the API check).

The bundle is signed as `solidarity audit head` signs its head: Ed25519 under the keyring's signing key,
over a message that says what it is (BUNDLE_MESSAGE) and the SHA-256 of the bundle's canonical JSON
(keys sorted, no spaces, UTF-8). `verify_bundle` checks one (`solidarity incident verify-export FILE`
on the server). Anyone can check one away from the server with the public key it carries:

    python3 -c 'import base64, hashlib, json, sys
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    b = json.load(open(sys.argv[1]))
    body = json.dumps(b["timeline"], sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    digest = hashlib.sha256(body).hexdigest()
    key = Ed25519PublicKey.from_public_bytes(base64.b64decode(b["public_key"]))
    key.verify(base64.b64decode(b["signature"]), b"solidarity timeline export v1\\n" + digest.encode())
    print("signature good:", digest)' FILE

and compare that public key with the network's (`solidarity incident verify-export` prints it).
"""

import base64
import hashlib
import io
import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from solidarity.core import audit, keyring
from solidarity.core.bilingual import text_of
from solidarity.core.files import EncryptedFile
from solidarity.core.models import AuditAction
from solidarity.core.permissions import AnyUser, Role
from solidarity.core.services import get_network_settings, local
from solidarity.incidents.models import Entry, Incident
from solidarity.incidents.observation_access import timeline_of
from solidarity.incidents.observation_models import MediaKind, Observation
from solidarity.incidents.views import actor_words, entry_words, name_of

if TYPE_CHECKING:
    from fpdf import FPDF

# fpdf is imported where the PDF is drawn, not here: with the fontTools it loads it costs every process some
# 17 MB (the views and the API load this module), and a timeline is rarely printed.

BUNDLE_FORMAT = "solidarity-timeline-export/1"
BUNDLE_MESSAGE = b"solidarity timeline export v1\n"  # signed before the digest, so the signature means nothing else
PDF_IMAGE_WIDTH = 90  # millimetres
# Core PDF fonts speak Latin-1: Spanish fits (á é í ó ú ñ ü ¿ ¡); the rest is spelled out or replaced.
PLAIN = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2026": "...",
        "\u2192": "->",
    }
)


@dataclass(frozen=True)
class Download:
    content: bytes
    filename: str
    content_type: str


class BadBundle(ValueError):
    """The bundle is not one, or its signature does not verify (altered, or signed with another key)."""


def download(made: Download) -> HttpResponse:
    """The export as an attachment, never cached (the views' and the API's answer alike)."""
    response = HttpResponse(made.content, content_type=made.content_type)
    response["Content-Disposition"] = f'attachment; filename="{made.filename}"'
    response["Cache-Control"] = "no-store"
    return response


def exported(user: AnyUser, incident: Incident, what: str, entries: list[Entry]) -> None:
    """Who exported which incident, in which format, and how much: never what it said."""
    audit.record(
        actor=str(getattr(user, "uuid", audit.SYSTEM)),
        role=str(Role.DISPATCHER),
        action=AuditAction.EXPORTED,
        object_type="incidents.incident",
        object_ids=[incident.uuid],
        detail={"format": what, "entries": len(entries), "media": sum(1 for e in entries if media_of(e) is not None)},
    )


def observation_of(entry: Entry) -> Observation | None:
    return getattr(entry, "observation", None)


def media_of(entry: Entry) -> EncryptedFile | None:
    observation = observation_of(entry)
    media = observation.media if observation is not None else None
    return media if isinstance(media, EncryptedFile) else None


def when(moment: datetime | None) -> str:
    return local(moment).isoformat(timespec="seconds") if moment is not None else ""


def people_of(incident: Incident) -> dict[str, str]:
    """Responders' display names by their uuid (as the timeline's actors name them)."""
    return {str(alert.person.uuid): name_of(alert.person) for alert in incident.alerts.select_related("person")}


def alert_names(incident: Incident) -> dict[str, str]:
    return {alert.code: name_of(alert.person) for alert in incident.alerts.select_related("person")}


def observed(observation: Observation) -> dict[str, str]:
    """What was seen, field by field, then how it was read: the labels in the active language."""
    fields = ("size", "activity", "location", "uniform", "equipment", "seen", "reading")
    found = {name: str(getattr(observation, name)) for name in fields}
    found["seen_at"] = when(observation.seen_at)
    return found


LABELS = {
    "size": lambda: _("How many agents and vehicles"),
    "activity": lambda: _("What they are doing"),
    "location": lambda: _("Cross street or landmark"),
    "uniform": lambda: _("Uniform or agency, as seen"),
    "seen_at": lambda: _("When it was seen"),
    "equipment": lambda: _("Equipment"),
    "seen": lambda: _("Anything else seen"),
    "reading": lambda: _("How it was read"),
}


def rows(incident: Incident, entries: list[Entry]) -> list[dict[str, Any]]:
    """Each entry as the exports show it (no contact, no number: the timeline's own words)."""
    people, names = people_of(incident), alert_names(incident)
    found = []
    for entry in entries:
        observation = observation_of(entry)
        row: dict[str, Any] = {
            "id": str(entry.uuid),
            "at": when(entry.at),
            "kind": entry.kind,
            "kind_label": str(entry.get_kind_display()),
            "by": actor_words(entry.actor, "", people),
            "said": entry_words(entry, names),
            "text": str(entry.text),
            "corrects": str(entry.corrects.uuid) if entry.corrects is not None else None,
            "corrected_by": [str(later.uuid) for later in entry.corrections.all()],
        }
        if observation is not None:
            row["observation"] = observed(observation)
            row["source"] = observation.source
        found.append(row)
    return found


# The signed JSON bundle.


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def signed_message(digest: str) -> bytes:
    return BUNDLE_MESSAGE + digest.encode()


def public_key() -> Ed25519PublicKey:
    return keyring.current().signing_key.public_key()


def public_key_text() -> str:
    return base64.b64encode(public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()


def media_item(entry: Entry, media: EncryptedFile) -> dict[str, Any]:
    content = media.read_plain()
    observation = observation_of(entry)
    return {
        "entry": str(entry.uuid),
        "kind": observation.media_kind if observation is not None else "",
        "name": media.name,
        "content_type": media.content_type,
        "size": len(content),
        "sha256": hashlib.sha256(content).hexdigest(),
        "base64": base64.b64encode(content).decode(),
    }


def timeline_bundle(user: AnyUser, incident: Incident) -> Download:
    """The signed JSON bundle of `incident`'s timeline, its observations and media; audited."""
    entries = timeline_of(user, incident)
    network = get_network_settings()
    timeline = {
        "format": BUNDLE_FORMAT,
        "network": network.name,
        "incident": {
            "code": incident.code,
            "type": incident.type,
            "type_label": str(incident.get_type_display()),
            "zone": text_of(incident.zone, "name"),
            "state": incident.state,
            "first_reported_at": when(incident.first_reported_at),
        },
        "exported_at": when(timezone.now()),
        "entries": rows(incident, entries),
        "media": [media_item(entry, media) for entry in entries if (media := media_of(entry)) is not None],
    }
    digest = hashlib.sha256(canonical(timeline)).hexdigest()
    signature = keyring.current().signing_key.sign(signed_message(digest))
    bundle = {
        "timeline": timeline,
        "sha256": digest,
        "signature": base64.b64encode(signature).decode(),
        "public_key": public_key_text(),
        "verify": "solidarity incident verify-export FILE",
    }
    exported(user, incident, "json", entries)
    content = json.dumps(bundle, ensure_ascii=False, indent=1).encode()
    return Download(content, f"incident-{incident.code}-timeline.json", "application/json")


def verify_bundle(content: bytes, key: Ed25519PublicKey | None = None) -> str:
    """The bundle's digest when its signature verifies under `key` (the network's own by default); BadBundle if not."""
    try:
        bundle = json.loads(content)
        digest = hashlib.sha256(canonical(bundle["timeline"])).hexdigest()
        signature = base64.b64decode(bundle["signature"], validate=True)
    except (ValueError, KeyError, TypeError):
        raise BadBundle("this is not a timeline export: its JSON, timeline or signature is missing") from None
    if digest != bundle.get("sha256"):
        raise BadBundle("the timeline does not match its digest: it was altered")
    try:
        (key or public_key()).verify(signature, signed_message(digest))
    except InvalidSignature:
        raise BadBundle("the signature does not verify: altered, or signed with another network's key") from None
    return digest


# The PDF.


def latin1(text: str) -> str:
    """What the PDF's core fonts can write: Spanish as it is, typographic marks plain, anything else '?'."""
    return text.translate(PLAIN).encode("latin-1", errors="replace").decode("latin-1")


def write_line(pdf: "FPDF", text: str, *, size: int = 10, style: str = "", indent: float = 0) -> None:
    pdf.set_font("Helvetica", style=style, size=size)
    pdf.set_x(pdf.l_margin + indent)
    pdf.multi_cell(0, size * 0.5, latin1(text), new_x="LMARGIN", new_y="NEXT")


def timeline_pdf(user: AnyUser, incident: Incident) -> Download:
    """`incident`'s timeline as a PDF, photos shown, in the active language; audited."""
    from fpdf import FPDF  # see the imports

    entries = timeline_of(user, incident)
    pdf = FPDF(format="A4")
    pdf.set_title(latin1(_("Incident %(code)s: timeline") % {"code": incident.code}))
    pdf.set_creator("Solidarity")
    pdf.add_page()
    write_line(pdf, _("Incident %(code)s: timeline") % {"code": incident.code}, size=16, style="B")
    write_line(
        pdf, f"{incident.get_type_display()} - {text_of(incident.zone, 'name')} - {incident.get_state_display()}"
    )
    write_line(
        pdf,
        _("Exported %(at)s from %(network)s.") % {"at": when(timezone.now()), "network": get_network_settings().name},
    )
    write_line(
        pdf,
        _(
            "It records events, never the people on the other side. Keep it with the legal team only; "
            "the network keeps no copy of this file."
        ),
        size=9,
        style="I",
    )
    pdf.ln(3)
    for row, entry in zip(rows(incident, entries), entries, strict=True):
        pdf_entry(pdf, row, entry)
    exported(user, incident, "pdf", entries)
    return Download(bytes(pdf.output()), f"incident-{incident.code}-timeline.pdf", "application/pdf")


def pdf_entry(pdf: "FPDF", row: dict[str, Any], entry: Entry) -> None:
    head = f"{row['at']}  {row['kind_label']} - {row['by']}"
    write_line(pdf, head + (f": {row['said']}" if row["said"] else ""), style="B")
    if row["corrects"]:
        write_line(
            pdf,
            _("Corrects the entry of %(at)s.") % {"at": when(entry.corrects.at if entry.corrects else None)},
            indent=4,
        )
    if row["corrected_by"]:
        write_line(pdf, _("Corrected later: see the correction below."), indent=4, style="I")
    if row["text"]:
        write_line(pdf, row["text"], indent=4)
    for name, value in row.get("observation", {}).items():
        if value:
            write_line(pdf, f"{LABELS[name]()}: {value}", indent=4)
    media = media_of(entry)
    if media is not None:
        content = media.read_plain()
        digest = hashlib.sha256(content).hexdigest()
        observation = observation_of(entry)
        if observation is not None and observation.media_kind == MediaKind.PHOTO:
            pdf.set_x(pdf.l_margin + 4)
            pdf.image(io.BytesIO(content), w=PDF_IMAGE_WIDTH)
            write_line(pdf, _("Photo, SHA-256 %(digest)s") % {"digest": digest}, size=8, indent=4)
        else:
            write_line(pdf, _("Video (in the JSON export), SHA-256 %(digest)s") % {"digest": digest}, size=8, indent=4)
    pdf.ln(2)
