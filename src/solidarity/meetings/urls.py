from django.urls import path

from solidarity.meetings import live_views, run_views, views

app_name = "meetings"
urlpatterns = [
    path("meetings/", views.meeting_list, name="list"),
    path("groups/<slug:group>/meetings/new/", views.create, name="create"),
    path("meetings/<str:meeting>/", views.meeting_page, name="meeting"),
    path("meetings/<str:meeting>/edit/", views.edit, name="edit"),
    path("meetings/<str:meeting>/cancel/", views.cancel, name="cancel"),
    path("meetings/<str:meeting>/agenda/", views.agenda, name="agenda"),
    path("meetings/<str:meeting>/agenda/<str:agenda_item>/<str:item_verb>/", views.item_action, name="item-action"),
    path("meetings/<str:meeting>/roles/", views.roles, name="roles"),
    path("meetings/<str:meeting>/coming/", views.coming, name="coming"),
    path("meetings/<str:meeting>/meeting.ics", views.meeting_calendar, name="calendar"),
    # Live: joining, the phone's stack, the projector, the names a screen shows.
    path("meetings/<str:meeting>/join/", live_views.join, name="join"),
    path("meetings/<str:meeting>/live/", live_views.live_page, name="live"),
    path("meetings/<str:meeting>/live/turn/", live_views.ask_turn, name="ask-turn"),
    path("meetings/<str:meeting>/live/withdraw/", live_views.withdraw_turn, name="withdraw-turn"),
    path("meetings/<str:meeting>/screen/", live_views.screen, name="screen"),
    path("meetings/<str:meeting>/names/", live_views.names, name="names"),
    # Running it: the facilitator's, the timekeeper's and the stack keeper's.
    path("meetings/<str:meeting>/run/", run_views.run, name="run"),
    path("meetings/<str:meeting>/run/turns/<str:turn>/<str:turn_verb>/", run_views.turn_action, name="turn-action"),
    path("meetings/<str:meeting>/run/<str:run_verb>/", run_views.act, name="act"),
]
