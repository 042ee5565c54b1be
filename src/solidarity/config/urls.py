from django.urls import path

from solidarity.config import api, page_urls
from solidarity.web import views as web_views

urlpatterns = [path("api/v1/", api.urls()), *page_urls.urlpatterns]

handler400 = web_views.bad_request
handler403 = web_views.forbidden
handler404 = web_views.not_found
handler500 = web_views.server_error
