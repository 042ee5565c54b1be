"""The live-event seam: any process publishes, every web process fans out to its SSE clients.

One hub per web process listens to one backend, with one connection:
- database: every event is a LiveEvent row; SQLite web processes poll the table every 50 ms,
  PostgreSQL ones are woken by LISTEN/NOTIFY;
- redis: a Redis stream (XADD, trimmed to about STREAM_LENGTH events), read with XREAD BLOCK,
  when SOLIDARITY_REDIS_URL is set. Publishing reuses one client per process.

Every event has an id, increasing in the order of the backend. A stream sends it (`id:`), so a
browser that reconnects sends `Last-Event-ID` and is first given what it missed (`replay`), as
long as the backend still keeps it (five minutes in the table, STREAM_LENGTH events in Redis);
when it no longer does, the stream says STALE and the page fetches its state afresh.

A stream may listen to several channels at once. A channel is named `kind` or `kind:rest`, and
each kind is registered with the check that says who may hear it (`CHANNELS`, a registry the
parts fill: "inbox" for dispatchers, "batch:..." for whoever owns the batch); a kind nobody
registered is heard by nobody. Every stream also hears its user's own channel: when a role of
theirs is granted or revoked (ROLES_CHANGED), the stream ends, and a browser reconnecting is
checked afresh, so nothing opened under a role that is gone keeps flowing.

Events carry ids and states for the page to fetch, never personal data.
"""

import asyncio
import contextlib
import functools
import json
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, NotRequired, Protocol, TypedDict, cast

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.handlers.asgi import ASGIHandler as DjangoASGIHandler
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponseBase, StreamingHttpResponse
from django.utils import timezone

from solidarity.core.db import psycopg_params
from solidarity.core.hooks import Registry
from solidarity.core.models import LiveEvent
from solidarity.core.permissions import AnyUser, is_admin

if TYPE_CHECKING:
    import redis

# psycopg and redis are imported where a backend first needs them, not here: every process loads this module,
# and a network on SQLite alone would carry both (some 14 MB a process) for nothing.

logger = logging.getLogger(__name__)

PG_CHANNEL = "solidarity_live"
REDIS_STREAM = "solidarity:live"
STREAM_LENGTH = 10_000  # events Redis keeps for reconnecting browsers (approximately: MAXLEN ~)
POLL_SECONDS = 0.05
KEEPALIVE_SECONDS = 15.0
QUEUE_SIZE = 100
REPLAY_LIMIT = 500  # events a reconnecting stream is given at most; beyond that it is STALE
KEPT = timedelta(minutes=5)  # how long the database keeps events for reconnecting browsers

# Each account's own channel: its open streams hear ROLES_CHANGED when a role of theirs is granted or
# revoked, and end, so nothing opened under a role that is gone keeps flowing.
ROLES_CHANGED = "roles-changed"
STALE = "stale"  # a reconnecting stream missed more than the backend keeps: fetch the page's state afresh


def user_channel(user_uuid: object) -> str:
    return f"user:{user_uuid}"


class Event(TypedDict):
    id: str
    channel: str
    event: str
    data: dict[str, Any]
    frame: NotRequired[bytes]  # the event as the stream sends it, drawn once for all its subscribers


Deliver = Callable[[Event], None]


@dataclass(frozen=True)
class Replay:
    events: list[Event]
    complete: bool  # False: some of what came after the id is no longer kept


class Backend(Protocol):
    def publish(self, channel: str, event: str, data: dict[str, Any]) -> None: ...

    async def listen(self, deliver: Deliver) -> None: ...

    def replay(self, after: str, channels: frozenset[str]) -> Replay: ...


# Who may hear which channel: {kind: check(user, rest of the name)}. The parts register theirs.
ChannelCheck = Callable[[AnyUser, str], bool]
CHANNELS = Registry[str, ChannelCheck]("core.live-channels")


def may_hear(user: AnyUser, channel: str) -> bool:
    """Whether `user` may listen to `channel`: its kind's registered check says so (nobody, for an unknown kind)."""
    kind, _sep, rest = channel.partition(":")
    check = CHANNELS.get(kind)
    return bool(user.is_authenticated and check is not None and check(user, rest))


CHANNELS.register("dashboard", lambda user, rest: not rest and is_admin(user))
CHANNELS.register("user", lambda user, rest: rest == str(getattr(user, "uuid", "")))


