from django.apps import AppConfig


class TestAppConfig(AppConfig):
    name = "tests.testapp"
    label = "testapp"
    verbose_name = "Test-only models carrying sensitive fields"

    def ready(self) -> None:
        from solidarity.core.timers import TIMER_HANDLERS
        from tests.testapp import timers

        TIMER_HANDLERS.register(timers.RECORD, timers.record)
        TIMER_HANDLERS.register(timers.SLOW, timers.record_slowly)
