"""A pretend SMS provider for development, demos and tests: sends go to a file, replies come by HTTP.

Each send appends one JSON line to the file (owner-only, it holds numbers and texts):
{"to", "body", "id", "idempotency_key", "at"}. An incoming message is a POST to the backend's
webhook with `Authorization: Bearer <token>` and Twilio-style form fields `From` and `Body`:

    curl -H "Authorization: Bearer $SOLIDARITY_LOOPBACK_TOKEN" \\
         --data-urlencode From=+15555550100 --data-urlencode "Body=VOY 4821" https://HOST/webhooks/sms/loopback/

Never a production transport: nothing leaves the machine.
"""

import hashlib
import hmac
import json
import os
import threading
from datetime import UTC, datetime
from pathlib import Path

from django.http import HttpRequest

from solidarity.messaging.sms import InboundSms, Sent, Webhook
from solidarity.messaging.sms.text import segments


def provider_id_for(idempotency_key: str) -> str:
    return "loop-" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:24]


class LoopbackBackend:
    def __init__(self, path: Path, token: str, *, name: str = "loopback", per_minute: int = 6000) -> None:
        self.name = name
        self.per_minute = per_minute
        self.path = path
        self._token = token
        self._lock = threading.Lock()

    def __repr__(self) -> str:  # never the token
        return f"<LoopbackBackend {self.name} {self.path}>"

    def send(self, to: str, body: str, *, idempotency_key: str) -> Sent:
        provider_id = provider_id_for(idempotency_key)
        line = {
            "to": to,
            "body": body,
            "id": provider_id,
            "idempotency_key": idempotency_key,
            "at": datetime.now(UTC).isoformat(),
        }
        data = (json.dumps(line, ensure_ascii=False) + "\n").encode()
        with self._lock:
            # One write() on an O_APPEND descriptor: lines from several processes never interleave.
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.fchmod(fd, 0o600)
                os.write(fd, data)
            finally:
                os.close(fd)
        return Sent(provider_id=provider_id, segments=segments(body))

    def close(self) -> None:
        pass

    def verify(self, request: HttpRequest) -> bool:
        if not self._token:
            return False
        given = request.headers.get("Authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {self._token}".encode())

    def parse(self, request: HttpRequest) -> Webhook:
        sender, body = request.POST.get("From", ""), request.POST.get("Body")
        if body is None:
            return Webhook()
        # Like Twilio's: a text without From still comes in, its sender "", for messaging to mark.
        inbound = InboundSms(
            sender=sender, body=body, provider_id=request.POST.get("MessageSid", ""), received_by=self.name
        )
        return Webhook(inbound=[inbound])
