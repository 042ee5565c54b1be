"""Live events: several channels on one stream, each checked; ids to resume from; a stream ends with its role.

Runs on whichever backend this pass uses: the polled table (SQLite), LISTEN/NOTIFY (PostgreSQL) or a
Redis stream (SOLIDARITY_REDIS_URL). CI runs it in both passes.
"""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping
from typing import Any

import pytest
import redis
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connection
from django.http import StreamingHttpResponse
from django.test import AsyncClient, Client

from solidarity.accounts.groups import do_revoke_role
from solidarity.accounts.models import User, WorkingGroup
from solidarity.core import live
from solidarity.core.models import LiveEvent
from solidarity.core.permissions import Role
from tests.conftest import http_scope, require_services
from tests.factories.accounts import client_for, make_member

pytestmark = pytest.mark.django_db(transaction=True)


async def next_frame(chunks: AsyncIterator[bytes], timeout: float = 20) -> str:
    """The stream's next frame, past its keepalive comments."""

    async def first() -> str:
        while True:
            chunk = (await anext(chunks)).decode()
            if not chunk.startswith(":"):
                return chunk

    return await asyncio.wait_for(first(), timeout)


def fields(frame: str) -> dict[str, str]:
    return dict(line.split(": ", 1) for line in frame.strip().splitlines())


async def in_a_thread(work: Callable[[], object]) -> None:
    """Run `work` as another process would: in a thread, on its own connection, committed."""

    def then_close() -> None:
        try:
            work()
        finally:
            connection.close()

    await sync_to_async(then_close)()


def published(channel: str, event: str, **data: Any) -> Callable[[], None]:
    return lambda: live.publish(channel, event, data)


async def stream(user: User, url: str, **headers: str) -> tuple[int, AsyncIterator[bytes] | None]:
    client = AsyncClient()
    await client.aforce_login(user)
    response = await client.get(url, headers=headers)
    if not isinstance(response, StreamingHttpResponse):
        return response.status_code, None
    chunks = aiter(response.streaming_content)
    assert await next_frame(chunks) == "retry: 3000\n\n"
    return response.status_code, chunks


