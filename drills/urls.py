from django.urls import path

from drills.views import calendar, compliance, evaluation, lifecycle, participation, reports

app_name = "drills"
urlpatterns = [
    path("", calendar.calendar_month, name="calendar"),
    path("week/", calendar.calendar_week, name="week"),
    path("list/", calendar.drill_list, name="list"),
    path("new/", lifecycle.drill_create, name="create"),
    path("compliance/", compliance.compliance, name="compliance"),
    path("plans/", lifecycle.plan_list, name="plans"),
    path("plans/new/", lifecycle.plan_edit, name="plan-create"),
    path("plans/<int:pk>/", lifecycle.plan_edit, name="plan-edit"),
    path("plans/<int:pk>/file/", lifecycle.plan_file, name="plan-file"),
    path("feeds/", calendar.calendar_feeds, name="feeds"),
    path("feeds/reset/", calendar.calendar_feeds_reset, name="feeds-reset"),
    path("ical/<str:token>.ics", calendar.ical_feed, name="ical"),
    path("c/<str:code>/", participation.checkin_scan, name="checkin-scan"),
    path("<int:pk>/", lifecycle.drill_detail, name="detail"),
    path("<int:pk>/edit/", lifecycle.drill_edit, name="edit"),
    path("<int:pk>/transition/", lifecycle.drill_transition, name="transition"),
    path("<int:pk>/participants/", participation.participants, name="participants"),
    path(
        "<int:pk>/participants/<int:part_pk>/",
        participation.participant_update,
        name="participant-update",
    ),
    path("<int:pk>/checkin/", participation.checkin_screen, name="checkin"),
    path("<int:pk>/checkin/qr.svg", participation.checkin_qr, name="checkin-qr"),
    path("<int:pk>/checkin/status.json", participation.checkin_status, name="checkin-status"),
    path("<int:pk>/script/", lifecycle.script, name="script"),
    path("<int:pk>/script/<int:step_pk>/", lifecycle.script_record, name="script-record"),
    path("<int:pk>/evaluate/", evaluation.evaluate, name="evaluate"),
    path("<int:pk>/summary/", evaluation.save_summary, name="summary"),
    path("<int:pk>/findings/", evaluation.findings, name="findings"),
    path("<int:pk>/actions/<int:action_pk>/", evaluation.action_update, name="action-update"),
    path("<int:pk>/attachments/", reports.attachment_upload, name="attachment-upload"),
    path("<int:pk>/attachments/<int:att_pk>/", reports.attachment_download, name="attachment"),
    path("<int:pk>/report/", reports.report_request, name="report-request"),
    path("<int:pk>/report.pdf", reports.report_download, name="report"),
]
