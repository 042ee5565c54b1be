from django.urls import path

from solidarity.messaging import sms_settings_views

app_name = "sms"
urlpatterns = [
    path("settings/sms/", sms_settings_views.sms_settings, name="settings"),
    path("settings/sms/test/", sms_settings_views.send_test_text, name="send-test"),
]
