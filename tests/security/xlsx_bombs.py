"""Spreadsheet bombs built with zipfile, in the test (no checked-in binaries): small .xlsx files
that unpack to far more than they weigh. Shared by tests/security/test_spreadsheet_bombs.py and
bench/xlsx_bomb.py.

Each part is streamed into the zip in chunks, so building a 300 MB string takes ~1 MB of memory.
"""

from __future__ import annotations

import io
import random
import string
import zipfile
from collections.abc import Callable, Iterable, Sequence
from xml.sax.saxutils import escape

MB = 1024 * 1024

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "{strings}</Types>"
)
_STRINGS_TYPE = (
    '<Override PartName="/xl/sharedStrings.xml" ContentType='
    '"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="xl/workbook.xml" Type="http://schemas.openxmlformats.org/'
    'officeDocument/2006/relationships/officeDocument"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_REL = (
    '<Relationship Id="{id}" Target="{target}" Type="http://schemas.openxmlformats.org/'
    'officeDocument/2006/relationships/{type}"/>'
)
_SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    "{dimension}<sheetData>"
)
_SHEET_TAIL = "</sheetData></worksheet>"

Writer = Callable[[Callable[[bytes], object]], None]


def _inline_row(number: int, values: Sequence[str]) -> str:
    cells = "".join(
        f'<c r="{_column(i)}{number}" t="inlineStr"><is><t>{escape(v)}</t></is></c>'
        for i, v in enumerate(values)
    )
    return f'<row r="{number}">{cells}</row>'


def _column(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def package(
    sheet: Writer,
    strings: Writer | None = None,
    *,
    sheet_name: str = "worksheets/sheet1.xml",
    strings_name: str = "sharedStrings.xml",
) -> bytes:
    """An .xlsx whose sheet (and shared strings) are written by the given functions, under the
    given names inside xl/ (openpyxl finds them through the relationships and content types)."""
    buffer = io.BytesIO()
    rels = [_REL.format(id="rId1", target=sheet_name, type="worksheet")]
    if strings is not None:
        rels.append(_REL.format(id="rId2", target=strings_name, type="sharedStrings"))
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr(
            "[Content_Types].xml",
            _CONTENT_TYPES.replace("/xl/worksheets/sheet1.xml", f"/xl/{sheet_name}").format(
                strings=_STRINGS_TYPE.replace("/xl/sharedStrings.xml", f"/xl/{strings_name}")
                if strings is not None
                else ""
            ),
        )
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns='
            '"http://schemas.openxmlformats.org/package/2006/relationships">'
            + "".join(rels)
            + "</Relationships>",
        )
        with archive.open(f"xl/{sheet_name}", "w") as part:
            sheet(part.write)
        if strings is not None:
            with archive.open(f"xl/{strings_name}", "w") as part:
                strings(part.write)
    return buffer.getvalue()


def rows_file(
    header: Sequence[str], rows: Iterable[Sequence[str]], *, dimension: str = ""
) -> bytes:
    """An ordinary small file (inline strings), optionally declaring a <dimension>."""

    def sheet(write):
        dim = f'<dimension ref="{dimension}"/>' if dimension else ""
        write(_SHEET_HEAD.format(dimension=dim).encode())
        write(_inline_row(1, header).encode())
        for number, values in enumerate(rows, start=2):
            write(_inline_row(number, values).encode())
        write(_SHEET_TAIL.encode())

    return package(sheet)


def row_bomb(header: Sequence[str], rows: int = 2_000_000) -> bytes:
    """The finding's first file: ~240 KB packed, two million identical rows (~80 MB unpacked),
    no <dimension>, so openpyxl parsed all of it before yielding the first row."""

    def sheet(write):
        write(_SHEET_HEAD.format(dimension="").encode())
        write(_inline_row(1, header).encode())
        chunk = b'<row><c t="inlineStr"><is><t>x</t></is></c><c><v>1</v></c></row>' * 10_000
        for _ in range(rows // 10_000):
            write(chunk)
        write(_SHEET_TAIL.encode())

    return package(sheet)


def string_bomb(header: Sequence[str], size: int = 300 * MB, **names: str) -> bytes:
    """The finding's second file: ~300 KB packed, one shared string of `size` bytes, which openpyxl
    loads whole into memory when the workbook is opened. `names`: see package()."""

    def sheet(write):
        write(_SHEET_HEAD.format(dimension="").encode())
        write(_inline_row(1, header).encode())
        write(b'<row r="2"><c r="A2" t="s"><v>0</v></c></row>')
        write(_SHEET_TAIL.encode())

    def strings(write):
        write(
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="http://schemas.'
            b'openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>'
        )
        chunk = b"A" * MB
        for start in range(0, size, MB):
            write(chunk[: size - start])
        write(b"</t></si></sst>")

    return package(sheet, strings, **names)


def long_text(header: Sequence[str], size: int = 400 * 1024, *, rows_before: int = 0) -> bytes:
    """One inline cell of `size` characters, of varied letters so the compression ratio stays
    ordinary (only the text scan can tell), after `rows_before` ordinary rows (to move it across
    the scan's 1 MB chunks)."""
    rng = random.Random(8)
    text = "".join(rng.choice(string.ascii_letters) for _ in range(size))
    before = ([f"张{n}", f"{n:018d}"] for n in range(rows_before))
    return rows_file(header, [*before, [text]])


def many_rows(header: Sequence[str], rows: int) -> bytes:
    """`rows` varied data rows: an ordinary compression ratio, just too many."""
    return rows_file(header, ([f"张{n}", f"{n:018d}"] for n in range(rows)))


def far_row(header: Sequence[str], number: int = 1_048_576) -> bytes:
    """A header and one row at the sheet's last row number: few bytes, yet openpyxl yields an
    empty row for every number in between."""

    def sheet(write):
        write(_SHEET_HEAD.format(dimension="").encode())
        write(_inline_row(1, header).encode())
        write(_inline_row(number, ["x"]).encode())
        write(_SHEET_TAIL.encode())

    return package(sheet)
