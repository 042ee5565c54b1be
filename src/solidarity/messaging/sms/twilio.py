"""Twilio Programmable Messaging: send through the REST API, take its signed webhooks.

Requests follow https://www.twilio.com/docs/messaging/api/message-resource (a form POST to
/2010-04-01/Accounts/{AccountSid}/Messages.json with HTTP Basic auth), and webhooks are checked
as https://www.twilio.com/docs/usage/webhooks/webhooks-security says and as Twilio's own helper
library checks them (twilio.request_validator.RequestValidator, the oracle of our tests): base64
HMAC-SHA1, keyed with the auth token, over the full URL (its query string included) followed by
every POST parameter sorted by name, name and value concatenated with no delimiter. Twilio signs
the URL with the default port written out or left out, depending on the path a request took
inside Twilio, so both are taken. A JSON body is signed as the URL alone, its SHA-256 in the
URL's `bodySHA256` query parameter; Messaging sends form posts, so such a request verifies but
carries nothing we read.

Not taken: the newer HMAC-SHA256 signatures with a SharedKey (the header
X-Twilio-Webhooks-Signature-Settings); they need a second secret that Solidarity has no setting
for, and a request signed so is refused, as before.

Twilio documents no idempotency key for creating a Message (`I-Twilio-Idempotency-Token` is a
header Twilio puts on the webhooks it sends, not one its REST API honours), so a send that timed
out after Twilio accepted it can go out twice when the outbox retries. The outbox's key is kept
in no request: nothing about our people travels to Twilio but the number and the text.
"""

import base64
import hashlib
import hmac
from collections.abc import Iterable
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit, urlunsplit

from django.http import HttpRequest
from pydantic import BaseModel, ValidationError

from solidarity.messaging.sms import Delivery, InboundSms, Sent, SmsError, StatusUpdate, Webhook
from solidarity.messaging.sms.http import LazyClient
from solidarity.messaging.sms.text import segments

if TYPE_CHECKING:
    import httpx

API = "https://api.twilio.com"

# MessageStatus values (https://www.twilio.com/docs/messaging/api/message-resource#message-status-values).
# "receiving" and "received" belong to inbound messages; anything unknown is ignored, not guessed.
STATES = {
    "accepted": Delivery.QUEUED,
    "scheduled": Delivery.QUEUED,
    "queued": Delivery.QUEUED,
    "sending": Delivery.SENT,
    "sent": Delivery.SENT,
    "delivered": Delivery.DELIVERED,
    "read": Delivery.DELIVERED,
    "undelivered": Delivery.FAILED,
    "failed": Delivery.FAILED,
    "canceled": Delivery.FAILED,
}
INBOUND_STATES = {"", "received"}
DEFAULT_PORTS = {"https": 443, "http": 80}
FORMS = {"application/x-www-form-urlencoded", "multipart/form-data"}


class _Created(BaseModel):
    sid: str
    status: str = ""
    num_segments: str | None = None


class _Problem(BaseModel):
    code: int | None = None


def port_variants(url: str) -> list[str]:
    """`url` with its port left out, and with it written out (the scheme's default when it has none).

    Twilio's helper library tries both (twilio.request_validator: remove_port, add_port): a URL
    set as `https://red.example.org/...` may be signed as `https://red.example.org:443/...`, and
    the other way round.
    """
    parts = urlsplit(url)
    if parts.port is not None:
        bare = parts.netloc.rsplit(":", 1)[0]
        return [urlunsplit(parts._replace(netloc=bare)), url]
    port = DEFAULT_PORTS.get(parts.scheme, 80)
    return [url, urlunsplit(parts._replace(netloc=f"{parts.netloc}:{port}"))]


def signature(auth_token: str, url: str, params: Iterable[tuple[str, str]]) -> str:
    """X-Twilio-Signature for a POST of `params` to `url`, as Twilio computes it.

    Parameters are sorted by name (and a repeated name by value), each name then value appended
    to the URL with no delimiter; the HMAC-SHA1 of that string, keyed with the auth token, in
    base64. A name given the same value twice counts once, as in Twilio's own helper library.
    """
    payload = url + "".join(name + value for name, value in sorted(set(params)))
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


