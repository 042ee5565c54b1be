"""The test app's access function for an object a working group owns (core.permissions.owner_role)."""

from typing import Any

from django.http import Http404

from solidarity.core.permissions import Scoped, remember, roles_in
from tests.testapp.models import Case

LOOKUPS: list[str] = []  # the codes looked up in the database, so a test can count them


def access_case(user: Any, code: str) -> Scoped[Case]:
    """The case with this code, with the caller's roles in its group; Http404 for anyone not in the group."""

    def find() -> Scoped[Case]:
        LOOKUPS.append(code)
        found = Case.objects.select_related("group").filter(code=code).first()
        held = roles_in(user, found.group.slug) if found else frozenset()
        if found is None or not held:
            raise Http404
        return Scoped(found, found.group.slug, held)

    return remember(user, ("testapp.case", code), find)
