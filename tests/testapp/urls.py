from django.urls import path

from tests.testapp import views

app_name = "testapp"
urlpatterns = [
    path("tip", views.tip, name="tip"),
    path("report", views.report, name="report"),
    path("cases/<str:case>", views.case, name="case"),
]
