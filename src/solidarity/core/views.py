"""Health of the running system, for monitors and the operator; the live-event stream any page may open."""

from asgiref.sync import sync_to_async
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from solidarity.core import live
from solidarity.core.permissions import AnyUser, permission
from solidarity.core.services import health

MAX_CHANNELS = 10


@require_GET
@never_cache
@permission("public")
def healthz(request: HttpRequest) -> JsonResponse:
    """The health of this node, for load balancers (the status code) and monitors (the body).

    200 when the database answers, a worker ran a job in the last minute and the keys are
    unlocked; 503 otherwise. A channel's trouble does not change the code (texts fail over to
    the next backend, and pulling a working node helps no one): a monitor reads the body.

        {
          "status": "ok" | "fail" | "locked",
          "database": {"ok": true},
          "worker": {"ok": true, "last_heartbeat": "2026-03-01T12:00:00Z", "age_seconds": 4.2},
          "keys": {"ok": true, "mode": "standard" | "sealed" | "sealed-locked"},
          "sms": {
            "configured": true,             # false: no SMS backend (a network may run on email alone)
            "ok": false,                    # no configured backend is down
            "backends": ["twilio", "android:kitchen"],  # in failover order
            "down": ["android:kitchen"]     # down now: texts go through the others, or wait
          }
        }

    While the database is unreachable, "worker" is {"ok": false} and "sms" says not configured.
    Nothing personal and no provider's error text (it may repeat a phone number). Email has no
    state of its own here: the worker's mail loop keeps retrying an unreachable mail server in
    memory, and records nothing a web node could read.
    """
    report = health()
    return JsonResponse(report, status=200 if report["status"] == "ok" else 503)


@require_GET
@permission("authenticated")
async def live_stream(request: HttpRequest) -> HttpResponseBase:
    """Server-Sent Events of several channels at once: `/live/?channel=inbox&channel=dashboard`.

    Each channel is checked against what the caller may hear (core.live.CHANNELS); a channel they
    may not, or an unknown one, makes the whole stream 404, which a browser's EventSource takes as
    final. A reconnecting browser's Last-Event-ID gets it what it missed first.
    """
    channels = request.GET.getlist("channel")
    user = await request.auser()
    if not 0 < len(channels) <= MAX_CHANNELS or not await sync_to_async(hears_all)(user, channels):
        return HttpResponse(status=404)
    return live.sse_response(channels, user=user, last_event_id=last_event_id(request))


def hears_all(user: AnyUser, channels: list[str]) -> bool:
    return all(live.may_hear(user, channel) for channel in channels)


def last_event_id(request: HttpRequest) -> str:
    """The id a reconnecting EventSource last saw (its Last-Event-ID header), or ""."""
    return request.headers.get("Last-Event-ID", "")[:64]
