"""SMS Gateway for Android (capcom6/android-sms-gateway) in Local Server mode: an old phone on the LAN.

No cloud: the phone runs an HTTP server (port 8080 by default) and posts webhooks straight to
us. As its documentation describes (https://docs.sms-gate.app/getting-started/local-server/,
/features/sending-messages/, /features/webhooks/):

- send: POST {phone}/message with HTTP Basic auth and JSON
  {"id", "textMessage": {"text"}, "phoneNumbers": [...], "withDeliveryReport"}; the phone answers
  202 with the message id. The app drops a message whose id it already holds and answers 202 again
  (MessagesService.enqueueMessage), so the id we derive from the idempotency key makes a retried
  send harmless. Ids are kept to 36 characters, the limit the gateway's API sets.
- webhooks: JSON {"event", "payload", "deviceId", "id", "webhookId"}, signed with headers
  X-Signature (hex HMAC-SHA256 with the phone's signing key over the raw body followed by the
  X-Timestamp value) and X-Timestamp (Unix seconds). A timestamp more than five minutes off is
  refused, so a captured request cannot be replayed later; the app signs each retry afresh.

Register one webhook per event on each phone (sms:received, sms:sent, sms:delivered, sms:failed,
system:ping), all pointing at this backend's URL, and set the same signing key on every phone.
"""

import hashlib
import hmac
import re
import time
from typing import TYPE_CHECKING

from django.http import HttpRequest
from pydantic import BaseModel, ValidationError

from solidarity.messaging.sms import Delivery, InboundSms, Sent, SmsError, StatusUpdate, Webhook
from solidarity.messaging.sms.http import LazyClient
from solidarity.messaging.sms.text import segments

if TYPE_CHECKING:
    import httpx

MAX_SKEW = 300  # seconds a webhook's X-Timestamp may be off from our clock
STATES = {"sms:sent": Delivery.SENT, "sms:delivered": Delivery.DELIVERED, "sms:failed": Delivery.FAILED}
_RESULT = re.compile(r"\bRESULT_[A-Z_]+\b")
_TIMESTAMP = re.compile(r"[0-9]{1,12}")


class _Accepted(BaseModel):
    id: str = ""


class _Payload(BaseModel):
    messageId: str = ""  # the gateway's own field names
    message: str = ""
    phoneNumber: str | None = None  # deprecated by the gateway in favour of sender
    sender: str | None = None
    reason: str = ""


class _Event(BaseModel):
    event: str
    id: str = ""
    payload: _Payload | None = None


def message_id_for(idempotency_key: str) -> str:
    """The gateway message id for an outbox key: deterministic, 32 hex characters, nothing readable."""
    return hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]


def failure_code(reason: str) -> str:
    """A stable code from the free-text reason of an sms:failed event.

    The app reports Android's SmsManager result by name ("Send result: RESULT_ERROR_NO_SERVICE
    (...)"), a failed carrier delivery report as "Delivery result ...", a missing SIM as
    "... No SIMs found". messaging.sms.errors maps these codes to reasons.
    """
    if found := _RESULT.search(reason):
        return found.group(0)
    if "No SIMs found" in reason:
        return "NO_SIM"
    if reason.startswith("Delivery result"):
        return "DELIVERY_FAILED"
    if "TTL expired" in reason:
        return "TTL_EXPIRED"
    return ""


class AndroidGatewayBackend:
    """One phone. `name` is the backend's full name ("android:kitchen-phone")."""

    def __init__(
        self,
        name: str,
        base_url: str,
        username: str,
        password: str,
        *,
        signing_key: str,
        per_minute: int = 29,
        transport: "httpx.BaseTransport | None" = None,
    ) -> None:
        self.name = name
        self.per_minute = per_minute
        self.base_url = base_url.rstrip("/")
        self.username = username
        self._password = password
        self._signing_key = signing_key
        self._client = LazyClient(base_url=self.base_url, auth=(self.username, self._password), transport=transport)

    def __repr__(self) -> str:  # never the password or the key
        return f"<AndroidGatewayBackend {self.name} {self.base_url}>"

    def _http(self) -> "httpx.Client":
        return self._client.get()

    def close(self) -> None:
        self._client.close()

    def send(self, to: str, body: str, *, idempotency_key: str) -> Sent:
        import httpx  # for its errors; loaded on first use (sms.http)

        message_id = message_id_for(idempotency_key)
        request = {"id": message_id, "textMessage": {"text": body}, "phoneNumbers": [to], "withDeliveryReport": True}
        try:
            response = self._http().post("/message", json=request)
        except httpx.TransportError as error:
            # The phone is off, asleep or off the Wi-Fi: worth trying again later.
            raise SmsError(f"{self.name} could not be reached ({type(error).__name__})", transient=True) from error
        if response.is_success:
            try:
                accepted = _Accepted.model_validate_json(response.content)
            except ValidationError:
                accepted = _Accepted()
            return Sent(provider_id=accepted.id or message_id, segments=segments(body))
        status = response.status_code
        if status in (401, 403):
            raise SmsError(f"{self.name} refused our login ({status})", transient=False, code="UNAUTHORIZED")
        # 400 is a request the phone will never take (a bad number); 429 and 5xx may pass later.
        raise SmsError(f"{self.name} answered {status}", transient=status == 429 or status >= 500)

    def verify(self, request: HttpRequest) -> bool:
        given = request.headers.get("X-Signature", "")
        timestamp = request.headers.get("X-Timestamp", "")
        if not self._signing_key or not given or not _TIMESTAMP.fullmatch(timestamp):
            return False
        if abs(time.time() - int(timestamp)) > MAX_SKEW:
            return False
        expected = hmac.new(self._signing_key.encode(), request.body + timestamp.encode(), hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected.encode(), given.strip().lower().encode())

    def parse(self, request: HttpRequest) -> Webhook:
        try:
            event = _Event.model_validate_json(request.body)
        except ValidationError:
            return Webhook()
        payload = event.payload or _Payload()
        if event.event == "system:ping":
            return Webhook(ping=True)
        if event.event == "sms:received":
            # The payload's messageId is derived from the content and may repeat; the event id does not.
            inbound = InboundSms(
                sender=payload.sender or payload.phoneNumber or "",
                body=payload.message,
                provider_id=event.id or payload.messageId,
                received_by=self.name,
            )
            return Webhook(inbound=[inbound])
        state = STATES.get(event.event)
        if state is None or not payload.messageId:
            return Webhook()  # an event we do not use (data SMS, MMS): acknowledged, ignored
        code = failure_code(payload.reason) if state is Delivery.FAILED else ""
        return Webhook(statuses=[StatusUpdate(provider_id=payload.messageId, state=state, code=code)])
