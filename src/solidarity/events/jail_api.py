"""The events in the JSON API: jails (filled in by the part's own module)."""

from ninja import Router

router = Router(tags=["events"])
