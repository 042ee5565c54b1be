"""Guards for every public form and endpoint: rate limits, a honeypot, a size limit, proof of work.

No client address is stored or logged. A client is known only by `client_token`: an HMAC
of its address under a key derived from SECRET_KEY and today's date (UTC). An unsalted
hash of an IPv4 address is reversed in minutes; a keyed one is not, and once the day has
turned yesterday's tokens can be neither recomputed nor linked to today's. The cache then
hashes every key once more (core.cache).

Three layers, each usable alone:

- `limit(request, scope, per_client="5/m", overall="100/m") -> Verdict`: fixed-window
  counters in Django's cache, one per client and one for everyone (the global cap).
- `PublicForm`: a base form with a honeypot field and an ALTCHA proof-of-work field
  (self-hosted: the challenge is signed here and embedded in the page; no third party, no
  cookie, no extra request). Every text field must declare a max_length.
- `public_form(FormClass, scope=..., template=...)`: the view around such a form. It refuses
  bodies over `max_bytes` (413), counts the POST against the limits (a browser that solved
  the challenge gets `per_client`; one without JavaScript gets the stricter `without_pow`),
  drops honeypot hits as if they had succeeded, re-renders invalid input with messages in
  the user's language, and calls the handler with the cleaned form and the verdict.

A public report must never be refused or lost: during a raid many neighbours report at
once from behind one carrier's shared address. Such endpoints pass `accept_over_limit=True`:
an over-limit verdict then has `for_review=True` instead of being refused, and the caller
stores the submission in a low-priority queue for a person to review. A flood becomes a
queue, never an alert.
"""

import binascii
import hashlib
import hmac
import ipaddress
import json
import logging
import re
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from functools import wraps
from typing import Any

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.db import DatabaseCache
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.forms.renderers import BaseRenderer
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.templatetags.static import static
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext_lazy as _

log = logging.getLogger(__name__)

RATE = re.compile(r"^(?P<count>\d+)/(?P<multiple>\d*)(?P<unit>[smhd])$")
UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}

HONEYPOT_FIELD = "website"  # a name bots love to fill
POW_FIELD = "altcha"  # the widget's hidden input
POW_ALGORITHM = "PBKDF2/SHA-256"
POW_LIFETIME = timedelta(minutes=30)  # long enough to write a report on a phone
DEFAULT_POW_COST = 5000  # PBKDF2 iterations per attempt: about a second in a phone's browser
MAX_POW_PAYLOAD = 4096


# Who is asking.


