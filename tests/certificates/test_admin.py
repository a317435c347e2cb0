"""Administrators: manual and bulk issuing, revocation and reissue, the scoped listing and export,
the template preview."""

from __future__ import annotations

import io
import re

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from certificates import services, tasks
from certificates.models import BulkIssue, Certificate, CertificateEvent, ManualIssue
from tests.factories import PersonFactory, make_supervisor


@pytest.mark.django_db
def test_a_supervisor_issues_a_certificate_by_hand_with_a_reason(
    client, supervisor, person, cert_template, django_capture_on_commit_callbacks
):
    client.force_login(supervisor)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            reverse("certificates_admin:issue"),
            {
                "template": cert_template.pk,
                "id_number": person.id_number.lower(),
                "subject": "有限空间作业专项培训",
                "score": "90",
                "reason": "线下培训考核合格",
            },
        )

    assert response.status_code == 302
    certificate = Certificate.objects.get(person=person)
    assert certificate.issued_by == supervisor
    assert certificate.details["subject"] == "有限空间作业专项培训"
    assert isinstance(certificate.source, ManualIssue)
    assert CertificateEvent.objects.get(certificate=certificate).reason == "线下培训考核合格"
    assert len(callbacks) == 1  # the PDF render is queued after commit


@pytest.mark.django_db
def test_manual_issue_refuses_a_person_outside_the_issuers_region(
    client, street, other_person, cert_template
):
    client.force_login(make_supervisor(street))

    response = client.post(
        reverse("certificates_admin:issue"),
        {
            "template": cert_template.pk,
            "id_number": other_person.id_number,
            "subject": "培训",
            "reason": "补录",
        },
    )

    assert response.status_code == 200
    assert "无权为其发证" in response.content.decode()
    assert not Certificate.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["manager", "worker", "editor"])
def test_only_issuers_may_open_the_issue_forms(client, who, request):
    client.force_login(request.getfixturevalue(who))
    for name in ("issue", "bulk-new", "bulk-list"):
        assert client.get(reverse(f"certificates_admin:{name}")).status_code in (302, 403)


@pytest.mark.django_db
def test_revocation_needs_a_reason_and_is_logged(client, supervisor, person, issue):
    certificate = issue(person)
    client.force_login(supervisor)
    url = reverse("certificates_admin:revoke", args=[certificate.pk])

    empty = client.post(url, {"reason": "  "})
    certificate.refresh_from_db()
    assert empty.status_code == 200
    assert certificate.status == "valid"

    client.post(url, {"reason": "证书信息与档案不符"})
    certificate.refresh_from_db()
    event = CertificateEvent.objects.get(certificate=certificate, action="revoked")
    assert certificate.status == "revoked"
    assert certificate.status_reason == "证书信息与档案不符"
    assert event.user == supervisor
    assert event.reason == "证书信息与档案不符"


@pytest.mark.django_db
def test_a_manager_cannot_revoke_and_another_streets_supervisor_gets_404(
    client, manager, other_street, person, issue
):
    certificate = issue(person)
    url = reverse("certificates_admin:revoke", args=[certificate.pk])

    client.force_login(manager)
    assert client.post(url, {"reason": "x"}).status_code in (302, 403)  # Wagtail redirects
    client.force_login(make_supervisor(other_street))
    assert client.post(url, {"reason": "x"}).status_code == 404
    certificate.refresh_from_db()
    assert certificate.status == "valid"


@pytest.mark.django_db
def test_reissue_gives_a_new_serial_and_keeps_the_old_pdf(client, supervisor, person, issue):
    old = issue(person, render=True)
    old_pdf = old.pdf.open("rb").read()
    client.force_login(supervisor)

    client.post(
        reverse("certificates_admin:reissue", args=[old.pk]),
        {"reason": "成绩录入错误", "title": old.title, "subject": "有限空间作业", "score": "95"},
    )

    old.refresh_from_db()
    new = old.replaced_by
    assert old.status == "replaced"
    assert new.serial != old.serial
    assert new.details["score"] == "95"
    assert new.source_object_id == old.source_object_id
    assert old.pdf.open("rb").read() == old_pdf
    assert Certificate.objects.live().filter(person=person).get() == new


