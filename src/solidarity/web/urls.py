from django.urls import path

from solidarity.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("settings/", views.network_settings, name="network-settings"),
]
