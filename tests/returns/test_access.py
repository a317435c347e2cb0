"""Another enterprise's return is refused at every route; a worker has no 统计填报 at all."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from returns import services
from returns.models import Filing
from tests.factories import make_supervisor
from tests.returns.factories import make_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def filing(enterprise, manager, street):
    form = make_form(street.parent, streets=[street])
    return services.save_filing(
        filing=services.filing_for(form, enterprise),
        user=manager,
        additional={"activity.lectures": Decimal("2")},
        note="宣讲",
        submit=True,
        now=timezone.now(),
    )


def _routes(filing):
    return [
        reverse("returns_admin:fill", args=[filing.form_id]),
        reverse("returns_admin:filing", args=[filing.pk]),
        reverse("returns_admin:review", args=[filing.pk]),
    ]


def test_another_enterprises_manager_is_refused_at_every_route(client, filing, other_manager):
    client.force_login(other_manager)
    for url in _routes(filing):
        for method in ("get", "post"):
            response = getattr(client, method)(url, {"action": "pass"})
            assert response.status_code in (403, 404, 405), (url, method, response.status_code)
    assert Filing.objects.get().status == "submitted"


def test_another_streets_supervisor_and_a_worker_are_refused(client, filing, other_street, worker):
    for user in (make_supervisor(other_street), worker):
        client.force_login(user)
        for url in _routes(filing):
            response = client.get(url)
            assert response.status_code in (302, 403, 404, 405), (user, url, response.status_code)
            if response.status_code == 302:
                assert "/login/" in response["Location"] or response["Location"].endswith("/admin/")
    client.force_login(worker)
    response = client.get(reverse("returns_admin:index"))
    assert response.status_code != 200


def test_a_manager_whose_enterprise_the_form_does_not_ask_gets_a_404(client, filing, other_manager):
    client.force_login(other_manager)
    assert client.get(reverse("returns_admin:fill", args=[filing.form_id])).status_code == 404
    assert "企业A" not in client.get(reverse("returns_admin:index")).content.decode()


def test_the_own_manager_and_the_streets_supervisor_may_open_the_filing(
    client, filing, manager, street_supervisor, supervisor
):
    for user in (manager, street_supervisor, supervisor):
        client.force_login(user)
        assert client.get(reverse("returns_admin:filing", args=[filing.pk])).status_code == 200
