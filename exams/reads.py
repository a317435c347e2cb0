"""Reads of the exam traffic's hot path with SQL written once per database (as
`exams.engine.answer_item`): the ORM compiles a queryset's SQL on every request, which was most of
the Python time of the start's small reads (the person, the paper, the person's attempts, the draw
rules; BENCHMARKS.md). A `Select` names a model, the forward relations to join (as
`select_related` does) and the WHERE/ORDER BY; its rows become instances converted by the fields'
own converters and wired to their related instances as `select_related` wires them."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from django.db import connections, router

from portal.db import rows
from portal.db.prepared import prepared_cursor


class Select:
    """`SELECT` every concrete field of `model` and of each relation in `related` (paths like
    `select_related`'s: "enterprise__street"), the root table aliased t0 and the relations t1, t2…
    in the order given. `where(col)` returns the WHERE clause, with %s parameters: `col(name)` is
    the column of t0's field `name` as SQL (portal.db.rows.column: never spelt out by hand);
    `order_by` the fields of t0 to order by."""

    def __init__(
        self,
        model,
        *,
        related: Sequence[str] = (),
        where: Callable[[Callable[[str], str]], str],
        order_by: Sequence[str] = (),
        limit: int | None = None,
    ) -> None:
        self.model = model
        self.related = list(related)
        self.where = where
        self.order_by = list(order_by)
        self.limit = limit
        self._compiled: dict[str, tuple] = {}

    def _compile(self, connection) -> tuple:
        compiled = self._compiled.get(connection.alias)
        if compiled is not None:
            return compiled
        qn = connection.ops.quote_name

        def col(name: str) -> str:
            return f"t0.{rows.column(connection, self.model, name)}"

        # nodes: (alias, model, relation field, parent node index, nullable)
        nodes = [("t0", self.model, None, None, None)]
        joins = []
        by_path = {"": 0}
        for path in self.related:
            parent_path, _sep, name = path.rpartition("__")
            parent = by_path[parent_path]
            parent_alias, parent_model, _f, _p, parent_nullable = nodes[parent]
            relation = parent_model._meta.get_field(name)
            alias = f"t{len(nodes)}"
            nullable = bool(parent_nullable or relation.null)
            target = relation.related_model
            joins.append(
                f"{'LEFT OUTER' if nullable else 'INNER'} JOIN {qn(target._meta.db_table)} {alias} "
                f"ON {alias}.{qn(relation.target_field.column)} = "
                f"{parent_alias}.{qn(relation.column)}"
            )
            by_path[path] = len(nodes)
            nodes.append((alias, target, relation, parent, nullable))
        columns, plan = [], []
        for alias, model, relation, parent, _nullable in nodes:
            selected, [(_model, names, converters)] = rows.columns(connection, [(alias, model)])
            pk_index = names.index(model._meta.pk.attname)
            plan.append((model, names, converters, relation, parent, pk_index))
            columns += selected
        sql = (
            f"SELECT {', '.join(columns)} FROM {qn(self.model._meta.db_table)} t0 "  # nosec B608
            + " ".join(joins)
            + f" WHERE {self.where(col)}"
        )  # names from the models' _meta, values as parameters
        if self.order_by:
            sql += " ORDER BY " + ", ".join(col(name) for name in self.order_by)
        if self.limit is not None:
            sql += f" LIMIT {int(self.limit)}"
        compiled = self._compiled[connection.alias] = (sql, plan)
        return compiled

    def all(self, params: Sequence, *, using: str | None = None) -> list:
        connection = connections[using or router.db_for_read(self.model)]
        sql, plan = self._compile(connection)
        # prepared where the engine can (portal.db.postgresql): every WHERE here compares a
        # column with a parameter, so PostgreSQL types the parameters from their context
        with prepared_cursor(connection) as cursor:
            cursor.execute(sql, list(params))
            rows = cursor.fetchall()
        return [self._instance(connection, plan, row) for row in rows]

    def first(self, params: Sequence, *, using: str | None = None):
        found = self.all(params, using=using)
        return found[0] if found else None

    @staticmethod
    def _instance(connection, plan, row):
        instances: list = []
        start = 0
        for model, names, converters, relation, parent, pk_index in plan:
            values = list(row[start : start + len(names)])
            start += len(names)
            if values[pk_index] is None:  # a LEFT OUTER JOIN that found nothing
                instance = None
            else:
                for index, col, chain in converters:
                    values[index] = rows.convert(connection, values[index], col, chain)
                instance = rows.loaded(model, connection.alias, names, values)
            if relation is not None and instances[parent] is not None:
                relation.set_cached_value(instances[parent], instance)
            instances.append(instance)
        return instances[0]
