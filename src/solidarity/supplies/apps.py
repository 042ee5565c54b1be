from datetime import timedelta

from django.apps import AppConfig


class SuppliesConfig(AppConfig):
    name = "solidarity.supplies"
    label = "supplies"
    verbose_name = "Supplies"

    def ready(self) -> None:
        # Imported here: walk loads models, which exist only once the app registry is ready.
        from solidarity.core import schedule
        from solidarity.messaging.keywords import HANDLERS, Command
        from solidarity.supplies import preparations, sms, tasks, walk

        # How the URL walk and the API fuzz make a real object for each URL keyword of the supplies'.
        walk.register()
        # Texts: USED / USADO, an item's code and a count record use and answer what is left (supplies.sms).
        HANDLERS.register(Command.USED, sms.answer_used)
        # NALOXONE / NALOXONA and the doses: a reversal from anyone, counted (supplies.reversals).
        HANDLERS.register(Command.NALOXONE, sms.answer_naloxone)
        # Each location's keepers hear once a week of par, expiry and counts due (supplies.digest).
        schedule.register(schedule.Periodic("supplies.weekly-digest", tasks.weekly_digest, timedelta(days=7)))
        # An action's checklist asks whether its street medics' kits are packed and in date (core.preparations).
        preparations.register()
