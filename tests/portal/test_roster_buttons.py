"""The roster listing (从业人员) shows 导入名册 and 导出名册 as buttons in its header, beside 添加,
not inside the "⋯" dropdown."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _header_buttons(client) -> dict[str, bool]:
    """href → shown directly (True) or only inside a dropdown (False), for the header's buttons."""
    response = client.get(reverse("portal_people:index"))
    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    header = soup.select_one("header")
    found = {}
    for link in header.select("a[href]"):
        in_dropdown = link.find_parent(attrs={"data-w-dropdown-target": "content"}) is not None
        found[link["href"]] = not in_dropdown and "w-header-button" in link.get("class", [])
    return found


def test_import_and_export_are_visible_buttons_for_a_manager(client, manager):
    client.force_login(manager)
    buttons = _header_buttons(client)
    assert buttons.get(reverse("portal_admin:roster-import")) is True
    assert buttons.get(reverse("portal_admin:roster-export")) is True
