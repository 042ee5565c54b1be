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
