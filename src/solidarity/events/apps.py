from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "solidarity.events"
    label = "events"
    verbose_name = "Events"
