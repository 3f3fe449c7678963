"""Triggers that renew measures.StructureStamp on any write to the tables a measure's card
is read from, in the writer's own transaction, whatever wrote it.

PostgreSQL runs the renewal once per statement; SQLite has no statement triggers and runs it
once per row, a few microseconds in process. Both insert the single row when it is missing
(after a flush), so that the stamp exists as soon as anything has been written.
"""

from django.db import migrations

# (app label, model name) of every table a card reads; the schedule's years are the
# ScheduleItem.years table, added below.
WATCHED = [
    ("measures", "Plan"),
    ("measures", "PlanYear"),
    ("measures", "Pillar"),
    ("measures", "SubPillar"),
    ("measures", "Field"),
    ("measures", "Bureau"),
    ("measures", "Section"),
    ("measures", "Measure"),
    ("measures", "MeasureSection"),
    ("measures", "SubProgramme"),
    ("measures", "ScheduleItem"),
    ("indicators", "Indicator"),
]
FUNCTION = "measures_structure_stamp_renew"
TRIGGER = "structure_stamp_renew"
SQLITE_EVENTS = ["INSERT", "UPDATE", "DELETE"]


def _tables(apps) -> list[str]:
    tables = [apps.get_model(app, name)._meta.db_table for app, name in WATCHED]
    years = apps.get_model("measures", "ScheduleItem")._meta.get_field("years").remote_field.through
    return [*tables, years._meta.db_table]


def _stamp_table(apps) -> str:
    return apps.get_model("measures", "StructureStamp")._meta.db_table


def create(apps, schema_editor):
    quote = schema_editor.quote_name
    stamp = quote(_stamp_table(apps))
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
            f" INSERT INTO {stamp} (id, stamp) VALUES (1, gen_random_uuid())"
            " ON CONFLICT (id) DO UPDATE SET stamp = EXCLUDED.stamp;"
            " RETURN NULL; END $$"
        )
        for table in _tables(apps):
            schema_editor.execute(
                f"CREATE TRIGGER {TRIGGER} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {quote(table)}"
                f" FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
            )
    elif schema_editor.connection.vendor == "sqlite":
        for table in _tables(apps):
            for event in SQLITE_EVENTS:
                schema_editor.execute(
                    f"CREATE TRIGGER {quote(f'{TRIGGER}_{table}_{event.lower()}')} AFTER {event} ON {quote(table)}"
                    f" BEGIN INSERT INTO {stamp} (id, stamp) VALUES (1, lower(hex(randomblob(16))))"
                    " ON CONFLICT (id) DO UPDATE SET stamp = excluded.stamp; END"
                )
    else:
        raise NotImplementedError(f"No structure stamp triggers for {schema_editor.connection.vendor}.")


def drop(apps, schema_editor):
    quote = schema_editor.quote_name
    if schema_editor.connection.vendor == "postgresql":
        for table in _tables(apps):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON {quote(table)}")
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")
    elif schema_editor.connection.vendor == "sqlite":
        for table in _tables(apps):
            for event in SQLITE_EVENTS:
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {quote(f'{TRIGGER}_{table}_{event.lower()}')}")


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0006_group_result_sort_names"),
        ("measures", "0004_structure_stamp"),
    ]

    operations = [migrations.RunPython(create, drop)]
