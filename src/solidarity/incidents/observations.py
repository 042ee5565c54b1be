"""Observations on an incident's timeline: what volunteers saw (SALUTE), a photo or a short video, corrections.

The only writer of Observation (incidents.observation_models). An observation comes from a dispatcher
(the incident's page, the API) or from a responder out on the incident (their alert going or on scene:
their own page, the API, or a text with no keyword, `read_text`, which messaging asks through
messaging.keywords.READERS). A correction is a new entry pointing at the old one; the old one stays
as it was, and the timeline shows it as corrected.

Media: which a file is, is read from its content, never its name. A photo is re-encoded from its
pixels (core.images), a video's streams copied into a new container without any tag (core.videos),
both before they are sealed (core.files) under a neutral name ("photo.jpg", "video.mp4"): a file's
own name may say more than the picture.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from solidarity.accounts.models import User
from solidarity.core import images, videos
from solidarity.core.files import Cleaned
from solidarity.core.models import AuditAction
from solidarity.incidents.keywords import MAX_LISTED, alerts_of, listed, network, reply, traced
from solidarity.incidents.models import (
    BUSY,
    DISPATCHING_STATES,
    LONG_TEXT,
    PHOTO_BYTES,
    SHORT_TEXT,
    Alert,
    Entry,
    EntryKind,
    Incident,
    Source,
)
from solidarity.incidents.observation_models import MEDIA_BYTES, MediaKind, Observation
from solidarity.incidents.services import IncidentError, clean_text, lock
from solidarity.incidents.timeline import add, add_correction, person_actor, record
from solidarity.messaging.keywords import InboundContext, NotMine, Outcome, Parsed, ToInbox, fold
from solidarity.people.keywords import language_of, sender_person
from solidarity.people.models import Person

# What was seen, in SALUTE's order, then how it was read; each with its longest text.
SEEN_FIELDS = {
    "size": SHORT_TEXT,
    "activity": LONG_TEXT,
    "location": SHORT_TEXT,
    "uniform": SHORT_TEXT,
    "equipment": SHORT_TEXT,
    "seen": LONG_TEXT,
}
TEXT_FIELDS = {**SEEN_FIELDS, "reading": LONG_TEXT}
CLOCK_SKEW = timedelta(minutes=5)  # a phone's clock a little ahead is not "in the future"
IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")  # JPEG, PNG (WebP: RIFF....WEBP)


@dataclass(frozen=True)
class ObservationValues:
    """What an observer gives: what was seen (SALUTE), how they read it, and perhaps one photo or video."""

    size: str = ""
    activity: str = ""
    location: str = ""
    uniform: str = ""
    equipment: str = ""
    seen: str = ""
    reading: str = ""
    seen_at: datetime | None = None
    media: File[Any] | bytes | None = field(default=None, compare=False)

    @classmethod
    def of(cls, observation: Observation) -> "ObservationValues":
        """An observation's words and time, for a correction's form to start from (never its media)."""
        return cls(
            size=observation.size,
            activity=observation.activity,
            location=observation.location,
            uniform=observation.uniform,
            equipment=observation.equipment,
            seen=observation.seen,
            reading=observation.reading,
            seen_at=observation.seen_at,
        )


def clean_values(values: ObservationValues) -> dict[str, Any]:
    """The texts trimmed and within their lengths, the time not ahead; ValidationError by field."""
    cleaned: dict[str, Any] = {
        name: clean_text(getattr(values, name), name, limit) for name, limit in TEXT_FIELDS.items()
    }
    if not any(cleaned[name] for name in SEEN_FIELDS) and values.media is None:
        raise ValidationError({"seen": _("Say what you saw, or add a photo or a video.")})
    if values.seen_at is not None:
        if timezone.is_naive(values.seen_at):
            raise ValidationError({"seen_at": _("Give the time with its time zone.")})
        if values.seen_at > timezone.now() + CLOCK_SKEW:
            raise ValidationError({"seen_at": _("This time is in the future.")})
    cleaned["seen_at"] = values.seen_at
    return cleaned


def is_image(data: bytes) -> bool:
    return data.startswith(IMAGE_MAGIC) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP")


def clean_media(upload: File[Any] | bytes) -> tuple[Cleaned, MediaKind]:
    """A photo or a video, told apart by its content, without its metadata; ValidationError on `media`."""
    if isinstance(upload, bytes):
        data = upload
    else:
        upload.seek(0)
        read = upload.read(MEDIA_BYTES + 1)
        data = read.encode() if isinstance(read, str) else bytes(read)
    try:
        if is_image(data):
            if len(data) > PHOTO_BYTES:
                raise ValidationError(
                    _("This photo is too large: %(mb)d MB at most.") % {"mb": PHOTO_BYTES // (1024 * 1024)}
                )
            photo = images.clean_image(data)
            return Cleaned(photo.content.read(), f"photo.{photo.extension}", photo.content_type), MediaKind.PHOTO
        video = videos.clean_video(data)
    except ValidationError as error:
        raise ValidationError({"media": error.messages}) from None
    return Cleaned(video.content, f"video.{video.extension}", video.content_type), MediaKind.VIDEO


def check_correctable(incident: Incident, entry: Entry) -> None:
    """Only an observation (or a correction) of this incident, not yet corrected, can be corrected: 409 otherwise."""
    if entry.incident_id != incident.pk or entry.kind not in (EntryKind.OBSERVATION, EntryKind.CORRECTION):
        raise IncidentError(_("Only an observation can be corrected."), code="not_an_observation")
    if entry.corrections.exists():
        raise IncidentError(
            _("This entry was corrected already: correct its correction instead."), code="already_corrected"
        )


def do_add_observation(
    incident: Incident,
    values: ObservationValues,
    *,
    actor: str,
    source: Source,
    by: User | None = None,
    corrects: Entry | None = None,
) -> Observation:
    """An observation on `incident`'s timeline (a correction of `corrects` when given), with its media, audited.

    Holds the incident's row while it writes, as every timeline change does; the media is cleaned
    before (the slow part, outside the lock). `by`: the signed-in person, for the audit log.
    """
    cleaned = clean_values(values)
    media, kind = clean_media(values.media) if values.media is not None else (None, "")
    with transaction.atomic():
        incident = lock(incident)
        if corrects is not None:
            check_correctable(incident, Entry.objects.select_for_update().get(pk=corrects.pk))
        data = {"media": str(kind)} if kind else {}
        if corrects is not None:
            entry = add_correction(corrects, EntryKind.CORRECTION, actor=actor, **data)
        else:
            entry = add(incident, EntryKind.OBSERVATION, actor=actor, **data)
        observation = Observation(entry=entry, source=source, media_kind=kind, **cleaned)
        if media is not None:
            observation.media = media
        observation.save()
        record(
            incident,
            AuditAction.CHANGED,
            by=by,
            added=str(entry.kind),
            entry=str(entry.uuid),
            **({"corrects": str(corrects.uuid)} if corrects is not None else {}),
        )
    return observation


def check_out_on(alert: Alert) -> None:
    """Only a responder out on the incident (going or on scene, the incident still dispatching) adds an observation."""
    if alert.state not in BUSY or alert.incident.state not in DISPATCHING_STATES:
        raise IncidentError(_("Only a responder out on the incident can add what they see."), code="not_out_on_it")


def do_add_responder_observation(
    alert: Alert, values: ObservationValues, *, source: Source, by: User | None = None
) -> Observation:
    """A responder's observation, from their alert (going or on scene): on that alert's incident, as them."""
    check_out_on(alert)
    return do_add_observation(alert.incident, values, actor=person_actor(alert.person.uuid), source=source, by=by)


# By text: a line texted by a responder out on an incident, with no keyword, joins its timeline.


def read_text(context: InboundContext, parsed: Parsed) -> Outcome:
    """A text with no keyword from a responder out on an incident: what they see, on its timeline.

    Out on one incident: the text joins it. Out on several: a text starting with one of their alerts'
    codes joins that alert's incident; otherwise they are asked which (the codes listed) and the text
    goes to the inbox meanwhile, where a person reads it. Anyone else's text is not this part's.
    """
    text = parsed.argument.strip()
    person = sender_person(context) if text else None
    if person is None:
        return NotMine()
    out = list(alerts_of(person, BUSY))
    if not out:
        return NotMine()
    alert, text = chosen(out, text)
    if alert is None:
        return which_incident(person, context, parsed, out)
    if not text:
        return NotMine()
    do_add_responder_observation(alert, ObservationValues(seen=text[:LONG_TEXT]), source=Source.SMS)
    traced(context, incident=alert.incident)
    with translation.override(language_of(person, context, parsed)):
        # Translators: SMS, one segment.
        answer = _("%(network)s: thank you, what you saw is on the timeline of incident %(code)s.") % {
            "network": network(),
            "code": alert.incident.code,
        }
    return reply(answer, alert.incident)


def chosen(out: list[Alert], text: str) -> tuple[Alert | None, str]:
    """The alert a text is about, and the text without a leading code; None when it cannot tell."""
    first, _space, rest = text.partition(" ")
    named = [alert for alert in out if alert.code == fold(first).strip(".:,;")]
    if named:
        return named[0], rest.strip()
    if len({alert.incident_id for alert in out}) == 1:
        return out[0], text
    return None, text


def which_incident(person: Person, context: InboundContext, parsed: Parsed, out: list[Alert]) -> Outcome:
    """Out on several incidents: the text waits in the inbox, and the sender is asked to start with a code."""
    language = language_of(person, context, parsed)
    for alert in out[:MAX_LISTED]:
        traced(context, incident=alert.incident)  # the reply names each of them
    with translation.override(language):
        # Translators: SMS. The alerts' codes follow, each with its incident's type and zone.
        answer = _("%(network)s: which incident? Send it again starting with its code: %(alerts)s.") % {
            "network": network(),
            "alerts": listed(out, language),
        }
    # A drill's mark only when every incident named is a drill: a real one's listing is never marked DRILL.
    about = out[0].incident if all(alert.incident.drill for alert in out) else None
    return ToInbox(reply(answer, about).reply)


def observations_by_entry(entries: list[Entry]) -> dict[int, Observation]:
    """The observations of these entries, by entry id (one query)."""
    return {found.entry_id: found for found in Observation.objects.filter(entry__in=[e.pk for e in entries])}
