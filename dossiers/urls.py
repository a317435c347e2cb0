from django.urls import path

from dossiers import views

app_name = "dossiers"

urlpatterns = [
    path("person/<int:pk>/", views.person_file, name="person"),
    path("enterprise/<int:pk>/", views.enterprise_file, name="enterprise"),
    path("file/<int:pk>/", views.download, name="download"),
]
