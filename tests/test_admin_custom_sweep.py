"""Admin sweep, custom actions: every admin URL with an object id that is not a viewset's (those
are swept in tests/test_admin_sweep.py) nor Wagtail's own — roster password reset, certificate
revoke/reissue/bulk runs, question export, exam results and event logs, competition results and
awards, statistical returns (filing, review) — is requested (GET and POST) by people who must be refused: another enterprise's manager,
another street's supervisor and an anonymous visitor.

A new admin URL with an id fails `test_every_custom_admin_route_with_an_id_is_in_the_sweep` until it
gets a builder in ROUTES.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from tests.factories import make_supervisor

pytestmark = pytest.mark.django_db


def _admin_routes(resolver=None, prefix="", namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _admin_routes(entry, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern) and entry.name:
            route = prefix + str(entry.pattern)
            if route.startswith("admin/") and "<" in route:
                yield f"{namespace}{entry.name}", route


def _viewset_namespaces() -> set[str]:
    from wagtail.admin.viewsets import viewsets

    get_resolver().url_patterns  # noqa: B018 — the admin URLconf populates the registry
    namespaces = set()
    for vs in viewsets.viewsets:
        try:
            namespaces.add(vs.url_namespace)
        except ImproperlyConfigured:  # a Wagtail viewset without a name (its own pages)
            continue
    return namespaces


def _custom_routes():
    namespaces = _viewset_namespaces()
    for name, route in _admin_routes():
        namespace = name.split(":")[0] if ":" in name else ""
        if name.startswith("wagtail") or namespace in namespaces:
            continue
        yield name, route


# ---- builders: world -> reverse() args for an object of enterprise A / street 1


def _paper(w):
    from exams.models import QuestionBank
    from tests.exams.factories import make_paper, make_questions

    if "paper" not in w:
        bank = QuestionBank.objects.create(name="企业A题库", enterprise=w["enterprise"])
        w["bank"] = bank
        w["paper"] = make_paper(owner_enterprise=w["enterprise"], questions=make_questions(bank, 2))
    return w["paper"]


def _attempt(w):
    from exams.engine import start_or_resume

    attempt, _created = start_or_resume(
        paper=_paper(w), person=w["worker"].person, now=timezone.now()
    )
    return [attempt.pk]


def _certificate(w):
    from tests.certificates.factories import issue_manual_certificate

    return [issue_manual_certificate(w["worker"].person, details={}).pk]


def _bulk(w):
    from certificates.models import BulkIssue
    from tests.certificates.factories import CertificateTemplateFactory

    bulk = BulkIssue.objects.create(
        template=CertificateTemplateFactory(),
        subject="年度培训",
        reason="培训合格",
        created_by=w["street_supervisor"],
    )
    return [bulk.pk]


def _template(w):
    from tests.certificates.factories import CertificateTemplateFactory

    return [CertificateTemplateFactory().pk]


def _competition(w):
    from competitions.models import Competition

    return [Competition.objects.create(name="街道技能比武", year=2026, region=w["street"]).pk]


def _return_form(w):
    from tests.returns.factories import make_form

    if "return_form" not in w:
        w["return_form"] = make_form(w["street"].parent, streets=[w["street"]])
    return w["return_form"]


def _filing(w):
    from decimal import Decimal

    from returns import services

    if "filing" not in w:
        w["filing"] = services.save_filing(
            filing=services.filing_for(_return_form(w), w["enterprise"]),
            user=w["manager"],
            additional={"activity.lectures": Decimal("1")},
            note="宣讲",
            submit=True,
            now=timezone.now(),
        )
    return [w["filing"].pk]


def _operator_certificate(w):
    from datetime import date

    from django.core.files.base import ContentFile

    from tests.operators.factories import certificate

    cert = certificate(w["worker"].person, issued=date(2024, 5, 10))
    cert.scan.save("scan.pdf", ContentFile(b"%PDF-1.4 scan"))
    return [cert.pk]


def _induction(w):
    from datetime import date

    from tests.induction.factories import induction

    return [induction(w["worker"].person, starts_on=date(2030, 3, 1), instructor=w["manager"]).pk]


ROUTES: dict[str, Callable] = {
    "portal_admin:reset-password": lambda w: [w["worker"].person.pk],
    "certificates_admin:template-preview": _template,
    "certificates_admin:bulk-detail": _bulk,
    "certificates_admin:bulk-rerun": _bulk,
    "certificates_admin:revoke": _certificate,
    "certificates_admin:reissue": _certificate,
    "exams_admin:bank-export": lambda w: [_paper(w) and w["bank"].pk],
    "exams_admin:results": lambda w: [_paper(w).pk],
    "exams_admin:statistics": lambda w: [_paper(w).pk],
    "exams_admin:events": _attempt,
    "competitions_admin:results": _competition,
    "competitions_admin:award": _competition,
    "returns_admin:fill": lambda w: [_return_form(w).pk],
    "returns_admin:filing": _filing,
    "returns_admin:review": _filing,
    "returns_admin:tracker": lambda w: [_return_form(w).pk],
    "returns_admin:import": lambda w: [_return_form(w).pk],
    "operators_admin:renew": _operator_certificate,
    "operators_admin:scan": _operator_certificate,
    "induction_admin:edit": _induction,
    "induction_admin:card": _induction,
    "induction_admin:delete": _induction,
    # the requester's card: another's progress id (a uuid) is refused like an unknown one
    "induction_admin:card_file": lambda w: [*_induction(w), "8d3c6f0e-4b7a-4a51-9a0e-2f1d0c9b7e21"],
    "drill_chooser:chosen": lambda w: [0],  # swept in tests/test_admin_sweep.py (choosers)
    "paper_chooser:chosen": lambda w: [0],  # swept in tests/test_admin_sweep.py (choosers)
}

# Lookup data with no owner: refused to those without the model permission only.
NO_OWNER = {"certificates_admin:template-preview"}
CHOOSERS = {"drill_chooser:chosen", "paper_chooser:chosen"}


def test_every_custom_admin_route_with_an_id_is_in_the_sweep():
    missing = sorted(f"{name}  ({route})" for name, route in _custom_routes() if name not in ROUTES)
    assert not missing, "Admin routes with an object id missing from the sweep:\n" + "\n".join(
        missing
    )


@pytest.fixture
def world(enterprise, street, other_street, worker, manager, street_supervisor):
    return {
        "enterprise": enterprise,
        "street": street,
        "other_street": other_street,
        "worker": worker,
        "manager": manager,
        "street_supervisor": street_supervisor,
    }


def _refused(response) -> bool:
    if response.status_code in (403, 404, 405):
        return True
    if response.status_code != 302:
        return False
    return "/login/" in response["Location"] or response["Location"] == reverse("wagtailadmin_home")


@pytest.mark.parametrize("name", sorted(set(ROUTES) - CHOOSERS))
def test_outsiders_are_refused_every_custom_admin_action(client, world, other_manager, name):
    url = reverse(name, args=ROUTES[name](world))
    outsiders = [other_manager, None]
    if name not in NO_OWNER:
        outsiders.append(make_supervisor(world["other_street"]))
    for outsider in outsiders:
        client.logout()
        if outsider is not None:
            client.force_login(outsider)
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert _refused(response), (
                f"{name} {method.upper()} as {outsider}: {response.status_code}"
            )
