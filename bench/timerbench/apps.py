from django.apps import AppConfig


class TimerBenchConfig(AppConfig):
    name = "timerbench"
    label = "timerbench"

    def ready(self) -> None:
        from solidarity.core.timers import TIMER_HANDLERS
        from timerbench import handlers

        TIMER_HANDLERS.register(handlers.FIRE, handlers.fire)
        TIMER_HANDLERS.register(handlers.FOLLOW_UP, handlers.follow_up)
