"""How the directory's pages show a resource: its facts' age, its languages' names, its phones ready to tap.
The directory's pages use it, and so does the network's home page for the pinned resources."""

from datetime import datetime, timedelta

from django.utils.timesince import timesince

from solidarity.core.phones import Dialable, dialable
from solidarity.directory.forms import LANGUAGE_CHOICES
from solidarity.directory.models import Resource
from solidarity.directory.services import is_stale


def freshness(resource: Resource, now: datetime, region: str) -> Resource:
    """The resource with what its page shows: its facts' age (`checked_ago`, "7 months"; `is_stale`), its
    languages' names and its phones ready to tap in the network's phone `region` (`numbers`: (phone, Dialable))."""
    checked = resource.last_checked_at
    resource.checked_ago = timesince(checked, now, depth=1) if checked else ""  # type: ignore[attr-defined]
    resource.checked_today = bool(checked and now - checked < timedelta(days=1))  # type: ignore[attr-defined]
    resource.is_stale = is_stale(resource, now)  # type: ignore[attr-defined]
    names = dict(LANGUAGE_CHOICES)
    resource.language_names = [str(names.get(code, code)) for code in resource.languages]  # type: ignore[attr-defined]
    resource.numbers = [  # type: ignore[attr-defined]
        (phone, dialable(phone.number, region) or Dialable(phone.number, phone.number))
        for phone in resource.phones.all()
    ]
    return resource
