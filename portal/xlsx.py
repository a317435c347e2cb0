"""Reading and writing the spreadsheets users exchange with the portal (.xlsx only).

`read_sheet()` is the one reader of every import (admin and front pages, management commands,
Wagtail's redirect import); `read_rows()` maps its rows to header names. It opens an upload
defensively: size limit, then the zip directory is checked before anything is
parsed (`check_archive`: unpacked size, compression ratio, shared strings size, no text longer than
an Excel cell can hold), so a spreadsheet bomb is refused in well under a second; then read-only
(streaming) mode, values not formulas, columns cut at the header's width, and reading stops at the
row limit. Every problem is a `SpreadsheetError` with a message in the user's language. Importers
then validate row by row and report every bad row (`RowError`) before saving anything.

`safe_cell()` is the one cell-neutralising function of every export: our own workbooks
(`build_workbook`) and every Wagtail `list_export`, CSV and xlsx (patched in by
`portal.admin_export`). Project exports are listed in `portal.registry.spreadsheet_exports`.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.packaging.manifest import Manifest
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.xml.constants import ARC_CONTENT_TYPES, SHARED_STRINGS
from openpyxl.xml.functions import fromstring

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
    unchanged: int = 0
    skipped: int = 0
    notes: list[str] = field(default_factory=list)
    dry_run: bool = False
    # Set by portal.importing.run_import: the batch recorded (or the preview keeping the file),
    # and the earlier batch of the same file when it is refused as a duplicate.
    batch: object = None
    duplicate_of: object = None

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
    large (packed or unpacked), looks like a spreadsheet bomb, has too many rows, or lacks a
    required column. Text a previous export neutralised ("'=...") comes back as it was ("=...").
    """
    required = list(columns if required is None else required)
    rows = read_sheet(upload)
    names = [cell_text(h) for h in next(rows, (1, ()))[1]]
    missing = [c for c in required if c not in names]
    if missing:
        rows.close()
        raise SpreadsheetError(
            _("表头缺少以下列：%(cols)s。请使用下载的模板。") % {"cols": "、".join(missing)}
        )
    index = {c: names.index(c) for c in columns if c in names}
    for number, values in rows:
        if all(v is None or cell_text(v) == "" for v in values):
            continue
        yield Row(
            number=number,
            values={c: (values[i] if i < len(values) else None) for c, i in index.items()},
        )


