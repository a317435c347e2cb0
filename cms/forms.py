"""Upload validation for Wagtail documents (type by extension AND content, size), in Chinese."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from wagtail.documents.forms import BaseDocumentForm

ZIP = (b"PK\x03\x04",)
OLE = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)
# What a file of each allowed type starts with (None: text, checked to be valid UTF-8/GB18030).
SIGNATURES: dict[str, tuple[bytes, ...] | None] = {
    "pdf": (b"%PDF-",),
    "docx": ZIP,
    "xlsx": ZIP,
    "pptx": ZIP,
    "zip": ZIP,
    "doc": OLE,
    "xls": OLE,
    "ppt": OLE,
    "txt": None,
}


def _looks_like(extension: str, head: bytes) -> bool:
    if extension == "mp4":
        return head[4:8] == b"ftyp"
    if extension not in SIGNATURES:
        return False
    signatures = SIGNATURES[extension]
    if signatures is None:
        for encoding in ("utf-8", "gb18030"):
            try:
                head.decode(encoding)
                return b"\x00" not in head
            except UnicodeDecodeError:
                continue
        return False
    return head.startswith(signatures)


def validate_document_upload(upload) -> None:
    name = upload.name or ""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    allowed = getattr(settings, "WAGTAILDOCS_EXTENSIONS", None) or list(SIGNATURES)
    if extension not in allowed:
        raise forms.ValidationError(
            _("不支持的文件类型“%(ext)s”。允许的类型：%(allowed)s。"),
            code="file_type",
            params={"ext": extension or _("无扩展名"), "allowed": "、".join(allowed)},
        )
    max_size = getattr(settings, "WAGTAILDOCS_MAX_UPLOAD_SIZE", None)
    if max_size and upload.size > max_size:
        raise forms.ValidationError(
            _("文件太大（%(size)s），最大允许 %(max)s。"),
            code="file_too_large",
            params={"size": filesizeformat(upload.size), "max": filesizeformat(max_size)},
        )
    if upload.size == 0:
        raise forms.ValidationError(_("文件是空的，请重新选择。"), code="file_empty")
    position = upload.tell() if hasattr(upload, "tell") else 0
    upload.seek(0)
    head = upload.read(2048)
    upload.seek(position)
    if not _looks_like(extension, head):
        raise forms.ValidationError(
            _("文件内容与扩展名“%(ext)s”不符，可能已损坏或被改名，请检查后重新上传。"),
            code="file_content",
            params={"ext": extension},
        )


class DocumentForm(BaseDocumentForm):
    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload and "file" in self.changed_data:
            validate_document_upload(upload)
        return upload
