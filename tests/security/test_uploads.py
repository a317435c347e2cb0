"""Every upload path refuses a wrong-typed or oversized file with a clear Chinese message and stores
nothing: Wagtail images (course covers, question images, certificate backgrounds use them), the
private images of certificate templates (seal, signature: same limits), Wagtail documents, drill attachments and emergency plan files (site and admin), and the
.xlsx imports (roster, questions, training records, class attendance)."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image as PILImage
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Collection

pytestmark = [pytest.mark.security, pytest.mark.django_db]

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200


def _png(size=(8, 8), fmt="PNG") -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", size, (200, 30, 30)).save(buffer, fmt)
    return buffer.getvalue()


def _upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def _text(response) -> str:
    return response.content.decode()


# ---- Wagtail images


def _add_image(client, name, content, title="上传测试图片"):
    return client.post(
        reverse("wagtailimages:add"),
        {
            "title": title,
            "file": _upload(name, content),
            "collection": Collection.get_first_root_node().pk,
        },
    )


def test_a_real_image_is_stored(client, editor):
    client.force_login(editor)
    response = _add_image(client, "封面.png", _png())
    assert response.status_code == 302
    assert get_image_model().objects.filter(title="上传测试图片").exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("程序.exe", EXE, "请上传一张有效的图片"),
        ("改名.png", EXE, "请上传一张有效的图片"),
        (
            "矢量.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "不支持的图片格式",
        ),
    ],
)
def test_a_file_that_is_not_an_allowed_image_is_refused(client, editor, name, content, message):
    client.force_login(editor)
    response = _add_image(client, name, content)
    assert response.status_code == 200
    assert message in _text(response)
    assert not get_image_model().objects.exists()


def test_an_oversized_image_is_refused(client, editor, settings):
    settings.WAGTAILIMAGES_MAX_UPLOAD_SIZE = 100
    client.force_login(editor)
    content = _png((64, 64))
    assert len(content) > 100
    response = _add_image(client, "大图.png", content)
    assert response.status_code == 200
    assert "文件过大" in _text(response)
    assert not get_image_model().objects.exists()


def test_an_image_with_too_many_pixels_is_refused(client, editor, settings):
    """A small file can decode to a huge bitmap (a decompression bomb): Wagtail counts pixels."""
    settings.WAGTAILIMAGES_MAX_IMAGE_PIXELS = 1000
    client.force_login(editor)
    response = _add_image(client, "炸弹.png", _png((64, 64)))
    assert response.status_code == 200
    assert "像素" in _text(response)
    assert not get_image_model().objects.exists()


# ---- the private images of certificate templates (seal, signature)


def _post_seal(client, superuser, name, content):
    from django.forms.models import model_to_dict

    from tests.certificates.factories import CertificateTemplateFactory

    template = CertificateTemplateFactory()
    data = {
        k: v
        for k, v in model_to_dict(template).items()
        if k not in ("id", "seal", "signature", "background") and v is not None
    }
    client.force_login(superuser)
    response = client.post(
        reverse("wagtailsnippets_certificates_certificatetemplate:edit", args=[template.pk]),
        {**data, "seal": _upload(name, content)},
    )
    template.refresh_from_db()
    return response, template


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("公章.exe", EXE, "请上传一张有效的图片"),
        ("公章.png", EXE, "请上传一张有效的图片"),
        ("公章.gif", _png(fmt="GIF"), "只接受 PNG 或 JPEG 图片"),
    ],
)
def test_a_seal_that_is_not_a_png_or_jpeg_is_refused(client, superuser, name, content, message):
    response, template = _post_seal(client, superuser, name, content)
    assert response.status_code == 200
    assert message in _text(response)
    assert not template.seal


def test_an_oversized_seal_is_refused(client, superuser, settings):
    settings.WAGTAILIMAGES_MAX_UPLOAD_SIZE = 100
    response, template = _post_seal(client, superuser, "公章.png", _png((64, 64)))
    assert response.status_code == 200
    assert "文件过大" in _text(response)
    assert not template.seal


def test_a_seal_with_too_many_pixels_is_refused(client, superuser, settings):
    settings.WAGTAILIMAGES_MAX_IMAGE_PIXELS = 1000
    response, template = _post_seal(client, superuser, "公章.png", _png((64, 64)))
    assert response.status_code == 200
    assert "像素过多" in _text(response)
    assert not template.seal


def test_a_real_seal_is_stored_privately(client, superuser, settings):
    response, template = _post_seal(client, superuser, "公章.png", _png((64, 64)))
    assert response.status_code == 302
    assert (settings.PRIVATE_MEDIA_ROOT / template.seal.name).is_file()


def test_the_multiple_image_uploader_refuses_a_renamed_file(client, editor):
    client.force_login(editor)
    response = client.post(
        reverse("wagtailimages:add_multiple"),
        {"files[]": _upload("照片.jpg", EXE), "title": "照片"},
    )
    data = response.json()
    assert data["success"] is False
    assert "请上传一张有效的图片" in data["error_message"]
    assert not get_image_model().objects.exists()


# ---- Wagtail documents (the single-file form is covered in tests/cms/test_uploads.py)


def test_the_multiple_document_uploader_refuses_a_renamed_executable(client, editor):
    client.force_login(editor)
    response = client.post(
        reverse("wagtaildocs:add_multiple"),
        {"files[]": _upload("规程.pdf", EXE), "title": "规程"},
    )
    data = response.json()
    assert data["success"] is False
    assert "文件内容与扩展名“pdf”不符" in data["error_message"]
    assert not get_document_model().objects.exists()


def test_the_multiple_document_uploader_refuses_an_oversized_file(client, editor, settings):
    settings.WAGTAILDOCS_MAX_UPLOAD_SIZE = 10
    client.force_login(editor)
    response = client.post(
        reverse("wagtaildocs:add_multiple"),
        {"files[]": _upload("规程.pdf", b"%PDF-1.4 " + b"x" * 100), "title": "规程"},
    )
    data = response.json()
    assert data["success"] is False
    assert "文件过大" in data["error_message"]
    assert not get_document_model().objects.exists()


# ---- drill attachments and emergency plans


@pytest.fixture
def drill(enterprise, manager):
    from tests.drills.factories import make_drill

    return make_drill(enterprise=enterprise, created_by=manager)


@pytest.mark.parametrize(
    ("kind", "name", "content", "message"),
    [
        ("plan", "预案.pdf", EXE, "文件内容与扩展名“pdf”不符"),
        ("photo", "现场.jpg", EXE, "文件内容与扩展名“jpg”不符"),
        ("photo", "现场.png", b"\xff\xd8\xff" + b"0" * 50, "文件内容与扩展名“png”不符"),
        ("video", "录像.mp4", EXE, "文件内容与扩展名“mp4”不符"),
        ("sign_in", "签到.xlsx", b"%PDF-1.4", "文件内容与扩展名“xlsx”不符"),
        ("photo", "现场.svg", b"<svg/>", "照片只接受以下格式"),
    ],
)
def test_a_drill_attachment_of_the_wrong_type_is_refused(
    client, manager, drill, kind, name, content, message
):
    client.force_login(manager)
    response = client.post(
        reverse("drills:attachment-upload", args=[drill.pk]),
        {"kind": kind, "file": _upload(name, content)},
        follow=True,
    )
    assert message in _text(response)
    assert not drill.attachments.exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("现场.jpg", b"\xff\xd8\xff\xe0" + b"0" * 50),
        ("现场.png", _png()),
        ("现场.webp", b"RIFF\x00\x00\x00\x00WEBPVP8 " + b"0" * 20),
        ("录像.mp4", b"\x00\x00\x00\x18ftypmp42" + b"0" * 20),
    ],
)
def test_a_drill_attachment_whose_content_matches_is_stored(client, manager, drill, name, content):
    kind = "video" if name.endswith(".mp4") else "photo"
    client.force_login(manager)
    client.post(
        reverse("drills:attachment-upload", args=[drill.pk]),
        {"kind": kind, "file": _upload(name, content)},
    )
    assert drill.attachments.get().original_name == name


def _plan_fields(enterprise):
    return {
        "enterprise": enterprise.pk,
        "name": "危化品泄漏专项预案",
        "plan_type": "special",
        "version": "1.0",
        "filing_status": "not_filed",
    }


def test_a_renamed_plan_file_is_refused_on_the_site(client, manager, enterprise):
    from drills.models import EmergencyPlan

    client.force_login(manager)
    response = client.post(
        reverse("drills:plan-create"),
        {**_plan_fields(enterprise), "file": _upload("预案.pdf", EXE)},
    )
    assert response.status_code == 200
    assert "文件内容与扩展名“pdf”不符" in _text(response)
    assert not EmergencyPlan.objects.exists()
    response = client.post(
        reverse("drills:plan-create"),
        {**_plan_fields(enterprise), "file": _upload("预案.pdf", b"%PDF-1.7 plan")},
    )
    assert response.status_code == 302
    assert EmergencyPlan.objects.get().file.name.endswith(".pdf")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("预案.pdf", EXE, "文件内容与扩展名“pdf”不符"),
        ("预案.exe", EXE, "预案只接受以下格式"),
    ],
)
def test_a_bad_plan_file_is_refused_in_the_admin(
    client, manager, enterprise, name, content, message
):
    from drills.models import EmergencyPlan

    client.force_login(manager)
    response = client.post(
        reverse("drills_plans:add"),
        {**_plan_fields(enterprise), "accident_types": "[]", "file": _upload(name, content)},
    )
    assert response.status_code == 200
    assert message in _text(response)
    assert not EmergencyPlan.objects.exists()


# ---- .xlsx imports


def _xlsx(header, rows) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(header)
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _roster(world):
    from portal.models import Person

    def post(client, upload):
        return client.post(
            reverse("portal_admin:roster-import"),
            {"enterprise": world["enterprise"].pk, "file": upload},
        )

    return world["manager"], post, Person.objects.count


def _questions(world):
    from exams.models import Question, QuestionBank

    bank = QuestionBank.objects.create(name="题库", region=world["district"])

    def post(client, upload):
        return client.post(reverse("exams_admin:import"), {"bank": bank.pk, "file": upload})

    return world["examiner"], post, Question.objects.count


def _records(world):
    from courses.models import TrainingRecord

    def post(client, upload):
        return client.post("/courses/records/import/", {"file": upload}, follow=True)

    return world["manager"], post, TrainingRecord.objects.count


def _attendance(world):
    from courses.models import ClassRegistration
    from tests.courses.factories import TrainingClassFactory

    training_class = TrainingClassFactory(region=world["district"])

    def post(client, upload):
        return client.post(
            f"/courses/classes/{training_class.pk}/attendance/import/",
            {"file": upload},
            follow=True,
        )

    return world["supervisor"], post, ClassRegistration.objects.count


IMPORTS = {
    "roster": _roster,
    "questions": _questions,
    "records": _records,
    "attendance": _attendance,
}


@pytest.fixture
def world(district, enterprise, manager, examiner, supervisor):
    return {
        "district": district,
        "enterprise": enterprise,
        "manager": manager,
        "examiner": examiner,
        "supervisor": supervisor,
    }


@pytest.mark.parametrize("path", list(IMPORTS))
@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("名册.csv", "姓名,身份证号\n张三,1".encode(), "只支持 Excel（.xlsx）文件"),
        ("名册.xlsx", EXE, "无法读取该文件"),
        ("名册.xlsx", b"PK\x03\x04" + b"\x00" * 64, "无法读取该文件"),
    ],
)
def test_an_import_of_the_wrong_type_is_refused(client, world, path, name, content, message):
    user, post, count = IMPORTS[path](world)
    before = count()
    client.force_login(user)
    response = post(client, _upload(name, content))
    assert message in _text(response)
    assert count() == before


@pytest.mark.parametrize("path", list(IMPORTS))
def test_an_oversized_import_is_refused(client, world, settings, path):
    user, post, count = IMPORTS[path](world)
    content = _xlsx(["姓名", "身份证号"], [["张三", "330106199001011234"]] * 50)
    settings.IMPORT_MAX_BYTES = len(content) - 1
    before = count()
    client.force_login(user)
    response = post(client, _upload("名册.xlsx", content))
    assert "文件过大" in _text(response)
    assert count() == before


def test_the_admin_plan_form_offers_only_the_managers_enterprise(
    client, manager, enterprise, other_enterprise
):
    """The admin's plan form is the scoped PlanAdminForm even though the model has panels: another
    enterprise's plan cannot be created there."""
    from drills.models import EmergencyPlan

    client.force_login(manager)
    response = client.post(
        reverse("drills_plans:add"),
        {**_plan_fields(other_enterprise), "accident_types": "[]"},
    )
    assert response.status_code == 200
    assert not EmergencyPlan.objects.exists()
    response = client.post(
        reverse("drills_plans:add"),
        {
            **_plan_fields(enterprise),
            "accident_types": "[]",
            "file": _upload("预案.pdf", b"%PDF-1.7 plan"),
        },
    )
    assert response.status_code == 302
    assert EmergencyPlan.objects.get().enterprise == enterprise
