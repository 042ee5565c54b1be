from datetime import timedelta

from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "solidarity.incidents"
    label = "incidents"
    verbose_name = "Incidents"

    def ready(self) -> None:
        # Imported here: these modules load models, which exist only once the app registry is ready.
        from solidarity.core import schedule
        from solidarity.core.live import CHANNELS
        from solidarity.core.timers import TIMER_HANDLERS
        from solidarity.incidents import dispatch, keywords, observations, services, tasks, timeline, walk
        from solidarity.messaging.keywords import ARRIVALS, DEPARTURES, HANDLERS, READERS, Command
        from solidarity.messaging.outcomes import OUTCOME_HANDLERS

        # Escalation: the next ring of zones, then the dispatchers paged; an unconfirmed incident goes stale.
        TIMER_HANDLERS.register(dispatch.RING_TIMER, dispatch.next_ring)
        TIMER_HANDLERS.register(dispatch.PAGE_TIMER, dispatch.page)
        TIMER_HANDLERS.register(services.STALE_TIMER, services.go_stale)
        # An alert that could not be delivered (a failure, an opt-out) asks the next person at once.
        OUTCOME_HANDLERS.register(dispatch.OUTCOME, dispatch.alert_outcome)
        # Texts: REPORT / REPORTE from anyone; a responder's GO / VOY, NO, ARRIVED / LLEGUE, LEFT / SALI.
        HANDLERS.register(Command.REPORT, keywords.answer_report)
        HANDLERS.register(Command.GO, keywords.answer_go)
        HANDLERS.register(Command.NO, keywords.answer_no)
        ARRIVALS.register("incidents.alerts", keywords.answer_arrived)
        DEPARTURES.register("incidents.alerts", keywords.answer_left)
        # A responder out on an incident texting what they see, with no keyword: it joins the incident's timeline.
        READERS.register("incidents.observations", observations.read_text)
        # The board's live channel, for dispatchers.
        CHANNELS.register(timeline.CHANNEL, timeline.may_hear)
        # How the URL walk makes a real object for each URL keyword of incidents' (core.permissions).
        walk.register()
        # The number a report was texted from is kept a few hours only.
        schedule.register(schedule.Periodic("incidents.forget-senders", tasks.forget_senders, timedelta(minutes=15)))
