"""The demo district's returns: the standard annual form published, returns in every state, and
the dashboard's totals include the accepted ones."""

from __future__ import annotations

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.utils import timezone

from portal.periods import Period
from portal.scoping import Scope
from returns.models import Filing, ReturnForm
from returns.statistics import merged_figures
from tests.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db


def test_the_demo_publishes_the_standard_form_and_files_returns_in_every_state(
    district, street, other_street
):
    importlib.import_module("returns.migrations.0002_seed_standard_forms").seed(apps, None)
    enterprises = [EnterpriseFactory(street=(street, other_street)[i % 2]) for i in range(6)]
    ctx = SimpleNamespace(district=district, enterprises=enterprises)
    from returns.demo import seed

    seed(ctx)
    seed(ctx)  # again: nothing twice
    form = ReturnForm.objects.get(name__startswith="年度")
    assert form.is_open
    assert form.year == timezone.localdate().year
    statuses = sorted(Filing.objects.values_list("status", flat=True))
    assert statuses == ["accepted", "accepted", "passed", "returned", "submitted"]
    assert not Filing.objects.filter(enterprise=enterprises[0]).exists()  # left for the manager
    merged = merged_figures(Scope.of_region(district), Period.of_year(form.year))
    line = merged.line("training.other.person_times")
    assert line["reported"] == 860 + 420
    assert line["pending"] == 300
