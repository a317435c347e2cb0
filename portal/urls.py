from __future__ import annotations

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from portal import progress_views, views
from portal.api import FAST_ROUTES, api
from portal.metrics import metrics_view

portal_patterns = (
    [
        path("login/", views.LoginView.as_view(), name="login"),
        path("logout/", auth_views.LogoutView.as_view(), name="logout"),
        path("password/", views.password_change, name="password-change"),
        path("me/", views.me, name="me"),
        path("me/devices/<int:pk>/revoke/", views.revoke_device, name="device-revoke"),
        path("notices/", include("portal.notice_urls")),
        path("progress/<uuid:pk>/", progress_views.progress_page, name="progress"),
        path("progress/<uuid:pk>.json", progress_views.progress_json, name="progress-json"),
        path(
            "progress/<uuid:pk>/first-passwords.xlsx",
            progress_views.first_passwords,
            name="first-passwords",
        ),
    ],
    "portal",
)

handler400 = "portal.views.bad_request"  # portal.params' errors in Chinese, 413 for big bodies

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("metrics", metrics_view, name="metrics"),
    path("accounts/", include(portal_patterns)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include(FAST_ROUTES)),  # the exam traffic's fast routes (portal.api)
    path("api/v1/", api.urls),
    path("django-admin/", admin.site.urls),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("courses/", include("courses.urls")),
    path("exams/", include("exams.urls")),
    path("drills/", include("drills.urls")),
    path("induction/", include("induction.urls")),
    path("competitions/", include("competitions.urls")),
    path("operators/", include("operators.urls")),
    path("", include("certificates.urls")),  # certificates/... and the public verify/<code>/
    path("dashboard/", include("dashboard.urls")),
    path("dossiers/", include("dossiers.urls")),
    path("", include("cms.urls")),
]

if settings.DEBUG:
    # Only the public renditions of Wagtail images. Private files (certificate PDFs, drill
    # attachments, documents) are served by views that check who is asking; in production the
    # web server exposes media/images/ alone (see README).
    urlpatterns += static(
        settings.MEDIA_URL + "images/", document_root=settings.MEDIA_ROOT / "images"
    )

urlpatterns.append(path("", include(wagtail_urls)))
