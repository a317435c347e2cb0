"""Warm certificate render through our pipeline vs a bare WeasyPrint render of the same HTML, in
the same process. The ratio is our overhead (DB fetch, template, QR, seal image, file storage).

    .venv/bin/python bench/certificate_render.py [--runs 30]
"""

from __future__ import annotations

import argparse
import statistics
import time

from certificate_common import machine, make_people, setup


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    setup()
    from weasyprint import HTML

    from certificates import pdf, services
    from certificates.models import Certificate, ManualIssue

    template, people = make_people(1)
    source = ManualIssue.objects.create(
        person=people[0], template=template, subject="基准培训", score="90", reason="基准"
    )
    cert = services.issue_certificate(
        person=people[0],
        source=source,
        template=template,
        title=template.title,
        details={"subject": "基准培训", "score": "90"},
    )
    html = pdf.render_html(template, pdf.data_for(cert))

    def ours() -> None:
        Certificate.objects.filter(pk=cert.pk).update(pdf="")
        assert services.render_certificate(certificate_id=cert.pk)

    def bare() -> None:
        HTML(string=html).write_pdf()

    from weasyprint.text.fonts import FontConfiguration

    shared = FontConfiguration()

    def bare_shared() -> None:
        HTML(string=html).write_pdf(font_config=shared)

    first = time.perf_counter()
    ours()
    first = time.perf_counter() - first
    bare()  # warm all paths
    bare_shared()
    t_ours, t_bare, t_shared = [], [], []
    for _ in range(args.runs):  # interleaved, so drift hits both alike
        s = time.perf_counter()
        ours()
        t_ours.append(time.perf_counter() - s)
        s = time.perf_counter()
        bare()
        t_bare.append(time.perf_counter() - s)
        s = time.perf_counter()
        bare_shared()
        t_shared.append(time.perf_counter() - s)
    m_ours, m_bare = statistics.median(t_ours), statistics.median(t_bare)
    m_shared = statistics.median(t_shared)
    print(f"machine: {machine()}")
    print(f"first (cold) render in process: {first * 1000:.0f} ms")
    print(
        f"warm median over {args.runs}: ours {m_ours * 1000:.0f} ms, bare WeasyPrint {m_bare * 1000:.0f} ms"
    )
    print(f"bare WeasyPrint with one shared FontConfiguration: {m_shared * 1000:.0f} ms")
    print(
        f"ratio ours/bare: {m_ours / m_bare:.2f}; ours/bare-shared-fonts: {m_ours / m_shared:.2f}"
    )


if __name__ == "__main__":
    main()
