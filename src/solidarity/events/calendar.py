"""An action as iCalendar (RFC 5545): one VEVENT with the public page's facts and its address, never a name; and
the action's time as people read it (`when_text`, for the public page and the flyer).

`uid` is the action's uuid, so a calendar that imported it updates the event when the action moves; a cancelled
action's file says CANCELLED.
"""

from typing import TYPE_CHECKING

from django.conf import settings
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from solidarity.core.bilingual import text_of
from solidarity.core.ical import new_calendar, new_event
from solidarity.core.services import local
from solidarity.events.models import Action, ActionState

if TYPE_CHECKING:
    from icalendar import Event


def public_url(action: Action) -> str:
    """The public page's absolute address, in the active language."""
    return str(settings.BASE_URL).rstrip("/") + reverse("events:public-action", kwargs={"action": action.code})


def event(action: Action) -> "Event":
    item = new_event()
    item.add("uid", f"{action.uuid}@solidarity.events")
    item.add("dtstamp", action.updated_at or timezone.now())
    item.add("dtstart", action.starts_at)
    item.add("dtend", action.ends_at)
    item.add("summary", text_of(action, "title"))
    item.add("location", action.gathering_place)
    address = public_url(action)
    description = text_of(action, "description")
    item.add("description", f"{description}\n\n{address}" if description else address)
    item.add("url", address)
    if action.state == ActionState.CANCELLED:
        item.add("status", "CANCELLED")
    return item


def ics(action: Action) -> bytes:
    calendar = new_calendar("events")
    calendar.add_component(event(action))
    return bytes(calendar.to_ical())


# The action's time as people read it, in the network's time zone and the active language.

DAY_FORMATS = {"en": "l, F j, Y", "es": r"l j \d\e F \d\e Y"}
CLOCK_FORMATS = {"en": "P", "es": "H:i"}


def when_text(action: Action) -> str:
    """Saturday, March 20, 2027, from 2 p.m. to 5 p.m. / sábado 20 de marzo de 2027, de 14:00 a 17:00."""
    language = (translation.get_language() or "en")[:2]
    day_format, clock = DAY_FORMATS.get(language, DAY_FORMATS["en"]), CLOCK_FORMATS.get(language, "P")
    starts, ends = local(action.starts_at), local(action.ends_at)
    words = {
        "day": formats.date_format(starts, day_format),
        "starts": formats.time_format(starts, clock),
        "ends": formats.time_format(ends, clock),
    }
    if starts.date() == ends.date():
        return _("%(day)s, from %(starts)s to %(ends)s") % words
    words["end_day"] = formats.date_format(ends, day_format)
    return _("%(day)s, %(starts)s, to %(end_day)s, %(ends)s") % words
