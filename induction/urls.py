from django.urls import path

from induction import views

app_name = "induction"
urlpatterns = [
    path("", views.pending, name="pending"),
    path("levels/<int:pk>/", views.sign, name="sign"),
]
