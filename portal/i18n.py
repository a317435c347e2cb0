"""One fallback catalog instead of a chain of them.

Python's gettext, asked for zh_Hans, also loads every `zh` catalog it finds (Wagtail's apps ship
both) and chains each as a fallback of the one before: Django's merged translation for zh-hans
ends up with eleven fallbacks. The portal's own strings are written in Chinese, so most lookups
miss the catalog and walk the whole chain (about 25 dict lookups and 12 calls for each `{% trans %}`,
the largest part of rendering a page after the SQL). `flatten(translation)` merges the chain into
one catalog that answers exactly what the chain answered (the first fallback that knows a message
wins, as before); a chain whose catalogs count plurals differently is left as it is.
"""

from __future__ import annotations

import gettext as gettext_module


def _plural_forms(catalog: gettext_module.NullTranslations) -> str | None:
    return getattr(catalog, "_info", {}).get("plural-forms")


def flatten(translation) -> None:
    """Replace `translation`'s fallback chain by one catalog with the same answers (idempotent)."""
    if translation is None or getattr(translation, "_portal_flat", False):
        return
    chain = []
    fallback = translation._fallback
    while fallback is not None:
        chain.append(fallback)
        fallback = fallback._fallback
    translation._portal_flat = True
    if len(chain) < 2 or not all(
        type(f) is gettext_module.GNUTranslations and _plural_forms(f) == _plural_forms(chain[0])
        for f in chain
    ):
        return
    merged: dict = {}
    for catalog in reversed(chain):  # the first fallback's answer wins, as in the chain
        merged.update(catalog._catalog)
    flat = gettext_module.GNUTranslations()
    flat._catalog = merged
    flat.plural = chain[0].plural
    flat._info = dict(chain[0]._info)
    flat._charset = chain[0]._charset
    translation._fallback = flat
