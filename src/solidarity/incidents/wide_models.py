"""Wide alerts: a confirmed incident told to a neighbourhood's announcement lists, after a second person signs.

A `WideAlert` of kind ALERT names areas only (its zones, the incident's type, until when), never an
address or a person, and carries no free text: what goes out is built from those (incidents.wide). It
waits for a second signature (core.approvals) before its broadcasts are sent. A CORRECTION or an ALL
CLEAR `follows` an alert and goes to exactly the people the alert went to, at the same priority.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from solidarity.core.models import Zone
from solidarity.incidents.models import Incident
from solidarity.lists.models import Broadcast

HOURS = (1, 2, 3, 4, 6)  # how long an alert says to avoid the area: a few hours, never open-ended


class WideAlertKind(models.TextChoices):
    ALERT = "alert", _("wide alert")
    CORRECTION = "correction", _("correction")
    ALL_CLEAR = "all_clear", _("all clear")


class WideAlertState(models.TextChoices):
    WAITING = "waiting", _("waiting for a second signature")
    SENT = "sent", _("sent")
    REFUSED = "refused", _("refused")
    WITHDRAWN = "withdrawn", _("withdrawn")


class WideAlert(models.Model):
    """One message to a neighbourhood's lists about an incident: an alert, or its correction or all clear."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="wide_alerts")
    kind = models.CharField(max_length=12, choices=WideAlertKind.choices, default=WideAlertKind.ALERT)
    state = models.CharField(max_length=10, choices=WideAlertState.choices, default=WideAlertState.WAITING)
    zones = models.ManyToManyField(Zone, related_name="+")
    expires_at = models.DateTimeField()
    follows = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="follow_ups")
    broadcasts = models.ManyToManyField(Broadcast, blank=True, related_name="+")
    recipients = models.PositiveIntegerField(default=0)
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    asked_at = models.DateTimeField()
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["asked_at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.uuid} ({self.state})"
