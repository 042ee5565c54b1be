from solidarity.funds import fund_urls, public_urls, request_urls

app_name = "funds"
urlpatterns = [*fund_urls.urlpatterns, *request_urls.urlpatterns, *public_urls.urlpatterns]
