"""/accounts/notices/…: included in the `portal` namespace by portal/urls.py."""

from __future__ import annotations

from django.urls import path

from portal import notice_views

urlpatterns = [
    path("", notice_views.notice_list, name="notices"),
    path("read-all/", notice_views.read_all, name="notices-read-all"),
    path("<int:pk>/", notice_views.open_notice, name="notice-open"),
]
