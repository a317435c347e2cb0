from django.urls import path

from courses import views

app_name = "courses"
urlpatterns = [
    path("mine/", views.my_courses, name="mine"),
    path("course/<int:pk>/enrol/", views.enrol, name="enrol"),
    path("lesson/<int:pk>/beat/", views.heartbeat, name="heartbeat"),
    path("lesson/<int:pk>/video-ended/", views.video_ended, name="video-ended"),
    path("lesson/<int:pk>/presence/", views.presence, name="presence"),
    path("assign/", views.assign, name="assign"),
    path("enrolments/", views.enrolments, name="enrolments"),
    path("records/", views.records, name="records"),
    path("study-log/", views.study_log, name="study-log"),
    path("records/import/", views.import_records, name="import"),
    path("records/import/template.xlsx", views.import_template, name="import-template"),
    path("compliance/", views.compliance, name="compliance"),
    path("statistics/", views.statistics, name="statistics"),
    path("classes/", views.classes, name="classes"),
    path("classes/<int:pk>/", views.class_detail, name="class-detail"),
    path("classes/<int:pk>/register/", views.class_register, name="class-register"),
    path("classes/<int:pk>/attendance/", views.class_attendance, name="class-attendance"),
    path("classes/<int:pk>/attendance/import/", views.class_import, name="class-import"),
    path("classes/<int:pk>/qr/", views.class_qr, name="class-qr"),
    path("classes/<int:pk>/qr.svg", views.class_qr_svg, name="class-qr-svg"),
    path(
        "classes/<int:pk>/sign-in/status/",
        views.class_sign_in_status,
        name="class-sign-in-status",
    ),
    path("classes/<int:pk>/sign-in/", views.class_sign_in, name="class-sign-in"),
    path("programmes/<int:pk>/", views.programme_detail, name="programme"),
]
