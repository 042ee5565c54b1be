from django.urls import path

from solidarity.lists import views

app_name = "lists"
urlpatterns = [
    # Public: a list's sign-up page, and the links its messages carry.
    path("lists/confirm/<str:token>/", views.confirm, name="confirm"),
    path("lists/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("lists/subscriptions/<str:subscription>/", views.subscription_page, name="subscription"),
    path("lists/subscriptions/<str:subscription>/remove-key/", views.remove_key, name="remove-key"),
    path("lists/<slug:list_slug>/", views.subscribe, name="subscribe"),
    # A working group's lists and broadcasts, for its coordinators.
    path("groups/<slug:group>/lists/", views.group_lists, name="group-lists"),
    path("groups/<slug:group>/lists/new/", views.create_list, name="create-list"),
    path("groups/<slug:group>/lists/<slug:list_slug>/", views.list_detail, name="list"),
    path("groups/<slug:group>/lists/<slug:list_slug>/edit/", views.edit_list, name="edit-list"),
    path("groups/<slug:group>/broadcasts/new/", views.compose, name="compose"),
    path("groups/<slug:group>/broadcasts/<uuid:broadcast>/", views.broadcast_page, name="broadcast"),
    path("groups/<slug:group>/broadcasts/<uuid:broadcast>/live/", views.broadcast_live, name="broadcast-live"),
    path("groups/<slug:group>/broadcasts/<uuid:broadcast>/edit/", views.edit_broadcast, name="edit-broadcast"),
    path("groups/<slug:group>/broadcasts/<uuid:broadcast>/send/", views.send_broadcast, name="send-broadcast"),
    path("groups/<slug:group>/broadcasts/<uuid:broadcast>/cancel/", views.cancel_broadcast, name="cancel-broadcast"),
]
