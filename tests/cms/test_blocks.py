"""The shared BodyBlock: CTA targets are chosen (exactly one), video needs one source, live
figures read real data through the registry."""

from datetime import timedelta

import pytest
from django.utils import timezone
from wagtail.blocks.struct_block import StructBlockValidationError

from portal import registry
from portal.blocks import BodyBlock, CallToActionBlock, LiveFigureBlock, VideoBlock
from tests.cms.factories import add_news


def test_a_call_to_action_without_a_target_is_refused_in_chinese():
    block = CallToActionBlock()
    value = block.to_python({"title": "参加考试", "text": "", "button_label": "去考试"})
    with pytest.raises(StructBlockValidationError) as error:
        block.clean(value)
    assert "请选择一个链接目标" in str(error.value.block_errors["course"].messages[0])


def test_a_call_to_action_to_a_district_drill_links_to_the_drill(db, district):
    from drills.models import Drill

    drill = Drill.objects.create(
        title="全区危化品泄漏应急演练",
        organiser_region=district,
        level=Drill.Level.DISTRICT,
        form=Drill.Form.LIVE,
        content=Drill.Content.COMPREHENSIVE,
        accident_type=Drill._meta.get_field("accident_type").choices[0][0],
        planned_start=timezone.now() + timedelta(days=3),
        planned_end=timezone.now() + timedelta(days=3, hours=2),
        place="区应急指挥中心",
    )
    block = CallToActionBlock()
    value = block.clean(
        block.to_python({"title": "观摩演练", "button_label": "查看演练", "drill": drill.pk})
    )
    html = block.render(value)
    assert f'href="/drills/{drill.pk}/"' in html
    assert "演练" in html


def test_a_call_to_action_to_two_targets_is_refused(db, district, home):
    block = CallToActionBlock()
    value = block.to_python(
        {"title": "x", "button_label": "y", "course": home.pk, "paper": None, "drill": None}
    )
    value["drill"] = object()
    with pytest.raises(StructBlockValidationError):
        block.clean(value)


def test_a_video_needs_exactly_one_source():
    block = VideoBlock()
    with pytest.raises(StructBlockValidationError) as error:
        block.clean(block.to_python({"caption": "没有视频"}))
    assert "选择且只选择一项" in str(error.value.block_errors["file"].messages[0])


def test_the_published_pages_figure_counts_real_pages(news_index):
    block = LiveFigureBlock()
    value = block.to_python({"figure": "cms.published_pages", "label": "", "note": ""})
    before = block.render(value)
    add_news(news_index, "新通知", "内容")
    after = block.render(value)
    count = registry.live_figures["cms.published_pages"].func()
    assert f">{count}<" in after
    assert before != after


def test_a_live_figure_whose_app_is_gone_shows_an_honest_message():
    block = LiveFigureBlock()
    html = block.render({"figure": "gone.figure", "label": "", "note": ""})
    assert "该数据项暂不可用" in html


def test_every_block_has_a_template_icon_and_preview_value():
    for name, child in BodyBlock().child_blocks.items():
        assert child.meta.icon, name
        assert child.meta.template, name
        assert child.get_preview_value() is not None, name
