"""Content services: home page data, Chinese search, document index, editorial set-up."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.documents import get_document_model
from wagtail.models import (
    Collection,
    CollectionViewRestriction,
    Page,
    PageViewRestriction,
)
from wagtail.search.backends import get_search_backend

from portal import registry
from portal.search import index_terms, query_terms

HOME_NEWS_COUNT = 6
HOME_CAMPAIGN_COUNT = 3
INTERNAL_COLLECTION_NAME = "内部资料"
WORKFLOW_NAME = "内容审核流程"
TASK_NAME = "内容审核"


# --- home page -------------------------------------------------------------------------------


def home_context(*, request, home) -> dict:
    """Everything the home page shows. Fixed number of queries whatever the amount of content:
    1 current campaigns (+1 banner renditions prefetch), 1 latest news (+1 tags prefetch),
    plus whatever the registered sections run."""
    from cms.models import CampaignPage, NewsPage

    today = timezone.localdate()
    campaigns = list(
        CampaignPage.objects.live()
        .public()
        .descendant_of(home)
        .filter(start_date__lte=today, end_date__gte=today)
        .select_related("banner_image")
        .prefetch_related("banner_image__renditions")
        .order_by("end_date", "pk")[:HOME_CAMPAIGN_COUNT]
    )
    news = list(
        NewsPage.objects.live()
        .public()
        .descendant_of(home)
        .order_by("-date", "-pk")
        .prefetch_related("tags")[:HOME_NEWS_COUNT]
    )
    sections = []
    for section in sorted(registry.home_sections.values(), key=lambda s: (s.order, s.key)):
        if section.personal and not request.user.is_authenticated:
            continue
        context = section.get_context(request)
        if context is None:
            continue
        sections.append({"section": section, "context": context})
    return {"current_campaigns": campaigns, "latest_news": news, "home_sections": sections}


# --- search ------------------------------------------------------------------------------------


@dataclass
class SearchResults:
    query: str
    terms: list[str]
    pages: list
    documents: list
    error: str = ""


def _visible_pages(user) -> QuerySet:
    """Live pages the user may open: anonymous users only public ones, logged-in users also the
    ones restricted to logged-in users (not password/group-restricted ones unless superuser)."""
    pages = Page.objects.live().filter(depth__gt=1)
    if user.is_superuser:
        return pages
    if not user.is_authenticated:
        return pages.public()
    hidden = PageViewRestriction.objects.exclude(
        restriction_type=PageViewRestriction.LOGIN
    ).exclude(restriction_type=PageViewRestriction.GROUPS, groups__in=user.groups.all())
    for restriction in hidden.select_related("page"):
        pages = pages.not_descendant_of(restriction.page, inclusive=True)
    return pages


def _visible_documents(user) -> QuerySet:
    documents = get_document_model().objects.all()
    if user.is_superuser:
        return documents
    restrictions = CollectionViewRestriction.objects.select_related("collection")
    if user.is_authenticated:
        restrictions = restrictions.exclude(
            restriction_type=CollectionViewRestriction.LOGIN
        ).exclude(restriction_type=CollectionViewRestriction.GROUPS, groups__in=user.groups.all())
    hidden = Q()
    for restriction in restrictions:
        hidden |= Q(collection__path__startswith=restriction.collection.path)
    return documents.exclude(hidden) if hidden else documents


def search_site(*, user, query: str, limit: int = 50) -> SearchResults:
    """Pages and documents matching every CJK bigram / word of the query (see portal.search)."""
    from cms.models import DocumentSearchEntry

    query = (query or "").strip()[:100]
    terms = query_terms(query)
    if not query:
        return SearchResults(query, terms, [], [])
    if not terms:
        return SearchResults(query, terms, [], [], str(_("请输入中文、字母或数字作为关键词。")))
    text = " ".join(terms)
    pages = list(_visible_pages(user).specific().search(text, operator="and", fields=None)[:limit])
    found = get_search_backend().search(text, DocumentSearchEntry.objects.all(), operator="and")
    matched_ids = [entry.document_id for entry in found[: limit * 4]]
    documents = list(
        _visible_documents(user).filter(pk__in=matched_ids).order_by("-created_at")[:limit]
    )
    return SearchResults(query, terms, pages, documents)


def index_document(document) -> None:
    """Writes (and re-indexes) the CJK search terms of a document; called on every save."""
    from wagtail.search.index import insert_or_update_object

    from cms.models import DocumentSearchEntry

    tags = [tag.name for tag in document.tags.all()] if document.pk else []
    filename = document.filename if document.file else ""
    terms = index_terms([document.title, filename.rsplit(".", 1)[0], *tags])
    entry, _created = DocumentSearchEntry.objects.update_or_create(
        document=document, defaults={"terms": terms}
    )
    insert_or_update_object(entry)


# --- editorial set-up (runs after every migrate; idempotent) ---------------------------------


PAGE_PERMISSIONS = {
    "EDITOR": ["add_page", "change_page", "lock_page"],
    "REVIEWER": ["add_page", "change_page", "publish_page", "lock_page", "unlock_page"],
}
COLLECTION_PERMISSIONS = {
    "EDITOR": [
        ("wagtailimages", "add_image"),
        ("wagtailimages", "change_image"),
        ("wagtailimages", "choose_image"),
        ("wagtaildocs", "add_document"),
        ("wagtaildocs", "change_document"),
        ("wagtaildocs", "choose_document"),
    ],
}
COLLECTION_PERMISSIONS["REVIEWER"] = [
    *COLLECTION_PERMISSIONS["EDITOR"],
    ("wagtailimages", "delete_image"),
    ("wagtaildocs", "delete_document"),
]


def setup_editorial(**kwargs) -> None:
    """Page and collection permissions for 内容编辑/内容审核, the 内容审核 moderation workflow on
    the whole tree, and the login-only 内部资料 collection. Wagtail's default "Editors" and
    "Moderators" groups are removed when nobody is in them (docs/content.md explains why)."""
    from django.contrib.auth.models import Group, Permission
    from django.contrib.contenttypes.models import ContentType
    from wagtail.models import (
        GroupApprovalTask,
        GroupCollectionPermission,
        GroupPagePermission,
        Workflow,
        WorkflowPage,
        WorkflowTask,
    )

    from portal import roles

    root_page = Page.get_first_root_node()
    root_collection = Collection.get_first_root_node()
    if root_page is None or root_collection is None:
        return
    groups = {
        "EDITOR": Group.objects.get_or_create(name=roles.EDITOR)[0],
        "REVIEWER": Group.objects.get_or_create(name=roles.REVIEWER)[0],
    }
    page_ct = ContentType.objects.get_for_model(Page)
    for role, codenames in PAGE_PERMISSIONS.items():
        for codename in codenames:
            permission = Permission.objects.get(content_type=page_ct, codename=codename)
            GroupPagePermission.objects.get_or_create(
                group=groups[role], page=root_page, permission=permission
            )
    for role, perms in COLLECTION_PERMISSIONS.items():
        for app_label, codename in perms:
            permission = Permission.objects.get(
                content_type__app_label=app_label, codename=codename
            )
            GroupCollectionPermission.objects.get_or_create(
                group=groups[role], collection=root_collection, permission=permission
            )
    access_admin = Permission.objects.get(
        content_type__app_label="wagtailadmin", codename="access_admin"
    )
    for group in groups.values():
        group.permissions.add(access_admin)

    task = GroupApprovalTask.objects.filter(name=TASK_NAME).first()
    if task is None:
        task = GroupApprovalTask.objects.create(name=TASK_NAME)
    task.groups.set([groups["REVIEWER"]])
    workflow, _created = Workflow.objects.get_or_create(name=WORKFLOW_NAME)
    # WorkflowTask.objects, not workflow.workflow_tasks (a modelcluster relation that only
    # saves with the workflow).
    WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})
    if not workflow.active:
        workflow.active = True
        workflow.save(update_fields=["active"])
    WorkflowPage.objects.update_or_create(page=root_page, defaults={"workflow": workflow})
    Workflow.objects.exclude(pk=workflow.pk).filter(name="Moderators approval").update(active=False)

    for name in ("Editors", "Moderators"):
        Group.objects.filter(name=name, user__isnull=True).delete()

    internal = Collection.objects.filter(name=INTERNAL_COLLECTION_NAME).first()
    if internal is None:
        internal = root_collection.add_child(name=INTERNAL_COLLECTION_NAME)
    if not CollectionViewRestriction.objects.filter(collection=internal).exists():
        CollectionViewRestriction.objects.create(
            collection=internal, restriction_type=CollectionViewRestriction.LOGIN
        )