def client_address(request: HttpRequest) -> str:
    """The client's address, for keying only: never store or log it.

    REMOTE_ADDR, unless settings.BEHIND_PROXY: then the X-Forwarded-For entry our one proxy
    appended (the last), since every entry before it is whatever the client chose to send.
    """
    address = str(request.META.get("REMOTE_ADDR", ""))
    if settings.BEHIND_PROXY:
        hops = [hop.strip() for hop in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")]
        address = next((hop for hop in reversed(hops) if hop), address)
    return address


def client_network(address: str) -> str:
    # One IPv6 host usually holds a whole /64: count the /64, or it could rotate through them.
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return "unknown"
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def daily_key(purpose: bytes) -> bytes:
    """A key for today (UTC), derived from SECRET_KEY: unrecoverable once the day has turned."""
    day = timezone.now().date().isoformat().encode()
    return hmac.new(settings.SECRET_KEY.encode(), purpose + b":" + day, hashlib.sha256).digest()


def client_token(request: HttpRequest) -> str:
    """An HMAC of the client's address under today's key: the only way a client is known."""
    address = client_network(client_address(request)).encode()
    return hmac.new(daily_key(b"public-client"), address, hashlib.sha256).hexdigest()[:32]


# Rate limits.


@dataclass(frozen=True)
class Rate:
    """`count` requests per `seconds`, written "5/m", "20/h", "100/10m"."""

    count: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> "Rate":
        match = RATE.match(text)
        if match is None:
            raise ValueError(f"not a rate: {text!r} (write e.g. 5/m, 20/h, 100/10m)")
        multiple = int(match["multiple"] or 1)
        return cls(int(match["count"]), multiple * UNIT_SECONDS[match["unit"]])


class Outcome(StrEnum):
    ALLOWED = "allowed"
    OVER_CLIENT = "over_client"  # this client sent too much
    OVER_GLOBAL = "over_global"  # everyone together sent too much


@dataclass(frozen=True)
class Verdict:
    """What a limit says about one request.

    `for_review` is set only when the caller asked for `accept_over_limit` and a limit was
    passed: the submission is accepted, but into the low-priority queue a person reviews.
    `refused` requests get 429 with `retry_after` seconds.
    """

    outcome: Outcome
    retry_after: int = 0
    for_review: bool = False

    @property
    def allowed(self) -> bool:
        return self.outcome is Outcome.ALLOWED

    @property
    def refused(self) -> bool:
        return not self.allowed and not self.for_review


def hit(key: str, rate: Rate) -> tuple[int, int]:
    """Count one request in the current fixed window: (the count so far, seconds left in the window)."""
    now = int(timezone.now().timestamp())
    left = rate.seconds - now % rate.seconds
    window_key = f"ratelimit:{key}:{rate.seconds}:{now // rate.seconds}"
    # Redis increments atomically. The database cache's incr is a read then a write: inside a
    # transaction SQLite (BEGIN IMMEDIATE) serialises it; PostgreSQL deployments use Redis.
    guard: AbstractContextManager[Any] = transaction.atomic() if isinstance(cache, DatabaseCache) else nullcontext()
    with guard:
        cache.add(window_key, 0, left + 1)
        try:
            count = cache.incr(window_key)
        except ValueError:  # expired between add and incr
            cache.set(window_key, 1, left + 1)
            count = 1
    return count, left


def limit(
    request: HttpRequest,
    scope: str,
    *,
    per_client: str = "5/m",
    overall: str = "100/m",
    accept_over_limit: bool = False,
) -> Verdict:
    """Count this request against `scope`'s limits and say whether it may pass.

    The per-client counter is keyed by `client_token` (never the address) and by the rate
    itself, so one scope can hold a looser and a stricter tier (with and without proof of
    work) that share one global cap. A client over its own limit is not counted against the
    global cap: one noisy client must not lock everyone else out.

    With `accept_over_limit` (public reports: never refused, never lost) an over-limit
    verdict carries `for_review=True`; the caller stores the submission in a low-priority
    review queue instead of refusing it.
    """
    client_rate, overall_rate = Rate.parse(per_client), Rate.parse(overall)
    count, left = hit(f"{scope}:client:{per_client}:{client_token(request)}", client_rate)
    if count > client_rate.count:
        log.info("public %s: a client is over its limit", scope)
        return Verdict(Outcome.OVER_CLIENT, left, accept_over_limit)
    count, left = hit(f"{scope}:all", overall_rate)
    if count > overall_rate.count:
        log.warning("public %s: over the global cap", scope)
        return Verdict(Outcome.OVER_GLOBAL, left, accept_over_limit)
    return Verdict(Outcome.ALLOWED)


# Proof of work (ALTCHA).


def pow_secret() -> bytes:
    return hmac.new(settings.SECRET_KEY.encode(), b"altcha-challenge", hashlib.sha256).digest()


def new_challenge() -> dict[str, Any]:
    """A signed challenge for the widget; the server keeps nothing until it is solved."""
    import altcha  # here, not at the top: every process loads this module, few serve a public form (1.8 MB)

    cost: int = getattr(settings, "PUBLIC_POW_COST", DEFAULT_POW_COST)
    challenge = altcha.create_challenge(
        POW_ALGORITHM, cost, expires_at=timezone.now() + POW_LIFETIME, hmac_secret=pow_secret()
    )
    found: dict[str, Any] = challenge.to_dict()
    return found


def verify_proof_of_work(payload: str) -> bool:
    """A solved, signed, unexpired challenge, used for the first time."""
    import altcha  # see new_challenge

    if not payload or len(payload) > MAX_POW_PAYLOAD:
        return False
    try:
        result = altcha.verify_solution(payload, pow_secret())
        signature = altcha.Payload.from_base64(payload).challenge.signature
    except (ValueError, TypeError, KeyError, AttributeError, binascii.Error):
        return False
    if not result.verified or not signature:
        return False
    # One submission per solved challenge: a replayed payload counts as none.
    return cache.add(f"altcha-spent:{signature}", True, int(POW_LIFETIME.total_seconds()) + 60)


# Forms.


class HoneypotInput(forms.TextInput):
    """A text input people never see (hidden, out of the tab order), which bots fill in."""

    @property
    def is_hidden(self) -> bool:
        return True  # rendered without a label row; it brings its own, for screen readers

    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: BaseRenderer | None = None,
    ) -> SafeString:
        attrs = {**(attrs or {}), "tabindex": "-1", "autocomplete": "off"}
        field_id = attrs.get("id", f"id_{name}")
        return format_html(
            '<div hidden aria-hidden="true"><label for="{}">{}</label>{}</div>',
            field_id,
            _("Leave this field empty"),
            super().render(name, value, attrs, renderer),
        )


