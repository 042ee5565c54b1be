"""The campaigns' pages: the organisers' (views) and the callers' (call_views)."""

from django.urls import URLPattern, path

from solidarity.campaigns import call_views, invite_urls, views

app_name = "campaigns"
urlpatterns: list[URLPattern] = [
    # A group's campaigns (its members), and a new one (its coordinators).
    path("groups/<slug:group>/campaigns/", views.group_campaigns, name="group-campaigns"),
    path("groups/<slug:group>/campaigns/new/", views.create_campaign, name="create-campaign"),
    # The organisers' page (the group's members see it; its coordinators act), and the coordinators' forms.
    path("campaigns/<str:campaign>/", views.campaign_page, name="campaign"),
    path("campaigns/<str:campaign>/edit/", views.edit_campaign, name="edit-campaign"),
    path("campaigns/<str:campaign>/go-live/", views.go_live, name="go-live"),
    path("campaigns/<str:campaign>/pause/", views.pause, name="pause"),
    path("campaigns/<str:campaign>/close/", views.close, name="close"),
    path("campaigns/<str:campaign>/offices/new/", views.add_target, name="add-target"),
    path("campaigns/<str:campaign>/offices/<uuid:target>/", views.edit_target, name="edit-target"),
    path("campaigns/<str:campaign>/offices/<uuid:target>/check/", views.check_target, name="check-target"),
    path("campaigns/<str:campaign>/offices/<uuid:target>/remove/", views.remove_target, name="remove-target"),
    path("campaigns/<str:campaign>/numbers/<uuid:line>/confirm/", views.confirm_line, name="confirm-line"),
    path("campaigns/<str:campaign>/person/", views.subject, name="subject"),
    path("campaigns/<str:campaign>/person/consent/", views.record_consent, name="record-consent"),
    path("campaigns/<str:campaign>/person/withdraw/", views.withdraw_consent, name="withdraw-consent"),
    # The callers' pages: the campaign (its report-back once closed), the next office, one office to call.
    path("call/<str:campaign>/", call_views.call_page, name="call"),
    path("call/<str:campaign>/next/", call_views.next_office, name="next"),
    path("call/<str:campaign>/count/", call_views.counter_stream, name="counter"),
    path("call/<str:campaign>/<uuid:call>/", call_views.call_office, name="call-office"),
    # Invitations to call (campaigns.invite_urls).
    *invite_urls.urlpatterns,
]
