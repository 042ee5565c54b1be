from datetime import timedelta

from django.apps import AppConfig


class ListsConfig(AppConfig):
    name = "solidarity.lists"
    label = "lists"
    verbose_name = "Lists"

    def ready(self) -> None:
        # Imported here: these modules load models, which exist only once the app registry is ready.
        from solidarity.core import schedule
        from solidarity.lists import access, subscriptions, tasks, walk
        from solidarity.messaging import keywords, progress

        # Texts to the network: JOIN / UNIRSE and a list's keyword, CONFIRM / CONFIRMAR and a code.
        keywords.HANDLERS.register(keywords.Command.JOIN, subscriptions.answer_join)
        keywords.CONFIRMERS.register("lists.subscriptions", subscriptions.answer_confirm)

        # Broadcasts are settled (marked sent, their report kept) once their messages are all out.
        schedule.register(schedule.Periodic("lists.settle-broadcasts", tasks.settle_broadcasts, timedelta(minutes=1)))
        # A big broadcast's enqueue whose job stopped (a killed worker) goes on from where it got to.
        schedule.register(schedule.Periodic("lists.resume-broadcasts", tasks.resume_broadcasts, timedelta(seconds=30)))

        # A broadcast's progress, heard live by its group's coordinators.
        progress.BATCH_READERS.register("lists.broadcast", access.coordinates_broadcast)
        # How the URL walk makes a real object for each URL keyword of lists's (core.permissions).
        walk.register()
