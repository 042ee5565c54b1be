"""Cache keys pass through a keyed hash: callers may key by an address without storing it."""

import hashlib
import hmac

from django.conf import settings
from django.utils import timezone


def hashed_key(key: str, key_prefix: str, version: int) -> str:
    # A daily key: yesterday's hashes cannot be recomputed once the day has turned.
    day = timezone.now().date().isoformat().encode()
    daily = hmac.new(settings.SECRET_KEY.encode(), b"cache-key:" + day, hashlib.sha256).digest()
    digest = hmac.new(daily, key.encode(), hashlib.sha256).hexdigest()[:40]
    return f"{key_prefix}:{version}:{digest}"
