"""The 通知 page: the caller's notices (newest first, unread highlighted), opening one (marks it
read, then goes to its link), marking all read. Only one's own notices: another id is a 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal import notices
from portal.models import Notice

PAGE_SIZE = 20


@login_required
def notice_list(request: HttpRequest) -> HttpResponse:
    """Queries (logged in): session, user, count + page of notices, the nav's unread count."""
    queryset = Notice.objects.filter(user=request.user).order_by("-created_at", "-pk")
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    labels = notices.kind_labels()
    rows = [{"n": n, "kind": labels.get(n.kind, "")} for n in page.object_list]
    return render(request, "portal/notices.html", {"page": page, "rows": rows})


@login_required
def open_notice(request: HttpRequest, pk: int) -> HttpResponse:
    """Marks the caller's own notice read and goes to its link (a link off this site, or none,
    comes back to the list). GET works so a notice is a plain link; it only marks one's own."""
    notice = get_object_or_404(Notice, pk=pk, user=request.user)
    notices.mark_read(notice)
    if notice.url and url_has_allowed_host_and_scheme(
        notice.url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(notice.url)
    return redirect("portal:notices")


@login_required
@require_POST
def read_all(request: HttpRequest) -> HttpResponse:
    kind = request.POST.get("kind") or None
    count = notices.mark_all_read(request.user, kind=kind)
    if count:
        messages.success(request, _("已将 %(n)d 条通知标为已读。") % {"n": count})
    next_url = request.POST.get("next") or ""
    if url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(next_url)
    return redirect("portal:notices")
