from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "solidarity.messaging"
    label = "messaging"
    verbose_name = "Messaging"

    def ready(self) -> None:
        from solidarity.core import live
        from solidarity.core.permissions import holds_anywhere, sensitive
        from solidarity.core.services import SMS_BACKEND_NAMES
        from solidarity.messaging import progress
        from solidarity.messaging.access import HOTLINE
        from solidarity.messaging.models import Address, Inbound, Message, SmsSettings
        from solidarity.messaging.sms_settings import configured_backends

        for model in (Message, Address, Inbound, SmsSettings):
            sensitive(model)
        # /healthz (core) names the SMS backends configured now; core cannot import messaging.
        SMS_BACKEND_NAMES.register(lambda: [backend.name for backend in configured_backends()])
        # Who may hear what live: the inbox's new texts (dispatchers), a batch's progress (its part decides).
        live.CHANNELS.register("inbox", lambda user, rest: not rest and holds_anywhere(user, HOTLINE))
        live.CHANNELS.register("batch", progress.may_hear_batch)
