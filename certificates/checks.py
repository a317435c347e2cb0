"""`manage.py check` warnings when certificate PDFs would be slow (no HarfBuzz subsetting, ~70×)
or unreadable (no CJK font: empty boxes)."""

from __future__ import annotations

from django.core.checks import Warning, register


@register()
def check_pdf_environment(app_configs, **kwargs):
    from certificates import pdf

    warnings = []
    if not pdf.harfbuzz_subset_available():
        warnings.append(
            Warning(
                "HarfBuzz subsetting (libharfbuzz-subset0) is missing: certificate PDFs embed the "
                "whole CJK font and render about 70 times slower.",
                hint="apt install libharfbuzz-subset0",
                id="certificates.W001",
            )
        )
    if not pdf.cjk_font_available():
        warnings.append(
            Warning(
                f"The certificate font '{pdf.FONT_FAMILY}' is not installed: Chinese text would "
                "render as empty boxes.",
                hint="apt install fonts-noto-cjk",
                id="certificates.W002",
            )
        )
    return warnings
