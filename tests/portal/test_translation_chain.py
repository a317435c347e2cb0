"""portal.i18n.flatten: the zh-hans translation's chain of fallback catalogs (Wagtail's `zh`
catalogs, loaded beside zh_Hans) merged into one, answering exactly as the chain did."""

from __future__ import annotations

import pytest
from django.utils.translation import trans_real

from portal.i18n import flatten


def _chain(translation) -> list:
    found, fallback = [], translation._fallback
    while fallback is not None:
        found.append(fallback)
        fallback = fallback._fallback
    return found


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_flat_catalog_answers_what_the_chain_answered(language):
    chained = trans_real.DjangoTranslation(language)
    flat = trans_real.DjangoTranslation(language)
    flatten(flat)
    assert len(_chain(flat)) <= 1
    messages = {"数据看板", "站内搜索", "Add", "Settings", "no such message 不存在"}
    plurals = set()
    for catalog in [chained, *_chain(chained)]:
        for key in catalog._catalog.keys():
            if isinstance(key, tuple):
                plurals.add(key[0])
            else:
                messages.add(key)
    for message in messages:
        assert flat.gettext(message) == chained.gettext(message), message
    for message in plurals:
        for n in (1, 2, 5):
            assert flat.ngettext(message, message + "s", n) == chained.ngettext(
                message, message + "s", n
            ), message


def test_zh_hans_had_a_chain_and_a_request_flattens_the_one_in_use(client, db):
    assert len(_chain(trans_real.DjangoTranslation("zh-hans"))) > 1  # what this is about
    client.get("/")
    assert len(_chain(trans_real.translation("zh-hans"))) == 1
