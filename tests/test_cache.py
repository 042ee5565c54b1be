"""The Redis cache: every cache object of a process shares one client (core.cache.RedisCache)."""

import threading

import pytest
from django.conf import settings
from django.core.cache import caches

from solidarity.core.cache import RedisCache

pytestmark = pytest.mark.skipif(not settings.REDIS_URL, reason="the Redis cache is the scale path's (PostgreSQL pass)")


def test_every_request_s_cache_shares_the_process_s_one_redis_client() -> None:
    """Under ASGI Django makes a cache object per request context; each used to open its own pool and a new
    client per operation (a TCP connection per request, and cyclic garbage per client)."""
    mine = caches["default"]
    assert isinstance(mine, RedisCache)
    mine.set("shared", "yes", 30)
    seen: list[object] = []

    def another_request() -> None:
        other = caches.create_connection("default")  # what a new request context gets
        assert other is not mine
        assert other.get("shared") == "yes"
        seen.append(other._cache.get_client())  # type: ignore[attr-defined]

    thread = threading.Thread(target=another_request)
    thread.start()
    thread.join()
    assert seen == [mine._cache.get_client()]
    assert mine._cache.get_client(write=True) is seen[0]
