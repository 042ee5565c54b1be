"""Static files: ServeStatic's files and headers, served in the middleware chain's own thread.

core.middleware.StaticFiles answers a static file synchronously, below the security headers; and
core.live.ASGIHandler (what `solidarity up` serves) runs the whole chain, the view included, in one
thread hop from the event loop.
"""

import asyncio
import gzip
import uuid
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import SyncToAsync
from django.conf import settings
from django.test import Client

from solidarity.core import live
from solidarity.core.middleware import READ_WHOLE
from tests.conftest import http_scope

STYLE = b"body { color: #1a1a1a; }\n" * 40  # long enough that ServeStatic keeps its gzip copy


BUNDLE = bytes(range(256)) * (READ_WHOLE // 256 + 1)  # over READ_WHOLE, like the API documentation's scripts


def collected(suffix: str, content: bytes) -> Iterator[str]:
    """A file (and its gzip copy) in STATIC_ROOT, as collectstatic leaves them; its URL."""
    name = f"test-{uuid.uuid4().hex[:8]}{suffix}"
    root = Path(settings.STATIC_ROOT)
    (root / name).write_bytes(content)
    (root / f"{name}.gz").write_bytes(gzip.compress(content))
    yield f"{settings.STATIC_URL}{name}"
    (root / name).unlink()
    (root / f"{name}.gz").unlink()


@pytest.fixture
def style() -> Iterator[str]:
    yield from collected(".css", STYLE)


@pytest.fixture
def bundle() -> Iterator[str]:
    yield from collected(".js", BUNDLE)


def test_a_static_file_is_served_whole_with_the_security_headers(style: str) -> None:
    client = Client()  # a new one: ServeStatic lists the files when the chain is built
    response = client.get(style)
    assert response.status_code == 200
    assert response.content == STYLE
    assert response["Content-Type"].startswith("text/css")
    assert response["Content-Length"] == str(len(STYLE))
    assert "max-age" in response["Cache-Control"]
    # The headers of every page reach static files too.
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "default-src" in response["Content-Security-Policy"]
    assert "camera=()" in response["Permissions-Policy"]

    zipped = client.get(style, headers={"Accept-Encoding": "gzip"})
    assert zipped["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.content) == STYLE

    head = client.head(style)
    assert head.status_code == 200
    assert head.content == b""

    part = client.get(style, headers={"Range": "bytes=0-3"})
    assert part.status_code == 206
    assert part.content == STYLE[:4]

    unchanged = client.get(style, headers={"If-None-Match": response["ETag"]})
    assert unchanged.status_code == 304
    assert unchanged.content == b""

    assert client.post(style).status_code == 405


def test_a_big_static_file_is_streamed_not_read_whole(bundle: str) -> None:
    response = Client().get(bundle)
    assert response.status_code == 200
    assert response.streaming
    assert b"".join(response) == BUNDLE
    assert response["X-Content-Type-Options"] == "nosniff"

    async def asked_where_a_loop_runs() -> bytes:  # as in the suite's thread after Playwright's tests
        return b"".join(Client().get(bundle))

    with ThreadPoolExecutor(max_workers=1) as thread:  # a thread of its own: this one may run a loop already
        assert thread.submit(asyncio.run, asked_where_a_loop_runs()).result() == BUNDLE


@pytest.mark.django_db
def test_a_missing_static_file_is_the_sites_404(style: str) -> None:
    response = Client().get(style.replace(".css", "-gone.css"))
    assert response.status_code == 404
    assert "default-src" in response["Content-Security-Policy"]


class Socket:
    """The server's side of one request: what the handler sent."""

    def __init__(self) -> None:
        self.sent: list[Mapping[str, Any]] = []
        self.asked = False

    async def receive(self) -> dict[str, Any]:
        if not self.asked:
            self.asked = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.Event().wait()  # the client stays until the handler is done
        return {"type": "http.disconnect"}

    async def send(self, message: Mapping[str, Any]) -> None:
        self.sent.append(message)


def served(path: str, hops: list[str]) -> tuple[int, dict[bytes, bytes], bytes]:
    """GET `path` through Solidarity's ASGI handler; `hops` gets what each thread hop ran."""
    scope = http_scope(path)
    socket = Socket()
    handler = live.ASGIHandler()
    original = SyncToAsync.__call__

    async def counted(self: SyncToAsync[Any, Any], *args: Any, **kwargs: Any) -> Any:
        hops.append(getattr(self.func, "__qualname__", repr(self.func)))
        return await original(self, *args, **kwargs)

    SyncToAsync.__call__ = counted  # type: ignore[method-assign]
    try:
        asyncio.run(handler(scope, socket.receive, socket.send))
    finally:
        SyncToAsync.__call__ = original  # type: ignore[method-assign]
    start = next(message for message in socket.sent if message["type"] == "http.response.start")
    body = b"".join(message.get("body", b"") for message in socket.sent if message["type"] == "http.response.body")
    return start["status"], {name.lower(): value for name, value in start["headers"]}, body


@pytest.mark.django_db(transaction=True)  # the handler's thread has a connection of its own
def test_under_asgi_the_middleware_and_the_view_run_in_one_thread_hop(style: str, bundle: str) -> None:
    hops: list[str] = []
    status, headers, body = served("/en/accounts/login/", hops)
    assert status == 200
    assert b"<form" in body
    assert b"default-src" in headers[b"content-security-policy"]
    # The request_started signal, the chain with its view, and closing the response: nothing more.
    assert len(hops) <= 3, hops

    hops.clear()
    status, headers, body = served(style, hops)
    assert (status, body) == (200, STYLE)
    assert headers[b"x-content-type-options"] == b"nosniff"
    assert len(hops) <= 3, hops

    hops.clear()
    status, headers, body = served(bundle, hops)
    assert (status, body) == (200, BUNDLE)  # streamed from the loop
    assert headers[b"content-length"] == str(len(BUNDLE)).encode()
