"""Each demo role signs in (workers and judges on a phone, the others at 1366 px) and lands on
their own 工作台 with their role's blocks; then every page a worker and a judge can reach from it
(two clicks deep) is opened at 375 px and must fit: no horizontal overflow, no text wrapped one
character per line. Screenshots of each landing and each phone page go to artifacts/screenshots/.

One test (the demo district is seeded once: seeding is the slow part)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.browser_support import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "demo-pass-123"  # nosec B105 — the test database's demo logins

# role → (login, phone?, block titles its 工作台 shows)
LANDINGS = {
    "worker": ("demo_worker", True, ["我的考试", "我的课程"]),
    "judge": ("demo_judge1", True, ["待评分的竞赛"]),
    "manager": ("demo_manager", False, ["演练待办", "培训待办", "证书待办", "考务待办"]),
    "supervisor": ("demo_supervisor", False, ["演练待办", "数据看板"]),
    "editor": ("demo_editor", False, ["内容待办"]),
    "reviewer": ("demo_reviewer", False, ["内容待办"]),
    "examiner": ("demo_examiner", False, ["考务待办"]),
}

SKIP = re.compile(
    r"^/(admin|django-admin|static|media|documents|api)/|/logout/|/pdf/$|/report/$|\.(pdf|xlsx|ics|svg|json)$"
)
MAX_PAGES = 40

# Horizontal overflow, and text nodes laid out one character per line (a squeezed column).
FIT = """() => {
  const doc = document.scrollingElement;
  const overflow = doc.scrollWidth - doc.clientWidth;
  const squeezed = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const text = node.textContent.replace(/\\s+/g, "");
    if (text.length < 3) continue;
    range.selectNodeContents(node);
    const tops = new Set(Array.from(range.getClientRects()).filter(r => r.width > 0).map(r => Math.round(r.top)));
    if (tops.size >= 3 && text.length / tops.size <= 1.5) squeezed.push(text.slice(0, 24));
  }
  return {overflow, squeezed};
}"""


def _links(page, base: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
    found = []
    for href in hrefs:
        parts = urlsplit(href)
        if parts.netloc and parts.netloc != urlsplit(base).netloc:
            continue
        path = parts.path
        if not path.startswith("/") or SKIP.search(path):
            continue
        found.append(path + (f"?{parts.query}" if parts.query else ""))
    return found


def _reachable(page, base: str) -> list[str]:
    """Pages two clicks deep from the landing page, in the order found."""
    seen = ["/accounts/me/"]
    frontier = ["/accounts/me/"]
    for _depth in range(2):
        following = []
        for url in frontier:
            page.goto(url)
            for link in _links(page, base):
                if link not in seen and len(seen) < MAX_PAGES:
                    seen.append(link)
                    following.append(link)
        frontier = following
    return seen


def _name(url: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", url).strip("-") or "home"


def test_each_role_lands_on_its_work_and_worker_and_judge_pages_fit_a_phone(
    open_page, live_server, screenshot
):
    call_command("seed_demo", password=PASSWORD, verbosity=0)
    misfits = []
    for role, (username, on_phone, blocks) in LANDINGS.items():
        page = open_page("phone" if on_phone else "desktop")
        page.set_default_timeout(30_000)
        sign_in(page, username, PASSWORD)
        expect(page.locator("h1")).to_have_text("我的工作台")
        for title in blocks:
            expect(page.locator("main section h2", has_text=title).first).to_be_visible()
        screenshot(page, f"{role}-landing")
        page.goto("/admin/")
        if role in ("worker", "judge"):  # no admin access: a Chinese page, not a redirect loop
            expect(page.locator("h1")).to_have_text("没有管理后台权限")
        else:
            expect(page.locator("#wagtail-sidebar img[alt]").first).to_be_attached()
            screenshot(page, f"{role}-admin")
        page.goto("/accounts/me/")
        if on_phone:
            # 考试, 证书 (a worker) and 通知 without opening the menu
            quick = page.locator(".quick-nav")
            expect(quick.get_by_role("link", name=re.compile("通知"))).to_be_visible()
            if role == "worker":
                expect(quick.get_by_role("link", name="考试")).to_be_visible()
                expect(quick.get_by_role("link", name="证书")).to_be_visible()
            for url in _reachable(page, live_server.url):
                response = page.goto(url)
                if response is None or response.status != 200:
                    continue
                page.wait_for_load_state()
                fit = page.evaluate(FIT)
                if fit["overflow"] > 1 or fit["squeezed"]:
                    misfits.append(f"{role} {url}: {fit}")
                    screenshot(page, f"{role}-misfit-{_name(url)}")
    assert not misfits, "\n".join(misfits)
