"""One reused HTTP connection per SMS backend: made on first use, closed when the outbox loop idles."""

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import httpx

# httpx is imported when a backend first sends, not at start-up: the settings build the backends in every
# process, and the library with what it loads (click, rich) is some 5 MB a process, for nothing without SMS.

TIMEOUT_SECONDS = 10.0


class LazyClient:
    """An httpx client made on first use (thread-safe); `transport` lets tests fake the provider."""

    def __init__(self, *, base_url: str, auth: tuple[str, str], transport: "httpx.BaseTransport | None") -> None:
        self._base_url, self._auth, self._transport = base_url, auth, transport
        self._client: httpx.Client | None = None
        self._lock = threading.Lock()

    def get(self) -> "httpx.Client":
        import httpx  # see the imports

        with self._lock:
            if self._client is None:
                self._client = httpx.Client(
                    base_url=self._base_url, auth=self._auth, timeout=TIMEOUT_SECONDS, transport=self._transport
                )
            return self._client

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None
