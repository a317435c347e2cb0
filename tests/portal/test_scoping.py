from __future__ import annotations

from portal.scoping import can_see_full_id_number, visible_enterprises, visible_people


def test_a_manager_sees_only_their_enterprise(
    manager, enterprise, other_enterprise, worker, other_worker
):
    assert list(visible_enterprises(manager)) == [enterprise]
    assert set(visible_people(manager)) == {worker.person}


def test_a_street_supervisor_is_refused_another_streets_enterprise(
    street_supervisor, enterprise, other_enterprise
):
    assert list(visible_enterprises(street_supervisor)) == [enterprise]


def test_a_district_supervisor_sees_the_whole_subtree(supervisor, enterprise, other_enterprise):
    assert set(visible_enterprises(supervisor)) == {enterprise, other_enterprise}


def test_a_worker_sees_only_themselves(worker, other_worker):
    assert list(visible_enterprises(worker)) == []
    assert list(visible_people(worker)) == [worker.person]


def test_the_full_id_number_is_for_the_person_and_supervisors(
    worker, other_worker, manager, supervisor
):
    person = worker.person
    assert can_see_full_id_number(worker, person)
    assert can_see_full_id_number(supervisor, person)
    assert not can_see_full_id_number(manager, person)
    assert not can_see_full_id_number(other_worker, person)
