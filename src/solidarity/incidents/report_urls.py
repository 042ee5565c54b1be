"""Taking reports: the public form and its confirmation (no account), and the hotline-taker's form."""

from django.urls import path

from solidarity.incidents import report_views

app_name = "reports"
urlpatterns = [
    path("report/", report_views.report, name="new"),
    path("report/sent/<str:report>/", report_views.thanks, name="thanks"),
    path("incidents/reports/new/", report_views.hotline, name="hotline"),
]
