"""Home page under load vs a bare Django view, in the same run.

    .venv/bin/python bench/home_page.py [--requests 400] [--threads 4] [--news 60]

Sets up a throwaway SQLite database (PORTAL_VAR_DIR, default /tmp/bench-cms), adds a home page
with --news notices and three campaigns (one current, with a banner), then fires requests from
--threads threads through the full WSGI stack (all middleware) with Django's test client:

- bare:        a view returning a constant HttpResponse (the floor of the stack);
- home cached: the home page for anonymous visitors (the page cache hits after the first);
- home miss:   the home page with the page cache purged before every request (full render);
- news list:   the notices listing, cached.

Prints requests/second for each and the ratio to the bare view. Numbers are only comparable
within one run on one machine; see BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup(var_dir: str) -> None:
    if Path(var_dir).exists():
        shutil.rmtree(var_dir)
    os.environ["PORTAL_VAR_DIR"] = var_dir
    os.environ.setdefault("MEDIA_ROOT", f"{var_dir}/media")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def make_content(news_count: int) -> tuple[str, str]:
    from django.utils import timezone

    from cms.demo import _png
    from cms.models import CampaignIndexPage, CampaignPage, HomePage, NewsIndexPage, NewsPage

    home = HomePage.objects.get()
    notices = NewsIndexPage(title="通知公告", slug="notices")
    home.add_child(instance=notices)
    notices.save_revision().publish()
    campaigns = CampaignIndexPage(title="专题活动", slug="campaigns")
    home.add_child(instance=campaigns)
    campaigns.save_revision().publish()
    today = timezone.localdate()
    for i in range(news_count):
        page = NewsPage(
            title=f"关于开展有限空间作业专项整治的通知（{i}）",
            slug=f"n{i}",
            date=today - timedelta(days=i),
            summary="各街道、各重点企业：为有效防范有限空间作业中毒窒息事故……",
            body=[("paragraph", "<p>作业前必须严格执行“先通风、再检测、后作业”。</p>" * 5)],
        )
        notices.add_child(instance=page)
        page.tags.add("有限空间", "通知公告")
        page.save_revision().publish()
    banner = _png("基准横幅", (196, 30, 36))
    for i, (start, end) in enumerate([(-5, 20), (30, 60), (-90, -60)]):
        page = CampaignPage(
            title=f"专题活动{i}",
            slug=f"c{i}",
            theme=CampaignPage.Theme.OTHER,
            start_date=today + timedelta(days=start),
            end_date=today + timedelta(days=end),
            banner_image=banner,
            body=[("paragraph", "<p>活动内容</p>")],
        )
        campaigns.add_child(instance=page)
        page.save_revision().publish()
    return home.url, notices.url


def bare_view(request):
    from django.http import HttpResponse

    return HttpResponse("<!DOCTYPE html><title>bare</title><p>ok</p>")


def run(url: str, requests: int, threads: int, before_each=None) -> float:
    from django.test import Client

    def worker(n: int) -> None:
        client = Client()
        for _ in range(n):
            if before_each:
                before_each()
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

    per_thread = requests // threads
    Client().get(url)  # warm up (first request creates settings rows, renditions, cache entry)
    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(worker, [per_thread] * threads))
    elapsed = time.perf_counter() - started
    return per_thread * threads / elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--news", type=int, default=60)
    parser.add_argument("--var-dir", default="/tmp/bench-cms")
    args = parser.parse_args()
    from django.utils import timezone

    setup(args.var_dir)
    from django.conf import settings
    from django.urls import clear_url_caches, include, path

    from cms.cache import purge_page_cache

    home_url, news_url = make_content(args.news)

    # The bare view is mounted in front of the portal's URLs so it passes the same middleware.
    module = sys.modules[__name__]
    module.urlpatterns = [path("bench-bare/", bare_view), path("", include("portal.urls"))]
    settings.ROOT_URLCONF = module
    clear_url_caches()

    results = {
        "bare": run("/bench-bare/", args.requests, args.threads),
        "home cached": run(home_url, args.requests, args.threads),
        "home miss": run(home_url, args.requests, args.threads, before_each=purge_page_cache),
        "news list": run(news_url, args.requests, args.threads),
    }
    print(
        f"{timezone.localdate()} {platform.node()} {platform.processor() or platform.machine()} "
        f"python {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"{args.requests} requests x {args.threads} threads, {args.news} notices, SQLite, locmem cache"
    )
    bare = results["bare"]
    for name, rate in results.items():
        print(f"  {name:12s} {rate:8.1f} req/s   ratio to bare {rate / bare:5.2f}")


urlpatterns: list = []

if __name__ == "__main__":
    main()
