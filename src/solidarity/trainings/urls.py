from django.urls import path

from solidarity.trainings import readiness_urls, views

app_name = "trainings"
urlpatterns = [
    # Public: public trainings only, nobody's name; the email link's page acts only on POST.
    path("trainings/", views.public_list, name="public-list"),
    path("trainings/calendar.ics", views.public_calendar, name="calendar"),
    path("trainings/seat/<str:token>/", views.seat, name="seat"),
    path("trainings/<uuid:session>/", views.public_sign_up, name="public-session"),
    path("trainings/<uuid:session>/session.ics", views.session_calendar, name="session-calendar"),
    # Signed in: the trainings to come, a session's page, one's own sign-up. UUIDs only in URLs.
    path("trainings/sessions/", views.sessions_page, name="sessions"),
    path("trainings/sessions/<uuid:session>/", views.session_page, name="session"),
    path("trainings/sessions/<uuid:session>/sign-up/", views.sign_up_self, name="sign-up"),
    path("trainings/sessions/<uuid:session>/give-back/", views.give_back, name="give-back"),
    # The group's coordinators and roster keepers.
    path("groups/<slug:group>/trainings/new/", views.create_session, name="create"),
    path("trainings/sessions/<uuid:session>/edit/", views.edit_session, name="edit"),
    path("trainings/sessions/<uuid:session>/cancel/", views.cancel_session, name="cancel"),
    path("trainings/sessions/<uuid:session>/sign-ups/", views.sign_ups_page, name="sign-ups"),
    path("trainings/sessions/<uuid:session>/sign-ups/<uuid:sign_up>/mark/", views.mark, name="mark"),
    path("trainings/sessions/<uuid:session>/sign-ups/<uuid:sign_up>/cancel/", views.remove_sign_up, name="remove"),
]
urlpatterns += readiness_urls.urlpatterns  # the readiness view (trainings.readiness_views)
