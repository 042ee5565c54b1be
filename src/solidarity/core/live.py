"""The live-event seam: any process publishes, every web process fans out to its SSE clients.

One hub per web process listens to one backend:
- database: on SQLite a small table polled every 50 ms; on PostgreSQL LISTEN/NOTIFY;
- redis: pub/sub, when SOLIDARITY_REDIS_URL is set.
Events carry ids and states for the page to fetch, never personal data.
"""

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from datetime import timedelta
from typing import Any, Protocol, TypedDict

import psycopg
import redis
import redis.asyncio as aioredis
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connection, transaction
from django.http import StreamingHttpResponse
from django.utils import timezone

from solidarity.core.db import psycopg_params
from solidarity.core.models import LiveEvent

logger = logging.getLogger(__name__)

# Each account's own channel: its open streams hear ROLES_CHANGED when a role of theirs is granted or
# revoked, and end, so nothing opened under a role that is gone keeps flowing.
ROLES_CHANGED = "roles-changed"


def user_channel(user_uuid: object) -> str:
    return f"user:{user_uuid}"


PG_CHANNEL = "solidarity_live"
REDIS_CHANNEL = "solidarity:live"
POLL_SECONDS = 0.05
KEEPALIVE_SECONDS = 15.0
QUEUE_SIZE = 100


class Event(TypedDict):
    channel: str
    event: str
    data: dict[str, Any]


Deliver = Callable[[Event], None]


class Backend(Protocol):
    def publish(self, event: Event) -> None: ...

    async def listen(self, deliver: Deliver) -> None: ...


class DatabaseBackend:
    def publish(self, event: Event) -> None:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_notify(%s, %s)", [PG_CHANNEL, json.dumps(event)])
        else:
            LiveEvent.objects.create(channel=event["channel"], event=event["event"], data=event["data"])

    async def listen(self, deliver: Deliver) -> None:
        if connection.vendor == "postgresql":
            await self._listen_postgresql(deliver)
        else:
            await self._poll(deliver)

    async def _listen_postgresql(self, deliver: Deliver) -> None:
        async with await psycopg.AsyncConnection.connect(**psycopg_params(), autocommit=True) as conn:
            await conn.execute(f"LISTEN {PG_CHANNEL}")
            async for notify in conn.notifies():
                deliver(json.loads(notify.payload))

    async def _poll(self, deliver: Deliver) -> None:
        last = await sync_to_async(latest_event_id)()
        while True:
            for row in await sync_to_async(events_after)(last):
                last = row.pk
                deliver({"channel": row.channel, "event": row.event, "data": row.data})
            await asyncio.sleep(POLL_SECONDS)


def latest_event_id() -> int:
    row = LiveEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    return row or 0


def events_after(last: int) -> list[LiveEvent]:
    return list(LiveEvent.objects.filter(pk__gt=last).order_by("pk")[:500])


def prune_events(age: timedelta = timedelta(minutes=5)) -> None:
    LiveEvent.objects.filter(created_at__lt=timezone.now() - age).delete()


class RedisBackend:
    def __init__(self, url: str) -> None:
        self.url = url

    def publish(self, event: Event) -> None:
        with redis.Redis.from_url(self.url) as client:
            client.publish(REDIS_CHANNEL, json.dumps(event))

    async def listen(self, deliver: Deliver) -> None:
        client = aioredis.Redis.from_url(self.url)
        try:
            async with client.pubsub() as pubsub:
                await pubsub.subscribe(REDIS_CHANNEL)
                async for message in pubsub.listen():
                    if message["type"] == "message":
                        deliver(json.loads(message["data"]))
        finally:
            await client.aclose()


def backend() -> Backend:
    if settings.LIVE_BACKEND == "redis" and settings.REDIS_URL:
        return RedisBackend(settings.REDIS_URL)
    return DatabaseBackend()


def publish(channel: str, event: str, data: dict[str, Any]) -> None:
    """Send an event to every subscriber of `channel`, once the current transaction commits."""
    payload: Event = {"channel": channel, "event": event, "data": data}
    transaction.on_commit(lambda: backend().publish(payload))


class Hub:
    """Fans events from one backend listener out to this process's subscribers."""

    def __init__(self) -> None:
        self.queues: dict[asyncio.Queue[Event], str] = {}
        self.listener: asyncio.Task[None] | None = None
        self.ready = asyncio.Event()

    def deliver(self, event: Event) -> None:
        for queue, channel in list(self.queues.items()):
            if channel == event["channel"]:
                with contextlib.suppress(asyncio.QueueFull):  # a stalled client loses events, not the hub
                    queue.put_nowait(event)

    async def run(self) -> None:
        while True:
            try:
                self.ready.set()
                await backend().listen(self.deliver)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("live-event listener failed; restarting in 1 s")
            await asyncio.sleep(1)

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        if self.listener is None or self.listener.done() or self.listener.get_loop() is not loop:
            self.listener = loop.create_task(self.run())

    async def subscribe(self, channel: str) -> AsyncGenerator[Event | None]:
        """Yield events for `channel`; None every KEEPALIVE_SECONDS of silence."""
        queue: asyncio.Queue[Event] = asyncio.Queue(maxsize=QUEUE_SIZE)
        self.queues[queue] = channel
        self.start()
        try:
            while True:
                try:
                    yield await asyncio.wait_for(queue.get(), KEEPALIVE_SECONDS)
                except TimeoutError:
                    yield None
        finally:
            del self.queues[queue]


hub = Hub()


async def sse_lines(channel: str) -> AsyncIterator[str]:
    yield "retry: 3000\n\n"
    async for event in hub.subscribe(channel):
        if event is None:
            yield ": keepalive\n\n"
        else:
            yield f"event: {event['event']}\ndata: {json.dumps(event['data'])}\n\n"


def sse_response(channel: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(sse_lines(channel), content_type="text/event-stream")
    response["Cache-Control"] = "no-store"
    response["X-Accel-Buffering"] = "no"
    return response
