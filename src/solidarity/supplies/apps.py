from django.apps import AppConfig


class SuppliesConfig(AppConfig):
    name = "solidarity.supplies"
    label = "supplies"
    verbose_name = "Supplies"

    def ready(self) -> None:
        # Imported here: walk loads models, which exist only once the app registry is ready.
        from solidarity.messaging.keywords import HANDLERS, Command
        from solidarity.supplies import sms, walk

        # How the URL walk and the API fuzz make a real object for each URL keyword of the supplies'.
        walk.register()
        # Texts: USED / USADO, an item's code and a count record use and answer what is left (supplies.sms).
        HANDLERS.register(Command.USED, sms.answer_used)
