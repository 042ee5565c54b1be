"""Invitations to call: a campaign's organisers invite members through the group's announcement lists, or people
by skill and zone through the outbox, with one reminder when an office of the campaign is open
(campaigns.invite).

An invitation keeps how it went (lists, or skills and zones), who sent it, when, how many messages it queued,
and its reminder. Nobody is copied into it: a list invitation is the lists part's broadcasts (kept with their
reports by the lists part), and an invitation by skill and zone keeps the people it reached (`Invitee`, a
person's id, never a number or a name) only until its reminder went, the campaign closed or its window ended
(campaigns.retention).
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from solidarity.campaigns.models import Campaign
from solidarity.core.models import Zone
from solidarity.core.permissions import sensitive
from solidarity.lists.models import AnnouncementList, Broadcast
from solidarity.people.models import Person, Skill


class InviteHow(models.TextChoices):
    LISTS = "lists", _("through announcement lists")
    PEOPLE = "people", _("by skill and zone")


class ReminderState(models.TextChoices):
    PLANNED = "planned", _("planned")
    SENT = "sent", _("sent")
    SKIPPED = "skipped", _("not sent: the campaign was no longer live")
    NONE = "none", _("none: no office opens again before the campaign ends")


class Invitation(models.Model):
    """One invitation to call (see the module's docstring).

    `request_key`: what the form or the API call that sent it carried, so that a retry of the same request
    (a double click, a script sending again after a timeout) finds this invitation and sends nothing more.
    `reached`: messages queued (people by skill and zone), or the broadcasts' recipients (lists).
    `remind_at`: when the reminder is due (core.timers, campaigns.invite.REMINDER_TIMER)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="invitations")
    how = models.CharField(_("how"), max_length=8, choices=InviteHow.choices)
    lists = models.ManyToManyField(AnnouncementList, blank=True, related_name="+")
    skills = models.ManyToManyField(Skill, blank=True, related_name="+")
    zones = models.ManyToManyField(Zone, blank=True, related_name="+")
    broadcasts = models.ManyToManyField(Broadcast, blank=True, related_name="+")
    request_key = models.UUIDField(null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sent_at = models.DateTimeField()
    reached = models.PositiveIntegerField(default=0)
    reminder = models.CharField(max_length=8, choices=ReminderState.choices, default=ReminderState.NONE)
    remind_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    reminder_reached = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-sent_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "request_key"],
                condition=Q(request_key__isnull=False),
                name="campaigns_invitation_sent_once",
            )
        ]

    def __str__(self) -> str:
        return f"invitation {self.uuid}"


@sensitive
class Invitee(models.Model):
    """A person an invitation by skill and zone reached, kept for its reminder only (module docstring)."""

    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="invitees")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["invitation", "person"], name="campaigns_invitee_once")]

    def __str__(self) -> str:
        return f"invitee {self.pk}"
