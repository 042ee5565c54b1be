from django.urls import path

from solidarity.messaging import inbox_views

app_name = "inbox"
urlpatterns = [
    path("groups/<slug:group>/inbox/", inbox_views.inbox, name="list"),
    path("groups/<slug:group>/inbox/<uuid:message>/reviewed/", inbox_views.mark_reviewed, name="reviewed"),
    path("groups/<slug:group>/inbox/<uuid:message>/reply/", inbox_views.reply, name="reply"),
]
