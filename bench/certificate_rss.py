"""RSS growth of one long-lived worker over 1,000 certificate renders (our full pipeline:
fetch, HTML, QR, PDF, storage). Reported every 100 renders after a 20-render warm-up.

    .venv/bin/python bench/certificate_rss.py [--n 1000]
"""

from __future__ import annotations

import argparse
import gc
import time

from certificate_common import machine, make_people, rss_mb, setup


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1000)
    args = parser.parse_args()
    setup()
    from certificates import services
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

    def render() -> None:
        c = Certificate.objects.get(pk=cert.pk)
        if c.pdf:
            c.pdf.storage.delete(c.pdf.name)
        Certificate.objects.filter(pk=cert.pk).update(pdf="")
        services.render_certificate(certificate_id=cert.pk)

    for _ in range(20):
        render()
    gc.collect()
    base = rss_mb()
    start = time.perf_counter()
    print(f"machine: {machine()}")
    print(f"after warm-up: {base:.1f} MB")
    for i in range(1, args.n + 1):
        render()
        if i % 100 == 0:
            print(f"{i:5d} renders: {rss_mb():.1f} MB (+{rss_mb() - base:.1f})")
    elapsed = time.perf_counter() - start
    gc.collect()
    print(
        f"growth over {args.n} renders: {rss_mb() - base:+.1f} MB "
        f"({(rss_mb() - base) / base * 100:+.1f}% of the warm baseline); "
        f"{elapsed / args.n * 1000:.0f} ms per render"
    )


if __name__ == "__main__":
    main()
