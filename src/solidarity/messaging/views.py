"""Webhooks from the SMS providers: one URL per backend, authenticated by the provider's own signature."""

import logging

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from solidarity.core.permissions import permission
from solidarity.messaging.inbound import do_receive_webhook
from solidarity.messaging.sms import BadWebhook, SmsBackend
from solidarity.messaging.sms_settings import configured_backends

# Twilio reads the answer as TwiML: an empty response says "no reply from here" (replies go through the outbox).
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'

log = logging.getLogger("solidarity.messaging")


def backend_named(name: str) -> SmsBackend:
    for backend in configured_backends():
        if backend.name == name:
            return backend
    raise Http404


@csrf_exempt  # the provider cannot hold a CSRF token; its signature is checked instead
@require_POST
@permission("public")  # anyone may reach it; only a request the backend verifies is read
def sms_webhook(request: HttpRequest, backend: str) -> HttpResponse:
    found = backend_named(backend)
    if not found.verify(request):
        return HttpResponse("signature refused", status=403, content_type="text/plain")
    try:
        hook = found.parse(request)
    except BadWebhook as error:  # a NUL in an id (messaging.sms): no real id, and no database stores it
        log.warning("webhook from %s refused: %s", found.name, error)
        return HttpResponse("refused: a field holds a NUL character", status=400, content_type="text/plain")
    do_receive_webhook(found.name, hook)
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")
