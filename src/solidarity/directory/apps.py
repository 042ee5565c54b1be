from datetime import timedelta

from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "solidarity.directory"
    label = "directory"
    verbose_name = "Directory"

    def ready(self) -> None:
        # Imported here: these modules load models, which exist only once the app registry is ready.
        from solidarity.core import schedule
        from solidarity.directory import sms, tasks, walk
        from solidarity.messaging.keywords import HANDLERS, Command

        # How the URL walk makes a real object for each URL keyword of the directory's (core.permissions).
        walk.register()
        # Keepers of resources gone stale are reminded once a day, with one button to say "still right".
        schedule.register(schedule.Periodic("directory.remind-keepers", tasks.remind_stale, timedelta(days=1)))
        # Texts: RESOURCES / RECURSOS and a need answer with the nearest public resources (directory.sms).
        HANDLERS.register(Command.RESOURCES, sms.answer_resources)
