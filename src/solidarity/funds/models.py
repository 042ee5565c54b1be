"""Funds: a bond fund, a medical and legal fund, others, each kept by a working group's treasurers.

Money is a double-entry ledger in integer cents, in the network's one currency:
- each fund has its accounts (`Account`, one per `AccountKind`): what it holds (cash and bank), what is
  out and should come back (immigration bonds, criminal bail), pledges to collect, and where money comes
  from and goes (donations, paid out, not returned, transfers between funds);
- every movement is a `Transaction` of `Entry` rows whose amounts sum to zero (a debit is positive, a
  credit negative): a donation, a pledge, a disbursement, a refund, a transfer;
- a balance is the sum of an account's entries, never a number someone edits; nothing is updated or
  deleted: a correction is a reversing transaction (`reverses`), at most one per transaction.

Around the ledger: `Donation` (how a gift came and from whom, the name encrypted and never public),
`Disbursement` (a request to pay, waiting for its approvals: `Approval`, never by the one who asked),
`Band` (how many approvals a fund asks for from an amount up), and `Bond` with its `BondStep`s (an
immigration bond or a criminal bail followed from posting until the money is back).
"""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from solidarity.accounts.models import WorkingGroup
from solidarity.core.bilingual import text_of
from solidarity.core.bond_models import BondRequest
from solidarity.core.fields import EncryptedTextField
from solidarity.core.permissions import sensitive

NAME_LENGTH = 120
SHORT_TEXT = 500


class FundKind(models.TextChoices):
    BOND = "bond", _("bond fund")
    MEDICAL_LEGAL = "medical_legal", _("medical and legal fund")
    OTHER = "other", _("other fund")


class Fund(models.Model):
    """One fund. `slug` names its public page; `give_url` is the network's own payment page (Solidarity
    takes no payments). `is_public`: the public page shows its totals (never who was helped)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    slug = models.SlugField(_("short name"), max_length=40, unique=True)
    group = models.ForeignKey(WorkingGroup, on_delete=models.PROTECT, related_name="funds")
    kind = models.CharField(_("kind"), max_length=16, choices=FundKind.choices, default=FundKind.OTHER)
    name_en = models.CharField(_("name in English"), max_length=NAME_LENGTH, blank=True)
    name_es = models.CharField(_("name in Spanish"), max_length=NAME_LENGTH, blank=True)
    about_en = models.TextField(_("about, in English"), max_length=2000, blank=True)
    about_es = models.TextField(_("about, in Spanish"), max_length=2000, blank=True)
    give_url = models.URLField(_("link to give"), blank=True)
    is_public = models.BooleanField(_("public page"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        constraints = [models.CheckConstraint(condition=~Q(name_en="", name_es=""), name="funds_fund_named")]

    def __str__(self) -> str:
        return self.name()

    def name(self, language: str | None = None) -> str:
        return text_of(self, "name", language)

    def about(self, language: str | None = None) -> str:
        return text_of(self, "about", language)


class AccountKind(models.TextChoices):
    CASH = "cash", _("cash and bank")
    BONDS_OUT = "bonds_out", _("immigration bonds out")
    BAIL_OUT = "bail_out", _("criminal bail out")
    PLEDGES = "pledges", _("pledges to collect")
    DONATIONS = "donations", _("donations")
    PAID_OUT = "paid_out", _("paid out")
    NOT_RETURNED = "not_returned", _("bonds and bail not returned")
    TRANSFERS = "transfers", _("transfers between funds")


# What the fund has (its assets): the rest say where money came from and went.
HELD = (AccountKind.CASH, AccountKind.BONDS_OUT, AccountKind.BAIL_OUT, AccountKind.PLEDGES)


class Account(models.Model):
    """One of a fund's accounts: one of each kind, made with the fund."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="accounts")
    kind = models.CharField(max_length=16, choices=AccountKind.choices)

    class Meta:
        ordering = ["fund_id", "pk"]
        constraints = [models.UniqueConstraint(fields=["fund", "kind"], name="funds_one_account_per_kind")]

    def __str__(self) -> str:
        return f"{self.fund_id}:{self.kind}"


class TransactionKind(models.TextChoices):
    DONATION = "donation", _("donation")
    PLEDGE = "pledge", _("pledge")
    PLEDGE_PAID = "pledge_paid", _("pledge paid")
    DISBURSEMENT = "disbursement", _("payment")
    RETURNED = "returned", _("money back")
    NOT_RETURNED = "not_returned", _("not returned")
    TRANSFER = "transfer", pgettext_lazy("ledger", "transfer")
    REVERSAL = "reversal", _("correction")


