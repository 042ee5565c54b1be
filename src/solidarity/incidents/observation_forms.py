"""The observation form (a dispatcher's on the incident's page, a responder's from their alert), and its correction.

What was seen (SALUTE) comes first, how it was read after, apart. There is no field for anyone on
the other side, and the form says why (WHY_NO_PEOPLE), in both languages.
"""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from solidarity.incidents.models import LONG_TEXT, SHORT_TEXT
from solidarity.incidents.observation_models import MEDIA_BYTES
from solidarity.incidents.observations import ObservationValues

WHY_NO_PEOPLE = _(
    "This records events, never the people on the other side: there is no place for an officer's name, badge, "
    "face or plate, on purpose. A file on an officer can be used against the network and the community. "
    "A photo or a video is evidence of what happened: only the incident's dispatchers see it, it is never "
    "published, and its location and device details are removed before it is kept."
)
SEEN_HELP = _("What was seen, as seen: how many, what they did, where, what they wore, when, what they had.")
READING_HELP = _("How you read it (a checkpoint? a raid?): kept apart from what was seen.")


def media_help() -> str:
    return gettext(
        "One photo (JPEG, PNG or WebP) or a short video (MP4, MOV or WebM, %(mb)d MB at most). "
        "Show the scene, not faces or plates."
    ) % {"mb": MEDIA_BYTES // (1024 * 1024)}


def short(label: Any, help_text: Any = "") -> forms.CharField:
    return forms.CharField(label=label, required=False, max_length=SHORT_TEXT, help_text=help_text)


def long(label: Any, help_text: Any = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=LONG_TEXT,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ObservationForm(forms.Form):
    size = short(_("How many agents and vehicles"), _("For example: 6 agents, 2 unmarked vans."))
    activity = long(_("What they are doing"))
    location = short(_("Cross street or landmark"), _("Never anyone's home address."))
    uniform = short(_("Uniform or agency, as seen"), _("What was written or worn, not who."))
    seen_at = forms.DateTimeField(
        label=_("When it was seen"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    equipment = short(_("Equipment"))
    seen = long(_("Anything else seen"), SEEN_HELP)
    reading = long(_("How it was read"), READING_HELP)
    # Not `media`: a form's `media` is its CSS and JavaScript.
    file = forms.FileField(label=_("Photo or short video"), required=False, help_text=lazy(media_help, str)())

    def clean_file(self) -> UploadedFile[bytes] | None:
        media = self.cleaned_data.get("file")
        if not media:
            return None
        if not isinstance(media, UploadedFile) or (media.size or 0) > MEDIA_BYTES:
            raise ValidationError(
                _("This file is too large: %(mb)d MB at most.") % {"mb": MEDIA_BYTES // (1024 * 1024)}
            )
        return media

    def values(self) -> ObservationValues:
        data = self.cleaned_data
        return ObservationValues(
            size=data["size"],
            activity=data["activity"],
            location=data["location"],
            uniform=data["uniform"],
            equipment=data["equipment"],
            seen=data["seen"],
            reading=data["reading"],
            seen_at=data["seen_at"],
            media=data.get("file"),
        )
