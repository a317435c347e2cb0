"""Issue 13 finding 14: the certificate seal rendition was public at a predictable /media/images/
URL. Seals and signatures live in the private storage (portal.storage): no URL, outside
MEDIA_ROOT, read only by the PDF renderer; existing seals are moved there by a migration."""

from __future__ import annotations

import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from PIL import Image as PILImage
from pypdf import PdfReader
from wagtail.images.models import Image, Rendition

from certificates.demo import draw_seal, seal_file
from certificates.models import CertificateTemplate
from portal.storage import PrivateFileSystemStorage
from tests.certificates.factories import CertificateTemplateFactory, issue_manual_certificate

# Images on a template that are only decoration and may stay in the public image library.
DECORATIVE_IMAGE_FIELDS = {"background"}


def _pdf_image_sizes(certificate) -> list[tuple[int, int]]:
    reader = PdfReader(certificate.pdf.open("rb"))
    return [image.image.size for page in reader.pages for image in page.images]


def _files_under(root) -> list:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


@pytest.fixture
def sealed_template(db):
    return CertificateTemplateFactory(
        name="带公章的证书", seal=seal_file("测试区应急管理局"), signature=seal_file("张主任")
    )


# ------------------------------------------------------------------ the finding itself


@pytest.mark.django_db
def test_finding_14_the_seal_has_no_public_url_and_no_copy_under_media_root(
    client, settings, sealed_template, person
):
    # given a certificate rendered with the sealed template
    certificate = _issue_with(sealed_template, person)

    # then the seal is a private file: no URL, not under MEDIA_ROOT, no Wagtail image
    for field_file in (sealed_template.seal, sealed_template.signature):
        with pytest.raises(ValueError, match="no URL"):
            field_file.url  # noqa: B018
        path = settings.PRIVATE_MEDIA_ROOT / field_file.name
        assert path.is_file()
        assert settings.MEDIA_ROOT not in path.parents
        for url in (f"/media/{field_file.name}", f"/media/images/{path.name}"):
            assert client.get(url).status_code == 404
    assert not Image.objects.exists()
    assert not Rendition.objects.exists()
    # the only file under MEDIA_ROOT is the certificate itself
    assert [p.name for p in _files_under(settings.MEDIA_ROOT)] == [
        certificate.pdf.name.rsplit("/", 1)[-1]
    ]


@pytest.mark.django_db
def test_finding_14_the_certificate_still_renders_with_the_seal(sealed_template, person):
    certificate = _issue_with(sealed_template, person)
    sizes = _pdf_image_sizes(certificate)
    assert (400, 400) in sizes  # the seal (drawn at 400×400, within the 400×400 bound)
    assert (200, 200) in sizes  # the signature, scaled down into its 400×200 bound


@pytest.mark.django_db
def test_finding_14_a_template_without_a_seal_renders_without_one(cert_template, person, issue):
    assert (400, 400) not in _pdf_image_sizes(issue(person, render=True))


