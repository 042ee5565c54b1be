"""New iCalendar objects (RFC 5545, written by the `icalendar` library) for the parts that serve feeds.

icalendar is imported on first use, not at start-up: the feeds' modules load with the app registry and
the URL conf, and the library would cost every process some 3 MB for the few requests that read a calendar.
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from icalendar import Calendar, Event


def new_calendar(product: str) -> "Calendar":
    """A calendar with the two properties RFC 5545 requires: who made it (`product`: which feed) and the version."""
    from icalendar import Calendar  # see the module's doc

    calendar = Calendar()
    calendar.add("prodid", f"-//Solidarity//{product}//EN")
    calendar.add("version", "2.0")
    return calendar


def new_event() -> "Event":
    from icalendar import Event  # see the module's doc

    return Event()
