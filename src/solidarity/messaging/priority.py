"""The outbox's priority lanes, in a module of their own so any part (and keywords' outcomes) can name one.

Lower goes first: the outbox claims alerts before direct messages before announcements, and a
batch of announcements gives way to an alert queued behind it (messaging.pump). A caller says
which lane its message takes with the enum (`Priority.ALERT`), never a bare number.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Priority(models.IntegerChoices):
    """Lower goes first: an alert passes every announcement already queued."""

    ALERT = 0, _("Alert")  # a call to act now: dispatch, an answer to one
    DIRECT = 1, _("Direct message")  # to one person: a reply, a confirmation, account mail
    ANNOUNCEMENT = 2, _("Announcement")  # to many: a list's broadcast
