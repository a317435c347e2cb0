from __future__ import annotations


def document_saved(sender, instance, raw=False, **kwargs) -> None:
    if raw:
        return
    from cms.services import index_document

    index_document(instance)


def site_settings_saved(sender, instance, created=False, raw=False, **kwargs) -> None:
    """Edited settings change every page's footer; a first, default row (made on the first
    request that reads the settings) changes nothing."""
    if raw or created:
        return
    from cms.cache import purge_page_cache

    purge_page_cache()
