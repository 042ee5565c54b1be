from datetime import timedelta

from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "solidarity.messaging"
    label = "messaging"
    verbose_name = "Messaging"

    def ready(self) -> None:
        from solidarity.core import keyring, live, schedule
        from solidarity.core.permissions import holds_anywhere, sensitive
        from solidarity.core.services import SMS_BACKENDS
        from solidarity.messaging import inbound, keywords, progress, tasks, walk
        from solidarity.messaging.access import HOTLINE
        from solidarity.messaging.models import Address, Inbound, Message, SmsSettings
        from solidarity.messaging.sms_sender import sms_status

        for model in (Message, Address, Inbound, SmsSettings):
            sensitive(model)
        # /healthz (core) names the SMS backends configured now and says which are down; core cannot import messaging.
        SMS_BACKENDS.register(lambda: [{"name": row["name"], "is_down": row["is_down"]} for row in sms_status()])
        # How the URL walk makes a real object for each URL keyword of messaging's (core.permissions).
        walk.register()
        # CONFIRM and a code: messaging asks each part that sent one (keywords.CONFIRMERS) whose it is.
        keywords.HANDLERS.register(keywords.Command.CONFIRM, inbound.answer_confirm)
        # DROP, ARRIVED and LEFT alike: each part that gave out such a code is asked (DROPPERS, ARRIVALS, DEPARTURES).
        keywords.HANDLERS.register(keywords.Command.DROP, inbound.answer_drop)
        keywords.HANDLERS.register(keywords.Command.ARRIVED, inbound.answer_arrived)
        keywords.HANDLERS.register(keywords.Command.LEFT, inbound.answer_left)
        # A text with no keyword: messaging asks each part that reads such texts (keywords.READERS) whose it is.
        keywords.HANDLERS.register(keywords.Command.UNMATCHED, inbound.answer_unmatched)
        # Who may hear what live: the inbox's new texts (dispatchers), a batch's progress (its part decides).
        live.CHANNELS.register("inbox", lambda user, rest: not rest and holds_anywhere(user, HOTLINE))
        live.CHANNELS.register("batch", progress.may_hear_batch)
        # Texts that arrived while the keys were locked are routed as soon as an operator unlocks them
        # (`solidarity keys unlock`, and the worker once it sees them unlocked); the job is the safety net.
        keyring.AFTER_UNLOCK.register("messaging.open-sealed", inbound.do_open_sealed)
        schedule.register(schedule.Periodic("messaging.open-sealed", tasks.open_sealed, timedelta(minutes=1)))
        # Outcome handlers are told right after each change of state commits; the job catches what a crash left.
        schedule.register(schedule.Periodic("messaging.tell-outcomes", tasks.tell_outcomes, timedelta(minutes=1)))
