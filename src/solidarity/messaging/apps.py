from datetime import datetime
from typing import Any

from django.apps import AppConfig
from django.db.models import QuerySet


class MessagingConfig(AppConfig):
    name = "solidarity.messaging"
    label = "messaging"
    verbose_name = "Messaging"

    def ready(self) -> None:
        from solidarity.core import retention
        from solidarity.core.permissions import sensitive
        from solidarity.core.services import register_sms_backends
        from solidarity.messaging.models import FINAL_STATES, Address, Inbound, InboundState, Message, SmsSettings
        from solidarity.messaging.sms_settings import configured_backends

        for model in (Message, Address, Inbound, SmsSettings):
            sensitive(model)
        # /healthz (core) names the SMS backends configured now; core cannot import messaging.
        register_sms_backends(lambda: [backend.name for backend in configured_backends()])

        def sent_messages(cutoff: datetime) -> "QuerySet[Any]":
            return Message.objects.filter(state__in=FINAL_STATES, updated_at__lt=cutoff)

        def read_inbound(cutoff: datetime) -> "QuerySet[Any]":
            done = [InboundState.HANDLED, InboundState.REVIEWED]
            return Inbound.objects.filter(state__in=done, received_at__lt=cutoff)

        retention.register(
            retention.Rule(
                name="messaging.sent-messages",
                model=Message,
                what="An outgoing email or SMS (address and text), once sent, failed or cancelled.",
                default_days=30,
                due=sent_messages,
            )
        )
        retention.register(
            retention.Rule(
                name="messaging.read-inbound",
                model=Inbound,
                what="An incoming SMS (number and text), once handled by a keyword or reviewed in the inbox.",
                default_days=90,
                due=read_inbound,
            )
        )
