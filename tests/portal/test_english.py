"""The English catalogue: every Chinese msgid has an English translation, and the compiled catalogue
(``make`` runs compilemessages) is the one Django serves when English is chosen."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

PO_FILE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"

_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(0)), text[1:-1])


def read_po(path: Path = PO_FILE) -> list[dict]:
    """A tiny .po reader (polib is not a dependency): one dict per entry with its flags, msgctxt,
    msgid, msgid_plural and msgstr / msgstr[N] (continuation lines joined)."""
    entries, entry, key = [], None, None
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        line = line.strip()
        if not line or line.startswith("#~"):
            if entry is not None and "msgid" in entry:
                entries.append(entry)
            entry, key = None, None
            continue
        if entry is None:
            entry = {"flags": set()}
        if line.startswith("#,"):
            entry["flags"].update(f.strip() for f in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry[key] += _unquote(line)
        else:
            key, _, value = line.partition(" ")
            entry[key] = _unquote(value)
    return [e for e in entries if e["msgid"]]  # drop the header


def test_the_catalogue_is_complete_and_nothing_is_fuzzy():
    entries = read_po()
    assert len(entries) > 1000
    untranslated = [
        e["msgid"]
        for e in entries
        if not all(v.strip() for k, v in e.items() if k.startswith("msgstr"))
    ]
    assert untranslated == []
    assert [e["msgid"] for e in entries if "fuzzy" in e["flags"]] == []
    header = PO_FILE.read_text(encoding="utf-8").split("\n\n", 1)[0]
    assert "#, fuzzy" not in header
    assert '"Language: en\\n"' in header


def test_the_compiled_catalogue_serves_every_translation():
    """Fails if the .mo is stale or missing: run ``make`` (compilemessages) after editing the .po."""
    missing = []
    with translation.override("en"):
        for e in read_po():
            context = e.get("msgctxt")
            if "msgid_plural" in e:
                for n, form in ((1, "msgstr[0]"), (2, "msgstr[1]")):
                    if context is None:
                        got = translation.ngettext(e["msgid"], e["msgid_plural"], n)
                    else:
                        got = translation.npgettext(context, e["msgid"], e["msgid_plural"], n)
                    if got != e[form]:
                        missing.append(e["msgid"])
            else:
                if context is None:
                    got = translation.gettext(e["msgid"])
                else:
                    got = translation.pgettext(context, e["msgid"])
                if got != e["msgstr"]:
                    missing.append(e["msgid"])
    assert missing == []


@pytest.mark.parametrize(
    ("msgid", "english"),
    [
        ("企业安全管理员", "Enterprise safety manager"),  # portal
        ("统一社会信用代码", "Unified social credit code"),  # portal
        ("我的课程", "My courses"),  # courses
        ("我的考试", "My exams"),  # exams
        ("应急演练", "Emergency drill"),  # drills
        ("11·9消防日", "11·9 Fire Safety Day"),  # drills
        ("我的证书", "My certificates"),  # certificates
        ("站内搜索", "Site search"),  # cms
        ("数据看板", "Dashboard"),  # dashboard
        ("全部区域", "All regions"),  # dashboard (gettext imported as _g)
    ],
)
def test_strings_from_each_app_are_english(msgid, english):
    with translation.override("en"):
        assert translation.gettext(msgid) == english
    with translation.override("zh-hans"):
        assert translation.gettext(msgid) == msgid


def test_placeholders_and_plurals_survive_translation():
    with translation.override("en"):
        assert translation.gettext("证书 %(serial)s 已撤销。") % {"serial": "AQ-1"} == (
            "Certificate AQ-1 has been revoked."
        )
        assert translation.ngettext("页面（%(n)s）", "页面（%(n)s）", 1) % {"n": 1} == "Page (1)"
        assert translation.ngettext("页面（%(n)s）", "页面（%(n)s）", 3) % {"n": 3} == "Pages (3)"


def test_the_login_page_is_english_once_english_is_chosen(client, db):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(reverse("portal:login")).content.decode()
    assert 'lang="en"' in html
    assert "Log in" in html
    assert "登录" not in html