def read_sheet(upload) -> Iterator[tuple[int, tuple]]:
    """The one .xlsx reader of the portal: yields (row number, values) of the first sheet, the
    header first, every row cut at the header's width (at most IMPORT_MAX_COLUMNS), text a
    previous export neutralised given back as it was. Checks the archive before parsing
    (check_archive), streams (openpyxl read-only mode) and stops at IMPORT_MAX_ROWS data rows.
    `upload` is a file object (an upload, an open file) or bytes."""
    data = _read_bytes(upload)
    check_archive(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise SpreadsheetError(_("无法读取该文件：请上传 Excel（.xlsx）格式的文件。")) from exc
    except Exception as exc:  # openpyxl raises many kinds on crafted files
        raise SpreadsheetError(_("无法读取该文件：文件已损坏或不是有效的 .xlsx 文件。")) from exc
    try:
        if not workbook.worksheets:
            raise SpreadsheetError(_("表格是空的：第1行应为表头。"))
        sheet = workbook.worksheets[0]
        # The size a sheet declares (<dimension>) is not trusted: it would pad every row to its
        # width and add empty rows up to its height.
        sheet.reset_dimensions()
        header = next(
            sheet.iter_rows(max_row=1, max_col=settings.IMPORT_MAX_COLUMNS, values_only=True), None
        )
        header = list(header or ())
        while header and (header[-1] is None or cell_text(header[-1]) == ""):
            header.pop()
        if not header:
            raise SpreadsheetError(_("表格是空的：第1行应为表头。"))
        yield 1, tuple(header)
        limit = settings.IMPORT_MAX_ROWS
        rows = sheet.iter_rows(min_row=2, max_col=len(header), values_only=True)
        for number, values in enumerate(rows, start=2):
            if number - 1 > limit:
                raise SpreadsheetError(_row_limit_message())
            yield number, tuple(_unneutralise(v) for v in values or ())
    finally:
        workbook.close()


def _row_limit_message() -> str:
    return _("行数超过上限（%(limit)s行），请拆分后再导入。") % {"limit": settings.IMPORT_MAX_ROWS}


def read_upload(upload) -> bytes:
    """The bytes of an upload (a file object or bytes), refusing what is not an .xlsx by name,
    too large, or not a zip; the first step of read_sheet."""
    return _read_bytes(upload)


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


# ---- spreadsheet bombs
#
# An .xlsx is a zip of XML files. A few hundred KB can unpack to millions of rows or one string of
# hundreds of MB, and openpyxl parses a whole sheet just to open it when the sheet does not declare
# its size, and keeps every shared string in memory. So before openpyxl sees the file: the sizes
# in the zip directory (zipfile never unpacks more than they say: a lying entry fails its CRC), and
# one streaming pass over the sheets and shared strings (inflate and a regex, no XML parsing) that
# counts rows and cells and measures the longest text. Stops at the first limit crossed.

# Compression ratios above this are not spreadsheets people make (Excel's own files are ~5–20×);
# parts smaller than RATIO_FLOOR may be as repetitive as they like.
MAX_COMPRESSION_RATIO = 100
RATIO_FLOOR = 1024 * 1024
MAX_PARTS = 1000
# Excel's cell holds at most 32,767 characters; in XML up to 6 bytes each ("&amp;", 4-byte UTF-8).
MAX_TEXT_BYTES = 32_767 * 6
_SCAN_CHUNK = 1024 * 1024
_ROW = re.compile(rb"<(?:[\w.-]+:)?row[\s/>]")
_CELL = re.compile(rb"<(?:[\w.-]+:)?c[\s/>]")
# Anchored at a "<" (or the start): a bare [^<]{n} is retried from every byte of a run and takes
# quadratic time on runs just under n (minutes for a few cells of 32,767 characters).
_TEXT_RUN = re.compile(rb"(?:\A|<)[^<]{%d}" % (MAX_TEXT_BYTES + 1))


def check_archive(data: bytes) -> None:
    """Refuses (SpreadsheetError) an .xlsx whose unpacked content is out of proportion, before
    any XML is parsed. Memory: one 1 MB chunk at a time; time: proportional to the unpacked
    size, which is capped first from the zip directory alone."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise SpreadsheetError(_("无法读取该文件：请上传 Excel（.xlsx）格式的文件。")) from exc
    with archive:
        if len(parts) > MAX_PARTS:
            raise SpreadsheetError(_bomb_message())
        unpacked = sum(part.file_size for part in parts)
        limit = settings.IMPORT_MAX_UNPACKED_BYTES
        if unpacked > limit:
            raise SpreadsheetError(
                _("文件解压后过大（%(size)s MB，上限 %(limit)s MB），请拆分后再导入。")
                % {"size": unpacked // (1024 * 1024), "limit": limit // (1024 * 1024)}
            )
        for part in parts:
            if part.file_size > RATIO_FLOOR and part.file_size > MAX_COMPRESSION_RATIO * max(
                part.compress_size, 1
            ):
                raise SpreadsheetError(_bomb_message())
        strings = _shared_strings(archive, parts)
        strings_limit = settings.IMPORT_MAX_SHARED_STRINGS_BYTES
        if sum(p.file_size for p in parts if p.filename in strings) > strings_limit:
            raise SpreadsheetError(
                _("文件中的文字内容过多（上限 %(limit)s MB），请拆分后再导入。")
                % {"limit": strings_limit // (1024 * 1024)}
            )
        # Every part, whatever its name: the workbook's relationships, not the names, tell openpyxl
        # where the sheets are. Cells are counted over the whole file, rows per part.
        cells = 0
        for part in parts:
            cells = _scan_part(archive, part, cells=cells)


def _shared_strings(archive: zipfile.ZipFile, parts: list[zipfile.ZipInfo]) -> set[str]:
    """The shared strings parts: where [Content_Types].xml says they are (that is where openpyxl
    looks, whatever their name), and any part named like one."""
    names = {p.filename for p in parts if p.filename.lower().endswith("sharedstrings.xml")}
    info = next((p for p in parts if p.filename == ARC_CONTENT_TYPES), None)
    if info is None:
        return names
    if info.file_size > RATIO_FLOOR:  # a real one is a few KB
        raise SpreadsheetError(_bomb_message())
    try:
        manifest = Manifest.from_tree(fromstring(archive.read(info)))
    except Exception as exc:  # defusedxml and openpyxl raise many kinds on crafted XML
        raise SpreadsheetError(_("无法读取该文件：文件已损坏或不是有效的 .xlsx 文件。")) from exc
    return names | {ct.PartName.lstrip("/") for ct in manifest.findall(SHARED_STRINGS)}


def _scan_part(archive: zipfile.ZipFile, part: zipfile.ZipInfo, *, cells: int) -> int:
    """One pass over a part, 1 MB at a time, cut before the last "<" of each chunk so that no tag
    and no text run is split: what follows it (one run) goes with the next chunk. Returns the
    cells counted so far."""
    max_rows = settings.IMPORT_MAX_ROWS + 1  # and the header
    max_cells = settings.IMPORT_MAX_CELLS
    rows = 0
    carry = b""
    try:
        with archive.open(part) as stream:
            while True:
                chunk = stream.read(_SCAN_CHUNK)
                buffer = carry + chunk
                cut = max(buffer.rfind(b"<"), 0) if chunk else len(buffer)
                buffer, carry = buffer[:cut], buffer[cut:]
                if len(carry) > MAX_TEXT_BYTES or _TEXT_RUN.search(buffer):
                    raise SpreadsheetError(_text_message())
                rows += len(_ROW.findall(buffer))
                cells += len(_CELL.findall(buffer))
                if rows > max_rows:
                    raise SpreadsheetError(_row_limit_message())
                if cells > max_cells:
                    raise SpreadsheetError(
                        _("单元格过多（上限 %(limit)s 个），请删去不需要的列或拆分后再导入。")
                        % {"limit": max_cells}
                    )
                if not chunk:
                    return cells
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise SpreadsheetError(_("无法读取该文件：文件已损坏或不是有效的 .xlsx 文件。")) from exc


def _bomb_message() -> str:
    return _("文件内容与大小不相称（压缩比异常），不像正常的 Excel 文件，已拒绝导入。")


def _text_message() -> str:
    return _("有单元格的内容超过 Excel 的上限（32767个字符），已拒绝导入。")


def build_workbook(
    columns: Sequence[str], rows: Iterable[Sequence[object]], *, title: str = "Sheet1"
) -> bytes:
    return build_sheets([Sheet(title=title, columns=columns, rows=rows)])


INTEGER = "#,##0"  # thousands separators
DECIMAL = "#,##0.00"
ONE_PLACE = "#,##0.0"
PERCENT = '0.0"%"'  # a figure already in per cent (46.2 → 46.2%)


@dataclass
class Sheet:
    """One sheet of `build_sheets`: a bold, frozen header row (and `header_rows` more rows above
    it, e.g. a caption), then the rows. `formats` maps a 0-based column to a number format applied
    to the numbers of that column; `row_formats` a 0-based data row to one applied to its
    numbers (a row of rates among rows of counts)."""

    title: str
    columns: Sequence[str]
    rows: Iterable[Sequence[object]]
    formats: dict[int, str] = field(default_factory=dict)
    row_formats: dict[int, str] = field(default_factory=dict)
    caption: str = ""
    widths: dict[int, int] = field(default_factory=dict)


def build_sheets(sheets: Sequence[Sheet]) -> bytes:
    """A workbook of several sheets, each with a frozen header row and number formats."""
    workbook = Workbook(write_only=False)
    workbook.remove(workbook.active)
    for spec in sheets:
        sheet = workbook.create_sheet(title=spec.title[:31])
        if spec.caption:
            sheet.append([safe_cell(spec.caption)])
            sheet.cell(row=1, column=1).font = Font(bold=True)
        header = sheet.max_row + 1 if spec.caption else 1
        sheet.append(list(spec.columns))
        for cell in sheet[header]:
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="F2F2F2")
        for index, row in enumerate(spec.rows):
            sheet.append([safe_cell(v) for v in row])
            cells = sheet[sheet.max_row]
            for col, cell in enumerate(cells):
                fmt = spec.row_formats.get(index) or spec.formats.get(col)
                if (
                    fmt
                    and isinstance(cell.value, int | float | Decimal)
                    and not isinstance(cell.value, bool)
                ):
                    cell.number_format = fmt
        sheet.freeze_panes = sheet.cell(row=header + 1, column=1)
        for i, column in enumerate(spec.columns, start=1):
            width = spec.widths.get(i - 1) or max(12, len(str(column)) * 2 + 4)
            sheet.column_dimensions[get_column_letter(i)].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# ---- formula injection (OWASP "CSV injection")
#
# A text cell starting with = + - @ (or a TAB or CR, also after leading spaces) may run as a
# formula when the file is opened in Excel, LibreOffice or WPS: `=HYPERLINK(...)` leaks data,
# `+cmd|...` runs a program. Such text gets a leading apostrophe, which every spreadsheet
# program shows as text. Numbers, dates and booleans stay what they are (a real -5 stays -5).
# Full-width ＝ ＋ － ＠ are included too: a Chinese input method types them, and covering them
# costs nothing.

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def safe_cell(value: object) -> object:
    """The one cell-neutralising function of every export (CSV and xlsx)."""
    if not isinstance(value, str) or not value:
        return value
    if value.startswith(FORMULA_TRIGGERS) or value.lstrip().startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def _unneutralise(value: object) -> object:
    """What safe_cell() added, taken off again on import (an exported bank imports unchanged)."""
    if isinstance(value, str) and value.startswith("'") and safe_cell(value[1:]) == value:
        return value[1:]
    return value


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    from urllib.parse import quote

    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
