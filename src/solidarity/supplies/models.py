"""Supplies: items, locations, lots with expiry and the ledger of movements, kept by a working group.

Stock is never a number someone edits: it is the sum of the ledger's movements per lot and location
(supplies.services.stock_by_lot), so every count has its history and a count that differs records the
difference. Nothing here names the people supplies go to: a distribution is a count by item, date,
location and zone. The only accounts named are the network's own (who recorded a movement, a location's
refill contact), by reference, never as free text.
"""

import uuid
from datetime import date, datetime, timedelta
from uuid import uuid4

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from solidarity.accounts.models import WorkingGroup
from solidarity.core.bilingual import text_of
from solidarity.core.models import Zone

NAME_LENGTH = 120
REASON_LENGTH = 200
CODE_PATTERN = r"[A-Z0-9]{2,8}"
COUNT_EVERY_DAYS = 90  # a location not counted for longer is flagged


class Category(models.TextChoices):
    MEDICINE = "medicine", _("Medicine")
    WOUND_CARE = "wound_care", _("Wound care")
    HARM_REDUCTION = "harm_reduction", _("Harm reduction")
    REPRODUCTIVE_HEALTH = "reproductive_health", _("Reproductive health")
    HORMONES = "hormones", _("Hormones")
    HYGIENE = "hygiene", _("Hygiene")
    FOOD = "food", _("Food")
    OTHER = "other", _("Other")


