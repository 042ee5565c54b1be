from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "solidarity.directory"
    label = "directory"
    verbose_name = "Directory"

    def ready(self) -> None:
        # Imported here: these modules load models, which exist only once the app registry is ready.
        from solidarity.directory import sms, walk
        from solidarity.messaging.keywords import HANDLERS, Command

        # How the URL walk makes a real object for each URL keyword of the directory's (core.permissions).
        walk.register()
        # Texts: RESOURCES / RECURSOS and a need answer with the nearest public resources (directory.sms).
        HANDLERS.register(Command.RESOURCES, sms.answer_resources)