# The database backend.


# The polled table's listeners running in this process, each with its loop and the event that wakes it.
POKED: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()


def poke() -> None:
    """From any thread of this process: the polled table's listeners read it now, not at the next poll."""
    for loop, poked in list(POKED):
        if not loop.is_closed():
            loop.call_soon_threadsafe(poked.set)


class DatabaseBackend:
    def __init__(self) -> None:
        self.last: int | None = None  # the newest event heard: a restarted listener first reads what came since

    def publish(self, channel: str, event: str, data: dict[str, Any]) -> None:
        row = LiveEvent.objects.create(channel=channel, event=event, data=data)
        if connection.vendor == "postgresql":
            payload = {"id": str(row.pk), "channel": channel, "event": event, "data": data}
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_notify(%s, %s)", [PG_CHANNEL, json.dumps(payload)])
        else:
            poke()  # this process's own streams hear it now, not at the next poll

    async def listen(self, deliver: Deliver) -> None:
        if connection.vendor == "postgresql":
            await self._listen_postgresql(deliver)
        else:
            await self._poll(deliver)

    async def _listen_postgresql(self, deliver: Deliver) -> None:
        import psycopg  # PostgreSQL only (see the imports)

        async with await psycopg.AsyncConnection.connect(**psycopg_params(), autocommit=True) as conn:
            await conn.execute(f"LISTEN {PG_CHANNEL}")
            if self.last is not None:  # a restart: what was published while nobody listened
                for row in await sync_to_async(events_after)(self.last):
                    self.last = max(self.last, row.pk)
                    deliver(as_event(row))
            async for notify in conn.notifies():
                event = json.loads(notify.payload)
                self.last = max(self.last or 0, int(event["id"]))
                deliver(event)

    async def _poll(self, deliver: Deliver) -> None:
        poked = asyncio.Event()
        POKED.add((asyncio.get_running_loop(), poked))
        try:
            await self._poll_until_cancelled(deliver, poked)
        finally:
            POKED.discard((asyncio.get_running_loop(), poked))

    async def _poll_until_cancelled(self, deliver: Deliver, poked: asyncio.Event) -> None:
        if self.last is None:
            self.last = await sync_to_async(latest_event_id)()
        while True:
            for row in await sync_to_async(events_after)(self.last):
                self.last = row.pk
                deliver(as_event(row))
            # Every POLL_SECONDS, or at once when this process published: the poll reads in id order, so
            # what another process published before is delivered first, and nothing is delivered twice.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(POLL_SECONDS):
                    await poked.wait()
            poked.clear()

    def replay(self, after: str, channels: frozenset[str]) -> Replay:
        if not after.isdigit():
            return Replay([], complete=False)
        last = int(after)
        oldest = LiveEvent.objects.order_by("pk").values_list("pk", flat=True).first()
        rows = list(LiveEvent.objects.filter(pk__gt=last, channel__in=channels).order_by("pk")[: REPLAY_LIMIT + 1])
        # Complete when nothing after `last` has been pruned yet and the page of rows holds all there is.
        complete = (oldest is None or oldest <= last + 1) and len(rows) <= REPLAY_LIMIT
        return Replay([as_event(row) for row in rows[:REPLAY_LIMIT]], complete)


def as_event(row: LiveEvent) -> Event:
    return {"id": str(row.pk), "channel": row.channel, "event": row.event, "data": row.data}


def latest_event_id() -> int:
    row = LiveEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    return row or 0


def events_after(last: int) -> list[LiveEvent]:
    return list(LiveEvent.objects.filter(pk__gt=last).order_by("pk")[:500])


def prune_events(age: timedelta = KEPT) -> None:
    LiveEvent.objects.filter(created_at__lt=timezone.now() - age).delete()


# The Redis backend.


@functools.cache
def redis_client(url: str) -> "redis.Redis":
    """This process's one client for publishing and replaying (its pool opens a connection when first used)."""
    import redis  # Redis only (see the imports)

    return redis.Redis.from_url(url)


def stream_id_after(after: str) -> tuple[int, int] | None:
    milliseconds, _dash, sequence = after.partition("-")
    if not (milliseconds.isdigit() and sequence.isdigit()):
        return None
    return int(milliseconds), int(sequence)


Entries = list[tuple[bytes, dict[bytes, bytes]]]  # a Redis stream's entries: (id, fields)


