"""The PDF: real Chinese text, the CJK font embedded as a subset, the QR code of the verify URL."""

from __future__ import annotations

import io
import re

import pytest
import segno
from pypdf import PdfReader

from certificates import pdf, tasks
from certificates.models import Certificate


def _decode_segno_svg(svg: str) -> list[list[int]]:
    """Rebuilds the module matrix from segno's SVG path (scale 1, no border): 'M x y h n m dx dy'."""
    size = int(re.search(r'width="(\d+)"', svg).group(1))
    matrix = [[0] * size for _ in range(size)]
    path = re.search(r' d="([^"]+)"', svg).group(1)
    x = y = 0.0
    for cmd, args in re.findall(r"([MmHh])([-\d.\s]+)", path):
        nums = [float(n) for n in args.split()]
        if cmd == "M":
            x, y = nums
        elif cmd == "m":
            x, y = x + nums[0], y + nums[1]
        elif cmd in "hH":
            length = int(nums[0]) if cmd == "h" else int(nums[0] - x)
            row = int(y - 0.5)
            for col in range(int(x), int(x) + length):
                matrix[row][col] = 1
            x += length
    return matrix


def _pdf_fonts(reader: PdfReader) -> list[dict]:
    fonts = []
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            target = descendants[0].get_object() if descendants else font
            fonts.append(
                {
                    "name": str(target["/BaseFont"]),
                    "embedded": any(
                        k in target["/FontDescriptor"]
                        for k in ("/FontFile", "/FontFile2", "/FontFile3")
                    ),
                }
            )
    return fonts


@pytest.mark.django_db
def test_the_pdf_text_contains_the_holders_name_and_the_title_in_chinese(person, issue):
    certificate = issue(person, render=True)

    reader = PdfReader(certificate.pdf.open("rb"))
    text = "".join(page.extract_text() for page in reader.pages)

    assert "王小明" in text
    assert "安全培训合格证书" in text
    assert certificate.serial in text
    assert "危险化学品安全作业培训" in text


@pytest.mark.django_db
def test_the_cjk_font_is_named_and_embedded_as_a_subset(person, issue):
    certificate = issue(person, render=True)

    fonts = _pdf_fonts(PdfReader(certificate.pdf.open("rb")))

    cjk = [f for f in fonts if "CJK" in f["name"]]
    assert cjk, fonts
    assert all(f["embedded"] for f in cjk)
    # a subset font carries a six-letter tag: /LWGGBP+Noto-Serif-CJK-SC
    assert all(re.match(r"^/[A-Z]{6}\+", f["name"]) for f in cjk)
    assert any("Noto-Serif-CJK-SC" in f["name"] for f in cjk)
    # subset: far smaller than the 20+ MB font collection
    assert certificate.pdf.size < 1_500_000


@pytest.mark.django_db
def test_the_qr_code_encodes_the_public_verification_url(person, issue, settings):
    settings.SITE_URL = "https://aq.example.gov.cn"
    certificate = issue(person)
    html = pdf.render_html(certificate.template, pdf.data_for(certificate))

    svg = pdf.qr_svg(certificate.verify_url)
    expected = segno.make(
        f"https://aq.example.gov.cn/verify/{certificate.code}/", error="m", micro=False
    )

    assert _decode_segno_svg(svg) == [list(row) for row in expected.matrix]
    assert pdf._svg_data_uri(svg) in html


@pytest.mark.django_db
def test_rendering_again_never_changes_an_issued_pdf(person, issue):
    certificate = issue(person, render=True)
    first_name, first_bytes = certificate.pdf.name, certificate.pdf.open("rb").read()

    assert tasks.render_certificate_pdf(certificate.pk) is False

    certificate = Certificate.objects.get(pk=certificate.pk)
    assert certificate.pdf.name == first_name
    assert certificate.pdf.open("rb").read() == first_bytes


@pytest.mark.django_db
def test_the_template_preview_is_a_real_pdf_with_sample_data(cert_template):
    from datetime import date

    data = pdf.render_template_preview(cert_template, date(2026, 11, 29))

    reader = PdfReader(io.BytesIO(data))
    text = reader.pages[0].extract_text()
    assert data.startswith(b"%PDF")
    assert "张三" in text
    assert "样例" in text


@pytest.mark.django_db
def test_a_portrait_template_renders_a_portrait_page(person, issue, cert_template):
    cert_template.orientation = "portrait"
    cert_template.save()
    certificate = issue(person, render=True)

    page = PdfReader(certificate.pdf.open("rb")).pages[0]
    assert float(page.mediabox.height) > float(page.mediabox.width)
    assert len(PdfReader(certificate.pdf.open("rb")).pages) == 1
