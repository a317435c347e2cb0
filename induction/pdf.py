"""The 三级安全教育登记卡 PDF (WeasyPrint through certificates.pdf: the CJK font named, subset
with HarfBuzz, only data: URIs fetched). About 0.4 s of CPU a card (bench/induction_card.py), as
much as a bare WeasyPrint render: queued on the render cluster (induction.cards), never rendered in
a request."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone

from certificates.pdf import FALLBACK_FONT_FAMILY, FONT_FAMILY, html_to_pdf
from induction import services
from induction.models import Induction


def card_context(induction: Induction, on=None) -> dict:
    """What the card (and its fragment in the person's training file) shows."""
    on = on or timezone.localdate()
    assessment = induction.assess(services.required_hours(induction.person.enterprise))
    return {
        "induction": induction,
        "person": induction.person,
        "levels": induction.ordered_levels(),
        "assessment": assessment,
        "status": assessment.status(induction.starts_on, on),
    }


def render_card_html(induction: Induction) -> str:
    return render_to_string(
        "pdf/induction_card.html",
        {
            "cards": [card_context(induction)],
            "font_family": FONT_FAMILY,
            "fallback_font_family": FALLBACK_FONT_FAMILY,
            "generated_at": timezone.localtime(),
        },
    )


def render_card(induction: Induction) -> bytes:
    return html_to_pdf(render_card_html(induction))
