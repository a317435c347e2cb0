from django.urls import path

from drills import views

app_name = "drills"
urlpatterns = [
    path("", views.calendar_month, name="calendar"),
    path("week/", views.calendar_week, name="week"),
    path("list/", views.drill_list, name="list"),
    path("new/", views.drill_create, name="create"),
    path("compliance/", views.compliance, name="compliance"),
    path("plans/", views.plan_list, name="plans"),
    path("plans/new/", views.plan_edit, name="plan-create"),
    path("plans/<int:pk>/", views.plan_edit, name="plan-edit"),
    path("plans/<int:pk>/file/", views.plan_file, name="plan-file"),
    path("feeds/", views.calendar_feeds, name="feeds"),
    path("feeds/reset/", views.calendar_feeds_reset, name="feeds-reset"),
    path("ical/<str:token>.ics", views.ical_feed, name="ical"),
    path("c/<str:code>/", views.checkin_scan, name="checkin-scan"),
    path("<int:pk>/", views.drill_detail, name="detail"),
    path("<int:pk>/edit/", views.drill_edit, name="edit"),
    path("<int:pk>/transition/", views.drill_transition, name="transition"),
    path("<int:pk>/participants/", views.participants, name="participants"),
    path(
        "<int:pk>/participants/<int:part_pk>/", views.participant_update, name="participant-update"
    ),
    path("<int:pk>/checkin/", views.checkin_screen, name="checkin"),
    path("<int:pk>/checkin/qr.svg", views.checkin_qr, name="checkin-qr"),
    path("<int:pk>/checkin/status.json", views.checkin_status, name="checkin-status"),
    path("<int:pk>/script/", views.script, name="script"),
    path("<int:pk>/script/<int:step_pk>/", views.script_record, name="script-record"),
    path("<int:pk>/evaluate/", views.evaluate, name="evaluate"),
    path("<int:pk>/summary/", views.save_summary, name="summary"),
    path("<int:pk>/findings/", views.findings, name="findings"),
    path("<int:pk>/actions/<int:action_pk>/", views.action_update, name="action-update"),
    path("<int:pk>/attachments/", views.attachment_upload, name="attachment-upload"),
    path("<int:pk>/attachments/<int:att_pk>/", views.attachment_download, name="attachment"),
    path("<int:pk>/report/", views.report_request, name="report-request"),
    path("<int:pk>/report.pdf", views.report_download, name="report"),
]
