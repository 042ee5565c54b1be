"""The documented timeline's pages (incidents.observation_views), included in incidents.urls."""

from django.urls import path

from solidarity.incidents import observation_views as views

urlpatterns = [
    # The network's dispatchers: add, correct, open a photo or video, export the timeline.
    path("incidents/<str:incident>/observations/new/", views.add_observation, name="add-observation"),
    path(
        "incidents/<str:incident>/observations/<str:entry>/correct/",
        views.correct_observation,
        name="correct-observation",
    ),
    path("incidents/<str:incident>/observations/<str:entry>/media/", views.observation_media, name="observation-media"),
    path("incidents/<str:incident>/timeline.pdf", views.timeline_pdf, name="timeline-pdf"),
    path("incidents/<str:incident>/timeline.json", views.timeline_json, name="timeline-json"),
    # A responder out on the incident, from their own alert.
    path("me/alerts/<str:alert>/observations/new/", views.own_observation, name="my-observation"),
]
