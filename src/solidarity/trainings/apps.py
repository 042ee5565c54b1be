from datetime import timedelta

from django.apps import AppConfig


class TrainingsConfig(AppConfig):
    name = "solidarity.trainings"
    label = "trainings"
    verbose_name = "Trainings"

    def ready(self) -> None:
        # Imported here: these modules load models, which exist only once the app registry is ready.
        from solidarity.core import schedule
        from solidarity.core.timers import TIMER_HANDLERS
        from solidarity.messaging.keywords import CONFIRMERS, DROPPERS
        from solidarity.people.feeds import CALENDAR_EVENTS
        from solidarity.trainings import calendar, keywords, services, tasks, walk

        # Reminders the day before (18:00 local) and shortly before; the end erases health answers.
        TIMER_HANDLERS.register(services.DAY_BEFORE_TIMER, services.remind_day_before)
        TIMER_HANDLERS.register(services.SOON_TIMER, services.remind_soon)
        TIMER_HANDLERS.register(services.OVER_TIMER, services.end_session)
        # The safety net behind the end's timer: no health answer outlives its session by much.
        schedule.register(schedule.Periodic("trainings.erase-health", tasks.erase_health, timedelta(hours=1)))

        # Texts: CONFIRM / CONFIRMAR and a seat's code; DROP / CEDO gives the seat back.
        CONFIRMERS.register("trainings.seats", keywords.answer_confirm)
        DROPPERS.register("trainings.seats", keywords.answer_drop)
        # A volunteer's own calendar feed (people.feeds) shows their seats and places in line.
        CALENDAR_EVENTS.register("trainings.seats", calendar.seats_in_feed)
        # How the URL walk makes a real object for each URL keyword of trainings's (core.permissions).
        walk.register()
