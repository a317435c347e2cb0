"""Hot reads written once as SQL: several models' rows read by one query whose text is built from
the models' _meta once per database and kept, and turned into model instances with the fields' own
database converters (what the ORM would do, without compiling the query on every request; the
compilation of a `select_related` query costs more Python time than the round trip). Used by the
API token check of every API request (portal.api.BearerAuth); exams.engine.answer_item does the
same for the autosave's read."""

from __future__ import annotations

from django.db.models import Model


def columns(connection, aliases: list[tuple[str, type[Model]]]) -> tuple[list[str], list[tuple]]:
    """The SELECT list of every concrete field of each (alias, model), and how to load a row of it:
    [(model, attnames, [(index, column, converters)])] (only columns with converters listed)."""
    qn = connection.ops.quote_name
    selected, parts = [], []
    for alias, model in aliases:
        fields = list(model._meta.concrete_fields)
        converters = []
        for index, f in enumerate(fields):
            col = f.get_col(alias)
            chain = [*connection.ops.get_db_converters(col), *col.get_db_converters(connection)]
            if chain:
                converters.append((index, col, chain))
        parts.append((model, [f.attname for f in fields], converters))
        selected += [f"{alias}.{qn(f.column)}" for f in fields]
    return selected, parts


def instances(connection, row, parts) -> list[Model]:
    """The model instances of one row read with `columns`' SELECT list, in its order."""
    result, start = [], 0
    for model, names, converters in parts:
        values = list(row[start : start + len(names)])
        start += len(names)
        for index, col, chain in converters:
            for convert in chain:
                values[index] = convert(values[index], col, connection)
        result.append(model.from_db(connection.alias, names, values))
    return result
