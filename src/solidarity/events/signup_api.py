"""The events in the JSON API: signups (filled in by the part's own module)."""

from ninja import Router

router = Router(tags=["events"])
