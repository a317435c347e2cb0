"""一人一档: the PDF's sections, the masked identity, the sections other apps register, and the
queries a file costs whatever the person has."""

from __future__ import annotations

import subprocess  # nosec B404 # pdftotext with fixed arguments
from datetime import date

import pytest
from django.utils import timezone

from dossiers import sections, services
from portal import registry
from portal.models import Person
from tests.dossiers.factories import fill_person

pytestmark = pytest.mark.django_db


def _person(worker) -> Person:
    return Person.objects.select_related("enterprise", "special_operation").get(pk=worker.person.pk)


def _pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "file.pdf"
    path.write_bytes(data)
    return subprocess.run(  # nosec B603 B607 # fixed argv, no shell
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_the_pdf_holds_every_part_of_the_file_with_the_identity_masked(worker, tmp_path):
    # given a worker with records, exams, certificates, drills and an operator certificate
    today = timezone.localdate()
    person = _person(worker)
    fill_person(person, today=today)
    # when the file is rendered
    data = services.person_pdf(person, today)
    # then
    assert data.startswith(b"%PDF")
    text = _pdf_text(data, tmp_path)
    for heading in (
        "基本信息",
        "特种作业/特种设备作业人员证",
        "培训记录与年度学时",
        "考试成绩",
        "培训证书",
        "参加应急演练",
    ):
        assert heading in text
    assert person.name in text
    assert person.masked_id_number in text
    assert person.id_number not in text
    assert "专题培训0" in text
    assert "安全知识考试0" in text
    assert "安全培训合格证书0" in text
    assert "液氯泄漏处置演练0" in text
    assert f"N1-{person.pk}-0" in text
    assert str(today.year - 1) in text  # last year's hours against its requirement


def test_a_section_another_app_registers_is_rendered_in_its_place(worker, monkeypatch):
    person = _person(worker)
    monkeypatch.setitem(
        registry.person_file_sections,
        "induction",
        registry.PersonFileSection(
            key="induction",
            title="三级安全教育",
            template="pdf/person_file/identity.html",
            get_context=sections.identity_context,
            order=20,
        ),
    )
    monkeypatch.setitem(
        registry.person_file_sections,
        "nothing",
        registry.PersonFileSection(
            key="nothing",
            title="不适用的部分",
            template="pdf/person_file/identity.html",
            get_context=lambda p, on: None,
            order=25,
        ),
    )
    keys = [s["section"].key for s in services.person_sections(person, date(2026, 6, 1))]
    assert keys == [
        "identity",
        "induction",
        "operators",
        "training",
        "exams",
        "certificates",
        "drills",
    ]
    html = services.person_html(person, date(2026, 6, 1))
    assert "二、三级安全教育" in html
    assert "不适用的部分" not in html


def test_the_file_costs_the_same_queries_whatever_the_person_has(worker, other_worker, queries):
    today = timezone.localdate()
    small, big = _person(worker), _person(other_worker)
    fill_person(small, today=today, n=1, tag="a")
    fill_person(big, today=today, n=4, tag="b")
    counts = []
    for person in (small, big):
        with queries.capture() as ctx:
            services.person_html(person, today)
        counts.append(len(ctx))
    # identity 0; operator certificates 2 (rules, certificates); training 1 + 2 a year
    # (records; the requirement table and the annotated person, for this year and last);
    # exams 1; certificates 1; drills 1; 三级安全教育 1 (the person's inductions: none here)
    assert counts == [2 + 1 + 2 * 2 + 1 + 1 + 1 + 1] * 2
