"""Certificate PDFs with WeasyPrint: HTML from templates/pdf/certificate.html, a CJK font named
explicitly (embedded as a subset), seal/signature/background as data URIs, a QR code (segno SVG)
pointing at the public verification page. The seal and the signature are read from the private
storage (portal.storage: they have no URL); the background is a Wagtail image rendition.

Called only from the task cluster (certificates.tasks) and from bench/; never in a web request.
"""

from __future__ import annotations

import base64
import ctypes.util
import functools
import io
import logging
import subprocess  # nosec B404 # only fc-list, with fixed arguments (cjk_font_available)
from dataclasses import asdict, dataclass
from datetime import date

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from certificates.models import Certificate, CertificateTemplate

# The font is named, never left to fallback (which may pick a font without CJK glyphs).
# Debian's fonts-noto-cjk provides both; the serif one looks like printed certificates.
FONT_FAMILY = getattr(settings, "CERTIFICATE_FONT_FAMILY", "Noto Serif CJK SC")
FALLBACK_FONT_FAMILY = "Noto Sans CJK SC"
QR_ERROR = "m"


def cn_date(day: date | None) -> str:
    if day is None:
        return _("长期有效")
    return _("%(y)d年%(m)d月%(d)d日") % {"y": day.year, "m": day.month, "d": day.day}


def qr_svg(url: str) -> str:
    """The QR code of `url` as an SVG document (one module = one user unit, no quiet zone)."""
    buf = io.BytesIO()
    segno.make(url, error=QR_ERROR, micro=False).save(
        buf, kind="svg", scale=1, border=0, xmldecl=False, svgns=True, dark="#000"
    )
    return buf.getvalue().decode()


def _svg_data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def _image_data_uri(image, spec: str) -> str:
    """A Wagtail image as a PNG/JPEG data URI of a bounded size (read through storage, so it works
    with S3 too, and WeasyPrint never fetches a URL)."""
    if image is None:
        return ""
    try:
        rendition = image.get_rendition(spec)
        with rendition.file.open("rb") as fh:
            data = fh.read()
    except (OSError, ValueError):
        return ""
    mime = "image/png" if rendition.file.name.lower().endswith(".png") else "image/jpeg"
    return f"data:{mime};base64," + base64.b64encode(data).decode()


def _private_image_data_uri(field_file, max_size: tuple[int, int]) -> str:
    """A private image (seal, signature) as a PNG data URI, scaled down to max_size (a few ms next
    to the render). Never a URL: the bytes are read through the private storage."""
    from PIL import Image

    if not field_file:
        return ""
    try:
        with field_file.storage.open(field_file.name, "rb") as fh, Image.open(fh) as image:
            image.thumbnail(max_size)
            buf = io.BytesIO()
            image.save(buf, format="PNG")
    except (OSError, ValueError):
        return ""
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


@dataclass
class CertificateData:
    holder_name: str
    id_number: str
    subject: str
    score: str
    issued_on: str
    hours: str
    valid_until: str
    issuer: str
    serial: str
    verify_url: str
    code: str
    title: str


def data_for(certificate: Certificate) -> CertificateData:
    details = certificate.details or {}
    return CertificateData(
        holder_name=certificate.person.name,
        id_number=certificate.person.masked_id_number,
        subject=str(details.get("subject") or certificate.title),
        score=str(details.get("score", "")),
        hours=str(details.get("hours", "")),
        issued_on=cn_date(certificate.issued_on),
        valid_until=cn_date(certificate.valid_until),
        issuer=certificate.template.issuer,
        serial=certificate.serial,
        verify_url=certificate.verify_url,
        code=certificate.code,
        title=certificate.title,
    )


def sample_data(template: CertificateTemplate, today: date) -> CertificateData:
    """Sample content for an editor's preview of a template."""
    return CertificateData(
        holder_name=_("张三"),
        id_number="330102********1234",
        subject=_("危险化学品安全作业培训（样例）"),
        score="95",
        hours="24",
        issued_on=cn_date(today),
        valid_until=cn_date(template.valid_until_for(today)),
        issuer=template.issuer,
        serial=template.serial_format.format(year=today.year, seq=0),
        verify_url=f"{settings.SITE_URL}/verify/sample/",
        code="sample",
        title=template.title,
    )


def render_html(
    template: CertificateTemplate, data: CertificateData, *, preview: bool = False
) -> str:
    values = asdict(data)
    body = template.body.format_map({k: values.get(k, "") for k in values})
    return render_to_string(
        "pdf/certificate.html",
        {
            "template": template,
            "data": data,
            "body": body,
            "preview": preview,
            "font_family": FONT_FAMILY,
            "fallback_font_family": FALLBACK_FONT_FAMILY,
            "qr_uri": _svg_data_uri(qr_svg(data.verify_url)),
            "seal_uri": _private_image_data_uri(template.seal, (400, 400)),
            "signature_uri": _private_image_data_uri(template.signature, (400, 200)),
            "background_uri": _image_data_uri(template.background, "max-2000x2000|format-jpeg"),
            "landscape": template.orientation == CertificateTemplate.Orientation.LANDSCAPE,
        },
    )


@functools.cache
def _font_config():
    """One font configuration per worker process: a fresh one per render reloads the CJK font
    collection and grows the worker's memory with every certificate."""
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    # Only data: URIs are embedded; the renderer never touches the network or the file system.
    fetcher = URLFetcher(allowed_protocols={"data"})
    return HTML(string=html, url_fetcher=fetcher).write_pdf(font_config=_font_config())


def render_certificate_pdf(certificate: Certificate) -> bytes:
    return html_to_pdf(render_html(certificate.template, data_for(certificate)))


def render_template_preview(template: CertificateTemplate, today: date) -> bytes:
    return html_to_pdf(render_html(template, sample_data(template, today), preview=True))


# --- environment checks (manage.py check and /healthz) -------------------------------------------


@functools.cache
def harfbuzz_subset_available() -> bool:
    return ctypes.util.find_library("harfbuzz-subset") is not None


@functools.cache
def cjk_font_available(family: str = FONT_FAMILY) -> bool:
    try:
        out = subprocess.run(  # nosec B603 B607 # fixed argv, no shell; fc-list from PATH
            ["fc-list", f"{family}", "family"], capture_output=True, text=True, timeout=10
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return family.lower() in out.lower()


def font_health() -> dict:
    harfbuzz = harfbuzz_subset_available()
    font = cjk_font_available()
    # Not critical: the site works without certificates; the failure is reported as a warning.
    result = {"ok": harfbuzz and font, "critical": False, "harfbuzz_subset": harfbuzz}
    result["cjk_font"] = font
    result["font_family"] = FONT_FAMILY
    if not harfbuzz:
        result["hint"] = "apt install libharfbuzz-subset0"
    elif not font:
        result["hint"] = "apt install fonts-noto-cjk"
    return result


# WeasyPrint logs every rendering step at INFO; in a worker rendering thousands that is noise.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
