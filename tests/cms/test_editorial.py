"""Editors create and edit but cannot publish; they submit to the 内容审核 workflow; reviewers
approve or reject with a comment. All of it set up by cms.services.setup_editorial after migrate."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from wagtail.models import GroupApprovalTask, Page, WorkflowState
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from cms.models import NewsPage
from cms.services import TASK_NAME, WORKFLOW_NAME
from portal import roles
from tests.cms.factories import add_news


def _edit_data(page, **extra):
    data = nested_form_data(
        {
            "title": page.title,
            "slug": page.slug,
            "date": page.date.isoformat(),
            "summary": "编辑修改后的摘要",
            "tags": "",
            "body": streamfield(
                [("paragraph", rich_text("修改后的正文：有限空间作业必须先通风再检测。"))]
            ),
            "comments": inline_formset([]),
        }
    )
    data.update(extra)
    return data


@pytest.fixture
def news(news_index):
    return add_news(news_index, "关于加强有限空间作业管理的通知", "原始正文")


def test_the_workflow_is_assigned_to_the_whole_tree_with_the_reviewer_group(home):
    root = Page.get_first_root_node()
    workflow = root.get_workflow()
    assert workflow.name == WORKFLOW_NAME
    assert home.get_workflow() == workflow
    task = GroupApprovalTask.objects.get(name=TASK_NAME)
    assert list(task.groups.values_list("name", flat=True)) == [roles.REVIEWER]
    # Wagtail's default groups are not used (see docs/content.md).
    assert not Group.objects.filter(name__in=["Editors", "Moderators"]).exists()


def test_editor_can_edit_but_not_publish(news, editor):
    permissions = news.permissions_for_user(editor)
    assert permissions.can_edit()
    assert not permissions.can_publish()


def test_reviewer_can_publish(news, reviewer):
    assert news.permissions_for_user(reviewer).can_publish()


def test_worker_cannot_edit_pages_or_enter_the_admin(news, client, worker):
    assert not news.permissions_for_user(worker).can_edit()
    client.force_login(worker)
    response = client.get(reverse("wagtailadmin_pages:edit", args=[news.pk]))
    assert response.status_code in (302, 403)


def test_editor_pressing_publish_only_saves_a_draft(news, client, editor):
    client.force_login(editor)
    response = client.post(
        reverse("wagtailadmin_pages:edit", args=[news.pk]),
        _edit_data(news, **{"action-publish": "1"}),
    )
    assert response.status_code == 302
    news.refresh_from_db()
    assert news.has_unpublished_changes
    assert news.live_revision.as_object().summary != "编辑修改后的摘要"


def test_editor_submits_for_review_and_reviewer_approves_so_the_page_goes_live(
    news, client, editor, reviewer
):
    client.force_login(editor)
    response = client.post(
        reverse("wagtailadmin_pages:edit", args=[news.pk]),
        _edit_data(news, **{"action-submit": "1"}),
    )
    assert response.status_code == 302
    state = WorkflowState.objects.get(base_content_type__model="page", object_id=str(news.pk))
    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    task_state = state.current_task_state

    # The editor may not approve his own submission.
    url = reverse("wagtailadmin_pages:workflow_action", args=[news.pk, "approve", task_state.pk])
    response = client.post(url, {"comment": ""})
    news.refresh_from_db()
    assert news.live_revision.as_object().summary != "编辑修改后的摘要"

    client.force_login(reviewer)
    response = client.post(url, {"comment": "内容准确，同意发布。"})
    assert response.status_code in (200, 302)
    news.refresh_from_db()
    assert NewsPage.objects.get(pk=news.pk).summary == "编辑修改后的摘要"
    assert not news.has_unpublished_changes
    state.refresh_from_db()
    assert state.status == WorkflowState.STATUS_APPROVED


def test_reviewer_rejects_with_a_comment_and_the_page_stays_as_it_was(
    news, client, editor, reviewer
):
    client.force_login(editor)
    client.post(
        reverse("wagtailadmin_pages:edit", args=[news.pk]),
        _edit_data(news, **{"action-submit": "1"}),
    )
    state = WorkflowState.objects.get(base_content_type__model="page", object_id=str(news.pk))
    task_state = state.current_task_state

    client.force_login(reviewer)
    url = reverse("wagtailadmin_pages:workflow_action", args=[news.pk, "reject", task_state.pk])
    client.post(url, {"comment": "请补充整治时间安排。"})
    task_state.refresh_from_db()
    assert task_state.status == task_state.STATUS_REJECTED
    assert task_state.comment == "请补充整治时间安排。"
    assert NewsPage.objects.get(pk=news.pk).summary != "编辑修改后的摘要"


def test_editor_and_reviewer_can_upload_images_and_documents(editor, reviewer, worker):
    from wagtail.documents import get_document_model
    from wagtail.documents.permissions import permission_policy as doc_policy
    from wagtail.images.permissions import permission_policy as image_policy

    assert get_document_model()
    for user in (editor, reviewer):
        assert doc_policy.user_has_permission(user, "add")
        assert image_policy.user_has_permission(user, "add")
    assert not doc_policy.user_has_permission(worker, "add")


def test_the_admin_editors_and_choosers_render(client, superuser, news, campaign_index, editor):
    client.force_login(superuser)
    assert client.get(reverse("wagtailadmin_pages:edit", args=[news.pk])).status_code == 200
    add = reverse("wagtailadmin_pages:add", args=["cms", "campaignpage", campaign_index.pk])
    assert client.get(add).status_code == 200
    for name in ("drill_chooser:choose", "paper_chooser:choose"):
        assert client.get(reverse(name)).status_code == 200
    settings_url = reverse("wagtailsettings:edit", args=["cms", "sitesettings"])
    assert client.get(settings_url, follow=True).status_code == 200
    client.force_login(editor)
    assert client.get(reverse("wagtailadmin_pages:edit", args=[news.pk])).status_code == 200
