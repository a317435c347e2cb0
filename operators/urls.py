from django.urls import path

from operators import views

app_name = "operators"
urlpatterns = [
    path("mine/", views.mine, name="mine"),
    path("<int:pk>/scan/", views.scan, name="scan"),
]
