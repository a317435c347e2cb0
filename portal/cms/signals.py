from __future__ import annotations


def document_saved(sender, instance, raw=False, **kwargs) -> None:
    if raw:
        return
    from portal.cms.services import index_document

    index_document(instance)
