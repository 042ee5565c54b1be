"""The supplies' objects for the URL walk and the API fuzz (core.permissions.WALK_FILLERS)."""


def register() -> None:
    pass
