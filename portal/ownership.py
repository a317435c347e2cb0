"""The one answer to "owned by a region or an enterprise".

Banks, papers, drills, classes, competitions … are owned either by an enterprise or by a region
(区 / 街道). Three questions are asked of such rows, always in the same way:

- `owned_q(scope)`     rows the scope *administers*: everything for ALL; for a REGION the rows owned
                       by a region in its subtree or by an enterprise of its subtree; for an
                       ENTERPRISE its own rows; nothing for anyone else.
- `covering_q(street_path, enterprise_id)`
                       rows whose owner *covers* people of that enterprise: the enterprise itself,
                       or a region above (or equal to) the enterprise's street.
- `reach_q(scope)`     rows a scope may *see* because they are its own, below it or above it: what
                       `owned_q` gives, plus, for a region, rows owned by regions above it; for an
                       enterprise or a person, the rows covering their enterprise.

Field names differ between models (`region` vs `organiser_region`), so every function takes the
names of the two owner fields; both default to `enterprise` and `region`. A `prefix` reaches the
owner through a relation (`owned_q(scope, prefix="paper")` filters attempts by their paper's owner).

Region paths are codes joined by "/" with a trailing "/" (`330100/330100001/`): a subtree is one
`path__startswith`, the regions above one `path__in=ancestor_paths(path)`.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.scoping import Scope

NOTHING = Q(pk__in=[])


def ancestor_paths(path: str) -> list[str]:
    """The paths of a region and every region above it: `a/b/c/` → [`a/`, `a/b/`, `a/b/c/`]."""
    parts = [p for p in path.split("/") if p]
    return ["".join(f"{p}/" for p in parts[: i + 1]) for i in range(len(parts))]


def _names(prefix: str, enterprise: str, region: str) -> tuple[str, str]:
    p = f"{prefix}__" if prefix else ""
    return f"{p}{enterprise}", f"{p}{region}"


def owned_q(
    scope: Scope,
    *,
    prefix: str = "",
    enterprise: str | None = "enterprise",
    region: str | None = "region",
) -> Q:
    """Rows the scope administers (see the module docstring). A model owned by regions only (or by
    enterprises only) passes None for the other owner field's name."""
    ent, reg = _names(prefix, enterprise or "", region or "")
    if scope.is_all:
        return Q()
    if scope.is_region:
        path = scope.region.path
        q = NOTHING
        if region:
            q = Q(**{f"{reg}__path__startswith": path})
        if enterprise:
            by_enterprise = Q(**{f"{ent}__street__path__startswith": path})
            q = by_enterprise if q is NOTHING else q | by_enterprise
        return q
    if scope.is_enterprise and enterprise:
        return Q(**{f"{ent}_id": scope.enterprise_id})
    return NOTHING


def covering_q(
    *,
    street_path: str,
    enterprise_id: int | None,
    prefix: str = "",
    enterprise: str = "enterprise",
    region: str = "region",
) -> Q:
    """Rows whose owner covers the people of an enterprise (given by its id and its street's path):
    the enterprise's own rows and the rows of the regions above its street."""
    ent, reg = _names(prefix, enterprise, region)
    q = Q(**{f"{reg}__path__in": ancestor_paths(street_path)})
    if enterprise_id is not None:
        q |= Q(**{f"{ent}_id": enterprise_id})
    return q


def reach_q(
    scope: Scope, *, prefix: str = "", enterprise: str = "enterprise", region: str = "region"
) -> Q:
    """Rows the scope may see by ownership: its own and those below it (`owned_q`), and those owned
    by the regions above it (a street sees the district's; an enterprise or a person sees the rows
    of the regions covering their enterprise)."""
    if scope.is_all:
        return Q()
    if scope.is_region:
        ent, reg = _names(prefix, enterprise, region)
        return owned_q(scope, prefix=prefix, enterprise=enterprise, region=region) | Q(
            **{f"{reg}__path__in": ancestor_paths(scope.region.path)}
        )
    if scope.is_enterprise or scope.is_self:
        street_path, enterprise_id = scope_street(scope)
        if street_path is None:
            return NOTHING
        return covering_q(
            street_path=street_path,
            enterprise_id=enterprise_id,
            prefix=prefix,
            enterprise=enterprise,
            region=region,
        )
    return NOTHING


def owns(scope: Scope, obj, *, enterprise: str = "enterprise", region: str = "region") -> bool:
    """`owned_q` for one row in memory (no query; select the owner's street/path with the row):
    whether the scope administers `obj`. A model without one of the two owner fields passes None
    for its name."""
    if scope.is_all:
        return True
    ent_id = getattr(obj, f"{enterprise}_id", None) if enterprise else None
    reg_id = getattr(obj, f"{region}_id", None) if region else None
    if scope.is_region:
        path = scope.region.path
        if reg_id is not None and getattr(obj, region).path.startswith(path):
            return True
        return ent_id is not None and getattr(obj, enterprise).street.path.startswith(path)
    if scope.is_enterprise:
        return ent_id is not None and ent_id == scope.enterprise_id
    return False


def scope_street(scope: Scope) -> tuple[str | None, int | None]:
    """(street path, enterprise id) of an enterprise's or a person's scope; one query."""
    from portal.models import Enterprise, Person

    if scope.is_enterprise:
        path = (
            Enterprise.objects.filter(pk=scope.enterprise_id)
            .values_list("street__path", flat=True)
            .first()
        )
        return path, scope.enterprise_id
    if scope.is_self:
        row = (
            Person.objects.filter(pk=scope.person_id)
            .values_list("enterprise__street__path", "enterprise_id")
            .first()
        )
        return row if row else (None, None)
    return None, None


def region_covers(region, enterprise) -> bool:
    """Whether a region is the enterprise's street or above it."""
    return enterprise.street.path.startswith(region.path)


class OwnedModel(models.Model):
    """Owned by a region (区/街道) or by one enterprise — exactly one of the two."""

    region = models.ForeignKey(
        "portal.Region",
        verbose_name=_("所属区域"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("区或街道所有；与所属企业二选一。"),
    )
    enterprise = models.ForeignKey(
        "portal.Enterprise",
        verbose_name=_("所属企业"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        abstract = True

    def clean(self) -> None:
        super().clean()
        if bool(self.region_id) == bool(self.enterprise_id):
            raise ValidationError(_("请在“所属区域”和“所属企业”中选择且只选择一项。"))

    @property
    def owner(self):
        return self.enterprise if self.enterprise_id else self.region

    def covers(self, enterprise) -> bool:
        """Whether a person of `enterprise` falls within this owner."""
        if self.enterprise_id:
            return self.enterprise_id == enterprise.pk
        return region_covers(self.region, enterprise)
