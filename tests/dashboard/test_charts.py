from __future__ import annotations

import re
from decimal import Decimal

from dashboard import charts


def test_bar_widths_are_proportional_to_the_values_and_labels_are_escaped():
    svg = charts.bar_chart([("<b>甲</b>", 10), ("乙", 5)], title="测试")
    assert "<b>" not in svg
    assert "&lt;b&gt;" in svg
    widths = [float(w) for w in re.findall(r'<rect x="\d+" y="\d+" width="([\d.]+)"', svg)]
    assert len(widths) == 2
    assert abs(widths[0] - 2 * widths[1]) < 0.2


def test_a_chart_without_data_says_so():
    assert "暂无数据" in charts.bar_chart([("甲", 0)], title="空")
    assert "暂无数据" in charts.pie_chart([], title="空")
    assert "暂无数据" in charts.line_chart([], title="空")


def test_the_pie_has_one_slice_per_non_zero_value_and_a_legend_with_the_numbers():
    svg = charts.pie_chart([("实战演练", 3), ("桌面演练", 1), ("其他", 0)], title="形式")
    assert svg.count("<path") == 2
    assert "实战演练 3" in svg
    assert "桌面演练 1" in svg
    assert "其他" not in svg


def test_the_line_chart_has_one_point_per_period_and_labels_the_ends():
    svg = charts.line_chart(
        [("2026-01", 1), ("2026-02", Decimal("2.5")), ("2026-03", 4)], title="按月"
    )
    assert svg.count("<circle") == 3
    assert "2026-01" in svg
    assert "2026-03" in svg
