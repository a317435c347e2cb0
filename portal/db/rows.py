"""Hot reads written once as SQL: several models' rows read by one query whose text is built from
the models' _meta once per database and kept, and turned into model instances with the fields' own
database converters (what the ORM would do, without compiling the query on every request; the
compilation of a `select_related` query costs more Python time than the round trip). Used by the
API token check of every API request (portal.api.BearerAuth); exams.engine.answer_item does the
same for the autosave's read."""

from __future__ import annotations

from django.db.models import Model
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init


def column(connection, model: type[Model], name: str) -> str:
    """The quoted column of `model`'s field `name`, for SQL written by hand: a column's name is
    always taken from the model, never spelt out (a renamed field or a db_column then follows)."""
    return connection.ops.quote_name(model._meta.get_field(name).column)


def columns(connection, aliases: list[tuple[str, type[Model]]]) -> tuple[list[str], list[tuple]]:
    """The SELECT list of every concrete field of each (alias, model), and how to load a row of it:
    [(model, attnames, [(index, column, converters)])] (only columns with converters listed)."""
    qn = connection.ops.quote_name
    selected, parts = [], []
    for alias, model in aliases:
        fields = list(model._meta.concrete_fields)
        converters = []
        for index, f in enumerate(fields):
            col, chain = converters_of(connection, f, alias)
            if chain:
                converters.append((index, col, chain))
        parts.append((model, [f.attname for f in fields], converters))
        selected += [f"{alias}.{qn(f.column)}" for f in fields]
    return selected, parts


def converters_of(connection, field, alias: str) -> tuple:
    """(the column of `field` under `alias`, the converters the ORM would run on its value read
    from `connection`, in order: the backend's, then the field's)."""
    col = field.get_col(alias)
    return col, [*connection.ops.get_db_converters(col), *col.get_db_converters(connection)]


def convert(connection, value, col, chain):
    """`value` as read, through `converters_of`'s chain."""
    for converter in chain:
        value = converter(value, col, connection)
    return value


def instances(connection, row, parts) -> list[Model]:
    """The model instances of one row read with `columns`' SELECT list, in its order."""
    result, start = [], 0
    for model, names, converters in parts:
        values = list(row[start : start + len(names)])
        start += len(names)
        for index, col, chain in converters:
            values[index] = convert(connection, values[index], col, chain)
        result.append(loaded(model, connection.alias, names, values))
    return result


def loaded(model: type[Model], alias: str, names: list[str], values: list) -> Model:
    """`model.from_db(alias, names, values)` for a row of every concrete field (attnames in
    _meta's order), without the constructor: the instance's attributes set as the constructor
    sets them from positional values (each field's attname in the instance's __dict__) and its
    state as from_db leaves it. Falls back to from_db when a receiver listens to the model's
    pre_init/post_init (which the constructor sends) or the model overrides from_db. A
    constructor's Python (a ClusterableModel's looks up its child relations on every call) was
    a visible part of the autosave's read (BENCHMARKS.md, issue 21 fourth pass)."""
    if (
        model.from_db.__func__ is not Model.from_db.__func__
        or pre_init.has_listeners(model)
        or post_init.has_listeners(model)
    ):
        return model.from_db(alias, names, values)
    instance = model.__new__(model)
    instance.__dict__.update(zip(names, values, strict=True))
    state = instance._state = ModelState()
    state.adding = False
    state.db = alias
    return instance