# Every word the widget shows or speaks, under ALTCHA's own keys (its i18n bundle's), from Django's
# catalog: the vendored build carries English only, and fetching its translations would be a third party.
# The widget writes its footer as HTML, so that one is escaped; the footer is hidden anyway.
WIDGET_STRINGS = {
    "ariaLinkLabel": _("ALTCHA (official website)"),
    "cancel": _("Cancel"),
    "enterCode": _("Enter the code"),
    "enterCodeAria": _("Enter the code you hear. Press Space to play the audio."),
    "enterCodeFromImage": _("To go on, enter the code from the image below."),
    "error": _("Verification failed. Try again later."),
    "expired": _("Verification expired. Try again."),
    "footer": _("Protected by ALTCHA"),
    "getAudioChallenge": _("Get an audio challenge"),
    "label": _("I'm not a robot"),
    "loading": _("Loading…"),
    "reload": _("Reload"),
    "verify": _("Verify"),
    "verificationRequired": _("Verification required!"),
    "verified": _("Verified"),
    "verifying": _("Verifying…"),
    "waitAlert": _("Verifying… please wait."),
}


def widget_strings() -> str:
    """The widget's words in the active language, as the JSON `altcha-setup.js` hands to `$altcha.i18n`."""
    words = {key: str(text) for key, text in WIDGET_STRINGS.items()}
    words["footer"] = escape(words["footer"])
    return json.dumps(words, ensure_ascii=False, separators=(",", ":"))


class ProofOfWorkInput(forms.Widget):
    """The ALTCHA widget with a fresh challenge embedded (no extra request, no cookie).

    Only the widget's "external" build is used: it injects no style and bundles no worker,
    so it runs under our Content-Security-Policy (scripts and styles from 'self' only).
    Its words come with it in the page's language (`data-strings`, WIDGET_STRINGS).
    """

    @property
    def is_hidden(self) -> bool:
        return True  # the widget labels itself

    @property
    def media(self) -> forms.Media:
        # django-stubs types Media's js as paths; Django also takes Script objects (for type="module").
        scripts: Any = [
            forms.Script("vendor/altcha/altcha.min.js", type="module"),
            forms.Script("core/altcha-setup.js", type="module"),
        ]
        return forms.Media(css={"all": ["vendor/altcha/altcha.css"]}, js=scripts)

    def value_from_datadict(self, data: Mapping[str, Any], files: MultiValueDict[str, Any], name: str) -> Any:
        return data.get(name, "")

    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: BaseRenderer | None = None,
    ) -> SafeString:
        return format_html(
            '<altcha-widget name="{}" challenge="{}" data-worker="{}" data-strings="{}" language="{}" hidefooter>'
            "</altcha-widget>",
            name,
            json.dumps(new_challenge(), separators=(",", ":")),
            static("vendor/altcha/pbkdf2.js"),
            widget_strings(),
            (get_language() or settings.LANGUAGE_CODE)[:2],
        )


