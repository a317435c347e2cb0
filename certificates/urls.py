from django.urls import path

from certificates import views

app_name = "certificates"
urlpatterns = [
    path("verify/<str:code>/", views.verify, name="verify"),
    path("verify/<str:code>/json/", views.verify_json, name="verify-json"),
    path("certificates/", views.my_certificates, name="mine"),
    path("certificates/<str:serial>/pdf/", views.download, name="download"),
]
