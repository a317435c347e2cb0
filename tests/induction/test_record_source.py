"""A signed 三级教育 level's training record has the source 三级安全教育 (not 外部导入) wherever the
source is shown: the records page, the admin list, the person's training file; the records
written before get it from courses' migration 0017, records imported from a spreadsheet keep
外部导入."""

from __future__ import annotations

import importlib
import re
from datetime import date

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from courses.models import SourceKind, TrainingKind, TrainingRecord
from courses.records import record_training
from tests.induction.factories import induction, sign_all

pytestmark = pytest.mark.django_db

MIGRATION = importlib.import_module("courses.migrations.0017_training_record_source_induction")


def _signed(worker, manager):
    ind = induction(worker.person, starts_on=date(2030, 3, 1), instructor=manager)
    sign_all(ind, trainee=worker, instructor=manager)
    return ind


def test_signed_levels_write_records_with_the_induction_source(worker, manager):
    _signed(worker, manager)
    records = list(TrainingRecord.objects.filter(person=worker.person))
    assert len(records) == 3
    assert {r.source_kind for r in records} == {SourceKind.INDUCTION}
    assert {r.get_source_kind_display() for r in records} == {"三级安全教育"}


def test_every_page_showing_the_source_says_induction(client, worker, manager):
    _signed(worker, manager)
    client.force_login(worker)
    html = client.get(reverse("courses:records")).content.decode()
    assert "三级安全教育" in html
    assert "外部导入" not in html
    client.force_login(manager)
    html = client.get(reverse("courses_records:index")).content.decode()
    tables = re.findall(r"<table.*?</table>", html, re.S)
    listing = next(t for t in tables if worker.person.name in t)  # not the filter's options
    assert "外部导入" not in listing
    assert "三级安全教育" in listing
    from dossiers.services import person_html

    html = person_html(worker.person, timezone.localdate())
    assert "外部导入" not in html


def test_the_data_migration_gives_old_records_the_new_source(worker, manager):
    _signed(worker, manager)
    TrainingRecord.objects.update(source_kind=SourceKind.EXTERNAL)  # as written before
    imported = record_training(
        person=worker.person,
        on=date(2025, 5, 1),
        hours=8,
        kind=TrainingKind.LEVEL_PLANT,
        source=None,
        title="外单位三级教育",
    )
    MIGRATION.forwards(apps, None)
    assert set(
        TrainingRecord.objects.exclude(pk=imported.pk).values_list("source_kind", flat=True)
    ) == {SourceKind.INDUCTION}
    imported.refresh_from_db()
    assert imported.source_kind == SourceKind.EXTERNAL
    MIGRATION.backwards(apps, None)
    assert set(TrainingRecord.objects.values_list("source_kind", flat=True)) == {
        SourceKind.EXTERNAL
    }
