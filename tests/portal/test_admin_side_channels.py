"""Issue 13, finding 13: admin side channels. The person listing's enterprise filter listed every
enterprise; a chooser's "chosen" URL returned the title of another enterprise's drill or paper by
id. Filters and chooser lookups are scoped like the listings now (tests/test_admin_sweep.py sweeps
every viewset's filters and every chooser)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def test_finding_13_the_person_filter_lists_only_the_managers_enterprise(
    client, other_manager, enterprise, other_enterprise
):
    PersonFactory(enterprise=enterprise)
    PersonFactory(enterprise=other_enterprise)
    client.force_login(other_manager)
    response = client.get(reverse("portal_people:index"))
    field = response.context["view"].filters.form.fields["enterprise"]
    assert list(field.queryset) == [other_enterprise]
    assert enterprise.name not in response.content.decode()


def test_finding_13_the_question_bank_filter_lists_only_the_managers_banks(
    client, other_manager, enterprise, other_enterprise
):
    from exams.models import QuestionBank
    from tests.exams.factories import make_questions

    make_questions(QuestionBank.objects.create(name="企业A专用题库", enterprise=enterprise), 1)
    own = QuestionBank.objects.create(name="企业B题库", enterprise=other_enterprise)
    make_questions(own, 1)
    client.force_login(other_manager)
    response = client.get(reverse("exams_questions:index"))
    assert list(response.context["view"].filters.form.fields["bank"].queryset) == [own]
    assert "企业A专用题库" not in response.content.decode()


def test_finding_13_the_drill_chooser_does_not_name_another_enterprises_drill(
    client, other_manager, enterprise
):
    from tests.drills.factories import make_drill

    drill = make_drill(enterprise=enterprise, title="企业A内部演练")
    client.force_login(other_manager)
    response = client.get(reverse("drill_chooser:chosen", args=[drill.pk]))
    assert response.status_code == 404
    assert "企业A内部演练" not in response.content.decode()


def test_finding_13_the_paper_chooser_does_not_name_another_enterprises_paper(
    client, other_manager, enterprise
):
    from tests.exams.factories import make_paper

    paper = make_paper(owner_enterprise=enterprise, title="企业A知识竞赛", open_to_all=True)
    client.force_login(other_manager)
    assert client.get(reverse("paper_chooser:chosen", args=[paper.pk])).status_code == 404


def test_finding_13_an_editor_still_chooses_the_districts_drills_and_papers(
    client, editor, district
):
    from tests.drills.factories import make_drill
    from tests.exams.factories import make_paper

    drill = make_drill(region=district, title="区级演练")
    paper = make_paper(owner_region=district, title="区知识竞赛", open_to_all=True)
    client.force_login(editor)
    assert client.get(reverse("drill_chooser:chosen", args=[drill.pk])).status_code == 200
    assert client.get(reverse("paper_chooser:chosen", args=[paper.pk])).status_code == 200
