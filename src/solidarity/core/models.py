"""Core state: the network's settings, the worker heartbeat and the live-event relay."""

import zoneinfo

from django.db import models
from django.utils.translation import gettext_lazy as _

LANGUAGE_CHOICES = [("en", "English"), ("es", "Español")]


def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones()) if "/" in name]


class NetworkSettings(models.Model):
    """One row: the settings an admin edits in the web UI."""

    name = models.CharField(_("network name"), max_length=120, default="Solidarity")
    time_zone = models.CharField(_("time zone"), max_length=64, default="America/New_York")
    phone_region = models.CharField(
        _("default phone region"),
        max_length=2,
        default="US",
        help_text=_("Two-letter country code used to read phone numbers written without +country code."),
    )
    languages = models.JSONField(_("languages offered"), default=list)
    is_configured = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("network settings")
        constraints = [models.CheckConstraint(condition=models.Q(pk=1), name="network_settings_single_row")]

    def __str__(self) -> str:
        return self.name


class WorkerHeartbeat(models.Model):
    """When each worker last ran a job: /healthz reads the freshest."""

    worker = models.CharField(max_length=120, unique=True)
    beat_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.worker} at {self.beat_at:%H:%M:%S}"


class LiveEvent(models.Model):
    """The database relay for live events on SQLite: web processes poll it, rows live a minute."""

    channel = models.CharField(max_length=80)
    event = models.CharField(max_length=80)
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"{self.channel}:{self.event}"
