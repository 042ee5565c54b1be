"""The funds' fund operations in the JSON API."""

from ninja import Router

router = Router(tags=["funds"])