@pytest.mark.django_db
def test_finding_14_the_template_editor_names_the_seal_without_linking_to_it(
    client, superuser, sealed_template
):
    client.force_login(superuser)
    response = client.get(
        reverse("wagtailsnippets_certificates_certificatetemplate:edit", args=[sealed_template.pk])
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert sealed_template.seal.name.rsplit("/", 1)[-1] in html
    assert "certificates/seals/" not in html  # neither a link nor the stored path


@pytest.mark.django_db
def test_finding_14_an_editor_uploads_a_new_seal_into_the_private_storage(
    client, superuser, sealed_template, settings
):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.forms.models import model_to_dict

    client.force_login(superuser)
    data = {
        k: v
        for k, v in model_to_dict(sealed_template).items()
        if k not in ("seal", "signature", "background", "id") and v is not None
    }
    data["seal"] = SimpleUploadedFile("new-seal.png", draw_seal("新公章", 300), "image/png")
    response = client.post(
        reverse("wagtailsnippets_certificates_certificatetemplate:edit", args=[sealed_template.pk]),
        data,
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    sealed_template.refresh_from_db()
    assert sealed_template.seal.name.startswith("certificates/seals/new-seal")
    assert (settings.PRIVATE_MEDIA_ROOT / sealed_template.seal.name).is_file()
    assert not _files_under(settings.MEDIA_ROOT)


# ------------------------------------------------------------------ the class


def test_sweep_every_non_decorative_image_or_file_of_a_template_is_private():
    """A new image or file on CertificateTemplate is private unless listed as decoration."""
    for field in CertificateTemplate._meta.concrete_fields:
        if field.name in DECORATIVE_IMAGE_FIELDS:
            continue
        assert not (field.is_relation and field.related_model is Image), field.name
        if hasattr(field, "storage"):
            assert isinstance(field.storage, PrivateFileSystemStorage), field.name


@pytest.mark.django_db
def test_the_private_storage_lies_outside_media_root_and_refuses_urls(settings):
    storage = storages["private"]
    name = storage.save("probe.txt", ContentFile(b"x"))
    assert (settings.PRIVATE_MEDIA_ROOT / name).is_file()
    assert not _files_under(settings.MEDIA_ROOT)
    with pytest.raises(ValueError, match="no URL"):
        storage.url(name)


def test_the_check_refuses_a_private_root_inside_media_root(settings, tmp_path):
    from portal.checks import check_private_media_root

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "media" / "private"
    assert [e.id for e in check_private_media_root(None)] == ["portal.E002"]
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    assert check_private_media_root(None) == []


# ------------------------------------------------------------------ the data migration


def _png(colour) -> bytes:
    buf = io.BytesIO()
    PILImage.new("RGB", (60, 40), colour).save(buf, format="PNG")
    return buf.getvalue()


def _stored(name: str, colour) -> str:
    from django.core.files.storage import default_storage

    return default_storage.save(name, ContentFile(_png(colour)))


@pytest.mark.django_db(transaction=True)
def test_finding_14_the_migration_moves_existing_seals_out_of_the_image_library(settings):
    before = [("certificates", "0005_reminder_notices_move_to_portal")]
    after = [("certificates", "0007_drop_public_seal_and_signature")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        old_apps = executor.loader.project_state(before).apps
        image_model = old_apps.get_model("wagtailimages", "Image")
        # (historical models lack Wagtail's upload_to methods: the files are stored first)
        seal = image_model.objects.create(
            title="公章", width=60, height=40, file=_stored("original_images/seal.png", "red")
        )
        rendition = old_apps.get_model("wagtailimages", "Rendition").objects.create(
            image=seal,
            filter_spec="max-400x400|format-png",
            width=60,
            height=40,
            file=_stored("images/seal.max-400x400.png", "red"),
        )
        # the signature image is also the background of a template: it stays in the library
        shared = image_model.objects.create(
            title="签名", width=60, height=40, file=_stored("original_images/sig.png", "blue")
        )
        old_apps.get_model("certificates", "CertificateTemplate").objects.create(
            name="旧模板",
            title="证书",
            body="{holder_name}",
            issuer="测试区应急管理局",
            seal=seal,
            signature=shared,
            background=shared,
        )
        seal_files = [seal.file.name, rendition.file.name]
        assert all((settings.MEDIA_ROOT / name).is_file() for name in seal_files)

        executor = MigrationExecutor(connection)
        executor.migrate(after)

        template = CertificateTemplate.objects.get(name="旧模板")
        assert template.seal.storage.open(template.seal.name).read() == _png("red")
        assert template.signature.storage.open(template.signature.name).read() == _png("blue")
        assert not Image.objects.filter(pk=seal.pk).exists()
        assert not Rendition.objects.filter(pk=rendition.pk).exists()
        assert not any((settings.MEDIA_ROOT / name).exists() for name in seal_files)
        assert Image.objects.filter(pk=shared.pk).exists()  # used elsewhere: kept
    finally:
        MigrationExecutor(connection).migrate(
            MigrationExecutor(connection).loader.graph.leaf_nodes()
        )


def _issue_with(template, person):
    from certificates import tasks

    certificate = issue_manual_certificate(person, template=template, title=template.title)
    tasks.render_certificate_pdf(certificate.pk)
    certificate.refresh_from_db()
    return certificate
