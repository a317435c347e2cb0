"""One list of drill fields for the front-end form and the admin (with the summary)."""

from drills.forms import AFTER_HELD_FIELDS, DRILL_FIELDS, DrillForm
from drills.models import Drill, DrillStatus
from drills.wagtail_hooks import DrillViewSet
from tests.drills.factories import make_drill


def test_the_front_end_form_and_the_admin_share_the_field_list():
    assert DrillForm._meta.fields == DRILL_FIELDS
    assert DrillViewSet.form_fields == [*DRILL_FIELDS, "summary"]
    model_fields = {f.name for f in Drill._meta.get_fields()}
    assert set(DRILL_FIELDS) <= model_fields
    assert len(set(DRILL_FIELDS)) == len(DRILL_FIELDS)


def test_the_admin_form_has_every_field(db, superuser, client, enterprise):
    """Every field, but what is known only after the drill (实际投入, 已报告监管部门) from then on."""
    client.force_login(superuser)
    body = client.get("/admin/drills_drills/new/").content.decode()
    for name in [*DRILL_FIELDS, "summary"]:
        if name in AFTER_HELD_FIELDS:
            assert f'name="{name}"' not in body, name
        else:
            assert f'name="{name}"' in body, name
    held = make_drill(enterprise=enterprise, status=DrillStatus.EVALUATING)
    body = client.get(f"/admin/drills_drills/edit/{held.pk}/").content.decode()
    for name in [*DRILL_FIELDS, "summary"]:
        assert f'name="{name}"' in body, name
