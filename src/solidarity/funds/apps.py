from datetime import timedelta

from django.apps import AppConfig


class FundsConfig(AppConfig):
    name = "solidarity.funds"
    label = "funds"
    verbose_name = "Funds"

    def ready(self) -> None:
        # Imported here: these load models, which exist only once the app registry is ready.
        from solidarity.core import schedule
        from solidarity.core.bonds import BOND_CONSUMERS
        from solidarity.core.timers import TIMER_HANDLERS
        from solidarity.funds import bonds, preparations, requests, tasks, walk

        # How the URL walk and the API fuzz make a real object for each URL keyword of the funds'.
        walk.register()
        walk.register_statements()
        walk.register_requests()
        # Payments and bonds (funds.requests, funds.bonds): a case's bond request becomes a waiting payment of
        # the bond fund (at once, or within minutes when it waited for a bond fund to exist); a bond whose next
        # step is overdue reminds the fund's treasurers.
        BOND_CONSUMERS.register(requests.CONSUMER, requests.bond_consumer)
        schedule.register(schedule.Periodic("funds.bond-requests", tasks.pick_up_bond_requests, timedelta(minutes=5)))
        TIMER_HANDLERS.register(bonds.BOND_TIMER, bonds.remind_treasurers)
        # An action's checklist asks whether the medical and legal fund can pay (core.preparations).
        preparations.register()
