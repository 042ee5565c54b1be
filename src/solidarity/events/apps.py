from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "solidarity.events"
    label = "events"
    verbose_name = "Events"

    def ready(self) -> None:
        # Imported here: these load models, which exist only once the app registry is ready.
        from solidarity.events import checklist_walk, walk

        # How the URL walk and the API fuzz make a real object for each URL keyword of the events'.
        walk.register()
        checklist_walk.register()  # the checklist's: "step", "template_step"
