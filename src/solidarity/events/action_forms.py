"""The organisers' form for an action: what the public page says (in English and in Spanish, side by side), when,
where, the zone, and the addresses people use (contact, donation page, jail-support number). It gives
events.services.ActionValues; the service checks the rest (a title in one language, the order of the times, the
number)."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from solidarity.core.bilingual import text_of
from solidarity.core.forms import LocalDateTimeInput, PlainTextField
from solidarity.core.zones import network_zones, zone_by_slug
from solidarity.events.models import MAX_SIZE, SHORT_TEXT, TEXT_LENGTH, TITLE_LENGTH, Action
from solidarity.events.services import TEXTS, TITLES, ActionValues

# The public texts, each a pair shown side by side: (English field, Spanish field).
PAIRS = (("title_en", "title_es"), *zip(TEXTS[::2], TEXTS[1::2], strict=True))
OTHERS = ("starts_at", "ends_at", "gathering_place", "zone", "contact", "donate_url", "hotline", "expected_size")


def text_area(language: str, rows: int = 4) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows, "lang": language})


def text(label: Any, language: str, help_text: Any = "") -> PlainTextField:
    return PlainTextField(
        label=label, max_length=TEXT_LENGTH, required=False, widget=text_area(language), help_text=help_text
    )


class ActionForm(forms.Form):
    title_en = forms.CharField(label=_("Title in English"), max_length=TITLE_LENGTH, required=False)
    title_es = forms.CharField(
        label=_("Title in Spanish"), max_length=TITLE_LENGTH, required=False, widget=forms.TextInput({"lang": "es"})
    )
    description_en = text(_("What, in English"), "en", _("What the action is for, in a few plain sentences."))
    description_es = text(_("What, in Spanish"), "es")
    bring_en = text(_("What to bring, in English"), "en", _("Water, a snack, comfortable shoes, a charged phone."))
    bring_es = text(_("What to bring, in Spanish"), "es")
    rights_en = text(_("Know your rights, in English"), "en", _("What to do if police stop or arrest someone."))
    rights_es = text(_("Know your rights, in Spanish"), "es")
    starts_at = forms.DateTimeField(label=_("Starts"), widget=LocalDateTimeInput())
    ends_at = forms.DateTimeField(label=_("Ends"), widget=LocalDateTimeInput())
    gathering_place = forms.CharField(
        label=_("Where to gather"),
        max_length=SHORT_TEXT,
        help_text=_("A public place: a park, the steps of a building. Never someone's home."),
    )
    zone = forms.ChoiceField(label=_("Zone"), required=False)
    contact = forms.CharField(
        label=_("Public contact address"),
        max_length=SHORT_TEXT,
        required=False,
        help_text=_("The group's email or number, shown on the public page: never a person's own."),
    )
    donate_url = forms.URLField(
        label=_("Donation page"),
        max_length=300,
        required=False,
        assume_scheme="https",
        help_text=_("The network's own page for the medical and legal fund, starting with https://."),
    )
    hotline = forms.CharField(
        label=_("Jail-support number"),
        max_length=32,
        required=False,
        help_text=_("Printed on the public page and the flyer, for people to write on their arm."),
    )
    expected_size = forms.IntegerField(
        label=_("Expected size"), min_value=0, max_value=MAX_SIZE, required=False, help_text=_("About how many people.")
    )

    def __init__(self, *args: Any, action: Action | None = None, **kwargs: Any) -> None:
        if action is not None and (args[0] if args else kwargs.get("data")) is None:
            names = [name for pair in PAIRS for name in pair] + [name for name in OTHERS if name != "zone"]
            initial = {name: getattr(action, name) for name in names}
            initial["zone"] = action.zone.slug if action.zone else ""
            kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        zones = [(zone.slug, text_of(zone, "name")) for zone in network_zones()]
        self.fields["zone"].choices = [("", _("No zone")), *zones]  # type: ignore[attr-defined]

    def pairs(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        """The public texts, English beside Spanish."""
        return [(self[en], self[es]) for en, es in PAIRS]

    def others(self) -> list[forms.BoundField]:
        return [self[name] for name in OTHERS]

    def values(self) -> ActionValues:
        data = self.cleaned_data
        texts = {name: data[name] or "" for name in (*TITLES, *TEXTS)}
        return ActionValues(
            **texts,
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            gathering_place=data["gathering_place"],
            zone=zone_by_slug(data["zone"]) if data["zone"] else None,
            contact=data["contact"] or "",
            donate_url=data["donate_url"] or "",
            hotline=data["hotline"] or "",
            expected_size=data["expected_size"],
        )
