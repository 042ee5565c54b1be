from django.urls import path

from solidarity.messaging import inbox_views

app_name = "inbox"
urlpatterns = [
    path("inbox/", inbox_views.inbox, name="list"),
    path("inbox/<uuid:message>/reviewed/", inbox_views.mark_reviewed, name="reviewed"),
    path("inbox/<uuid:message>/reply/", inbox_views.reply, name="reply"),
    path("inbox/<uuid:message>/opt-out/", inbox_views.opt_out, name="opt-out"),
    path("inbox/<uuid:message>/move/", inbox_views.move, name="move"),
]