class RedisBackend:
    def __init__(self, url: str) -> None:
        self.url = url
        self.last = "$"  # the last entry heard: a restarted listener goes on from it, losing nothing

    def publish(self, channel: str, event: str, data: dict[str, Any]) -> None:
        body = json.dumps({"channel": channel, "event": event, "data": data})
        redis_client(self.url).xadd(REDIS_STREAM, {"e": body}, maxlen=STREAM_LENGTH, approximate=True)

    async def listen(self, deliver: Deliver) -> None:
        # The client's read timeout (redis-py's default is 5 s) must outlast the blocking read, or every
        # quiet moment would end in an error and a restart.
        import redis.asyncio as aioredis  # Redis only (see the imports)

        client = aioredis.Redis.from_url(self.url, socket_timeout=KEEPALIVE_SECONDS + 10)
        try:
            while True:
                answer = cast(
                    list[tuple[bytes, Entries]],
                    await client.xread({REDIS_STREAM: self.last}, block=int(KEEPALIVE_SECONDS * 1000), count=500),
                )
                for _stream, entries in answer:
                    for entry_id, fields in entries:
                        self.last = entry_id.decode()
                        deliver(self.as_event(self.last, fields))
        finally:
            await client.aclose()

    def replay(self, after: str, channels: frozenset[str]) -> Replay:
        wanted = stream_id_after(after)
        if wanted is None:
            return Replay([], complete=False)
        client = redis_client(self.url)
        first = cast(Entries, client.xrange(REDIS_STREAM, count=1))
        entries = cast(Entries, client.xrange(REDIS_STREAM, min=f"({after}", count=REPLAY_LIMIT * 4))
        events = [self.as_event(entry_id.decode(), fields) for entry_id, fields in entries]
        oldest = stream_id_after(first[0][0].decode()) if first else None
        trimmed = oldest is not None and oldest > wanted  # the entry after `after` may have been trimmed
        chosen = [event for event in events if event["channel"] in channels]
        complete = not trimmed and len(entries) < REPLAY_LIMIT * 4 and len(chosen) <= REPLAY_LIMIT
        return Replay(chosen[:REPLAY_LIMIT], complete)

    @staticmethod
    def as_event(entry_id: str, fields: dict[bytes, bytes]) -> Event:
        body = json.loads(fields[b"e"])
        return {"id": entry_id, "channel": body["channel"], "event": body["event"], "data": body["data"]}


def backend() -> Backend:
    if settings.LIVE_BACKEND == "redis" and settings.REDIS_URL:
        return RedisBackend(settings.REDIS_URL)
    return DatabaseBackend()


def publish(channel: str, event: str, data: dict[str, Any]) -> None:
    """Send an event to every subscriber of `channel`, once the current transaction commits."""
    transaction.on_commit(lambda: backend().publish(channel, event, data))


# One hub per web process.


class Hub:
    """Fans events from one backend listener out to this process's subscribers.

    A meeting's picture goes to a thousand phones at once, so the fan-out is lean: the frame is drawn once
    for all, each subscriber's queue gets it without a timer of its own, and one ticker sends the idle ones
    a keepalive."""

    def __init__(self) -> None:
        self.subscriptions: dict[Subscription, frozenset[str]] = {}
        self.listener: asyncio.Task[None] | None = None
        self.ticker: asyncio.Task[None] | None = None
        self.ready = asyncio.Event()

    def deliver(self, event: Event) -> None:
        drawn = False
        for subscription, channels in list(self.subscriptions.items()):
            if event["channel"] in channels:
                if not drawn:  # a thousand phones on a meeting share one rendering of its picture
                    event["frame"], drawn = frame(event), True
                subscription.put(event)

    async def run(self) -> None:
        listening = backend()  # one backend across restarts: it knows where it was
        while True:
            try:
                self.ready.set()
                await listening.listen(self.deliver)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("live-event listener failed; restarting in 1 s")
            await asyncio.sleep(1)

    async def tick(self) -> None:
        """Every KEEPALIVE_SECONDS, a keepalive (None) to each subscriber that heard nothing since the last."""
        while True:
            await asyncio.sleep(KEEPALIVE_SECONDS)
            for subscription in list(self.subscriptions):
                if not subscription.heard:
                    subscription.put(None)
                subscription.heard = False

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        if self.listener is None or self.listener.done() or self.listener.get_loop() is not loop:
            self.listener = loop.create_task(self.run())
        if self.ticker is None or self.ticker.done() or self.ticker.get_loop() is not loop:
            self.ticker = loop.create_task(self.tick())

    def open(self, channels: str | Iterable[str]) -> "Subscription":
        """Start hearing `channels` now: events published from this moment on wait in the subscription."""
        subscription = Subscription(self, frozenset([channels] if isinstance(channels, str) else channels))
        self.start()
        return subscription

    async def subscribe(self, channels: str | Iterable[str]) -> AsyncGenerator[Event | None]:
        """Yield events for `channels`; None after KEEPALIVE_SECONDS or so of silence."""
        subscription = self.open(channels)
        try:
            while True:
                yield await subscription.next()
        finally:
            subscription.close()


