"""The admin's page for SMS: which providers, their credentials (never shown back), their state, a test text."""

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from solidarity.core.permissions import permission
from solidarity.messaging.sms.config import webhook_url
from solidarity.messaging.sms_sender import sms_status
from solidarity.messaging.sms_settings import (
    configured_backends,
    do_save_sms_settings,
    do_send_test_text,
    is_set_by_environment,
    recent_test_texts,
    saved_values,
)
from solidarity.messaging.sms_settings_forms import SendTestTextForm, SmsSettingsForm


def actor_of(request: HttpRequest) -> str:
    return str(getattr(request.user, "uuid", ""))


def page(
    request: HttpRequest, form: SmsSettingsForm, test_form: SendTestTextForm, *, status: int = 200
) -> HttpResponse:
    backends = [{**row, "webhook": webhook_url(settings.BASE_URL, row["name"])} for row in sms_status()]
    context = {
        "form": form,
        "test_form": test_form,
        "backends": backends,
        "is_loopback": any(row["name"] == "loopback" for row in backends),
        "set_by_environment": is_set_by_environment(),
        "tests": recent_test_texts(),
    }
    return render(request, "messaging/sms_settings.html", context, status=status)


@require_http_methods(["GET", "POST"])
@permission("admin")
@sensitive_post_parameters()  # an error report never shows what was typed (tokens, passwords)
def sms_settings(request: HttpRequest) -> HttpResponse:
    form = SmsSettingsForm(request.POST if request.method == "POST" else None, saved=saved_values())
    if request.method == "POST":
        if form.is_valid():
            do_save_sms_settings(form.changes(), actor=actor_of(request))
            messages.success(request, _("SMS settings saved."))
            return redirect("sms:settings")
        return page(request, form, SendTestTextForm(), status=400)
    return page(request, form, SendTestTextForm())


@require_POST
@permission("admin")
@sensitive_post_parameters()  # a phone number
def send_test_text(request: HttpRequest) -> HttpResponse:
    test_form = SendTestTextForm(request.POST)
    if test_form.is_valid() and not configured_backends():
        test_form.add_error(None, _("No SMS provider is configured yet: save one first."))
    if not test_form.is_valid():
        return page(request, SmsSettingsForm(saved=saved_values()), test_form, status=400)
    do_send_test_text(test_form.cleaned_data["to"], actor=actor_of(request), language=get_language() or "en")
    messages.success(request, _("Test text queued. Its state shows below; reload the page in a minute."))
    return redirect("sms:settings")
