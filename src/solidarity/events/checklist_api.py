"""The events in the JSON API: checklists (filled in by the part's own module)."""

from ninja import Router

router = Router(tags=["events"])
