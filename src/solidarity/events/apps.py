from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "solidarity.events"
    label = "events"
    verbose_name = "Events"

    def ready(self) -> None:
        # Imported here: these load models, which exist only once the app registry is ready.
        from solidarity.core import retention
        from solidarity.core.timers import TIMER_HANDLERS
        from solidarity.events import signup_retention, signup_sms, signup_walk, signups, walk
        from solidarity.messaging.keywords import ARRIVALS, CONFIRMERS, DEPARTURES, DROPPERS, HANDLERS, READERS, Command

        # How the URL walk and the API fuzz make a real object for each URL keyword of the events'.
        walk.register()
        signup_walk.register()
        # Sign-ups: the day-before reminder (18:00 local) and the short text before the shift.
        TIMER_HANDLERS.register(signups.DAY_BEFORE_TIMER, signups.remind_day_before)
        TIMER_HANDLERS.register(signups.SOON_TIMER, signups.remind_soon)
        # Texts: VOLUNTEER / VOLUNTARIO and the digit after it; CONFIRM, DROP, ARRIVED and LEFT with a sign-up's code.
        HANDLERS.register(Command.VOLUNTEER, signup_sms.answer_volunteer)
        READERS.register("events.slots", signup_sms.read_digit)
        CONFIRMERS.register("events.sign-ups", signup_sms.answer_confirm)
        DROPPERS.register("events.sign-ups", signup_sms.answer_drop)
        ARRIVALS.register("events.sign-ups", signup_sms.answer_arrived)
        DEPARTURES.register("events.sign-ups", signup_sms.answer_left)
        # Sign-ups go a year after their action ended (the module's own RULES: events.retention is the part's).
        for rule in signup_retention.RULES:
            retention.register(rule)
