"""Cache keys pass through a keyed hash: callers may key by an address without storing it. With Redis, one
client per connection pool."""

import hashlib
import hmac
import threading
from functools import cached_property
from typing import Any

from django.conf import settings
from django.core.cache.backends import redis as redis_cache
from django.utils import timezone


def hashed_key(key: str, key_prefix: str, version: int) -> str:
    # A daily key: yesterday's hashes cannot be recomputed once the day has turned.
    day = timezone.now().date().isoformat().encode()
    daily = hmac.new(settings.SECRET_KEY.encode(), b"cache-key:" + day, hashlib.sha256).digest()
    digest = hmac.new(daily, key.encode(), hashlib.sha256).hexdigest()[:40]
    return f"{key_prefix}:{version}:{digest}"


class SharedClient(redis_cache.RedisCacheClient):
    """The process's one client of a Redis cache. Django keeps a cache object per request context under
    ASGI, each with its own connection pool and a new redis-py client for every operation: a new TCP
    connection per request, and in redis-py 8 an event dispatcher and its listeners per client, hundreds of
    objects in reference cycles that only a full garbage collection frees (a thousand live pages made a
    thousand of them, and the collection paused a web process for 50 ms and more). Here every cache
    object of the process shares one pool and one client (both are thread-safe)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.client = self._client(connection_pool=self._get_connection_pool(write=True))  # type: ignore[attr-defined]

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        return self.client


SHARED: dict[str, SharedClient] = {}
SHARING = threading.Lock()


class RedisCache(redis_cache.RedisCache):
    """Django's Redis cache, with one client per process (SharedClient)."""

    @cached_property
    def _cache(self) -> SharedClient:
        servers, options = self._servers, self._options  # type: ignore[attr-defined]
        key = repr((servers, sorted(options.items())))
        with SHARING:
            if key not in SHARED:
                SHARED[key] = SharedClient(servers, **options)
            return SHARED[key]