class PublicForm(forms.Form):
    """Base for every form a stranger can send: a honeypot, proof of work, bounded text.

    Subclasses declare their own fields; every CharField needs a max_length (a public form
    with an unbounded text field is a flood waiting to happen). The decorator `public_form`
    reads the honeypot and the proof of work; views read only their own fields.
    """

    website = forms.CharField(required=False, max_length=200, widget=HoneypotInput, label="")
    altcha = forms.CharField(required=False, max_length=MAX_POW_PAYLOAD, widget=ProofOfWorkInput, label="")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unbounded = [
            name
            for name, field in self.fields.items()
            if isinstance(field, forms.CharField) and field.max_length is None
        ]
        if unbounded:
            raise ImproperlyConfigured(f"{type(self).__name__}: give {unbounded} a max_length")

    @property
    def is_bot(self) -> bool:
        return bool(self.data.get(HONEYPOT_FIELD))

    def spend_proof_of_work(self) -> bool:
        """Whether a solved challenge came with the form; true once per challenge."""
        return verify_proof_of_work(str(self.data.get(POW_FIELD, "")))


# The view.

type Handler[F: PublicForm] = Callable[[HttpRequest, F, Verdict], HttpResponse]


def too_large(max_bytes: int) -> HttpResponse:
    kilobytes = max(1, max_bytes // 1024)
    message = ngettext(
        "What you sent is too large: at most %(kb)d kilobyte is accepted. Shorten it and try again.",
        "What you sent is too large: at most %(kb)d kilobytes are accepted. Shorten it and try again.",
        kilobytes,
    ) % {"kb": kilobytes}
    return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")


def slow_down(form: forms.Form, verdict: Verdict) -> str:
    minutes = max(1, -(-verdict.retry_after // 60))
    if verdict.outcome is Outcome.OVER_GLOBAL:
        text = ngettext(
            "Many people are sending this form right now. Please try again in %(minutes)d minute.",
            "Many people are sending this form right now. Please try again in %(minutes)d minutes.",
            minutes,
        )
    else:
        text = ngettext(
            "Too many submissions from your connection. Please try again in %(minutes)d minute.",
            "Too many submissions from your connection. Please try again in %(minutes)d minutes.",
            minutes,
        )
    return text % {"minutes": minutes}


def public_form[F: PublicForm](
    form_class: type[F],
    *,
    scope: str,
    template: str,
    per_client: str = "5/m",
    without_pow: str = "2/m",
    overall: str = "100/m",
    max_bytes: int = 64 * 1024,
    accept_over_limit: bool = False,
) -> Callable[[Handler[F]], Callable[[HttpRequest], HttpResponse]]:
    """Wrap `handle(request, form, verdict)` into a public form view.

    GET renders `template` with a fresh `form`. A POST is, in order: refused with 413 over
    `max_bytes`; counted against the limits (`per_client` with a solved challenge,
    `without_pow` without one, `overall` for everyone); refused with 429 when over a limit,
    unless `accept_over_limit`, where it goes on with `verdict.for_review`; answered with a
    redirect to the same page, and dropped, when the honeypot is filled; re-rendered with
    messages (400) when invalid; otherwise handed to `handle`. Declare the view's permission
    outside this decorator: @permission("public").
    """
    Rate.parse(per_client), Rate.parse(without_pow), Rate.parse(overall)  # fail at import, not at the first POST

    def decorate(handle: Handler[F]) -> Callable[[HttpRequest], HttpResponse]:
        @wraps(handle)
        def view(request: HttpRequest) -> HttpResponse:
            if request.method != "POST":
                return render(request, template, {"form": form_class()})
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = max_bytes + 1
            if length > max_bytes:
                return too_large(max_bytes)
            form = form_class(request.POST)
            rate = per_client if form.spend_proof_of_work() else without_pow
            verdict = limit(request, scope, per_client=rate, overall=overall, accept_over_limit=accept_over_limit)
            if verdict.refused:
                form.is_valid()  # keep what they typed, with its messages
                form.add_error(None, slow_down(form, verdict))
                response = render(request, template, {"form": form}, status=429)
                response["Retry-After"] = str(verdict.retry_after)
                return response
            if form.is_bot:
                return HttpResponseRedirect(request.path)
            if not form.is_valid():
                return render(request, template, {"form": form}, status=400)
            return handle(request, form, verdict)

        return view

    return decorate