def run(scenario: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
    async def with_a_clean_hub() -> Any:
        try:
            return await scenario()
        finally:
            for task in (live.hub.listener, live.hub.ticker):
                if task is not None:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
            await in_a_thread(lambda: None)

    return asyncio.run(with_a_clean_hub())


async def settle() -> None:
    """The backend's listener is subscribed before anything is published."""
    await live.hub.ready.wait()
    await asyncio.sleep(0.3)


@pytest.fixture
def dispatching_admin(admin: User, rapid_response: WorkingGroup) -> User:
    from solidarity.accounts.groups import do_add_member

    do_add_member(rapid_response, admin, [Role.DISPATCHER])
    return admin


def test_one_stream_carries_several_channels(dispatching_admin: User) -> None:
    require_services()

    async def scenario() -> list[dict[str, str]]:
        status, chunks = await stream(dispatching_admin, "/live/?channel=inbox&channel=dashboard")
        assert status == 200
        assert chunks is not None
        waiting = asyncio.ensure_future(next_frame(chunks))
        await settle()
        await in_a_thread(published("inbox", "inbound", id="a"))
        first = fields(await waiting)
        await in_a_thread(published("elsewhere", "ignored"))
        await in_a_thread(published("dashboard", "heartbeat", worker="w"))
        second = fields(await next_frame(chunks))
        await chunks.aclose()  # type: ignore[attr-defined]  # an async generator
        return [first, second]

    first, second = run(scenario)
    assert (first["event"], first["data"]) == ("inbound", '{"id": "a"}')
    assert (second["event"], second["data"]) == ("heartbeat", '{"worker": "w"}')
    assert first["id"] != second["id"]


@pytest.mark.parametrize(
    "query",
    [
        "channel=inbox",  # a responder is no dispatcher
        "channel=dashboard",  # nor an admin
        "channel=nothing-registered",
        "channel=batch:lists.broadcast:00000000-0000-0000-0000-000000000000",
        "channel=user:someone-else",
        "",
        "channel=" + "&channel=".join(["dashboard"] * 11),
    ],
)
def test_a_channel_the_caller_may_not_hear_refuses_the_whole_stream(rapid_response: WorkingGroup, query: str) -> None:
    responder = make_member("rafa.responder", rapid_response, Role.RESPONDER)
    assert client_for(responder).get(f"/live/?{query}").status_code == 404
    assert Client().get(f"/live/?{query}").status_code == 302  # sign in first


def test_a_reconnecting_browser_first_gets_what_it_missed(dispatching_admin: User) -> None:
    require_services()

    async def scenario() -> list[dict[str, str]]:
        _status, chunks = await stream(dispatching_admin, "/live/?channel=inbox")
        assert chunks is not None
        waiting = asyncio.ensure_future(next_frame(chunks))
        await settle()
        await in_a_thread(published("inbox", "inbound", n=1))
        seen = fields(await waiting)
        await chunks.aclose()  # type: ignore[attr-defined]  # the connection drops
        for n in (2, 3):  # meanwhile
            await in_a_thread(published("inbox", "inbound", n=n))
        await in_a_thread(published("dashboard", "heartbeat"))  # on a channel it does not hear
        await asyncio.sleep(0.3)  # the hub has passed them on, to nobody: only the replay can bring them

        _status, chunks = await stream(dispatching_admin, "/live/?channel=inbox", **{"Last-Event-ID": seen["id"]})
        assert chunks is not None
        missed = [fields(await next_frame(chunks)) for _ in range(2)]
        waiting = asyncio.ensure_future(next_frame(chunks))
        await asyncio.sleep(0.3)
        await in_a_thread(published("inbox", "inbound", n=4))
        after = fields(await waiting)
        await chunks.aclose()  # type: ignore[attr-defined]
        return [seen, *missed, after]

    frames = run(scenario)
    assert [frame["data"] for frame in frames] == ['{"n": 1}', '{"n": 2}', '{"n": 3}', '{"n": 4}']
    assert len({frame["id"] for frame in frames}) == 4


def test_a_browser_gone_longer_than_events_are_kept_is_told_to_fetch_afresh(dispatching_admin: User) -> None:
    require_services()

    async def scenario() -> str:
        await in_a_thread(published("inbox", "inbound", n=1))
        _status, chunks = await stream(dispatching_admin, "/live/?channel=inbox", **{"Last-Event-ID": "0-1"})
        assert chunks is not None
        frame = await next_frame(chunks)
        await chunks.aclose()  # type: ignore[attr-defined]
        return frame

    frame = run(scenario)
    if settings.REDIS_URL:  # an id from before the stream began: what it missed may be gone
        assert "event: stale" in frame or '"n": 1' in frame
    else:  # "0-1" is no id of the table: the page cannot know what it missed
        assert fields(frame)["event"] == live.STALE


def test_the_stream_ends_when_the_role_it_was_opened_under_is_revoked(rapid_response: WorkingGroup) -> None:
    require_services()
    dispatcher = make_member("dina.dispatcher", rapid_response, Role.DISPATCHER)

    async def scenario() -> bool:
        _status, chunks = await stream(dispatcher, "/live/?channel=inbox")
        assert chunks is not None
        waiting = asyncio.ensure_future(next_frame(chunks, timeout=20))
        await settle()
        await in_a_thread(lambda: do_revoke_role(rapid_response, dispatcher, Role.DISPATCHER, by=None))
        with contextlib.suppress(StopAsyncIteration):
            await waiting
            return False
        return True

    assert run(scenario)
    assert client_for(dispatcher).get("/live/?channel=inbox").status_code == 404  # and it is not let back in


def test_publishing_reuses_one_redis_connection_per_process() -> None:
    if not settings.REDIS_URL:
        pytest.skip("the Redis backend is tested in the PostgreSQL + Redis pass")
    require_services()
    server = redis.Redis.from_url(settings.REDIS_URL)
    backend = live.RedisBackend(settings.REDIS_URL)
    backend.publish("probe", "warm", {})
    before = len(server.client_list())
    for n in range(50):
        backend.publish("probe", "counted", {"n": n})
    assert len(server.client_list()) == before
    assert live.redis_client(settings.REDIS_URL) is live.redis_client(settings.REDIS_URL)
    replay = backend.replay("0-0", frozenset({"probe"}))
    assert [event["data"] for event in replay.events[-3:]] == [{"n": 47}, {"n": 48}, {"n": 49}]


async def heard_by(listener: asyncio.Task[None], heard: list[live.Event], value: int, timeout: float = 10) -> None:
    """Wait until the listener has delivered the event carrying `value`."""
    async with asyncio.timeout(timeout):
        while not any(event["data"].get("n") == value for event in heard):
            assert not listener.done(), listener.exception()
            await asyncio.sleep(0.02)


def test_a_restarted_listener_goes_on_from_the_last_event_it_heard() -> None:
    """A listener that fails is restarted by the hub: what was published in between still reaches the pages."""

    async def scenario() -> list[int]:
        heard: list[live.Event] = []
        backend = await sync_to_async(live.backend)()
        listener = asyncio.ensure_future(backend.listen(heard.append))
        while not heard:  # until the listener is listening
            await in_a_thread(published("warm", "up"))
            await asyncio.sleep(0.2)
        await in_a_thread(published("probe", "counted", n=1))
        await heard_by(listener, heard, 1)
        listener.cancel()  # as a lost connection would end it
        with contextlib.suppress(asyncio.CancelledError):
            await listener
        await in_a_thread(published("probe", "counted", n=2))  # while nobody listens
        listener = asyncio.ensure_future(backend.listen(heard.append))
        await in_a_thread(published("probe", "counted", n=3))
        await heard_by(listener, heard, 3)
        await heard_by(listener, heard, 2)
        listener.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await listener
        return [event["data"]["n"] for event in heard if event["channel"] == "probe"]

    assert sorted(run(scenario)) == [1, 2, 3]


def test_the_redis_listener_outlasts_a_quiet_spell_longer_than_the_clients_read_timeout() -> None:
    """redis-py gives up on a read after 5 s by default; a blocking read of the stream waits longer than that."""
    if not settings.REDIS_URL:
        pytest.skip("the Redis backend is tested in the PostgreSQL + Redis pass")
    require_services()
    url = str(settings.REDIS_URL)

    async def scenario() -> bool:
        heard: list[live.Event] = []
        listener = asyncio.ensure_future(live.RedisBackend(url).listen(heard.append))
        await asyncio.sleep(6)  # quiet (nothing published: the listener reads from now on), past redis-py's 5 s
        assert not listener.done(), listener.exception()
        await in_a_thread(lambda: live.RedisBackend(url).publish("probe", "counted", {"n": 9}))
        await heard_by(listener, heard, 9)
        listener.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await listener
        return True

    assert run(scenario)


def test_on_the_polled_table_a_process_hears_its_own_events_at_once_and_in_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """SQLite's backend polls; what this web process publishes (a keeper's tap) pokes the poll, which reads in
    id order: an event another process wrote just before still comes first."""
    if not isinstance(live.backend(), live.DatabaseBackend) or connection.vendor == "postgresql":
        pytest.skip("the polled table is SQLite's backend")
    monkeypatch.setattr(live, "POLL_SECONDS", 60.0)  # the poll alone would not come within the test's wait

    async def scenario() -> list[str]:
        subscription = live.hub.open({"probe", "warm"})
        try:
            warm = None
            for _ in range(20):  # until the listener has found where the table ends (each publish pokes it)
                await in_a_thread(published("warm", "up"))
                with contextlib.suppress(TimeoutError):
                    warm = await asyncio.wait_for(subscription.next(), 0.5)
                    break
            assert warm is not None
            # Another process's event (a row, no poke), then this process's own.
            await in_a_thread(lambda: LiveEvent.objects.create(channel="probe", event="other", data={}))
            await in_a_thread(published("probe", "own"))
            heard: list[str] = []
            while len(heard) < 2:  # past late warm-ups and keepalives
                event = await asyncio.wait_for(subscription.next(), 10)
                if event is not None and event["channel"] == "probe":
                    heard.append(event["event"])
            return heard
        finally:
            subscription.close()

    assert run(scenario) == ["other", "own"]


class Socket:
    """An ASGI server's side of one connection, as uvicorn gives it to the app: what was sent, and a client that
    can be made slow to read (`send` then waits, as uvicorn's does while the socket's buffer is full)."""

    def __init__(self) -> None:
        self.sent: list[Mapping[str, Any]] = []
        self.arrived = asyncio.Event()
        self.readable = asyncio.Event()
        self.readable.set()
        self.gone = asyncio.Event()
        self.requested = False

    async def send(self, message: Mapping[str, Any]) -> None:
        await self.readable.wait()
        self.sent.append(message)
        self.arrived.set()

    async def receive(self) -> dict[str, Any]:
        if not self.requested:  # the request (a GET: no body), then nothing until the client leaves
            self.requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await self.gone.wait()
        return {"type": "http.disconnect"}

    def bodies(self) -> list[bytes]:
        return [message["body"] for message in self.sent if message.get("body")]

    async def until(self, count: int) -> list[bytes]:
        async with asyncio.timeout(20):
            while len(self.bodies()) < count:
                self.arrived.clear()
                await self.arrived.wait()
        return self.bodies()


def test_served_by_solidarity_s_handler_the_hub_writes_each_frame_to_the_socket_itself(
    dispatching_admin: User, rapid_response: WorkingGroup
) -> None:
    """`solidarity up` serves live streams through core.live.ASGIHandler: after the first frame, the hub hands
    each event to the server's `send` as it delivers it (no generator between). A client slow to read holds
    one frame in flight and the next ones wait, to go together; one that leaves ends the stream, and so does
    revoking the role it was opened under."""
    require_services()
    client = Client()
    client.force_login(dispatching_admin)
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
    scope = http_scope("/live/", query=b"channel=inbox", headers=[(b"cookie", cookie)])

    async def scenario() -> tuple[list[bytes], bool, int]:
        socket = Socket()
        handling = asyncio.create_task(live.ASGIHandler()(scope, socket.receive, socket.send))
        assert await socket.until(1) == [b"retry: 3000\n\n"]
        await settle()
        (subscription,) = list(live.hub.subscriptions)
        directly = subscription.direct is not None
        await in_a_thread(published("inbox", "inbound", n=1))
        await socket.until(2)
        socket.readable.clear()  # the client stops reading: the next frame stays in flight
        for n in (2, 3, 4):
            await in_a_thread(published("inbox", "inbound", n=n))
        await asyncio.sleep(0.3)
        socket.readable.set()
        bodies = await socket.until(4)
        socket.gone.set()  # the page closes
        await asyncio.wait_for(handling, 20)
        left = len(live.hub.subscriptions)

        # Written directly too, a stream still ends when the role it was opened under is revoked.
        again = Socket()
        handling = asyncio.create_task(live.ASGIHandler()(scope, again.receive, again.send))
        await again.until(1)
        await settle()
        await in_a_thread(lambda: do_revoke_role(rapid_response, dispatching_admin, Role.DISPATCHER, by=None))
        await asyncio.wait_for(handling, 20)  # without the client leaving
        assert again.sent[-1] == {"type": "http.response.body"}  # the end of the response
        return bodies, directly, left

    bodies, directly, left = run(scenario)
    assert directly
    assert [fields(body.decode())["data"] for body in bodies[1:3]] == ['{"n": 1}', '{"n": 2}']
    together = bodies[3].decode().split("\n\n")  # the two that waited behind the one in flight, in one write
    assert [fields(frame)["data"] for frame in together if frame] == ['{"n": 3}', '{"n": 4}']
    assert left == 0
