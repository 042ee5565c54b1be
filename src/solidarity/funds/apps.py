from django.apps import AppConfig


class FundsConfig(AppConfig):
    name = "solidarity.funds"
    label = "funds"
    verbose_name = "Funds"

    def ready(self) -> None:
        # Imported here: walk loads models, which exist only once the app registry is ready.
        from solidarity.funds import walk

        # How the URL walk and the API fuzz make a real object for each URL keyword of the funds'.
        walk.register()
        walk.register_statements()

        # Payments and bonds (funds.requests, funds.bonds): a case's bond request becomes a waiting payment of
        # the bond fund; a bond whose next step is overdue reminds the fund's treasurers.
        from solidarity.core.bonds import BOND_CONSUMERS
        from solidarity.core.timers import TIMER_HANDLERS
        from solidarity.funds import bonds, requests

        BOND_CONSUMERS.register(requests.CONSUMER, requests.bond_consumer)
        TIMER_HANDLERS.register(bonds.BOND_TIMER, bonds.remind_treasurers)
        walk.register_requests()
