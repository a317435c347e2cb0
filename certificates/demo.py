"""Demo data (seeder order 20): two certificate templates with a drawn seal, and certificates of
demo_worker: one valid, one expiring within 60 days, one revoked. Their PDFs are rendered by the
task cluster, never during the seed."""

from __future__ import annotations

import io
import math
from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from portal.demo import DISTRICT_AUTHORITY

SEAL_TEXT = DISTRICT_AUTHORITY  # the issuer named on the certificates, as on the site
FONT_PATH = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"
FONT_INDEX_SC = 2  # in Debian's NotoSansCJK-*.ttc: JP, KR, SC, TC, HK


def _font(size: int):
    from PIL import ImageFont

    try:
        return ImageFont.truetype(FONT_PATH, size, index=FONT_INDEX_SC)
    except OSError:
        return ImageFont.load_default(size)


def draw_seal(text: str = SEAL_TEXT, size: int = 400) -> bytes:
    """A round red official seal: ring, five-pointed star, the issuer's name along the arc."""
    from PIL import Image, ImageDraw

    red = (200, 22, 29, 255)
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    c = size / 2
    ring = size * 0.035
    draw.ellipse((ring, ring, size - ring, size - ring), outline=red, width=int(ring * 1.6))
    # the star
    r_out, r_in = size * 0.16, size * 0.065
    points = []
    for i in range(10):
        r = r_out if i % 2 == 0 else r_in
        angle = -math.pi / 2 + i * math.pi / 5
        points.append((c + r * math.cos(angle), c + r * math.sin(angle)))
    draw.polygon(points, fill=red)
    # the text along the upper arc, each character upright towards the centre
    font = _font(int(size * 0.1))
    span = math.radians(250)
    start = -math.pi / 2 - span / 2
    radius = size * 0.36
    for i, char in enumerate(text):
        angle = start + span * (i + 0.5) / len(text)
        glyph = Image.new("RGBA", (int(size * 0.14), int(size * 0.14)), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text(
            (glyph.width / 2, glyph.height / 2), char, font=font, fill=red, anchor="mm"
        )
        glyph = glyph.rotate(-math.degrees(angle) - 90, resample=Image.BICUBIC)
        x = c + radius * math.cos(angle) - glyph.width / 2
        y = c + radius * math.sin(angle) - glyph.height / 2
        image.alpha_composite(glyph, (int(x), int(y)))
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()


def seal_file(text: str = SEAL_TEXT) -> ContentFile:
    """The drawn seal as an upload for CertificateTemplate.seal (kept in the private storage)."""
    return ContentFile(draw_seal(text), name="seal.png")


TEMPLATES = [
    {
        "name": "安全培训合格证书（默认）",
        "title": "安全培训合格证书",
        "body": (
            "{holder_name}同志（身份证号 {id_number}）参加“{subject}”，经考核合格，特发此证。"
        ),
        "issuer": SEAL_TEXT,
        "signatory": "陈建国",
        "validity_months": 36,
        "serial_format": "AQ-{year}-{seq:06d}",
        "orientation": "landscape",
    },
    {
        "name": "特种作业考核合格证明",
        "title": "特种作业安全技术考核合格证明",
        "body": (
            "兹证明{holder_name}（身份证号 {id_number}）参加{subject}安全技术理论与实际操作考核，"
            "成绩 {score} 分，考核合格。本证明有效期六年，每三年复审一次。"
        ),
        "issuer": SEAL_TEXT,
        "signatory": "陈建国",
        "validity_months": 72,
        "serial_format": "TZ-{year}-{seq:06d}",
        "orientation": "portrait",
    },
]


def seed(ctx) -> None:
    from certificates import services
    from certificates.models import Certificate, CertificateTemplate, ManualIssue

    templates = []
    for spec in TEMPLATES:
        template, _created = CertificateTemplate.objects.get_or_create(
            name=spec["name"], defaults={**spec, "seal": seal_file(SEAL_TEXT)}
        )
        templates.append(template)

    worker = ctx.users["demo_worker"]
    person = worker.person
    issuer = ctx.users.get("demo_supervisor")
    today = timezone.localdate()
    default = templates[0]
    plan = [
        # subject, score, issued_on, revoke reason
        ("2026年度从业人员安全生产再培训", "92", today - timedelta(days=20), ""),
        (
            "有限空间作业安全专项培训",
            "88",
            # 36-month validity ending in 45 days: shows in the 60-day reminder window
            today - timedelta(days=365 * 3 - 45),
            "",
        ),
        (
            "危险化学品泄漏应急处置培训",
            "81",
            today - timedelta(days=200),
            "培训签到记录与实际出勤不符，经核查撤销",
        ),
    ]
    for subject, score, issued_on, revoke_reason in plan:
        source, _created = ManualIssue.objects.get_or_create(
            person=person,
            template=default,
            subject=subject,
            batch=None,
            defaults={
                "score": score,
                "reason": "线下培训考核合格，补录证书（演示数据）",
                "created_by": issuer,
            },
        )
        certificate = services.issue_certificate(
            person=person,
            source=source,
            template=default,
            title=default.title,
            details={"subject": subject, "score": score},
            issued_by=issuer,
            reason=source.reason,
            issued_on=issued_on,
        )
        if revoke_reason and certificate.status == Certificate.Status.VALID:
            services.revoke_certificate(certificate=certificate, user=issuer, reason=revoke_reason)
        # issue_certificate queued the PDF for the task cluster (rendered once it has caught up)
