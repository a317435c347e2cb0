"""Documents are checked for type (extension and content) and size, with Chinese errors; an
invalid upload through the Wagtail admin saves nothing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from wagtail.documents import get_document_model

from cms.forms import validate_document_upload


def _upload(name, content):
    return SimpleUploadedFile(name, content)


def test_a_real_pdf_is_accepted():
    validate_document_upload(_upload("规程.pdf", b"%PDF-1.7\n..."))


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("virus.exe", b"MZ\x90\x00", "不支持的文件类型“exe”"),
        ("noextension", b"data", "不支持的文件类型"),
        ("renamed.pdf", b"MZ\x90\x00this is an exe", "文件内容与扩展名“pdf”不符"),
        ("fake.docx", b"%PDF-1.4", "文件内容与扩展名“docx”不符"),
        ("empty.txt", b"", "文件是空的"),
    ],
)
def test_bad_documents_are_refused_with_a_chinese_reason(name, content, message):
    from django import forms

    with pytest.raises(forms.ValidationError) as error:
        validate_document_upload(_upload(name, content))
    assert message in str(
        error.value.messages[0] % error.value.params
        if error.value.params
        else error.value.messages[0]
    )


def test_a_too_large_document_is_refused(settings):
    from django import forms

    settings.WAGTAILDOCS_MAX_UPLOAD_SIZE = 10
    with pytest.raises(forms.ValidationError) as error:
        validate_document_upload(_upload("big.txt", b"x" * 11))
    assert "文件太大" in error.value.messages[0]


def test_the_admin_upload_form_shows_the_error_and_saves_nothing(client, editor):
    client.force_login(editor)
    response = client.post(
        reverse("wagtaildocs:add"),
        {
            "title": "改名的可执行文件",
            "file": _upload("manual.pdf", b"MZ\x90\x00"),
            "collection": 1,
        },
    )
    assert response.status_code == 200
    assert "文件内容与扩展名“pdf”不符" in response.content.decode()
    assert not get_document_model().objects.filter(title="改名的可执行文件").exists()


def test_the_admin_upload_form_accepts_a_valid_document(client, editor):
    client.force_login(editor)
    from wagtail.models import Collection

    response = client.post(
        reverse("wagtaildocs:add"),
        {
            "title": "有限空间规程",
            "file": _upload("manual.pdf", b"%PDF-1.4 ok"),
            "collection": Collection.get_first_root_node().pk,
        },
    )
    assert response.status_code == 302
    assert get_document_model().objects.filter(title="有限空间规程").exists()


def test_a_worker_cannot_upload_documents(client, worker):
    client.force_login(worker)
    response = client.post(
        reverse("wagtaildocs:add"), {"title": "x", "file": _upload("a.pdf", b"%PDF-1.4")}
    )
    assert response.status_code in (302, 403)
    assert not get_document_model().objects.filter(title="x").exists()


def test_an_image_that_is_not_an_image_is_refused_in_chinese(client, editor):
    from wagtail.images import get_image_model
    from wagtail.models import Collection

    client.force_login(editor)
    response = client.post(
        reverse("wagtailimages:add"),
        {
            "title": "假图片",
            "file": _upload("banner.png", b"MZ\x90\x00not an image"),
            "collection": Collection.get_first_root_node().pk,
        },
    )
    assert response.status_code == 200
    errors = " ".join(str(e) for e in response.context["form"].errors["file"])
    assert any("\u4e00" <= ch <= "\u9fff" for ch in errors), errors
    assert not get_image_model().objects.filter(title="假图片").exists()
