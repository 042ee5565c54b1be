from django.urls import path

from solidarity.messaging import views

app_name = "messaging"
urlpatterns = [
    path("sms/<str:backend>/", views.sms_webhook, name="sms-webhook"),
]
