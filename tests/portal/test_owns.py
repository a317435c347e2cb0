"""portal.ownership.owns, the in-memory twin of owned_q that the admin's can_change functions use:
for every scope it names exactly the rows owned_q selects (one rule, two forms)."""

from __future__ import annotations

import pytest

from exams.models import QuestionBank
from portal.ownership import owned_q, owns
from portal.scoping import Scope

pytestmark = pytest.mark.django_db


@pytest.fixture
def banks(district, street, other_street, enterprise, other_enterprise):
    for name, owner in (
        ("区题库", {"region": district}),
        ("一号街道题库", {"region": street}),
        ("二号街道题库", {"region": other_street}),
        ("企业A题库", {"enterprise": enterprise}),
        ("企业B题库", {"enterprise": other_enterprise}),
    ):
        QuestionBank.objects.create(name=name, **owner)
    return QuestionBank.objects.select_related("region", "enterprise__street")


def test_owns_agrees_with_owned_q_for_every_scope(
    banks, district, street, other_street, enterprise, other_enterprise
):
    scopes = [
        Scope.everything(),
        Scope.of_region(district),
        Scope.of_region(street),
        Scope.of_region(other_street),
        Scope.of_enterprise(enterprise.pk),
        Scope.of_enterprise(other_enterprise.pk),
        Scope(Scope.Kind.NONE),
    ]
    for scope in scopes:
        by_query = set(banks.filter(owned_q(scope)).values_list("name", flat=True))
        in_memory = {bank.name for bank in banks if owns(scope, bank)}
        assert in_memory == by_query, scope
    # and the street's scope is neither everything nor nothing
    assert {b.name for b in banks if owns(Scope.of_region(street), b)} == {
        "一号街道题库",
        "企业A题库",
    }
