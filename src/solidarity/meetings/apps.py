from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "solidarity.meetings"
    label = "meetings"
    verbose_name = "Meetings"

    def ready(self) -> None:
        # Imported here: these modules load models, which exist only once the app registry is ready.
        from solidarity.core.timers import TIMER_HANDLERS
        from solidarity.meetings import actions, live, record_walk, sms, walk
        from solidarity.messaging.keywords import HANDLERS, Command

        # Reminders to those who said they would come: the day before and two hours before.
        TIMER_HANDLERS.register(live.DAY_BEFORE_TIMER, live.remind_day_before)
        TIMER_HANDLERS.register(live.SOON_TIMER, live.remind_soon)
        # An action item's owner is reminded two days before it is due (meetings.actions).
        TIMER_HANDLERS.register(actions.REMINDER_TIMER, actions.remind_owner)
        # How the URL walk and the API fuzz make a real object for each URL keyword of meetings'.
        walk.register()
        record_walk.register()  # the record's: a proposal, a minute entry, an amendment, an action item
        # STACK / TURNO: getting on stack by text, from the room.
        HANDLERS.register(Command.STACK, sms.answer_stack)
