from django.urls import path

from dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("", views.index, name="index"),
    path("region/<str:code>/", views.region, name="region"),
    path("enterprise/<int:pk>/", views.enterprise, name="enterprise"),
    path("report/", views.report, name="report"),
]
