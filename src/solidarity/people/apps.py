from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "solidarity.people"
    label = "people"
    verbose_name = "People"

    def ready(self) -> None:
        # Imported here: these modules load models, which exist only once the app registry is ready.
        from solidarity.core.timers import TIMER_HANDLERS
        from solidarity.people import access, services, walk

        # A paused person is back at the first minute of the date they gave (network time).
        TIMER_HANDLERS.register(services.BACK_TIMER, services.come_back_when_due)
        # The roster keeper's role (people.access declares it) and the URL walk's objects for people's URLs.
        assert access.ROSTER_KEEPER  # noqa: S101  (declared on import, before any grant of it is read)
        walk.register()