class Category(models.TextChoices):
    """What a payment is for: the public page groups by these."""

    BOND = "bond", _("immigration bond")
    BAIL = "bail", _("criminal bail")
    LEGAL = "legal", _("legal fees")
    MEDICAL = "medical", _("medicine and care")
    RIDE = "ride", _("rides and travel")
    SUPPORT = "support", _("family support")
    OTHER = "other", _("other")


class Transaction(models.Model):
    """One balanced movement: its entries sum to zero. Never changed once written; `reverses` points at the
    transaction this one undoes (one correction at most for each). `note`: for the treasurers only."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=16, choices=TransactionKind.choices)
    category = models.CharField(max_length=16, choices=Category.choices, blank=True)
    occurred_on = models.DateField(_("date"))
    note = EncryptedTextField(_("note"), context="funds.transaction.note", blank=True, max_length=SHORT_TEXT)
    reverses = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["occurred_on", "pk"]
        indexes = [models.Index(fields=["occurred_on"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.uuid}"


class Entry(models.Model):
    """One line of a transaction: `cents` into (positive, a debit) or out of (negative, a credit) an account."""

    transaction = models.ForeignKey(Transaction, on_delete=models.PROTECT, related_name="entries")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries")
    cents = models.BigIntegerField()

    class Meta:
        ordering = ["transaction_id", "pk"]
        constraints = [models.CheckConstraint(condition=~Q(cents=0), name="funds_entry_not_zero")]

    def __str__(self) -> str:
        return f"{self.account_id} {self.cents:+d}"


class Method(models.TextChoices):
    CASH = "cash", pgettext_lazy("payment method", "cash")
    CHECK = "check", pgettext_lazy("payment method", "check")
    TRANSFER = "transfer", _("bank transfer")
    PLATFORM = "platform", _("payment platform")
    OTHER = "other", _("other")


@sensitive
class Donation(models.Model):
    """How a gift came: its method, and the donor's name if they gave one (encrypted, never public;
    blank: anonymous). `reference`: the payment platform's id of the gift, so that an export imported
    twice records it once. A pledge is a Donation too, whose transaction is a PLEDGE."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="donations")
    transaction = models.OneToOneField(Transaction, on_delete=models.PROTECT, related_name="donation")
    method = models.CharField(_("how it came"), max_length=16, choices=Method.choices, default=Method.CASH)
    donor_name = EncryptedTextField(
        _("donor's name"), context="funds.donation.donor_name", blank=True, max_length=NAME_LENGTH
    )
    reference = models.CharField(_("platform reference"), max_length=80, blank=True)
    collection = models.OneToOneField(
        Transaction, on_delete=models.PROTECT, null=True, blank=True, related_name="collected_pledge"
    )  # a pledge's: the transaction that collected it

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["fund", "reference"], condition=~Q(reference=""), name="funds_donation_reference_once"
            )
        ]

    def __str__(self) -> str:
        return f"donation {self.uuid}"


class Band(models.Model):
    """From `from_cents` up (to the next band), a payment from this fund needs `approvals` treasurers."""

    fund = models.ForeignKey(Fund, on_delete=models.CASCADE, related_name="bands")
    from_cents = models.BigIntegerField(validators=[MinValueValidator(0)])
    approvals = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])

    class Meta:
        ordering = ["fund_id", "from_cents"]
        constraints = [
            models.UniqueConstraint(fields=["fund", "from_cents"], name="funds_one_band_per_amount"),
            models.CheckConstraint(condition=Q(from_cents__gte=0), name="funds_band_from_zero_up"),
            models.CheckConstraint(condition=Q(approvals__gte=1, approvals__lte=5), name="funds_band_approvals"),
        ]

    def __str__(self) -> str:
        return f"{self.fund_id} from {self.from_cents}: {self.approvals}"


class RequestState(models.TextChoices):
    WAITING = "waiting", _("waiting for approvals")
    APPROVED = "approved", _("approved, to pay")
    PAID = "paid", _("paid")
    REFUSED = "refused", _("refused")
    WITHDRAWN = "withdrawn", _("withdrawn")


