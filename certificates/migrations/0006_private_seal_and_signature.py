"""Issue 13 finding 14: certificate seals (and signatures) leave the Wagtail image library, whose
renditions are public at predictable /media/images/ URLs, for the private storage (no URL).

Each template's seal and signature image is copied into the private storage; an image that nothing
else uses is then deleted with its renditions and files, so no public copy remains. An image that
something else still uses (a page, another model) is left where it is, and said so."""

import os

from django.core.files.base import ContentFile
from django.db import migrations

import portal.storage

MOVED = (("seal", "private_seal"), ("signature", "private_signature"))


def _used_elsewhere(apps, image) -> bool:
    """Whether anything but a template's seal/signature points at the image: a foreign key, or a
    reference Wagtail indexed (a chooser block or a rich-text embed in a StreamField)."""
    image_model = apps.get_model("wagtailimages", "Image")
    rendition_model = apps.get_model("wagtailimages", "Rendition")
    template_model = apps.get_model("certificates", "CertificateTemplate")
    for model in apps.get_models():
        if model is rendition_model:
            continue
        for field in model._meta.concrete_fields:
            if not field.is_relation or field.related_model is not image_model:
                continue
            if model is template_model and field.name in {old for old, _new in MOVED}:
                continue
            if model._base_manager.filter(**{field.name: image.pk}).exists():
                return True
    content_type = apps.get_model("contenttypes", "ContentType")
    image_type = content_type.objects.filter(app_label="wagtailimages", model="image").first()
    template_type = content_type.objects.filter(
        app_label="certificates", model="certificatetemplate"
    ).first()
    if image_type is None:
        return False
    references = apps.get_model("wagtailcore", "ReferenceIndex").objects.filter(
        to_content_type=image_type, to_object_id=str(image.pk)
    )
    if template_type is not None:
        references = references.exclude(content_type=template_type)
    return references.exists()


def _delete_with_its_files(apps, image) -> None:
    rendition_model = apps.get_model("wagtailimages", "Rendition")
    for rendition in rendition_model.objects.filter(image_id=image.pk):
        if rendition.file:
            rendition.file.storage.delete(rendition.file.name)
        rendition.delete()
    if image.file:
        image.file.storage.delete(image.file.name)
    apps.get_model("wagtailcore", "ReferenceIndex").objects.filter(
        to_content_type__app_label="wagtailimages",
        to_content_type__model="image",
        to_object_id=str(image.pk),
    ).delete()
    image.delete()


def move_to_private_storage(apps, schema_editor):
    template_model = apps.get_model("certificates", "CertificateTemplate")
    image_model = apps.get_model("wagtailimages", "Image")
    moved_images = set()
    for template in template_model.objects.all():
        changed = []
        for old, new in MOVED:
            image = image_model.objects.filter(pk=getattr(template, f"{old}_id")).first()
            if image is None or not image.file:
                continue
            try:
                with image.file.storage.open(image.file.name, "rb") as fh:
                    data = fh.read()
            except OSError:
                print(f"\n  certificates: the {old} file of template {template.pk} is missing")
                continue
            name = os.path.basename(image.file.name)
            getattr(template, new).save(name, ContentFile(data), save=False)
            changed.append(new)
            moved_images.add(image.pk)
        if changed:
            template.save(update_fields=changed)
    for image in image_model.objects.filter(pk__in=moved_images):
        if _used_elsewhere(apps, image):
            print(
                f"\n  certificates: image {image.pk} ({image.title}) is used elsewhere too and "
                "stays in the image library; remove it there if it is a seal or a signature"
            )
        else:
            _delete_with_its_files(apps, image)


class Migration(migrations.Migration):
    dependencies = [
        ("certificates", "0005_reminder_notices_move_to_portal"),
        ("wagtailimages", "0027_image_description"),
        ("wagtailcore", "0078_referenceindex"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AddField(
            model_name="certificatetemplate",
            name="private_seal",
            field=portal.storage.PrivateImageField(
                blank=True,
                help_text="PNG 或 JPEG，透明背景最佳。仅用于生成证书，不对外提供访问地址。",
                storage=portal.storage.private_storage,
                upload_to="certificates/seals/",
                verbose_name="公章图片",
            ),
        ),
        migrations.AddField(
            model_name="certificatetemplate",
            name="private_signature",
            field=portal.storage.PrivateImageField(
                blank=True,
                help_text="仅用于生成证书，不对外提供访问地址。",
                storage=portal.storage.private_storage,
                upload_to="certificates/signatures/",
                verbose_name="签名图片",
            ),
        ),
        # Reversing keeps the files in the private storage and leaves the old fields empty.
        migrations.RunPython(move_to_private_storage, migrations.RunPython.noop),
        # The old fields go in 0007: PostgreSQL refuses to ALTER a table in the transaction that
        # just updated its rows ("pending trigger events").
    ]
