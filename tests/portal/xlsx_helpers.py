from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook


def xlsx_upload(header, rows, name="upload.xlsx") -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/octet-stream")


def confirm_import(client, url, preview, **kwargs):
    """Presses the one button of an import page's preview (the response to the upload)."""
    report = preview.context["report"]
    assert report is not None, "no preview"
    assert report.batch is not None, [str(e) for e in report.errors]
    return client.post(url, {"batch": report.batch.pk}, **kwargs)