class Subscription:
    """One stream's place in the hub: its channels, and where their events go.

    Events wait in its queue for whoever reads them (`next`), until `write_directly` hands them straight to
    the stream's socket as they come: a thousand phones then cost the hub a write each, with no task woken
    and no generator resumed between the event and the socket."""

    def __init__(self, hub: Hub, channels: frozenset[str]) -> None:
        self.hub = hub
        self.queue: asyncio.Queue[Event | None] = asyncio.Queue(maxsize=QUEUE_SIZE)
        self.heard = False
        self.direct: Callable[[Event | None], None] | None = None
        hub.subscriptions[self] = channels

    def put(self, event: Event | None) -> None:
        self.heard = self.heard or event is not None
        if self.direct is not None:
            self.direct(event)
            return
        with contextlib.suppress(asyncio.QueueFull):  # a stalled client loses events, not the hub
            self.queue.put_nowait(event)

    async def next(self) -> Event | None:
        """The next event, or None (a keepalive) after KEEPALIVE_SECONDS or so of silence."""
        return await self.queue.get()

    async def write_directly(self, hear: "Callable[[Event | None], bytes | None]", send: "Send") -> None:
        """From now until the stream ends, each event goes to the socket as the hub delivers it: `hear` says
        what to send for it (None: the stream ends). What waited in the queue goes first."""
        writer = DirectWriter(send)
        ended: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def deliver(event: Event | None) -> None:
            if ended.done():
                return
            data = hear(event)
            if data is None:
                ended.set_result(None)
            elif data:
                writer.write(data)

        while not self.queue.empty():
            deliver(self.queue.get_nowait())
        self.direct = deliver
        try:
            await ended
        finally:
            self.direct = None
            writer.close()

    def close(self) -> None:
        self.hub.subscriptions.pop(self, None)


Send = Callable[[Mapping[str, Any]], Awaitable[None]]  # an ASGI server's send


class DirectWriter:
    """Writes a stream's frames through the ASGI server's `send` at once (an eager task that finishes without
    yielding when the socket takes the bytes); while the client is slow to read, up to QUEUE_SIZE frames wait
    behind the one in flight, and the rest are lost, as a stalled client's queue loses them."""

    def __init__(self, send: Send) -> None:
        self.send = send
        self.loop = asyncio.get_running_loop()
        self.in_flight: asyncio.Task[None] | None = None
        self.waiting: list[bytes] = []

    def write(self, data: bytes) -> None:
        if self.in_flight is not None:
            if len(self.waiting) < QUEUE_SIZE:
                self.waiting.append(data)
            return
        task = asyncio.Task(self.sending(data), loop=self.loop, eager_start=True)
        if task.done():  # written (or failed) at once, as almost always
            self.failed(task)
        else:  # the socket's buffer is full: the rest waits until it drains
            self.in_flight = task
            task.add_done_callback(self.drained)

    async def sending(self, data: bytes) -> None:
        await self.send({"type": "http.response.body", "body": data, "more_body": True})

    def failed(self, task: "asyncio.Task[None]") -> bool:
        """Whether the write failed (its error is read here; the server's disconnect ends the stream)."""
        if task.cancelled() or task.exception() is not None:
            self.waiting.clear()
            return True
        return False

    def drained(self, task: "asyncio.Task[None]") -> None:
        self.in_flight = None
        if not self.failed(task) and self.waiting:
            data, self.waiting = b"".join(self.waiting), []
            self.write(data)

    def close(self) -> None:
        self.waiting.clear()
        if self.in_flight is not None:
            self.in_flight.cancel()


hub = Hub()


