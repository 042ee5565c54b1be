"""What volunteers saw, on an incident's timeline: an observation is one entry's account, in SALUTE form.

What was seen (size, activity, location, uniform or agency as seen, time, equipment) is kept apart
from how it was read (the observer's interpretation): a legal team weighs one and the other
differently. A photo or a short video is evidence of the event, stored encrypted without its
metadata (location, device), seen only by the incident's dispatchers, never published.

By design it records events, never people on the other side: there is no field, tag or search for
an officer's name, badge, face or plate, and no gallery of agents. A file on an officer can be used
against the network and the community.

Append-only like the timeline: an observation is written once with its entry (incidents.observations
is the only writer); a correction is a new entry pointing at the old one (Entry.corrects).
"""

import uuid
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from solidarity.core.fields import EncryptedTextField
from solidarity.core.files import EncryptedFileField
from solidarity.core.permissions import sensitive
from solidarity.incidents.models import Entry, Source

MEDIA_BYTES = 25 * 1024 * 1024  # a short video; a photo is held to the reports' limit (incidents.observations)


class MediaKind(models.TextChoices):
    PHOTO = "photo", _("photo")
    VIDEO = "video", _("video")


class ObservationQuerySet(models.QuerySet["Observation"]):
    def update(self, **kwargs: object) -> int:
        raise TypeError("an observation is written once: a correction is a new entry")


@sensitive
class Observation(models.Model):
    """One volunteer's account of what they saw, attached to its timeline `entry` (kind observation or correction).

    SALUTE, as seen: `size` (how many agents and vehicles), `activity` (what they are doing),
    `location` (a cross street or landmark, never a home address asked for), `uniform` (uniform or
    agency, as seen), `seen_at` (when), `equipment`; `seen`: anything else seen, in the observer's
    words (a texted observation is all here). `reading`: how the observer read it, kept apart.
    `media`: one photo or short video, metadata stripped, encrypted; `media_kind` says which.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    entry = models.OneToOneField(Entry, on_delete=models.CASCADE, related_name="observation")
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    seen_at = models.DateTimeField(_("when it was seen"), null=True, blank=True)
    seen = EncryptedTextField(_("what was seen"), context="incidents.observation.seen", blank=True)
    size = EncryptedTextField(_("how many agents and vehicles"), context="incidents.observation.size", blank=True)
    activity = EncryptedTextField(_("what they are doing"), context="incidents.observation.activity", blank=True)
    location = EncryptedTextField(_("cross street or landmark"), context="incidents.observation.location", blank=True)
    uniform = EncryptedTextField(_("uniform or agency, as seen"), context="incidents.observation.uniform", blank=True)
    equipment = EncryptedTextField(_("equipment"), context="incidents.observation.equipment", blank=True)
    reading = EncryptedTextField(_("how it was read"), context="incidents.observation.reading", blank=True)
    media = EncryptedFileField(context="incidents.observation.media", max_size=MEDIA_BYTES, blank=True)
    media_kind = models.CharField(max_length=5, choices=MediaKind.choices, blank=True)

    objects = ObservationQuerySet.as_manager()

    class Meta:
        verbose_name = _("observation")
        verbose_name_plural = _("observations")

    def __str__(self) -> str:
        return f"observation {self.uuid}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise TypeError("an observation is written once: a correction is a new entry")
        super().save(*args, **kwargs)
