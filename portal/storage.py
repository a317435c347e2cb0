"""Private files: a storage outside MEDIA_ROOT that no URL serves.

What would let someone forge a document (the seal and the signature on certificates, issue 13
finding 14) is kept here rather than in MEDIA_ROOT, whose images/ folder the web server exposes.
``url()`` refuses, so no template, widget or API can hand out an address for such a file; the
code that needs one reads the bytes through the storage (the PDF renderer embeds them as data
URIs). In production PRIVATE_MEDIA_ROOT is a directory the web server does not serve.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.forms import ClearableFileInput, FileInput
from django.template.defaultfilters import filesizeformat
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _


class PrivateFileSystemStorage(FileSystemStorage):
    """FileSystemStorage under settings.PRIVATE_MEDIA_ROOT, without URLs."""

    @cached_property
    def base_location(self):
        return self._value_or_setting(self._location, settings.PRIVATE_MEDIA_ROOT)

    def url(self, name):
        raise ValueError("Private files have no URL; read them through the storage.")

    def _clear_cached_properties(self, setting, **kwargs):
        super()._clear_cached_properties(setting, **kwargs)
        if setting == "PRIVATE_MEDIA_ROOT":
            self.__dict__.pop("base_location", None)
            self.__dict__.pop("location", None)


def private_storage():
    """The "private" storage of settings.STORAGES (a callable, so migrations don't freeze it)."""
    from django.core.files.storage import storages

    return storages["private"]


class PrivateFileInput(ClearableFileInput):
    """ClearableFileInput that names the current file without linking to it (it has no URL)."""

    def is_initial(self, value):
        return bool(value and getattr(value, "name", ""))

    def render(self, name, value, attrs=None, renderer=None):
        file_input = FileInput().render(name, None, self.build_attrs(self.attrs, attrs), renderer)
        if not self.is_initial(value):
            return file_input
        clear = ""
        if not self.is_required:
            checkbox = self.clear_checkbox_name(name)
            clear = format_html(
                '<input type="checkbox" name="{}" id="{}"> <label for="{}">{}</label>',
                checkbox,
                self.clear_checkbox_id(checkbox),
                self.clear_checkbox_id(checkbox),
                self.clear_checkbox_label,
            )
        return format_html(
            "{}: {} {}<br>{}: {}",
            self.initial_text,
            value.name.rsplit("/", 1)[-1],
            clear,
            self.input_text,
            file_input,
        )


class PrivateImageFormField(forms.ImageField):
    """A PNG or JPEG within the limits of Wagtail's own image uploads (file size, pixels)."""

    FORMATS = ("PNG", "JPEG")

    def to_python(self, data):
        upload = super().to_python(data)  # Pillow has opened and verified it
        if upload is None:
            return None
        max_size = settings.WAGTAILIMAGES_MAX_UPLOAD_SIZE
        if max_size and upload.size > max_size:
            raise ValidationError(
                _("文件过大（%(size)s），最大 %(max)s。")
                % {"size": filesizeformat(upload.size), "max": filesizeformat(max_size)},
                code="file_too_large",
            )
        if upload.image.format not in self.FORMATS:
            raise ValidationError(_("只接受 PNG 或 JPEG 图片。"), code="format")
        width, height = upload.image.size
        max_pixels = settings.WAGTAILIMAGES_MAX_IMAGE_PIXELS
        if max_pixels and width * height > max_pixels:
            raise ValidationError(
                _("图片像素过多（%(pixels)d），最多 %(max)d。")
                % {"pixels": width * height, "max": max_pixels},
                code="too_many_pixels",
            )
        return upload


class PrivateImageField(models.ImageField):
    """An image kept in the private storage: never a URL, edited with PrivateFileInput, checked
    like a Wagtail image upload (PrivateImageFormField)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("storage", private_storage)
        super().__init__(*args, **kwargs)

    def formfield(self, **kwargs):
        return super().formfield(
            **{"form_class": PrivateImageFormField, "widget": PrivateFileInput, **kwargs}
        )