def released[T](work: Callable[[], T]) -> T:
    """Run `work` (reads) in this request's thread, then give the thread's database connection back.

    A stream lasts as long as the page is open, and Django returns a request's connection only when its
    response ends: with PostgreSQL's pool (ten connections), the eleventh open page would wait for one."""
    try:
        return work()
    finally:
        connection.close()


def frame(event: Event) -> bytes:
    if "frame" in event:
        return event["frame"]
    return f"id: {event['id']}\nevent: {event['event']}\ndata: {json.dumps(event['data'])}\n\n".encode()


KEEPALIVE = b": keepalive\n\n"


class LiveResponse(StreamingHttpResponse):
    """A stream of Server-Sent Events: what was missed since `last_event_id`, then what comes on `channels`,
    until `own` (the user's channel) hears ROLES_CHANGED.

    Iterated, it yields each frame (a test client reads it so). Sent by Solidarity's ASGI handler
    (config.asgi), it is given the server's `send`, and after the replay the hub writes each frame straight to
    the socket (Subscription.write_directly)."""

    def __init__(self, channels: frozenset[str], own: str = "", last_event_id: str = "") -> None:
        self.channels, self.own, self.last_event_id = channels, own, last_event_id
        self.send: Send | None = None
        super().__init__(self.frames(), content_type="text/event-stream")
        self["Cache-Control"] = "no-store"
        self["X-Accel-Buffering"] = "no"

    async def frames(self) -> AsyncIterator[bytes]:
        """The subscription starts before the replay is read, so nothing published in between is lost;
        what both carry is sent once."""
        # What the request read (its session, its checks) is done: its connection goes back before the long wait.
        await sync_to_async(released)(lambda: None)
        yield b"retry: 3000\n\n"
        subscription = hub.open(self.channels | {self.own} if self.own else self.channels)
        try:
            await hub.ready.wait()
            sent: set[str] = set()
            if self.last_event_id:
                replay = await sync_to_async(released)(lambda: backend().replay(self.last_event_id, self.channels))
                for missed in replay.events:
                    sent.add(missed["id"])
                    yield frame(missed)
                if not replay.complete:
                    yield f"event: {STALE}\ndata: {{}}\n\n".encode()
            hear = functools.partial(self.hear, sent)
            if self.send is not None:
                await subscription.write_directly(hear, self.send)
                return
            while (data := hear(await subscription.next())) is not None:
                if data:
                    yield data
        finally:
            subscription.close()

    def hear(self, sent: set[str], event: Event | None) -> bytes | None:
        """What the stream sends for `event` (a keepalive for None): None when the stream ends here, b"" when
        it sends nothing (the replay carried it already)."""
        if event is None:
            return KEEPALIVE
        if event["channel"] == self.own:
            return None if event["event"] == ROLES_CHANGED else b""
        return b"" if event["id"] in sent else frame(event)


def sse_response(
    channels: str | Iterable[str], *, user: AnyUser | None = None, last_event_id: str = ""
) -> LiveResponse:
    """A stream of `channels` (checked by the caller), ended when `user`'s roles change."""
    wanted = frozenset([channels] if isinstance(channels, str) else channels)
    uuid = getattr(user, "uuid", None)
    return LiveResponse(wanted, user_channel(uuid) if uuid else "", last_event_id)


class ASGIHandler(DjangoASGIHandler):
    """Django's ASGI handler, which runs the middleware and the view in one thread hop, and lets a live stream
    write to the socket itself.

    Django's own builds the chain for the event loop: as every middleware here can run synchronously, it ran
    them in a thread and came back to the loop for the view's lookup, then hopped again for CSRF's check and
    again for the view (0.3 ms a hop on the project's machine, more with the loop busy fanning out events).
    Here the chain is Django's synchronous one, the one WSGI and the test client run, entered once. An async
    view (a live stream) is run on the loop from it, as Django runs one under WSGI."""

    def load_middleware(self, is_async: bool = False) -> None:
        super().load_middleware(is_async=False)
        if is_async:
            chain: Callable[[HttpRequest], HttpResponseBase] = self._middleware_chain  # type: ignore[has-type]
            self._middleware_chain = sync_to_async(chain, thread_sensitive=True)

    async def send_response(self, response: HttpResponseBase, send: Send) -> None:
        if isinstance(response, LiveResponse):
            response.send = send
        await super().send_response(response, send)
