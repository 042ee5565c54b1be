"""The supplies' forms: setting up items, locations and kits, and one small form per change of stock.

No form has a field about a person supplies go to: a distribution is a count by item, date, location and zone.
Choices (items, locations, lots, members) come from the group the view reached through supplies.access.
"""

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from solidarity.accounts.access import members_of
from solidarity.accounts.models import User, WorkingGroup
from solidarity.core.bilingual import text_of
from solidarity.core.models import Zone
from solidarity.core.public import PublicForm
from solidarity.core.zones import network_zones
from solidarity.supplies.access import group_items, group_locations, kit_by_uuid
from solidarity.supplies.models import MAX_DOSES, REASON_LENGTH, Brand, Item, KitTemplate, Location, LocationKind, Lot
from solidarity.supplies.reversals import ReversalValues
from solidarity.supplies.services import ITEM_FIELDS, ItemValues, LocationValues, StockLine, item_values_of

MAX_QUANTITY = 1_000_000
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def quantity_field(label: Any = None, **more: Any) -> forms.IntegerField:
    return forms.IntegerField(label=label or _("Quantity"), min_value=1, max_value=MAX_QUANTITY, **more)


class ItemForm(forms.Form):
    """An item, with its par settings and limit per request (supplies.services.do_save_item checks it);
    its fields are the model's (added below the class)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["is_never_linked"].help_text = _(
            "Items such as abortion pills, contraception and hormones are never linked to a person anywhere, by "
            "design. No distribution of any item names anyone: this marks the item so everyone knows."
        )
        self.fields["is_prescription"].help_text = _(
            "Prescription-only: referred to a clinic in the directory rather than given from stock, unless a "
            "coordinator who is also a medic lead enables prescription items at a location."
        )

    def values(self) -> ItemValues:
        data = self.cleaned_data
        return ItemValues(**{name: data[name] for name in ITEM_FIELDS if name in data})

    @classmethod
    def of(cls, item: Item) -> dict[str, Any]:
        return dict(item_values_of(item).__dict__)


ItemForm.base_fields.update(forms.fields_for_model(Item, fields=ITEM_FIELDS))


def choose(form: forms.Form, name: str, choices: list[tuple[str, Any]]) -> None:
    field = form.fields[name]
    if isinstance(field, forms.ChoiceField):
        field.choices = choices


class LocationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120, help_text=_("Such as: north depot, medic bag of pair 2."))
    kind = forms.ChoiceField(label=_("Kind"), choices=[])
    refill_contact = forms.ChoiceField(
        label=_("Refill contact"), required=False, choices=[], help_text=_("A member of the group.")
    )
    prescriptions_enabled = forms.BooleanField(
        label=_("Prescription items enabled here"),
        required=False,
        help_text=_("Only a coordinator who is also a medic lead may turn this on."),
    )

    def __init__(self, *args: Any, group: WorkingGroup, location: Location | None = None, **kwargs: Any) -> None:
        if location is not None and not args and "initial" not in kwargs:
            contact = location.refill_contact
            kwargs["initial"] = {
                "name": location.name,
                "kind": location.kind,
                "refill_contact": str(contact.uuid) if contact else "",
                "prescriptions_enabled": location.prescriptions_enabled,
            }
        super().__init__(*args, **kwargs)
        self.members = {str(m.user.uuid): m.user for m in members_of(group)}
        choose(self, "refill_contact", [("", "—"), *[(key, u.username) for key, u in self.members.items()]])
        kinds = [(k, label) for k, label in LocationKind.choices if k != LocationKind.KIT]
        if location is not None and location.kind == LocationKind.KIT:
            kinds = [(LocationKind.KIT, LocationKind.KIT.label)]
        choose(self, "kind", kinds)

    def values(self) -> LocationValues:
        data = self.cleaned_data
        contact: User | None = self.members.get(data["refill_contact"] or "")
        return LocationValues(data["name"], data["kind"], contact, data["prescriptions_enabled"])


class KitTemplateForm(forms.Form):
    """A kit's names and, for each of the group's items, how many go in it (0 or empty: none)."""

    name_en = forms.CharField(label=_("Name in English"), max_length=120, required=False)
    name_es = forms.CharField(label=_("Name in Spanish"), max_length=120, required=False)

    def __init__(self, *args: Any, group: WorkingGroup, template: KitTemplate | None = None, **kwargs: Any) -> None:
        wanted = {line.item_id: line.quantity for line in template.lines.all()} if template else {}
        if template is not None and not args:
            kwargs["initial"] = {"name_en": template.name_en, "name_es": template.name_es} | {
                f"item_{item_id}": n for item_id, n in wanted.items()
            }
        super().__init__(*args, **kwargs)
        self.items = list(group_items(group))
        for item in self.items:
            self.fields[f"item_{item.pk}"] = forms.IntegerField(
                label=str(item), min_value=0, max_value=MAX_QUANTITY, required=False
            )

    def lines(self) -> dict[Item, int]:
        return {item: n for item in self.items if (n := self.cleaned_data.get(f"item_{item.pk}") or 0) > 0}


class GroupForm(forms.Form):
    """A form whose choices are the group's items, locations and the network's zones."""

    def __init__(self, *args: Any, group: WorkingGroup, location: Location, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.group, self.location = group, location
        if "item" in self.fields:
            self.items = {item.code: item for item in group_items(group)}
            choose(self, "item", [(code, str(item)) for code, item in self.items.items()])
        if "zone" in self.fields:
            self.zones = {zone.slug: zone for zone in network_zones()}
            choices = [(slug, text_of(zone, "name")) for slug, zone in self.zones.items()]
            choose(self, "zone", [("", _("No zone")), *choices])

    def chosen_item(self) -> Item:
        return self.items[self.cleaned_data["item"]]

    def chosen_zone(self) -> Zone | None:
        return self.zones.get(self.cleaned_data.get("zone") or "")


class ReceiveForm(GroupForm):
    item = forms.ChoiceField(label=_("Item"))
    lot_number = forms.CharField(label=_("Lot number"), max_length=40, required=False)
    expires_on = forms.DateField(
        label=_("Expiry date"), required=False, widget=DATE, help_text=_("Empty: it does not expire.")
    )
    quantity = quantity_field()
    accept_over_need = forms.BooleanField(
        label=_("Receive them anyway"),
        required=False,
        help_text=_("The group would keep far more than it uses: tick only if you mean to."),
    )


class MoveForm(GroupForm):
    item = forms.ChoiceField(label=_("Item"))
    quantity = quantity_field()
    destination = forms.ChoiceField(label=_("To"), help_text=_("First expiry first: the lots expiring soonest go."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.places = {str(p.uuid): p for p in group_locations(self.group) if p.pk != self.location.pk}
        choose(self, "destination", [(key, str(p)) for key, p in self.places.items()])


class UseForm(GroupForm):
    item = forms.ChoiceField(label=_("Item"))
    quantity = quantity_field()
    zone = forms.ChoiceField(label=_("Zone"), required=False)


class DistributeForm(UseForm):
    override_reason = forms.CharField(
        label=_("Reason for giving more than the limit"),
        max_length=REASON_LENGTH,
        required=False,
        help_text=_("Only when over the limit per request: why, never who."),
    )


class LotForm(GroupForm):
    """A form about one lot at the location: those it holds (or ever held, for a count)."""

    lot = forms.ChoiceField(label=_("Lot"))

    def __init__(self, *args: Any, lines: list[StockLine], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lots = {str(line.lot.uuid): line.lot for line in lines}
        choose(self, "lot", [(key, lot_label(lot)) for key, lot in self.lots.items()])

    def chosen_lot(self) -> Lot:
        return self.lots[self.cleaned_data["lot"]]


def lot_label(lot: Lot) -> str:
    expiry = lot.expires_on.isoformat() if lot.expires_on else str(_("no expiry"))
    return f"{lot.item} · {lot.lot_number or '—'} · {expiry}"


class CountForm(LotForm):
    counted = forms.IntegerField(label=_("Counted on the shelf"), min_value=0, max_value=MAX_QUANTITY)
    note = forms.CharField(label=_("Note"), max_length=REASON_LENGTH, required=False, help_text=_("Why, never who."))


class ExpireForm(LotForm):
    quantity = quantity_field(required=False, help_text=_("Empty: all of the lot here."))


class DonateForm(LotForm):
    quantity = quantity_field()


class PackForm(forms.Form):
    depot = forms.ChoiceField(label=_("From"), help_text=_("First expiry first: the lots expiring soonest go."))
    name = forms.CharField(label=_("The kit's name"), max_length=120, required=False)
    allow_short = forms.BooleanField(
        label=_("Pack what there is"), required=False, help_text=_("The kit will be short of what is missing.")
    )

    def __init__(self, *args: Any, group: WorkingGroup, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.places = {str(p.uuid): p for p in group_locations(group) if p.kind != LocationKind.KIT}
        choose(self, "depot", [(key, str(p)) for key, p in self.places.items()])

    def chosen_depot(self) -> Location:
        return self.places[self.cleaned_data["depot"]]


class ReportForm(forms.Form):
    since = forms.DateField(label=_("From"), widget=DATE)
    until = forms.DateField(label=_("To"), widget=DATE)


# A naloxone reversal, from anyone (supplies.reversals): four questions, nothing about a person.


class ReversalForm(PublicForm):
    """The public report: the date, the zone (if they say), what was given, how many doses; and, hidden, the
    kit a label's QR code named (an unknown one is simply ignored)."""

    reported_on = forms.DateField(label=_("When"), widget=DATE)
    zone = forms.ChoiceField(label=_("Where (the zone)"), required=False)
    brand = forms.ChoiceField(label=_("What was given"), choices=Brand.choices, widget=forms.RadioSelect)
    doses = forms.IntegerField(label=_("How many doses"), min_value=1, max_value=MAX_DOSES, initial=1)
    kit = forms.CharField(required=False, max_length=36, widget=forms.HiddenInput)

    kit_named: str = ""  # set by for_kit from the QR code's ?kit=

    @classmethod
    def for_kit(cls, kit: str) -> type["ReversalForm"]:
        return type("ReversalForm", (cls,), {"kit_named": kit[:36]})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reported_on"].initial = timezone.localdate()
        self.fields["brand"].initial = Brand.NASAL_4MG
        self.fields["kit"].initial = self.kit_named
        self.zones = {zone.slug: zone for zone in network_zones()}
        choices = [(slug, text_of(zone, "name")) for slug, zone in self.zones.items()]
        choose(self, "zone", [("", _("I'd rather not say")), *choices])

    def values(self) -> ReversalValues:
        data = self.cleaned_data
        return ReversalValues(
            reported_on=data["reported_on"],
            doses=data["doses"],
            brand=data["brand"],
            zone=self.zones.get(data.get("zone") or ""),
            kit=kit_by_uuid(data.get("kit") or ""),
        )