@sensitive
class Disbursement(models.Model):
    """A request to pay from a fund: paid only once `approvals_needed` treasurers approved, and never
    approved by the one who asked (`requested_by`; none when the request came through the bond seam).

    `serves_source` and `serves_reference` link what it serves (a family case, an arrest at an action)
    by the record's opaque uuid, without a copy of that record's personal data. `purpose` and `payee`:
    what for and whom to pay, for the treasurers, encrypted. `transaction`: the payment, once made."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="disbursements")
    cents = models.BigIntegerField(_("amount"), validators=[MinValueValidator(1)])
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    purpose = EncryptedTextField(_("what for"), context="funds.disbursement.purpose", max_length=SHORT_TEXT)
    payee = EncryptedTextField(_("whom to pay"), context="funds.disbursement.payee", blank=True, max_length=SHORT_TEXT)
    serves_source = models.CharField(max_length=40, blank=True)
    serves_reference = models.UUIDField(null=True, blank=True)
    bond_request = models.OneToOneField(
        BondRequest, on_delete=models.SET_NULL, null=True, blank=True, related_name="disbursement"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approvals_needed = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    state = models.CharField(max_length=10, choices=RequestState.choices, default=RequestState.WAITING)
    reason = EncryptedTextField(_("reason"), context="funds.disbursement.reason", blank=True, max_length=SHORT_TEXT)
    transaction = models.OneToOneField(
        Transaction, on_delete=models.PROTECT, null=True, blank=True, related_name="disbursement"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [models.CheckConstraint(condition=Q(cents__gte=1), name="funds_disbursement_positive")]

    def __str__(self) -> str:
        return f"disbursement {self.uuid} ({self.state})"


class Approval(models.Model):
    """One treasurer's yes to a disbursement: one per treasurer, never the one who asked (a constraint)."""

    disbursement = models.ForeignKey(Disbursement, on_delete=models.CASCADE, related_name="approvals")
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["approved_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["disbursement", "approver"], name="funds_one_approval_each"),
            models.CheckConstraint(condition=~Q(approver=F("requested_by")), name="funds_asker_never_approves"),
        ]

    def __str__(self) -> str:
        return f"approval of {self.disbursement_id} by {self.approver_id}"


class BondKind(models.TextChoices):
    BOND = "bond", _("immigration bond")
    BAIL = "bail", _("criminal bail")


class Obligor(models.TextChoices):
    """Who posts an immigration bond: the fund, or an organisation; never a family member."""

    FUND = "fund", _("the fund")
    ORGANISATION = "organisation", _("an organisation")


class BondState(models.TextChoices):
    SET = "set", pgettext_lazy("bond", "set")
    POSTED = "posted", pgettext_lazy("bond", "posted")
    CONDITIONS_MET = "conditions_met", _("conditions met")
    CASE_CLOSED = "case_closed", _("case closed")
    REFUND_REQUESTED = "refund_requested", _("refund requested")
    RETURNED = "returned", _("back in the fund")
    NOT_RETURNED = "not_returned", _("not returned")


# A bond or bail whose money is still out, or not yet posted.
OUT = (BondState.SET, BondState.POSTED, BondState.CONDITIONS_MET, BondState.CASE_CLOSED, BondState.REFUND_REQUESTED)


@sensitive
class Bond(models.Model):
    """An immigration bond (or a criminal bail, kept apart: `kind`) the fund pays, followed until the money
    is back. `disbursement`: the approved request that pays it. `obligor`: who posts it (the fund or an
    organisation, `obligor_name`), never a family member. `next_step_on`: when the next step is due (a
    treasurer is reminded once it is overdue). Nothing here names the detained person."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="bonds")
    kind = models.CharField(_("kind"), max_length=8, choices=BondKind.choices, default=BondKind.BOND)
    disbursement = models.OneToOneField(Disbursement, on_delete=models.PROTECT, related_name="bond")
    cents = models.BigIntegerField(_("amount"), validators=[MinValueValidator(1)])
    obligor = models.CharField(_("posted by"), max_length=16, choices=Obligor.choices, default=Obligor.FUND)
    obligor_name = models.CharField(_("organisation"), max_length=NAME_LENGTH, blank=True)
    state = models.CharField(max_length=16, choices=BondState.choices, default=BondState.SET)
    set_on = models.DateField(_("set on"))
    posted_on = models.DateField(_("posted on"), null=True, blank=True)
    next_hearing_on = models.DateField(_("next hearing"), null=True, blank=True)
    next_step_on = models.DateField(_("next step due"), null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["set_on", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.uuid} ({self.state})"


class BondStep(models.Model):
    """One step of a bond's way, as a treasurer recorded it: the history the fund page shows."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    bond = models.ForeignKey(Bond, on_delete=models.CASCADE, related_name="steps")
    state = models.CharField(max_length=16, choices=BondState.choices)
    on = models.DateField(_("date"))
    hearing_on = models.DateField(_("hearing"), null=True, blank=True)
    note = EncryptedTextField(_("note"), context="funds.bondstep.note", blank=True, max_length=SHORT_TEXT)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["on", "pk"]

    def __str__(self) -> str:
        return f"{self.bond_id} {self.state} {self.on}"


# The staged imports of gifts live in their own module (funds.fund_csv reads them); Django finds them here.
from solidarity.funds.csv_models import FundImport  # noqa: E402, F401
