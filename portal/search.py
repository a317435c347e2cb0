"""Chinese-capable search on Wagtail's database backend (SQLite FTS5 and PostgreSQL).

Neither backend segments Chinese: a run of Han characters is one token, so `有限空间` would never
match `有限空间作业`. We index every run of CJK characters as its single characters plus its
overlapping character bigrams (`有限空间作业` -> `有 限 空 间 作 业 有限 限空 空间 间作 作业`) and turn
the query into the same terms joined with AND: `有限空间` -> `有限 限空 空间`, a one-character query
matches the unigram. Latin words and numbers are kept as lowercase words. See docs/search.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from wagtail.search import index

# CJK unified ideographs (+ extension A and compatibility ideographs).
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN = re.compile(rf"[{_CJK}]+|[0-9A-Za-z]+")
_IS_CJK = re.compile(rf"[{_CJK}]")


def _bigrams(run: str) -> list[str]:
    return [run[i : i + 2] for i in range(len(run) - 1)]


def index_terms(texts: Iterable[str]) -> str:
    """The text to store in the index for these strings: unigrams + bigrams of CJK runs."""
    terms: list[str] = []
    seen: set[str] = set()
    for text in texts:
        for token in _TOKEN.findall(text or ""):
            if _IS_CJK.match(token):
                candidates = list(token) + _bigrams(token)
            else:
                candidates = [token.lower()]
            for term in candidates:
                if term not in seen:
                    seen.add(term)
                    terms.append(term)
    return " ".join(terms)


def query_terms(query: str) -> list[str]:
    """The terms a query must all match: bigrams of each CJK run (the character if it is alone)."""
    terms: list[str] = []
    for token in _TOKEN.findall(query or ""):
        if _IS_CJK.match(token):
            parts = [token] if len(token) == 1 else _bigrams(token)
        else:
            parts = [token.lower()]
        for part in parts:
            if part not in terms:
                terms.append(part)
    return terms


class SearchableBodyMixin:
    """Adds the CJK unigram/bigram text (above) of title, summary and body to the
    search index, so that Chinese queries match inside longer text."""

    def search_text_sources(self) -> list[str]:
        texts = [self.title, getattr(self, "search_description", "")]
        summary = getattr(self, "summary", "")
        if summary:
            texts.append(summary)
        body = getattr(self, "body", None)
        if body is not None:
            texts.extend(body.stream_block.get_searchable_content(body))
        return texts

    def cjk_search_terms(self) -> str:
        return index_terms(self.search_text_sources())


CJK_SEARCH_FIELDS = [index.SearchField("cjk_search_terms")]
