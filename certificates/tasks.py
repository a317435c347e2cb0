"""django-q2 tasks: take ids, call one service, safe to run twice."""

from __future__ import annotations

from certificates import services


def render_certificate_pdf(certificate_id: int) -> bool:
    return services.render_certificate(certificate_id=certificate_id)