class Item(models.Model):
    """A kind of supply the group keeps ("naloxone nasal spray, 4 mg"), counted in whole units of `unit`.

    `code` is short and unique in the network: printed on labels and texted by SMS. The par settings
    live here (an item has one keeping group): supplies.services.par_status reads them.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    group = models.ForeignKey(
        WorkingGroup, on_delete=models.PROTECT, related_name="supply_items", verbose_name=_("kept by")
    )
    code = models.CharField(
        _("code"),
        max_length=8,
        unique=True,
        help_text=_("2 to 8 capital letters or digits, printed on labels and texted by SMS."),
    )
    name_en = models.CharField(_("name in English"), max_length=NAME_LENGTH, blank=True)
    name_es = models.CharField(_("name in Spanish"), max_length=NAME_LENGTH, blank=True)
    unit_en = models.CharField(
        _("unit in English"), max_length=40, default="unit", help_text=_("Such as dose or pack.")
    )
    unit_es = models.CharField(_("unit in Spanish"), max_length=40, default="unidad")
    category = models.CharField(_("category"), max_length=24, choices=Category.choices, default=Category.OTHER)
    storage_en = models.CharField(
        _("storage, in English"), max_length=200, blank=True, help_text=_("Such as: below 25 °C, never frozen.")
    )
    storage_es = models.CharField(_("storage, in Spanish"), max_length=200, blank=True)
    is_prescription = models.BooleanField(
        _("prescription only"),
        default=False,
        help_text=_(
            "Referred to the directory rather than given from stock, unless a medic lead enables it at a location."
        ),
    )
    is_never_linked = models.BooleanField(
        _("never linked to a person"),
        default=False,
        help_text=_(
            "Abortion pills, contraception, hormones: never linked to a person anywhere, by design. "
            "No distribution names anyone, whatever the item."
        ),
    )
    request_limit = models.PositiveIntegerField(
        _("limit per request"),
        null=True,
        blank=True,
        help_text=_("Giving more at once needs a reason, which is recorded."),
    )
    safety_margin_months = models.PositiveSmallIntegerField(
        _("safety margin (months)"),
        default=2,
        help_text=_("The par level is this many months of use at the current rate."),
    )
    history_months = models.PositiveSmallIntegerField(
        _("months of use to average"), default=6, help_text=_("How many past months of use set the current rate.")
    )
    far_above_months = models.PositiveSmallIntegerField(
        _("far above need (months)"), default=12, help_text=_("More months of supply than this: consider sharing.")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("supply item")
        verbose_name_plural = _("supply items")
        constraints = [
            models.CheckConstraint(condition=~Q(name_en="", name_es=""), name="supplies_item_has_a_name"),
            models.CheckConstraint(
                condition=Q(history_months__gte=1, history_months__lte=36, safety_margin_months__lte=36),
                name="supplies_item_months",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {text_of(self, 'name')}"


class LocationKind(models.TextChoices):
    DEPOT = "depot", _("Depot")
    MEDIC_BAG = "medic_bag", _("Medic bag")
    CABINET = "cabinet", _("Cabinet")
    KIT = "kit", _("Kit")


class Location(models.Model):
    """Where stock is: a depot, a medic's bag, a cabinet, or a packed kit (kind KIT, with its template).

    The refill contact is an account of the network, never free text about a person.
    `prescriptions_enabled`: prescription-only items may be kept and given here (a coordinator who is
    also a medic lead decides; supplies.services.do_save_location).
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    group = models.ForeignKey(
        WorkingGroup, on_delete=models.PROTECT, related_name="supply_locations", verbose_name=_("kept by")
    )
    name = models.CharField(_("name"), max_length=NAME_LENGTH)
    kind = models.CharField(_("kind"), max_length=16, choices=LocationKind.choices, default=LocationKind.DEPOT)
    template = models.ForeignKey(
        "KitTemplate",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="kits",
        verbose_name=_("kit template"),
    )
    refill_contact = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("refill contact"),
    )
    last_counted_at = models.DateTimeField(_("last counted"), null=True, blank=True)
    prescriptions_enabled = models.BooleanField(_("prescription items enabled"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("supply location")
        verbose_name_plural = _("supply locations")
        constraints = [
            models.CheckConstraint(
                condition=Q(template__isnull=True) | Q(kind="kit"), name="supplies_template_only_for_a_kit"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def count_due(self, now: datetime | None = None) -> bool:
        """Never counted, or not in COUNT_EVERY_DAYS: the weekly digest and the stock page say so."""
        counted = self.last_counted_at
        return counted is None or counted <= (now or timezone.now()) - timedelta(days=COUNT_EVERY_DAYS)


class Lot(models.Model):
    """A batch of one item with one expiry date (None: it does not expire) and, when printed on it, a lot number."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="lots")
    lot_number = models.CharField(_("lot number"), max_length=40, blank=True)
    expires_on = models.DateField(_("expiry date"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("lot")
        verbose_name_plural = _("lots")
        indexes = [models.Index(fields=["item", "expires_on"], name="supplies_lot_expiry")]

    def __str__(self) -> str:
        return f"{self.item.code} {self.lot_number or self.uuid} ({self.expires_on or '-'})"

    def is_expired(self, today: date | None = None) -> bool:
        """Past its expiry date (usable on the day itself)."""
        return self.expires_on is not None and self.expires_on < (today or timezone.localdate())


class MovementKind(models.TextChoices):
    RECEIVED = "received", _("Received")
    MOVED = "moved", _("Moved")
    USED = "used", _("Used")
    DISTRIBUTED = "distributed", _("Distributed")
    EXPIRED = "expired", _("Expired")
    DONATED = "donated", _("Donated")
    COUNTED = "counted", _("Counted")


TAKEN_OUT = ("used", "distributed", "expired", "donated")


class Movement(models.Model):
    """One line of the append-only ledger: `quantity` units of a lot came to (+) or left (-) a location.

    A move is two rows sharing `batch`: minus at the source, plus at the destination. A `counted` row is
    the difference a physical count found. `zone` only for used and distributed stock; `reason` only for
    an override of a request limit or a count's note, never about a recipient. Rows are never changed.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    batch = models.UUIDField(default=uuid4, db_index=True)
    kind = models.CharField(_("kind"), max_length=16, choices=MovementKind.choices)
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="movements")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="movements")
    quantity = models.IntegerField(_("quantity"))
    zone = models.ForeignKey(Zone, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    reason = models.CharField(
        _("reason"), max_length=REASON_LENGTH, blank=True, help_text=_("Why, never who: nothing about a recipient.")
    )
    is_override = models.BooleanField(_("over the request limit"), default=False)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        indexes = [models.Index(fields=["location", "lot"], name="supplies_movement_place")]
        constraints = [
            models.CheckConstraint(condition=~Q(quantity=0), name="supplies_movement_not_zero"),
            models.CheckConstraint(condition=~Q(kind="received") | Q(quantity__gt=0), name="supplies_received_adds"),
            models.CheckConstraint(condition=~Q(kind__in=TAKEN_OUT) | Q(quantity__lt=0), name="supplies_taken_out"),
            models.CheckConstraint(
                condition=Q(zone__isnull=True) | Q(kind__in=("used", "distributed")), name="supplies_zone_for_use_only"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.quantity:+d} ({self.uuid})"


class KitTemplate(models.Model):
    """What a packed kit holds ("street-medic kit per pair": medics work in pairs, one kit between two)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    group = models.ForeignKey(
        WorkingGroup, on_delete=models.PROTECT, related_name="kit_templates", verbose_name=_("kept by")
    )
    name_en = models.CharField(_("name in English"), max_length=NAME_LENGTH, blank=True)
    name_es = models.CharField(_("name in Spanish"), max_length=NAME_LENGTH, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("kit template")
        verbose_name_plural = _("kit templates")
        constraints = [models.CheckConstraint(condition=~Q(name_en="", name_es=""), name="supplies_kit_has_a_name")]

    def __str__(self) -> str:
        return text_of(self, "name")


class KitLine(models.Model):
    """So many units of an item in a kit."""

    template = models.ForeignKey(KitTemplate, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["template", "item"], name="supplies_kit_item_once"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="supplies_kit_line_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} {self.item.code}"


# The staged spreadsheets (supplies.csv_io) live in their own module; imported here so Django finds the model.
from solidarity.supplies.csv_models import SupplyImport  # noqa: E402, F401


class Brand(models.TextChoices):
    """What was given, in words a bystander knows: no brand names needed."""

    NASAL_4MG = "nasal_4mg", _("Nasal spray, 4 mg")
    NASAL_3MG = "nasal_3mg", _("Nasal spray, 3 mg")
    NASAL_8MG = "nasal_8mg", _("Nasal spray, 8 mg")
    INJECTION = "injection", _("Injection")
    OTHER = "other", _("Other, or not sure")


class ReversalSource(models.TextChoices):
    WEB = "web", _("the public form")
    SMS = "sms", _("SMS")
    MEMBER = "member", _("a member")


MAX_DOSES = 10


class Reversal(models.Model):
    """A naloxone reversal someone reported: the date, the zone, what was given and how many doses. Nothing else.

    No name, no phone number, no address, no free text, no IP: a report could come from anyone, about
    anyone, and stays a count. `kit` is the kit or bag the naloxone came from when the reporter knew it
    (a label's QR code, or the SMS of the bag's refill contact): its keepers are asked to refill it, and
    `replaced_at` says when they did. `group` is the kit's; a report without a kit has none, and every
    group that keeps supplies sees it.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reported_on = models.DateField(_("date"))
    zone = models.ForeignKey(Zone, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    brand = models.CharField(_("what was given"), max_length=16, choices=Brand.choices, default=Brand.NASAL_4MG)
    doses = models.PositiveSmallIntegerField(_("doses"))
    kit = models.ForeignKey(Location, on_delete=models.SET_NULL, null=True, blank=True, related_name="reversals")
    group = models.ForeignKey(WorkingGroup, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    source = models.CharField(max_length=8, choices=ReversalSource.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    replaced_at = models.DateTimeField(_("refilled"), null=True, blank=True)

    class Meta:
        verbose_name = _("naloxone reversal")
        verbose_name_plural = _("naloxone reversals")
        indexes = [models.Index(fields=["group", "reported_on"], name="supplies_reversal_group")]
        constraints = [
            models.CheckConstraint(condition=Q(doses__gte=1, doses__lte=MAX_DOSES), name="supplies_reversal_doses"),
        ]

    def __str__(self) -> str:
        return f"{self.reported_on} {self.doses} ({self.uuid})"