class TwilioBackend:
    """One Twilio account sending from one number or Messaging Service.

    `webhook_url` is the public URL of this backend's webhook: it goes out as every message's
    StatusCallback, and the same URL must be set as the number's (or the Messaging Service's)
    incoming-message webhook, because signatures are checked against exactly this string.
    """

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        *,
        sender: str,
        webhook_url: str,
        per_minute: int = 60,
        transport: "httpx.BaseTransport | None" = None,
        name: str = "twilio",
    ) -> None:
        self.name = name
        self.per_minute = per_minute
        self.account_sid = account_sid
        self.sender = sender
        self.webhook_url = webhook_url
        self._auth_token = auth_token
        self._client = LazyClient(base_url=API, auth=(self.account_sid, self._auth_token), transport=transport)

    def __repr__(self) -> str:  # never the token
        return f"<TwilioBackend {self.name} {self.account_sid}>"

    def _http(self) -> "httpx.Client":
        return self._client.get()

    def close(self) -> None:
        self._client.close()

    def send(self, to: str, body: str, *, idempotency_key: str) -> Sent:
        import httpx  # for its errors; loaded on first use (sms.http)

        fields = {"To": to, "Body": body, "StatusCallback": self.webhook_url}
        fields["MessagingServiceSid" if self.sender.startswith("MG") else "From"] = self.sender
        path = f"/2010-04-01/Accounts/{self.account_sid}/Messages.json"
        try:
            response = self._http().post(path, data=fields)
        except httpx.TransportError as error:
            raise SmsError(f"Twilio could not be reached ({type(error).__name__})", transient=True) from error
        if response.is_success:
            return self._sent(response, body)
        code = _problem_code(response)
        # The provider's message is left out on purpose: it often repeats the phone number.
        problem = f"Twilio answered {response.status_code}" + (f" with error {code}" if code else "")
        transient = response.status_code == 429 or response.status_code >= 500
        raise SmsError(problem, transient=transient, code=code)

    @staticmethod
    def _sent(response: "httpx.Response", body: str) -> Sent:
        try:
            created = _Created.model_validate_json(response.content)
        except ValidationError as error:
            # Twilio took the message but the answer is unreadable: resending could duplicate it.
            raise SmsError("Twilio accepted the message without a readable SID", transient=False) from error
        reported = created.num_segments or ""
        count = int(reported) if reported.isdigit() else segments(body)
        return Sent(provider_id=created.sid, segments=count, extra={"status": created.status})

    def verify(self, request: HttpRequest) -> bool:
        """Whether Twilio signed this request: over our webhook URL (with the query string it was called
        with, port written out or left out) and its form fields, or a JSON body's hash in the URL.

        The URL is the configured one, never the Host header's: a request routed here under another
        name is refused, whatever a proxy says.
        """
        given = request.headers.get("X-Twilio-Signature", "").strip()
        if not given or not self._auth_token:
            return False
        query = request.META.get("QUERY_STRING", "")
        url = f"{self.webhook_url}?{query}" if query and "?" not in self.webhook_url else self.webhook_url
        params: list[tuple[str, str]] = []
        if request.content_type not in FORMS:
            hashed = parse_qs(urlsplit(url).query).get("bodySHA256", [""])[0]
            body = hashlib.sha256(request.body).hexdigest()
            if not hashed or not hmac.compare_digest(body.encode(), hashed.encode()):
                return False  # no form and no matching body hash: nothing Twilio signed
        else:
            params = [(name, value) for name, values in request.POST.lists() for value in values]
        matches = [
            hmac.compare_digest(signature(self._auth_token, candidate, params).encode(), given.encode())
            for candidate in port_variants(url)
        ]
        return any(matches)

    def parse(self, request: HttpRequest) -> Webhook:
        """An incoming message, or a status callback for one we sent.

        Both reach the same URL. An incoming message has a Body and the status "received"
        (in SmsStatus, sometimes also MessageStatus); a status callback has no Body. A Body with a
        status that is no outgoing message's (one Twilio adds later, say) is kept as a text: a text
        is never dropped for a word we do not know.
        """
        post = request.POST
        status = (post.get("MessageStatus") or post.get("SmsStatus") or "").strip().lower()
        sid = post.get("MessageSid") or post.get("SmsSid") or ""
        if "Body" in post and (status in INBOUND_STATES or status not in STATES):
            inbound = InboundSms(
                sender=post.get("From", ""), body=post["Body"], provider_id=sid, received_by=post.get("To", "")
            )
            return Webhook(inbound=[inbound])
        state = STATES.get(status)
        if state is None or not sid:
            return Webhook()
        code = (post.get("ErrorCode") or "").strip() if state is Delivery.FAILED else ""
        return Webhook(statuses=[StatusUpdate(provider_id=sid, state=state, code=code)])


def _problem_code(response: "httpx.Response") -> str:
    try:
        problem = _Problem.model_validate_json(response.content)
    except ValidationError:
        return ""
    return str(problem.code) if problem.code else ""
