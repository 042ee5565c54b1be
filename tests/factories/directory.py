"""Directory resources for tests: fictional organisations only."""

from typing import Any

from solidarity.accounts.models import User, WorkingGroup
from solidarity.directory.models import Resource
from solidarity.directory.services import ResourceValues, do_save_resource


def make_resource(group: WorkingGroup, by: User, slug: str, **values: Any) -> Resource:
    """A resource kept by `group`, public unless told otherwise, checked now by `by`."""
    defaults: dict[str, Any] = {
        "slug": slug,
        "kind": "clinic",
        "name_en": slug.replace("-", " ").title(),
        "is_public": True,
        "languages": ("en",),
    }
    return do_save_resource(group, ResourceValues(**(defaults | values)), by=by)
