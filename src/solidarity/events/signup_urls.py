"""The events' pages: an action's slots and sign-ups (members), the organisers' forms, the day's board and
attendance, and the one-button page of a reminder's link."""

from django.urls import URLPattern, path

from solidarity.events import signup_views as views

urlpatterns: list[URLPattern] = [
    # The members' page: each slot, places left, pairs; sign up, give the seat back.
    path("actions/<str:action>/slots/", views.slots, name="slots"),
    path("actions/<str:action>/slots/<uuid:slot>/sign-up/", views.sign_up, name="sign-up"),
    path("actions/<str:action>/seats/<uuid:seat>/give-back/", views.give_back, name="give-back"),
    # The organisers: slots, the day's board (check in and out, updates), attendance afterwards.
    path("actions/<str:action>/slots/new/", views.add_slot, name="add-slot"),
    path("actions/<str:action>/slots/<uuid:slot>/edit/", views.edit_slot, name="edit-slot"),
    path("actions/<str:action>/slots/<uuid:slot>/remove/", views.remove_slot, name="remove-slot"),
    path("actions/<str:action>/board/", views.board, name="board"),
    path("actions/<str:action>/seats/<uuid:seat>/check-in/", views.check_in, name="check-in"),
    path("actions/<str:action>/seats/<uuid:seat>/check-out/", views.check_out, name="check-out"),
    path("actions/<str:action>/updates/open/", views.open_updates, name="open-updates"),
    path("actions/<str:action>/updates/", views.post_update, name="post-update"),
    path("actions/<str:action>/attendance/", views.attendance, name="attendance"),
    # A reminder's link (signed): one button to confirm, one to give the seat back.
    path("actions/seats/<str:seat_token>/", views.seat, name="seat"),
]
