from datetime import datetime, timedelta
from typing import Any

from django.apps import AppConfig
from django.db.models import QuerySet


class ListsConfig(AppConfig):
    name = "solidarity.lists"
    label = "lists"
    verbose_name = "Lists"

    def ready(self) -> None:
        # Imported here: these modules load models, which exist only once the app registry is ready.
        from solidarity.core import retention, schedule
        from solidarity.lists import services, tasks
        from solidarity.lists.models import Broadcast, BroadcastState, Subscription, SubscriptionState
        from solidarity.messaging import keywords

        # Texts to the network: JOIN / UNIRSE and a list's keyword, CONFIRM / CONFIRMAR and a code.
        keywords.register(keywords.Command.JOIN, services.answer_join)
        keywords.register(keywords.Command.CONFIRM, services.answer_confirm)

        # Broadcasts are settled (marked sent, their report kept) once their messages are all out.
        schedule.register(schedule.Periodic("lists.settle-broadcasts", tasks.settle_broadcasts, timedelta(minutes=1)))

        def never_confirmed(cutoff: datetime) -> "QuerySet[Any]":
            return Subscription.objects.filter(state=SubscriptionState.PENDING, asked_at__lt=cutoff)

        def unsubscribed(cutoff: datetime) -> "QuerySet[Any]":
            return Subscription.objects.filter(state=SubscriptionState.UNSUBSCRIBED, unsubscribed_at__lt=cutoff)

        def old_broadcasts(cutoff: datetime) -> "QuerySet[Any]":
            done = [BroadcastState.SENT, BroadcastState.CANCELLED]
            return Broadcast.objects.filter(state__in=done, finished_at__lt=cutoff)

        retention.register(
            retention.Rule(
                name="lists.never-confirmed",
                model=Subscription,
                what="A list subscription (email or phone, zone) never confirmed, after its last confirmation request.",
                default_days=14,
                due=never_confirmed,
            )
        )
        retention.register(
            retention.Rule(
                name="lists.unsubscribed",
                model=Subscription,
                what="A list subscription (email or phone, zone), once unsubscribed.",
                default_days=7,
                due=unsubscribed,
            )
        )
        retention.register(
            retention.Rule(
                name="lists.old-broadcasts",
                model=Broadcast,
                what="A broadcast (its texts and its report), once sent or cancelled.",
                default_days=365,
                due=old_broadcasts,
            )
        )
