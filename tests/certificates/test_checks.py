from __future__ import annotations

from unittest import mock

import pytest

from certificates import checks, pdf


def test_the_system_check_warns_when_harfbuzz_subsetting_is_missing():
    with (
        mock.patch.object(pdf, "harfbuzz_subset_available", return_value=False),
        mock.patch.object(pdf, "cjk_font_available", return_value=True),
    ):
        warnings = checks.check_pdf_environment(None)
    assert [w.id for w in warnings] == ["certificates.W001"]
    assert "libharfbuzz-subset0" in warnings[0].hint


def test_the_system_check_warns_when_the_cjk_font_is_missing():
    with (
        mock.patch.object(pdf, "harfbuzz_subset_available", return_value=True),
        mock.patch.object(pdf, "cjk_font_available", return_value=False),
    ):
        warnings = checks.check_pdf_environment(None)
    assert [w.id for w in warnings] == ["certificates.W002"]


def test_this_machine_has_both():
    assert checks.check_pdf_environment(None) == []


@pytest.mark.django_db
def test_healthz_reports_the_pdf_environment(client):
    with mock.patch.object(pdf, "harfbuzz_subset_available", return_value=False):
        data = client.get("/healthz").json()
    assert data["checks"]["certificate_pdf"]["ok"] is False
    assert data["checks"]["certificate_pdf"]["harfbuzz_subset"] is False
    assert "certificate_pdf" not in data["down"]  # a warning, the site still serves
