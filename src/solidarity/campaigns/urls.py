"""The campaigns' pages: the callers' (call_views) and the organisers' (views)."""

from django.urls import URLPattern, path

from solidarity.campaigns import call_views, views

app_name = "campaigns"
urlpatterns: list[URLPattern] = [
    # A group's campaigns (its members), and a new one (its coordinators).
    path("groups/<slug:group>/campaigns/", views.group_campaigns, name="group-campaigns"),
    # The organisers' page (the group's members see it; its coordinators act).
    path("campaigns/<str:campaign>/", views.campaign_page, name="campaign"),
    # The callers' pages: the campaign (its report-back once closed), the next office, one office to call.
    path("call/<str:campaign>/", call_views.call_page, name="call"),
    path("call/<str:campaign>/next/", call_views.next_office, name="next"),
    path("call/<str:campaign>/count/", call_views.counter_stream, name="counter"),
    path("call/<str:campaign>/<uuid:call>/", call_views.call_office, name="call-office"),
]
