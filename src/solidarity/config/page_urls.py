"""Every address but the JSON API's: what the worker's emails and texts link to (see ROOT_URLCONF in settings).

The worker serves no request, so it resolves links with these alone and never builds the API: its
schemas would cost it some 65 MB. `urls` is these and the API, for the web processes.
"""

from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path

from solidarity.core.views import healthz, live_stream

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("live/", live_stream, name="live"),
    path("", include("solidarity.meetings.short_urls")),  # /m/<code> (the projector's QR) and a meeting's stream
    path("webhooks/", include("solidarity.messaging.urls")),
    path("", include("solidarity.messaging.wkd_urls")),
    path("", include("solidarity.people.feed_urls")),  # a volunteer's secret calendar feed
]
urlpatterns += i18n_patterns(
    path("", include("solidarity.web.urls")),
    path("", include("solidarity.accounts.urls")),
    path("", include("solidarity.lists.urls")),
    path("", include("solidarity.people.zone_urls")),
    path("", include("solidarity.people.urls")),
    path("", include("solidarity.trainings.urls")),
    path("", include("solidarity.incidents.report_urls")),
    path("", include("solidarity.incidents.urls")),
    path("", include("solidarity.incidents.case_urls")),
    path("", include("solidarity.directory.urls")),
    path("", include("solidarity.supplies.urls")),
    path("", include("solidarity.funds.urls")),
    path("", include("solidarity.campaigns.urls")),
    path("", include("solidarity.events.urls")),
    path("", include("solidarity.meetings.urls")),
    path("", include("solidarity.meetings.record_urls")),  # a meeting's minutes, decisions and action items
    path("", include("solidarity.messaging.inbox_urls")),
    path("", include("solidarity.messaging.sms_settings_urls")),
    path("", include("solidarity.messaging.openpgp_urls")),
    path("accounts/", include("allauth.urls")),
    prefix_default_language=True,
)
