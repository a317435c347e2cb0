from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.core.cache import cache
from django.core.exceptions import RequestDataTooBig
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from portal import registry
from portal.forms import LoginForm
from portal.middleware import DatabaseUnavailableMiddleware
from portal.models import ApiToken, Heartbeat
from portal.params import ParameterError
from portal.scoping import can_see_full_id_number
from portal.taskqueue import oldest_queued_at


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler400. A parameter out of range or not a number / date (portal.params) shows its
    Chinese message; a body over DATA_UPLOAD_MAX_MEMORY_SIZE is a 413. Both as
    {"code", "message"} for the API and JSON requests. Anything else: Django's 400."""
    if isinstance(exception, RequestDataTooBig):
        message = _("请求数据过大。")
        if DatabaseUnavailableMiddleware.wants_json(request):
            return JsonResponse({"code": "payload_too_large", "message": message}, status=413)
        # the body was refused before the login was read: no page around the message
        return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
    if isinstance(exception, ParameterError):
        if DatabaseUnavailableMiddleware.wants_json(request):
            return JsonResponse({"code": "bad_request", "message": exception.message}, status=400)
        return render(
            request, "portal/bad_request.html", {"message": exception.message}, status=400
        )
    return defaults.bad_request(request, exception)


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "portal/login.html"
    redirect_authenticated_user = True

    def dispatch(self, request, *args, **kwargs):
        """The admin sends a signed-in user without admin access here (WAGTAILADMIN_LOGIN_URL)
        with next=/admin/…; sending them back would loop. They get a Chinese "no access" page."""
        if request.user.is_authenticated and self._admin_refused(request):
            return render(request, "portal/no_admin_access.html", status=403)
        return super().dispatch(request, *args, **kwargs)

    def _admin_refused(self, request) -> bool:
        target = self.get_redirect_url() or ""
        admin = reverse("wagtailadmin_home")
        return target.startswith(admin) and not request.user.has_perm("wagtailadmin.access_admin")


@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        if user.must_change_password:
            user.must_change_password = False
            user.save(update_fields=["must_change_password"])
        update_session_auth_hash(request, user)
        # Saving the new password ended the other sessions and every API token (User.save).
        messages.success(request, _("密码已修改，其他设备上的登录已退出。"))
        return redirect("portal:me")
    return render(
        request,
        "portal/password_change.html",
        {"form": form, "forced": request.user.must_change_password},
    )


@login_required
def me(request: HttpRequest) -> HttpResponse:
    person = getattr(request.user, "person", None)
    # The 工作台: each app's blocks for this user's roles, most urgent first; a block whose
    # context is None does not apply to this user (no empty cards, no links they cannot open).
    sections = []
    for section in sorted(registry.me_sections.values(), key=lambda s: s.order):
        context = section.get_context(request)
        if context is not None:
            sections.append({"section": section, "context": context})
    return render(
        request,
        "portal/me.html",
        {
            "person": person,
            "show_full_id": person is not None and can_see_full_id_number(request.user, person),
            "sections": sections,
            "devices": ApiToken.objects.active().filter(user=request.user).order_by("-created_at"),
        },
    )


def _get_token_for_user(request: HttpRequest, pk: int) -> ApiToken:
    """One of the user's own API tokens; 404 for anyone else's."""
    return get_object_or_404(ApiToken, pk=pk, user=request.user)


@login_required
@require_POST
def revoke_device(request: HttpRequest, pk: int) -> HttpResponse:
    token = _get_token_for_user(request, pk)
    token.delete()
    messages.success(request, _("该设备已退出登录。"))
    return redirect(f"{reverse('portal:me')}#me-devices")


def _check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure means "down"
        return {"ok": False, "error": exc.__class__.__name__}
    return {"ok": True, "vendor": connection.vendor}


def _check_broker() -> dict:
    if settings.REDIS_URL:
        try:
            from django_q.brokers import get_broker

            get_broker().connection.ping()
        except Exception as exc:  # noqa: BLE001
            return {"ok": False, "kind": "redis", "error": exc.__class__.__name__}
        try:
            cache.set("healthz", "1", 5)
        except Exception as exc:  # noqa: BLE001
            return {"ok": False, "kind": "redis", "error": exc.__class__.__name__}
        return {"ok": True, "kind": "redis"}
    # The ORM broker lives in the database checked above.
    return {"ok": True, "kind": "orm"}


def _check_worker() -> dict:
    """The heartbeat is written when the cluster's monitor has recorded the heartbeat task's
    result (portal.tasks.heartbeat_recorded), not when a worker merely ran it."""
    try:
        beat = Heartbeat.objects.filter(name="qcluster").values_list("beat_at", flat=True).first()
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "error": exc.__class__.__name__}
    if beat is None:
        return {"ok": False, "last_heartbeat": None}
    age = (timezone.now() - beat).total_seconds()
    return {
        "ok": age <= settings.HEARTBEAT_MAX_AGE,
        "last_heartbeat": beat.isoformat(),
        "age_seconds": int(age),
    }


def _check_queue() -> dict:
    """The age of the oldest task still queued (portal.taskqueue): a cluster that takes no task
    or records no result lets it grow past QUEUE_MAX_AGE while the heartbeat may still beat."""
    try:
        queued_at = oldest_queued_at()
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "error": exc.__class__.__name__}
    if queued_at is None:
        return {"ok": True, "oldest_task_age_seconds": None}
    age = max(0.0, (timezone.now() - queued_at).total_seconds())
    return {
        "ok": age <= settings.QUEUE_MAX_AGE,
        "oldest_task_age_seconds": int(age),
        "max_age_seconds": settings.QUEUE_MAX_AGE,
    }


# Extra checks contributed by apps (e.g. certificates: the PDF font and HarfBuzz subsetting).
# Each returns a dict with at least "ok"; "critical": False makes a failure a warning only.
HEALTH_CHECKS: dict[str, callable] = {}


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _check_database(), "broker": _check_broker(), "worker": _check_worker()}
    # Without a broker the queue can't be read; the broker check already says down.
    checks["queue"] = (
        _check_queue()
        if checks["broker"]["ok"]
        else {"ok": False, "critical": False, "error": "broker down"}
    )
    for name, check in HEALTH_CHECKS.items():
        checks[name] = check()
    down = [
        name for name, result in checks.items() if not result["ok"] and result.get("critical", True)
    ]
    status = 503 if down else 200
    return JsonResponse(
        {"status": "down" if down else "ok", "down": down, "checks": checks}, status=status
    )
