from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "solidarity.people"
    label = "people"
    verbose_name = "People"

    def ready(self) -> None:
        # Imported here: these modules load models, which exist only once the app registry is ready.
        from solidarity.core.timers import TIMER_HANDLERS
        from solidarity.messaging.keywords import CONFIRMERS, HANDLERS, Command
        from solidarity.people import access, contact_tests, keywords, services, walk

        # A paused person is back at the first minute of the date they gave (network time).
        TIMER_HANDLERS.register(services.BACK_TIMER, services.come_back_when_due)

        # Texts from a volunteer's own phone: PAUSE / PAUSA (and days), BACK / VUELVO, STATUS / ESTADO.
        HANDLERS.register(Command.PAUSE, keywords.answer_pause)
        HANDLERS.register(Command.BACK, keywords.answer_back)
        HANDLERS.register(Command.STATUS, keywords.answer_status)
        # The roster keeper's role (people.access declares it) and the URL walk's objects for people's URLs.
        assert access.ROSTER_KEEPER  # noqa: S101  (declared on import, before any grant of it is read)
        walk.register()
        # An import's progress, live, for roster keepers (people.imports).
        from solidarity.core.live import CHANNELS
        from solidarity.people import imports

        CHANNELS.register(imports.CHANNEL, imports.may_hear_import)
        # CONFIRM and a test's code, from the tested phone: the contact works (people.contact_tests).
        CONFIRMERS.register(contact_tests.CONFIRMER, contact_tests.answer_confirm)
