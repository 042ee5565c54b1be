"""The test app's access function for an object a working group owns (core.permissions.owner_role)."""

from typing import Any

from solidarity.core.permissions import Scoped, access_scoped
from tests.testapp.models import Case

LOOKUPS: list[str] = []  # the codes looked up in the database, so a test can count them


def access_case(user: Any, code: str) -> Scoped[Case]:
    """The case with this code, with the caller's roles in its group; Http404 for anyone not in the group."""

    def find() -> Case | None:
        LOOKUPS.append(code)
        return Case.objects.select_related("group").filter(code=code).first()

    return access_scoped(user, ("testapp.case", code), find, lambda found: found.group.slug)
