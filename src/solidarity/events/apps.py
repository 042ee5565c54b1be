from datetime import timedelta

from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "solidarity.events"
    label = "events"
    verbose_name = "Events"

    def ready(self) -> None:
        # Imported here: these load models, which exist only once the app registry is ready.
        from solidarity.core import schedule
        from solidarity.core.timers import TIMER_HANDLERS
        from solidarity.events import retention, services, walk

        # How the URL walk and the API fuzz make a real object for each URL keyword of the events'.
        walk.register()
        # An action is over once its end passes (events.services.end_action).
        TIMER_HANDLERS.register(services.OVER_TIMER, services.end_action)
        # A year after an action, its lessons and its contact address go (events.retention).
        schedule.register(
            schedule.Periodic("events.forget-old-actions", retention.forget_old_actions, timedelta(days=1))
        )
