"""Health of the running system, for monitors and the operator."""

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from solidarity.core.permissions import permission
from solidarity.core.services import health


@require_GET
@never_cache
@permission("public")
def healthz(request: HttpRequest) -> JsonResponse:
    report = health()
    return JsonResponse(report, status=200 if report["status"] == "ok" else 503)
