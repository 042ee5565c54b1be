from django.urls import path

from solidarity.people import zone_views

app_name = "zones"
urlpatterns = [
    path("zones/", zone_views.zone_list, name="list"),
    path("zones/new/", zone_views.create_zone, name="create"),
    path("zones/<slug:zone>/edit/", zone_views.edit_zone, name="edit"),
]
