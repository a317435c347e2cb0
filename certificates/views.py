"""Front-site views: public verification, 我的证书, PDF download. Expiry reminder notices are
portal notices (portal.notices, kind "certificates"): read and marked read on /accounts/notices/."""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from certificates import services
from certificates.models import Certificate
from portal.auth import client_ip
from portal.notices import KIND_CERTIFICATES, unread
from portal.scoping import visible_people

CODE_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def visible_certificates(user) -> QuerySet[Certificate]:
    """Certificates of the people the user may see (own for a worker, the enterprise's for a
    manager, the region's for a supervisor)."""
    return Certificate.objects.filter(person__in=visible_people(user).values("pk"))


def _get_certificate_for_user(request: HttpRequest, serial: str) -> Certificate:
    return get_object_or_404(
        visible_certificates(request.user).select_related("person"), serial=serial
    )


def verify_rate_limited(request: HttpRequest) -> bool:
    """At most CERTIFICATE_VERIFY_RATE lookups per minute per client address (cache-based)."""
    limit = getattr(settings, "CERTIFICATE_VERIFY_RATE", 30)
    key = f"certificates:verify:{client_ip(request)}:{int(timezone.now().timestamp() // 60)}"
    cache.add(key, 0, 90)
    try:
        count = cache.incr(key)
    except ValueError:
        count = 1
    return count > limit


def _lookup(request: HttpRequest, code: str) -> dict | None:
    if not CODE_RE.match(code):
        return None
    return services.verification_info(code=code, today=timezone.localdate())


@never_cache
def verify(request: HttpRequest, code: str) -> HttpResponse:
    if verify_rate_limited(request):
        return render(request, "certificates/verify_limited.html", status=429)
    info = _lookup(request, code)
    if info is None:
        return render(request, "certificates/verify_not_found.html", status=404)
    return render(request, "certificates/verify.html", {"info": info})


@never_cache
def verify_json(request: HttpRequest, code: str) -> JsonResponse:
    if verify_rate_limited(request):
        return JsonResponse(
            {"code": "rate_limited", "message": _("查询过于频繁，请一分钟后再试。")}, status=429
        )
    info = _lookup(request, code)
    if info is None:
        return JsonResponse(
            {"code": "not_found", "message": _("未找到该证书，请核对验证码。")}, status=404
        )
    return JsonResponse(info, json_dumps_params={"ensure_ascii": False})


def my_certificates_context(request: HttpRequest) -> dict:
    """Context of the 我的证书 block on the 我的 page and of the 我的证书 page."""
    person = getattr(request.user, "person", None)
    rows = []
    if person is not None:
        today = timezone.localdate()
        certificates = (
            Certificate.objects.filter(person=person)
            .live()
            .select_related("template")
            .order_by("-issued_on", "-pk")
        )
        rows = [{"c": c, "status": c.public_status(today)} for c in certificates]
    notices = list(
        unread(request.user).filter(kind=KIND_CERTIFICATES).order_by("-created_at", "-pk")[:10]
    )
    return {"certificates": rows, "notices": notices, "has_person": person is not None}


def me_section_context(request: HttpRequest) -> dict | None:
    """The 我的证书 block of the 工作台: left out for a login with no person record and no
    certificate notices."""
    context = my_certificates_context(request)
    if not context["has_person"] and not context["notices"]:
        return None
    return context


def todo_context(request: HttpRequest) -> dict | None:
    """The certificate to-do of an enterprise manager or supervisor on the 工作台: certificates of
    the people they see expiring within 60 days. None for anyone else. Queries: 1 count."""
    from datetime import timedelta

    from portal.roles import is_manager, is_supervisor

    user = request.user
    if not (is_manager(user) or is_supervisor(user)):
        return None
    today = timezone.localdate()
    expiring = (
        Certificate.objects.filter(person__in=visible_people(user))
        .live()
        .expiring_between(today, today + timedelta(days=60))
    )
    return {
        "items": [
            {
                "label": _("60天内到期的证书"),
                "count": expiring.count(),
                "url": reverse("certificates_certificates:index"),
            }
        ]
    }


@login_required
def my_certificates(request: HttpRequest) -> HttpResponse:
    return render(request, "certificates/mine.html", {"section": my_certificates_context(request)})


@login_required
def download(request: HttpRequest, serial: str) -> HttpResponse:
    certificate = _get_certificate_for_user(request, serial)
    if not certificate.pdf:
        messages.info(request, _("证书文件正在生成，请稍后刷新再下载。"))
        return redirect("certificates:mine")
    return FileResponse(
        certificate.pdf.open("rb"),
        as_attachment=True,
        filename=f"{certificate.serial}.pdf",
        content_type="application/pdf",
    )
