from django.apps import AppConfig


class SuppliesConfig(AppConfig):
    name = "solidarity.supplies"
    label = "supplies"
    verbose_name = "Supplies"

    def ready(self) -> None:
        # Imported here: walk loads models, which exist only once the app registry is ready.
        from solidarity.supplies import walk

        # How the URL walk and the API fuzz make a real object for each URL keyword of the supplies'.
        walk.register()
