from django.urls import path

from solidarity.trainings import readiness_views

# Appended to trainings.urls (the namespace "trainings").
urlpatterns = [
    # Coordinators see the counts; roster readers the names too; the button invites through the outbox.
    path("trainings/readiness/", readiness_views.readiness_page, name="readiness"),
    path("trainings/readiness/invite/", readiness_views.invite, name="readiness-invite"),
]
