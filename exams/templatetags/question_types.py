"""`{% include item.type|question_template %}` (answering) and
`{% include item.type|question_template:"review" %}` (result page): a question type's partial."""

from __future__ import annotations

from django import template

from exams.question_types import kind_of

register = template.Library()


@register.filter
def question_template(qtype: str, view: str = "public") -> str:
    kind = kind_of(qtype)
    return kind.review_template if view == "review" else kind.template
