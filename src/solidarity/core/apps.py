from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "solidarity.core"
    label = "core"
    verbose_name = "Solidarity core"

    def ready(self) -> None:
        from solidarity.core import (
            checks,  # noqa: F401  (registers the system checks)
            retention,
            walk,
        )

        # Every part's retention rules, declared as data in its retention.py.
        retention.discover()
        # How the URL walk makes a zone for the URLs that name one (core.permissions).
        walk.register()
