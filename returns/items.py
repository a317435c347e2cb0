"""The figures a return may ask for (统计填报项目): one catalogue, keyed, so a form names its items
by key and the merged figures add up the same keys.

    ITEMS: dict[str, Item]                     key → item, in display order
    GROUPS: list[(group, label)]               the sections of the filing form
    item_choices() -> list[(key, label)]       for the form definition's checkboxes
    STANDARD_ANNUAL, STANDARD_QUARTERLY        the items of the two seeded standard forms

An item names where its recorded value comes from (`recorded`: a key of
`returns.prefill.recorded_values`, which reads the apps' statistics functions); items with no
recorded source (the campaign month's lectures, consultations, hall visitors) start at 0.

Drills are asked by form (桌面 / 实战) and by level (企业级 … 省级): every drill has one form and one
level, so the reported drills by form and by level must add up to the same totals (checked when a
return is saved), and the total is the sum by form.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from drills.models import Drill
from portal.models import PersonCategory


@dataclass(frozen=True)
class Item:
    key: str
    group: str
    label: str
    unit: str
    places: int = 0  # decimal places accepted (学时 1, 元 2)
    recorded: str = ""  # the key of the recorded value; "" when the portal records none

    @property
    def step(self) -> Decimal:
        return Decimal(1).scaleb(-self.places)


GROUP_LABELS = {
    "training": _("安全培训"),
    "three_level": _("三级安全教育"),
    "drills_form": _("应急演练（按形式）"),
    "drills_level": _("应急演练（按级别）"),
    "activity": _("安全生产月等活动"),
}

MEASURES = (
    ("count", _("场次"), _("场"), 0),
    ("person_times", _("参演人次"), _("人次"), 0),
    ("money", _("投入资金"), _("元"), 2),
)


def _build() -> dict[str, Item]:
    items: list[Item] = []
    for category, label in PersonCategory.choices:
        key = f"training.{category}"
        items.append(
            Item(
                f"{key}.person_times",
                "training",
                format_lazy(_("{c}培训人次"), c=label),
                _("人次"),
                recorded=f"{key}.person_times",
            )
        )
        items.append(
            Item(
                f"{key}.hours",
                "training",
                format_lazy(_("{c}培训学时"), c=label),
                _("学时"),
                places=1,
                recorded=f"{key}.hours",
            )
        )
    items.append(
        Item(
            "three_level.person_times",
            "three_level",
            _("三级安全教育人次"),
            _("人次"),
            recorded="three_level.person_times",
        )
    )
    for group, choices in (("form", Drill.Form.choices), ("level", Drill.Level.choices)):
        for value, label in choices:
            for measure, measure_label, unit, places in MEASURES:
                key = f"drills.{group}.{value}.{measure}"
                items.append(
                    Item(
                        key,
                        f"drills_{group}",
                        format_lazy("{g}{m}", g=label, m=measure_label),
                        unit,
                        places=places,
                        recorded=key,
                    )
                )
    items += [
        Item("activity.lectures", "activity", _("安全宣讲、讲座场次"), _("场")),
        Item("activity.consultations", "activity", _("安全咨询人次"), _("人次")),
        Item("activity.hall_visitors", "activity", _("安全教育馆参观人次"), _("人次")),
    ]
    return {item.key: item for item in items}


ITEMS: dict[str, Item] = _build()


def item_choices() -> list[tuple[str, str]]:
    return [(key, f"{GROUP_LABELS[item.group]} · {item.label}") for key, item in ITEMS.items()]


def ordered(keys) -> list[Item]:
    """The items of `keys` in catalogue order (unknown keys left out)."""
    wanted = set(keys)
    return [item for key, item in ITEMS.items() if key in wanted]


def drill_items(group: str, measure: str) -> list[str]:
    """The keys of one drill measure by form or by level."""
    return [
        key
        for key, item in ITEMS.items()
        if item.group == f"drills_{group}" and key.endswith(f".{measure}")
    ]


_TRAINING = [k for k, i in ITEMS.items() if i.group in ("training", "three_level")]
_DRILLS = [k for k, i in ITEMS.items() if i.group.startswith("drills_")]
STANDARD_ANNUAL = [*_TRAINING, *_DRILLS, *(k for k, i in ITEMS.items() if i.group == "activity")]
STANDARD_QUARTERLY = [*_TRAINING, *_DRILLS]
