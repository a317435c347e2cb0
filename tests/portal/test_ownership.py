"""portal.ownership: which owned rows a scope administers, which rows cover an enterprise's people,
and which rows a scope reaches — checked on question banks (owned by a region or an enterprise)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from exams.models import QuestionBank
from portal.ownership import ancestor_paths, covering_q, owned_q, reach_q
from portal.scoping import Scope, scope_for
from tests.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def banks(district, street, other_street, enterprise, other_enterprise):
    return {
        "district": QuestionBank.objects.create(name="区题库", region=district),
        "street": QuestionBank.objects.create(name="一号街道题库", region=street),
        "other_street": QuestionBank.objects.create(name="二号街道题库", region=other_street),
        "a": QuestionBank.objects.create(name="企业A题库", enterprise=enterprise),
        "b": QuestionBank.objects.create(name="企业B题库", enterprise=other_enterprise),
    }


def _names(q):
    return set(QuestionBank.objects.filter(q).values_list("name", flat=True))


def test_ancestor_paths_lists_the_region_and_every_region_above_it():
    assert ancestor_paths("330100/330100001/") == ["330100/", "330100/330100001/"]
    assert ancestor_paths("") == []


def test_a_district_administers_everything_below_it(banks, district):
    assert _names(owned_q(Scope.of_region(district))) == {
        "区题库",
        "一号街道题库",
        "二号街道题库",
        "企业A题库",
        "企业B题库",
    }


def test_a_street_administers_its_own_rows_and_its_enterprises_not_the_district_or_other_streets(
    banks, street
):
    assert _names(owned_q(Scope.of_region(street))) == {"一号街道题库", "企业A题库"}


def test_a_street_reaches_the_districts_rows_too_but_not_another_streets(banks, street):
    assert _names(reach_q(Scope.of_region(street))) == {"区题库", "一号街道题库", "企业A题库"}


def test_an_enterprise_administers_only_its_own_rows(banks, enterprise):
    assert _names(owned_q(Scope.of_enterprise(enterprise.pk))) == {"企业A题库"}


def test_an_enterprise_and_its_workers_reach_the_rows_of_the_regions_above_them(
    banks, enterprise, worker
):
    expected = {"区题库", "一号街道题库", "企业A题库"}
    assert _names(reach_q(Scope.of_enterprise(enterprise.pk))) == expected
    assert _names(reach_q(scope_for(worker))) == expected


def test_covering_rows_of_an_enterprise_are_its_own_and_its_regions_above(banks, other_enterprise):
    q = covering_q(street_path=other_enterprise.street.path, enterprise_id=other_enterprise.pk)
    assert _names(q) == {"区题库", "二号街道题库", "企业B题库"}


def test_nobody_and_everything(banks):
    assert _names(owned_q(Scope(Scope.Kind.NONE))) == set()
    assert _names(reach_q(Scope(Scope.Kind.NONE))) == set()
    assert len(_names(owned_q(Scope.everything()))) == 5


def test_owned_q_reaches_the_owner_through_a_relation(banks, street, enterprise):
    from exams.models import Question

    Question.objects.create(
        bank=banks["a"], type="judge", stem="甲", options=["对", "错"], answer="A"
    )
    Question.objects.create(
        bank=banks["b"], type="judge", stem="乙", options=["对", "错"], answer="A"
    )
    stems = set(
        Question.objects.filter(owned_q(Scope.of_region(street), prefix="bank")).values_list(
            "stem", flat=True
        )
    )
    assert stems == {"甲"}


def test_an_owned_row_has_exactly_one_owner(district, enterprise):
    with pytest.raises(ValidationError):
        QuestionBank(name="两者皆有", region=district, enterprise=enterprise).clean()
    with pytest.raises(ValidationError):
        QuestionBank(name="两者皆无").clean()


def test_a_region_owned_row_covers_the_enterprises_below_it_only(district, street, other_street):
    a = EnterpriseFactory(street=street)
    b = EnterpriseFactory(street=other_street)
    bank = QuestionBank(name="街道", region=street)
    assert bank.covers(a)
    assert not bank.covers(b)
    assert QuestionBank(name="区", region=district).covers(b)
