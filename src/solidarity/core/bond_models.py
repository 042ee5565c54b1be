"""The bond request: what a family-support case hands to whoever pays bonds (core.bonds says how).

Its own module because it holds an encrypted field, and core.fields imports core.models: core.models
imports this module at its end, once everything core.fields needs is defined.
"""

import uuid

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from solidarity.core.fields import EncryptedTextField
from solidarity.core.permissions import sensitive


class BondRequestState(models.TextChoices):
    REQUESTED = "requested", _("requested")
    PICKED_UP = "picked_up", _("picked up by the fund")
    PAID = "paid", _("paid")
    WITHDRAWN = "withdrawn", _("withdrawn")


class BondRequestKind(models.TextChoices):
    """Immigration bond and criminal bail are kept apart (GLOSSARY.md): different rules, different payers."""

    BOND = "bond", _("immigration bond")
    BAIL = "bail", _("criminal bail")


# A request that still asks something of its payer: one of these at most per case.
LIVE_BOND_STATES = (BondRequestState.REQUESTED, BondRequestState.PICKED_UP)


@sensitive
class BondRequest(models.Model):
    """One immigration bond (or criminal bail, `kind`) to pay, handed from the part that holds the case (or
    the arrest) to the part that pays.

    `reference`: the requesting record's opaque uuid (a case's), never a code or a name. `source`: who
    asked ("incidents.case", "events.arrest"). `payer_note`: what the payer must know at the bond office
    (the facility, the detained person's name and A-number as the office needs them), encrypted, and
    blanked as soon as the request is over or its case closes. `consumer`: the registered name of the part
    that picked it up.
    Nothing here says who may pay or anything about anyone's immigration status.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    source = models.CharField(max_length=40)
    kind = models.CharField(_("kind"), max_length=4, choices=BondRequestKind.choices, default=BondRequestKind.BOND)
    reference = models.UUIDField(db_index=True)
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2, validators=[MinValueValidator(1)])
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    due_on = models.DateField(_("pay by"), null=True, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=BondRequestState.choices, default=BondRequestState.REQUESTED
    )
    payer_note = EncryptedTextField(_("for the payer"), context="core.bondrequest.payer_note", blank=True)
    consumer = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    picked_up_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("bond request")
        verbose_name_plural = _("bond requests")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "reference"],
                condition=Q(state__in=["requested", "picked_up"]),
                name="core_one_live_bond_request",
            )
        ]

    def __str__(self) -> str:
        return f"bond request {self.uuid} ({self.state})"
