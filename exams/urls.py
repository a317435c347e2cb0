from django.urls import path

from exams import views

app_name = "exams"
urlpatterns = [
    path("", views.exam_list, name="list"),
    path("papers/<int:pk>/", views.paper_detail, name="paper"),
    path("papers/<int:pk>/start/", views.attempt_start, name="start"),
    path("attempts/<int:pk>/", views.attempt_page, name="attempt"),
    path("attempts/<int:pk>/flag/", views.attempt_flag, name="attempt-flag"),
    path("attempts/<int:pk>/blur/", views.attempt_blur, name="attempt-blur"),
    path("attempts/<int:pk>/submit/", views.attempt_submit, name="attempt-submit"),
    path("attempts/<int:pk>/result/", views.attempt_result, name="result"),
    path("practice/", views.practice, name="practice"),
    path("practice/start/", views.practice_start, name="practice-start"),
    path("wrong-book/", views.wrong_book, name="wrong-book"),
]
