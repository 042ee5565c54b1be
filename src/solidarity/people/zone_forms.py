"""The form for a zone: its names in both languages, a coarse centre, the zones that touch it."""

from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext_lazy as _

from solidarity.core.bilingual import text_of
from solidarity.core.models import LATITUDE_LIMIT, LONGITUDE_LIMIT, Zone
from solidarity.core.zones import NAME_LENGTH, SLUG_LENGTH, ZoneValues, network_zones

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

BOTH_OR_NEITHER = _("Give both the latitude and the longitude of the centre, or neither.")


class NeighboursField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]  # django-stubs: the model is Zone
    """The network's zones to tick, each by its name in the page's language; the form posts their slugs."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            queryset=Zone.objects.none(),
            to_field_name="slug",
            required=False,
            widget=forms.CheckboxSelectMultiple,
            **kwargs,
        )

    def label_from_instance(self, obj: Any) -> str:
        return text_of(obj, "name")


def coordinate_field(label: "StrOrPromise", limit: Decimal) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        min_value=-limit,
        max_value=limit,
        max_digits=20,
        # No example as a placeholder: on a zone without a centre it reads as one.
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )


class ZoneForm(forms.Form):
    """A new zone (with its short name, optional) or a zone's change (`zone`: its short name stays)."""

    slug = forms.SlugField(
        label=_("Short name (optional)"),
        max_length=SLUG_LENGTH,
        required=False,
        help_text=_(
            "Lower-case letters, numbers and hyphens, like east-durham. Left empty, it is made from the name. "
            "It never changes once the zone is made: lists, people and scripts refer to the zone by it."
        ),
    )
    name_en = forms.CharField(label=_("Name in English"), max_length=NAME_LENGTH, required=False)
    name_es = forms.CharField(
        label=_("Name in Spanish"),
        max_length=NAME_LENGTH,
        required=False,
        help_text=_("At least one of the two names. Each page shows the name in its language, else the other."),
    )
    latitude = coordinate_field(_("Latitude of the centre (optional)"), LATITUDE_LIMIT)
    longitude = coordinate_field(_("Longitude of the centre (optional)"), LONGITUDE_LIMIT)
    longitude.help_text = _("Both numbers or neither.")
    neighbours = NeighboursField(
        label=_("Neighbouring zones"),
        help_text=_("The zones that touch this one. Each is then shown as a neighbour of the other too."),
    )

    def __init__(self, *args: Any, zone: Zone | None = None, **kwargs: Any) -> None:
        if zone is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name_en": zone.name_en,
                "name_es": zone.name_es,
                "latitude": zone.latitude,
                "longitude": zone.longitude,
                "neighbours": [neighbour.slug for neighbour in zone.neighbours.all()],
            }
        super().__init__(*args, **kwargs)
        self.zone = zone
        if zone is not None:
            del self.fields["slug"]  # it never changes once made
        offered = network_zones().exclude(pk=zone.pk) if zone is not None else network_zones()
        cast(NeighboursField, self.fields["neighbours"]).queryset = offered
        if not offered.exists():
            del self.fields["neighbours"]  # the network's first zone: nothing to touch yet

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        named = (data.get("name_en") or "").strip() or (data.get("name_es") or "").strip()
        if not named and not self.has_error("name_en") and not self.has_error("name_es"):
            self.add_error("name_en", _("Give the zone a name, in English or in Spanish."))
        # A coordinator who typed a bad number has its own error: "give both" would only confuse.
        typed_badly = self.has_error("latitude") or self.has_error("longitude")
        latitude, longitude = data.get("latitude"), data.get("longitude")
        if (latitude is None) != (longitude is None) and not typed_badly:
            self.add_error("longitude" if longitude is None else "latitude", BOTH_OR_NEITHER)
        return data

    def values(self) -> ZoneValues:
        data = self.cleaned_data
        return ZoneValues(
            name_en=data.get("name_en", ""),
            name_es=data.get("name_es", ""),
            latitude=data.get("latitude"),
            longitude=data.get("longitude"),
            neighbours=tuple(zone.slug for zone in data.get("neighbours") or ()),
        )

    def refused(self, error: ValidationError) -> None:
        """What the zone's service refused, each message on its field; on the form as a whole if it has none."""
        by_field = error.message_dict if hasattr(error, "error_dict") else {NON_FIELD_ERRORS: error.messages}
        for field, messages in by_field.items():
            for message in messages:
                self.add_error(field if field in self.fields else None, message)