@pytest.mark.django_db
def test_a_bulk_issue_with_a_bad_line_issues_nothing_and_lists_every_bad_line(
    client, supervisor, person, cert_template
):
    client.force_login(supervisor)
    lines = "\n".join([person.id_number, "110101199001011234", person.id_number, "abc"])

    response = client.post(
        reverse("certificates_admin:bulk-new"),
        {"template": cert_template.pk, "subject": "再培训", "reason": "年度", "id_numbers": lines},
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert "第2行" in body
    assert "第3行" in body
    assert "第4行" in body
    assert "第1行" not in body
    assert not BulkIssue.objects.exists()
    assert not Certificate.objects.exists()


@pytest.mark.django_db
def test_a_bulk_issue_for_an_enterprise_runs_and_reruns_safely(
    client, supervisor, enterprise, person, cert_template, django_capture_on_commit_callbacks
):
    PersonFactory.create_batch(3, enterprise=enterprise)
    client.force_login(supervisor)
    with django_capture_on_commit_callbacks():
        response = client.post(
            reverse("certificates_admin:bulk-new"),
            {
                "template": cert_template.pk,
                "subject": "2026年度再培训",
                "reason": "年度再培训考核合格",
                "enterprise": enterprise.pk,
            },
        )
    bulk = BulkIssue.objects.get()
    assert response.status_code == 302
    assert bulk.total == 4

    assert tasks.run_bulk_issue(bulk.pk) == 4
    assert tasks.run_bulk_issue(bulk.pk) == 0  # a rerun issues nothing twice
    progress = services.bulk_progress(bulk)
    page = client.get(reverse("certificates_admin:bulk-detail", args=[bulk.pk])).content.decode()

    assert Certificate.objects.count() == 4
    assert progress["issued"] == 4
    assert progress["rendered"] == 0
    assert "已发证 4 / 4" in page
    bulk.refresh_from_db()
    assert bulk.status == "done"


@pytest.mark.django_db
def test_the_bulk_progress_page_is_only_for_its_creator(client, supervisor, person, cert_template):
    bulk = services.create_bulk_issue(
        user=supervisor, template=cert_template, subject="x", reason="y", people=[person]
    )
    other = make_supervisor(supervisor.region)
    client.force_login(other)
    assert client.get(reverse("certificates_admin:bulk-detail", args=[bulk.pk])).status_code == 404


@pytest.mark.django_db
def test_the_admin_listing_is_scoped_to_the_managers_enterprise(
    client, manager, other_manager, person, other_person, issue
):
    mine = issue(person)
    theirs = issue(other_person)
    client.force_login(manager)

    listing = client.get(reverse("certificates_certificates:index")).content.decode()
    inspect_theirs = client.get(reverse("certificates_certificates:inspect", args=[theirs.pk]))
    edit = client.get(reverse("certificates_certificates:edit", args=[mine.pk]))

    assert mine.serial in listing
    assert theirs.serial not in listing
    assert inspect_theirs.status_code == 404
    assert edit.status_code in (302, 403)  # certificates are never edited in place


@pytest.mark.django_db
def test_the_expiry_filter_and_the_xlsx_export(client, manager, person, issue):
    from datetime import timedelta

    from django.utils import timezone

    soon = issue(person)
    soon.valid_until = timezone.localdate() + timedelta(days=20)
    soon.save()
    later = issue(person)
    client.force_login(manager)

    listing = client.get(reverse("certificates_certificates:index"), {"expiry": "30"})
    export = client.get(
        reverse("certificates_certificates:index"), {"expiry": "30", "export": "xlsx"}
    )

    body = listing.content.decode()
    assert soon.serial in body
    assert later.serial not in body
    sheet = load_workbook(io.BytesIO(b"".join(export.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "证书编号"
    assert [r[0] for r in rows[1:]] == [soon.serial]
    assert person.id_number not in str(rows)  # masked in the export


@pytest.mark.django_db
def test_the_admin_listing_costs_the_same_queries_for_more_certificates(
    queries, client, superuser, person, issue
):
    # queries: session, user, permission checks, count, page of certificates joined with
    # person, enterprise and template; rows add no queries.
    def measure():
        client.force_login(superuser)
        client.get(reverse("certificates_certificates:index"))  # warm caches
        with queries.capture() as ctx:
            assert client.get(reverse("certificates_certificates:index")).status_code == 200
        return len(ctx.captured_queries)

    issue(person)
    small = measure()
    for _ in range(5):
        issue(person)
    assert measure() == small


@pytest.mark.django_db
def test_the_template_preview_is_rendered_by_the_cluster_then_served_as_pdf(
    client, supervisor, cert_template, monkeypatch
):
    queued = []
    monkeypatch.setattr(
        "django_q.tasks.async_task", lambda *args, **opts: queued.append((*args, opts))
    )
    client.force_login(supervisor)
    url = reverse("certificates_admin:template-preview", args=[cert_template.pk])

    waiting = client.get(url)
    assert waiting.status_code == 202
    assert "正在生成" in waiting.content.decode()
    assert queued
    assert queued[0][0] == "certificates.tasks.render_template_preview"

    assert queued[0][-1] == {"cluster": "render"}  # the low-priority render cluster
    tasks.render_template_preview(*queued[0][1:-1])
    ready = client.get(url)

    assert ready["Content-Type"] == "application/pdf"
    assert b"".join(ready.streaming_content).startswith(b"%PDF")
    assert default_storage.exists(services.preview_path(cert_template))


@pytest.mark.django_db
def test_workers_cannot_preview_templates(client, worker, cert_template):
    client.force_login(worker)
    url = reverse("certificates_admin:template-preview", args=[cert_template.pk])
    assert client.get(url).status_code in (302, 403)


@pytest.mark.django_db
def test_a_bulk_issue_shows_its_progress_to_its_creator_only(
    client, supervisor, enterprise, person, cert_template, queued_tasks
):
    from portal.models import Progress

    PersonFactory.create_batch(2, enterprise=enterprise)
    client.force_login(supervisor)
    response = client.post(
        reverse("certificates_admin:bulk-new"),
        {
            "template": cert_template.pk,
            "subject": "2026年度再培训",
            "reason": "年度再培训考核合格",
            "enterprise": enterprise.pk,
        },
    )
    record = Progress.objects.get()
    bulk = BulkIssue.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:progress", args=[record.pk])
    assert (record.owner, record.total, record.status) == (supervisor, 3, "queued")

    tasks.run_bulk_issue(bulk.pk, progress_id=str(record.pk))
    data = client.get(reverse("portal:progress-json", args=[record.pk])).json()

    assert (data["done"], data["total"], data["percent"], data["status"]) == (3, 3, 100, "done")
    assert data["result_url"] == reverse("certificates_admin:bulk-detail", args=[bulk.pk])
    assert "已发证 3 张" in data["message"]
    other = make_supervisor(supervisor.region)
    client.force_login(other)
    assert client.get(reverse("portal:progress", args=[record.pk])).status_code == 404
    assert client.get(reverse("portal:progress-json", args=[record.pk])).status_code == 404


def test_the_certificate_template_chooser_speaks_the_language_of_each_request():
    """Wagtail formats its snippet chooser's "Choose …" once, when the form class is built: the
    paper's template chooser, built under English, must still speak Chinese to a Chinese request."""
    import wagtail.admin.urls  # noqa: F401  (registers the viewsets)
    from wagtail.admin.forms.models import formfield_for_dbfield

    from exams.models import Paper

    with translation.override("en"):
        widget = formfield_for_dbfield(Paper._meta.get_field("certificate_template")).widget
    with translation.override("zh-hans"):
        html = widget.render("x", None, attrs={"id": "id_x"})
    assert not re.search(r"\bChoose\b", html)
    assert "选择证书模板" in html
