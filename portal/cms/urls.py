from django.urls import path

from portal.cms import views

app_name = "cms"
urlpatterns = [
    path("search/", views.search, name="search"),
]
