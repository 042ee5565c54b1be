"""One reused HTTP connection per SMS backend: made on first use, closed when the outbox loop idles."""

import threading

import httpx

TIMEOUT = httpx.Timeout(10.0)


class LazyClient:
    """An httpx client made on first use (thread-safe); `transport` lets tests fake the provider."""

    def __init__(self, *, base_url: str, auth: tuple[str, str], transport: httpx.BaseTransport | None) -> None:
        self._base_url, self._auth, self._transport = base_url, auth, transport
        self._client: httpx.Client | None = None
        self._lock = threading.Lock()

    def get(self) -> httpx.Client:
        with self._lock:
            if self._client is None:
                self._client = httpx.Client(
                    base_url=self._base_url, auth=self._auth, timeout=TIMEOUT, transport=self._transport
                )
            return self._client

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None
