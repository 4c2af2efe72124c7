"""Insert many rows at once, skipping those already stored (a replayed range).

On PostgreSQL the rows are streamed with COPY into a temporary table and moved over with one
`INSERT ... SELECT ... ON CONFLICT DO NOTHING`, in the order given (so ids follow chain order
as before). A multi-row INSERT from Django's bulk_create costs ~0.6 ms a submission here, in
the per-field preparation and the quoting of ~30 parameters a row; COPY hands psycopg's C
dumpers plain values. Elsewhere (SQLite, the zero-config default) bulk_create with
ignore_conflicts does the same job.
"""

from django.db import connection, models, transaction
from psycopg.types.json import Jsonb


def insert_new(model: type[models.Model], rows: list[models.Model]) -> None:
    """Store `rows` (unsaved instances) except those a unique constraint says are there."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    table, staging = quote(model._meta.db_table), quote(f"{model._meta.db_table}_staging")
    columns = ", ".join(quote(f.column) for f in fields)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE {staging} AS SELECT {columns}, "
                       f"0 AS staging_order FROM {table} WITH NO DATA")  # fmt: skip
        with cursor.cursor.copy(f"COPY {staging} FROM STDIN") as copy:
            for order, row in enumerate(rows):
                copy.write_row([_copy_value(f, row) for f in fields] + [order])
        cursor.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {staging} "
                       "ORDER BY staging_order ON CONFLICT DO NOTHING")  # fmt: skip
        cursor.execute(f"DROP TABLE {staging}")


def _copy_value(field: models.Field, row: models.Model):
    value = getattr(row, field.attname)
    if isinstance(field, models.JSONField) and value is not None:
        return Jsonb(value)
    return value
