from datetime import timedelta

from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "solidarity.events"
    label = "events"
    verbose_name = "Events"

    def ready(self) -> None:
        # Imported here: these load models, which exist only once the app registry is ready.
        from solidarity.core import schedule
        from solidarity.core.live import CHANNELS
        from solidarity.core.timers import TIMER_HANDLERS
        from solidarity.events import (
            checklist_walk,
            jail,
            jail_walk,
            retention,
            services,
            signup_sms,
            signup_walk,
            signups,
            walk,
        )
        from solidarity.events.jail_access import may_hear_jail
        from solidarity.messaging.keywords import ARRIVALS, CONFIRMERS, DEPARTURES, DROPPERS, HANDLERS, READERS, Command

        # How the URL walk and the API fuzz make a real object for each URL keyword of the events'.
        walk.register()
        # Jail support: the walk's action gets the walk's owner as a lead; "arrest" names one on its board.
        jail_walk.register()
        checklist_walk.register()  # the checklist's: "step", "template_step"
        signup_walk.register()  # the sign-ups': "slot", "seat", "seat_token"
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
        # An action is over once its end passes (events.services.end_action).
        TIMER_HANDLERS.register(services.OVER_TIMER, services.end_action)
        # A year after an action, its lessons and its contact address go (events.retention).
        schedule.register(
            schedule.Periodic("events.forget-old-actions", retention.forget_old_actions, timedelta(days=1))
        )
        # Jail support's timers: unlinked arrest plans go a day after the action; an arrest's texts 30 days after
        # its support ended. The retention rules (events.retention.RULES) are the safety net behind them.
        TIMER_HANDLERS.register(jail.PLANS_TIMER, jail.purge_plans)
        TIMER_HANDLERS.register(jail.FORGET_TIMER, jail.forget_arrest)
        # The jail-support board redraws live ("action-jail:<uuid>": whoever the board is for).
        CHANNELS.register("action-jail", may_hear_jail)
