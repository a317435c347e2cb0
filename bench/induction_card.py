"""The 三级安全教育登记卡 rendered as the admin view does (the induction's rows, the template, the
PDF) vs a bare WeasyPrint render of the same HTML, warm, in one process; wall and CPU time. It
decides whether the card may stay in the request (docs/deployment.md, "PDFs and the render cluster").

    .venv/bin/python bench/induction_card.py [--runs 30]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from certificate_common import machine, make_people, setup


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    setup("/tmp/bench-induction-card", fresh=False)
    from datetime import timedelta
    from decimal import Decimal

    from django.contrib.auth import get_user_model
    from django.utils import timezone
    from weasyprint import HTML

    from induction import pdf, services
    from induction.models import Induction

    _template, (person,) = make_people(1)
    user_model = get_user_model()
    trainee, _ = user_model.objects.get_or_create(
        username="bench-trainee", defaults={"enterprise": person.enterprise}
    )
    person.user = trainee
    person.save()
    teacher, _ = user_model.objects.get_or_create(
        username="bench-teacher",
        defaults={"first_name": "王老师", "enterprise": person.enterprise},
    )
    Induction.objects.filter(person=person).delete()
    starts = timezone.localdate() - timedelta(days=1)
    induction = services.start_induction(person=person, reason="new_hire", starts_on=starts)
    now = timezone.now()
    for level in induction.levels.all():
        services.save_level(
            level=level,
            held_on=starts - timedelta(days=5 - level.level),
            hours=Decimal(8),
            content="安全生产法律法规\n本企业危险源\n事故案例\n应急处置与自救互救",
            instructor=teacher,
        )
        level.refresh_from_db()
        services.sign(level=level, side=services.Side.TRAINEE, user=trainee, now=now)
        services.sign(level=level, side=services.Side.INSTRUCTOR, user=teacher, now=now)

    def ours() -> None:  # what admin_views.card does: fetch, HTML, PDF
        fresh = (
            Induction.objects.select_related("person__enterprise__street", "person__user")
            .prefetch_related("levels__instructor")
            .get(pk=induction.pk)
        )
        pdf.render_card(fresh)

    html = pdf.render_card_html(induction)

    def bare() -> None:
        HTML(string=html).write_pdf()

    first = time.perf_counter()
    ours()
    first = time.perf_counter() - first
    bare()
    wall = {"ours": [], "bare": []}
    cpu = {"ours": [], "bare": []}
    for _ in range(args.runs):  # interleaved, so drift hits both alike
        for name, fn in (("ours", ours), ("bare", bare)):
            w, c = time.perf_counter(), time.process_time()
            fn()
            wall[name].append(time.perf_counter() - w)
            cpu[name].append(time.process_time() - c)
    med = {k: statistics.median(v) * 1000 for k, v in wall.items()}
    cmed = {k: statistics.median(v) * 1000 for k, v in cpu.items()}
    print(f"machine: {machine()}; load average {os.getloadavg()}")
    print(f"first (cold) card in process: {first * 1000:.0f} ms")
    print(
        f"warm median over {args.runs}: card {med['ours']:.0f} ms wall / {cmed['ours']:.0f} ms CPU; "
        f"bare WeasyPrint {med['bare']:.0f} ms wall / {cmed['bare']:.0f} ms CPU; "
        f"ratio (CPU) {cmed['ours'] / cmed['bare']:.2f}"
    )


if __name__ == "__main__":
    main()
