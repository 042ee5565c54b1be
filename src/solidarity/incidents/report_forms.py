"""The report forms: the public one (no account, a phone, under a minute) and the hotline-taker's (a laptop).

Both ask the same things, in SALUTE form, and nothing more: no field asks for anyone's immigration
status or describes an officer. The zone select carries each zone's centre point (data attributes)
for "use my location", which picks the nearest zone in the browser: the coordinates never leave it.
"""

from datetime import datetime, time, timedelta
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from solidarity.core import images
from solidarity.core.bilingual import text_of
from solidarity.core.models import Zone
from solidarity.core.public import PublicForm
from solidarity.core.zones import network_zones, zone_by_slug
from solidarity.incidents.intake import FUTURE_SLACK, ReportValues
from solidarity.incidents.models import LONG_TEXT, PHOTO_BYTES, SHORT_TEXT, IncidentType

CONTACT_LENGTH = 254
SEEN = (("yes", _("Yes, I saw it myself")), ("no", _("No, someone told me")))
SEEN_VALUES = {"yes": True, "no": False}


def zone_label(zone: Zone) -> str:
    return text_of(zone, "name") or zone.slug


def photo_help() -> str:
    """In the page's language when the form is shown (a lazy string's `%` would fix it at import)."""
    return gettext("A photo only, %(mb)d MB at most. We remove its location and camera details before keeping it.") % {
        "mb": PHOTO_BYTES // (1024 * 1024)
    }


class ZoneSelect(forms.Select):
    """A select of zones whose options carry their centre (`data-lat`, `data-lon`) when the zone has one."""

    def __init__(self, centres: dict[str, tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.centres = centres or {}

    def create_option(
        self,
        name: str,
        value: Any,
        label: Any,
        selected: Any,
        index: int,
        subindex: int | None = None,
        attrs: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        centre = self.centres.get(str(value))
        if centre is not None:
            option["attrs"] = {**option["attrs"], "data-lat": centre[0], "data-lon": centre[1]}
        return option


class ReportFields(forms.Form):
    """What a report asks, for both forms; `values(language)` gives the service its ReportValues."""

    type = forms.ChoiceField(label=_("What is it?"), choices=IncidentType.choices, widget=forms.RadioSelect)
    zone = forms.ChoiceField(
        label=_("Where? (zone)"),
        required=False,
        help_text=_("Not sure? Leave it, and say where in the next box: a person places the report."),
    )
    place = forms.CharField(
        label=_("Cross street or landmark"),
        max_length=SHORT_TEXT,
        required=False,
        help_text=_("Optional. Not a home address: the corner or a place nearby is enough."),
    )
    description = forms.CharField(
        label=_("What is happening?"), max_length=LONG_TEXT, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    size = forms.CharField(
        label=_("How many agents and vehicles?"),
        max_length=SHORT_TEXT,
        required=False,
        help_text=_("For example: 6 agents, 2 unmarked vans."),
    )
    activity = forms.CharField(label=_("What are they doing?"), max_length=SHORT_TEXT, required=False)
    uniform = forms.CharField(
        label=_("Uniform or agency, as you saw it"),
        max_length=SHORT_TEXT,
        required=False,
        help_text=_("What was written on a jacket or a vehicle, if anything."),
    )
    equipment = forms.CharField(label=_("Equipment"), max_length=SHORT_TEXT, required=False)
    when = forms.TimeField(
        label=_("When? (time)"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_("Leave it as it is if it is happening now."),
    )
    seen = forms.ChoiceField(
        label=_("Did you see it yourself?"), choices=SEEN, required=False, widget=forms.RadioSelect
    )
    photo = forms.FileField(
        label=_("Photo (optional)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        help_text=lazy(photo_help, str)(),
    )
    follow_up = forms.BooleanField(label=_("I want to hear what happens"), required=False)
    contact = forms.CharField(
        label=_("Your phone or email, to hear back"),
        max_length=CONTACT_LENGTH,
        required=False,
        help_text=_("Kept only if the box above is ticked, encrypted, and used only to tell you the outcome."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        zones = list(network_zones(get_language()))
        centres = {
            zone.slug: (str(zone.latitude), str(zone.longitude))
            for zone in zones
            if zone.latitude is not None and zone.longitude is not None
        }
        field = self.fields["zone"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101  (declared above)
        field.choices = [("", _("Not sure")), *((zone.slug, zone_label(zone)) for zone in zones)]
        field.widget = ZoneSelect(centres=centres)
        field.widget.choices = field.choices
        if not self.is_bound:
            self.fields["when"].initial = timezone.localtime().time().replace(second=0, microsecond=0)
        self.fields["contact"].widget.attrs.update({"autocomplete": "tel"})

    def clean_photo(self) -> UploadedFile[bytes] | None:
        photo = self.cleaned_data.get("photo")
        if not photo:
            return None
        assert isinstance(photo, UploadedFile)  # noqa: S101  (a FileField's value)
        limit = PHOTO_BYTES // (1024 * 1024)
        if photo.size is not None and photo.size > PHOTO_BYTES:
            raise ValidationError(_("This photo is too large: %(mb)d MB at most.") % {"mb": limit})
        content = photo.read(PHOTO_BYTES + 1)
        photo.seek(0)
        if len(content) > PHOTO_BYTES:
            raise ValidationError(_("This photo is too large: %(mb)d MB at most.") % {"mb": limit})
        images.clean_image(content)  # ValidationError: not an image we can read
        return photo

    def occurred_at(self) -> datetime | None:
        """The time given, today in the network's time zone (yesterday if that is still to come); None: now."""
        given = self.cleaned_data.get("when")
        if not isinstance(given, time):
            return None
        now = timezone.localtime()
        moment = timezone.make_aware(datetime.combine(now.date(), given.replace(second=0, microsecond=0)))
        if moment > now + FUTURE_SLACK:
            moment = timezone.make_aware(datetime.combine(now.date() - timedelta(days=1), given))
        return moment

    def values(self) -> ReportValues:
        data = self.cleaned_data
        zone = zone_by_slug(data["zone"]) if data.get("zone") else None
        follow_up = bool(data.get("follow_up"))
        return ReportValues(
            type=data["type"],
            zone=zone,
            description=data.get("description", ""),
            place=data.get("place", ""),
            size=data.get("size", ""),
            activity=data.get("activity", ""),
            uniform=data.get("uniform", ""),
            equipment=data.get("equipment", ""),
            occurred_at=self.occurred_at(),
            seen_directly=SEEN_VALUES.get(data.get("seen") or ""),
            follow_up=follow_up,
            contact=data.get("contact", "") if follow_up else "",
            language=(get_language() or "en")[:2],
            photo=data.get("photo"),
        )


class PublicReportForm(ReportFields, PublicForm):
    """The public form. core.public's view builds it from its class and the POST alone: `with_request`
    gives a class that also reads the request's uploads (the photo), once the view has checked the size."""

    request: HttpRequest | None = None

    @classmethod
    def with_request(cls, request: HttpRequest) -> type["PublicReportForm"]:
        return type("PublicReportForm", (cls,), {"request": request})

    def __init__(self, data: Any = None, files: Any = None, **kwargs: Any) -> None:
        if data is not None and files is None and self.request is not None:
            files = self.request.FILES
        super().__init__(data, files, **kwargs)


class HotlineReportForm(ReportFields):
    """The hotline-taker's form: the same questions, for a dispatcher on a call."""
