"""Reading and writing the spreadsheets users exchange with the portal (.xlsx only).

`read_rows()` opens an upload defensively: size and row limits, read-only mode, values not formulas,
header row matched by name; every problem is a `SpreadsheetError` with a message in the user's
language. Importers then validate row by row and report every bad row (`RowError`) before saving
anything.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class SpreadsheetError(Exception):
    """The file as a whole cannot be read (wrong type, too big, no header...)."""


@dataclass
class RowError:
    row: int  # the spreadsheet's own row number (header is row 1)
    message: str

    def __str__(self) -> str:
        return _("第%(row)s行：%(message)s") % {"row": self.row, "message": self.message}


@dataclass
class ImportReport:
    """What an import did, or would do (dry run). Nothing is saved when `errors` is not empty."""

    errors: list[RowError] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    skipped: int = 0
    notes: list[str] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class Row:
    number: int
    values: dict[str, object]

    def text(self, column: str) -> str:
        return cell_text(self.values.get(column))


def cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def parse_date(value: object) -> date | None:
    """A date cell, or text like 2024-03-01, 2024/3/1, 2024.3.1, 2024年3月1日. Raises ValueError."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = cell_text(value).replace("年", "-").replace("月", "-").replace("日", "")
    for sep in ("/", "."):
        text = text.replace(sep, "-")
    parts = text.split("-")
    if len(parts) != 3 or not all(p.strip().isdigit() for p in parts):
        raise ValueError(text)
    return date(int(parts[0]), int(parts[1]), int(parts[2]))


def read_rows(
    upload, columns: Sequence[str], *, required: Sequence[str] | None = None
) -> Iterator[Row]:
    """Yields the data rows of the first sheet as {column: value} for the given header names.

    Blank rows are skipped. Raises SpreadsheetError for a file that is not a readable .xlsx, is too
    large, has too many rows, or lacks a required column.
    """
    required = list(columns if required is None else required)
    data = _read_bytes(upload)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise SpreadsheetError(_("无法读取该文件：请上传 Excel（.xlsx）格式的文件。")) from exc
    except Exception as exc:  # openpyxl raises many kinds on crafted files
        raise SpreadsheetError(_("无法读取该文件：文件已损坏或不是有效的 .xlsx 文件。")) from exc
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise SpreadsheetError(_("表格是空的：第1行应为表头。"))
        names = [cell_text(h) for h in header]
        missing = [c for c in required if c not in names]
        if missing:
            raise SpreadsheetError(
                _("表头缺少以下列：%(cols)s。请使用下载的模板。") % {"cols": "、".join(missing)}
            )
        index = {c: names.index(c) for c in columns if c in names}
        limit = settings.IMPORT_MAX_ROWS
        for number, values in enumerate(rows, start=2):
            if number - 1 > limit:
                raise SpreadsheetError(
                    _("行数超过上限（%(limit)s行），请拆分后再导入。") % {"limit": limit}
                )
            if values is None or all(v is None or cell_text(v) == "" for v in values):
                continue
            yield Row(
                number=number,
                values={c: (values[i] if i < len(values) else None) for c, i in index.items()},
            )
    finally:
        workbook.close()


def _read_bytes(upload) -> bytes:
    name = getattr(upload, "name", "") or ""
    if name and not name.lower().endswith(".xlsx"):
        raise SpreadsheetError(_("只支持 Excel（.xlsx）文件。"))
    size = getattr(upload, "size", None)
    limit = settings.IMPORT_MAX_BYTES
    if size is not None and size > limit:
        raise SpreadsheetError(_("文件过大（上限 %(mb)s MB）。") % {"mb": limit // (1024 * 1024)})
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(limit + 1) if hasattr(upload, "read") else bytes(upload)
    if len(data) > limit:
        raise SpreadsheetError(_("文件过大（上限 %(mb)s MB）。") % {"mb": limit // (1024 * 1024)})
    if not data.startswith(b"PK"):
        raise SpreadsheetError(_("无法读取该文件：请上传 Excel（.xlsx）格式的文件。"))
    return data


def build_workbook(
    columns: Sequence[str], rows: Iterable[Sequence[object]], *, title: str = "Sheet1"
) -> bytes:
    workbook = Workbook(write_only=False)
    sheet = workbook.active
    sheet.title = title[:31]
    sheet.append(list(columns))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="F2F2F2")
    for row in rows:
        sheet.append([_safe_cell(v) for v in row])
    for i, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = max(12, len(str(column)) * 2 + 4)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _safe_cell(value: object) -> object:
    # A text cell starting with = + - @ would run as a formula in Excel (CSV/formula injection).
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    from urllib.parse import quote

    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
