"""The change record of the kept reports (spor.reports.models.ReportChange), written by
triggers on the tables a report counts, so that every write is seen: the ORM's, a bulk
update's, raw SQL's and an import's (COPY fires them too).

Each write bumps the (service, team, month) of every counted row it changes, as the row
was and as it is: a course counts in the month it ended; a young person in the months
their courses ended (and, moved to another service, in those of their courses' sessions);
a FIT state in its course's; a session in its date's; a rating in its session's date's. A
course given another young person or team moves its sessions (and their ratings) too.
PostgreSQL runs one statement-level trigger per write (its rows as transition tables);
SQLite one row-level trigger per row, which an import takes away while it writes: it
counts itself as one change of every month of its service instead
(spor.reports.kept.counted_as_one).
SQLite makes a table anew for most changes of its columns, without its triggers: after
every migrate, the triggers a migration took away are made again
(spor.reports.apps.triggers_back; reports.tests.test_kept checks that every table has them,
on a new database and on one brought up through such a migration)."""

from django.db import migrations, models

# The rows a trigger sees, named as in the units below: PostgreSQL's transition tables,
# SQLite's NEW or OLD row as a one-row table of these columns.
COLUMNS = {
    "treatment_course": ["id", "client_id", "team_id", "end_date"],
    "clients_client": ["id", "service_id"],
    "measures_fitstate": ["course_id"],
    "treatment_session": ["course_id", "date"],
    "measures_rating": ["session_id"],
}


def month(day, vendor):
    if vendor == "postgresql":
        return f"(extract(year FROM {day})::integer * 12 + extract(month FROM {day})::integer - 1)"
    return (f"(CAST(strftime('%Y', {day}) AS INTEGER) * 12"
            f" + CAST(strftime('%m', {day}) AS INTEGER) - 1)")


def units(table, rows, other, vendor):
    """(service_id, team_id, unit) of the counted rows that `rows` (a table's rows as they
    were or are) belong to; `other` is the same rows the other way round on an update (None
    on an insert or delete): rows that keep the columns that fan out do not fan out."""
    def kept(*columns):
        if other is None:
            return "1 = 1"
        same = " AND ".join(f"o.{c} = r.{c}" for c in columns)
        return f"NOT EXISTS (SELECT 1 FROM {other} o WHERE {same})"

    m = lambda day: month(day, vendor)  # noqa: E731
    client = "JOIN clients_client c ON c.id = k.client_id"
    return {
        "treatment_course": (
            f"SELECT c.service_id AS service_id, r.team_id AS team_id, {m('r.end_date')} AS unit "
            f"FROM {rows} r JOIN clients_client c ON c.id = r.client_id "
            f"WHERE r.end_date IS NOT NULL "
            f"UNION SELECT c.service_id, r.team_id, {m('s.date')} "
            f"FROM {rows} r JOIN clients_client c ON c.id = r.client_id "
            f"JOIN treatment_session s ON s.course_id = r.id "
            f"WHERE {kept('id', 'client_id', 'team_id')}"),
        "clients_client": (
            f"SELECT r.service_id AS service_id, k.team_id AS team_id, {m('k.end_date')} AS unit "
            f"FROM {rows} r JOIN treatment_course k ON k.client_id = r.id "
            f"WHERE k.end_date IS NOT NULL "
            f"UNION SELECT r.service_id, k.team_id, {m('s.date')} "
            f"FROM {rows} r JOIN treatment_course k ON k.client_id = r.id "
            f"JOIN treatment_session s ON s.course_id = k.id WHERE {kept('id', 'service_id')}"),
        "measures_fitstate": (
            f"SELECT c.service_id AS service_id, k.team_id AS team_id, {m('k.end_date')} AS unit "
            f"FROM {rows} r JOIN treatment_course k ON k.id = r.course_id {client} "
            f"WHERE k.end_date IS NOT NULL"),
        "treatment_session": (
            f"SELECT c.service_id AS service_id, k.team_id AS team_id, {m('r.date')} AS unit "
            f"FROM {rows} r JOIN treatment_course k ON k.id = r.course_id {client}"),
        "measures_rating": (
            f"SELECT c.service_id AS service_id, k.team_id AS team_id, {m('s.date')} AS unit "
            f"FROM {rows} r JOIN treatment_session s ON s.id = r.session_id "
            f"JOIN treatment_course k ON k.id = s.course_id {client}"),
    }[table]


def postgresql(table):
    def bump(found):
        return ("INSERT INTO reports_change (service_id, team_id, unit, tx, n) "
                "SELECT DISTINCT u.service_id, u.team_id, u.unit, "
                f"pg_current_xact_id()::text::bigint, 1 FROM ({found}) u "
                "ON CONFLICT (service_id, unit, team_id, tx) "
                "DO UPDATE SET n = reports_change.n + 1;")

    vendor = "postgresql"
    both = (units(table, "new_rows", "old_rows", vendor) + " UNION "
            + units(table, "old_rows", "new_rows", vendor))
    return [
        f"""CREATE FUNCTION reports_change_{table}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'INSERT' THEN {bump(units(table, "new_rows", None, vendor))}
            ELSIF TG_OP = 'DELETE' THEN {bump(units(table, "old_rows", None, vendor))}
            ELSE {bump(both)}
            END IF;
            RETURN NULL;
        END $$""",
        f"CREATE TRIGGER reports_change_insert AFTER INSERT ON {table} "
        f"REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
        f"EXECUTE FUNCTION reports_change_{table}()",
        f"CREATE TRIGGER reports_change_update AFTER UPDATE ON {table} "
        f"REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT "
        f"EXECUTE FUNCTION reports_change_{table}()",
        f"CREATE TRIGGER reports_change_delete AFTER DELETE ON {table} "
        f"REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT "
        f"EXECUTE FUNCTION reports_change_{table}()",
        # Emptied whole (as tests do), the change record would count from the start again.
        f"CREATE TRIGGER reports_change_truncate AFTER TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION reports_forget()",
    ]


def sqlite(table):
    def row(which):
        return "(SELECT " + ", ".join(f"{which}.{c} AS {c}" for c in COLUMNS[table]) + ")"

    new, old = row("NEW"), row("OLD")
    found = {"insert": units(table, new, None, "sqlite"),
             "delete": units(table, old, None, "sqlite"),
             "update": (units(table, new, old, "sqlite") + " UNION "
                        + units(table, old, new, "sqlite"))}
    return [f"CREATE TRIGGER reports_change_{table}_{op} AFTER {op.upper()} ON {table} "
            f"FOR EACH ROW BEGIN "
            f"INSERT INTO reports_change (service_id, team_id, unit, tx, n) "
            f"SELECT service_id, team_id, unit, 0, 1 FROM ({sql}) WHERE true "
            f"ON CONFLICT (service_id, unit, team_id, tx) DO UPDATE SET n = n + 1; END"
            for op, sql in found.items()]


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = []
    if vendor == "postgresql":
        statements.append("""CREATE FUNCTION reports_forget() RETURNS trigger
            LANGUAGE plpgsql AS $$ BEGIN DELETE FROM reports_keptreport; RETURN NULL; END $$""")
        statements += [s for table in COLUMNS for s in postgresql(table)]
        statements.append("CREATE TRIGGER reports_change_truncate AFTER TRUNCATE ON "
                          "reports_change FOR EACH STATEMENT EXECUTE FUNCTION reports_forget()")
    elif vendor == "sqlite":
        statements += [s for table in COLUMNS for s in sqlite(table)]
    else:
        raise NotImplementedError(vendor)
    for statement in statements:
        schema_editor.execute(statement, params=None)


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in COLUMNS:
        if vendor == "postgresql":
            for op in ("insert", "update", "delete", "truncate"):
                schema_editor.execute(f"DROP TRIGGER reports_change_{op} ON {table}",
                                      params=None)
            schema_editor.execute(f"DROP FUNCTION reports_change_{table}()", params=None)
        else:
            for op in ("insert", "update", "delete"):
                schema_editor.execute(f"DROP TRIGGER reports_change_{table}_{op}", params=None)
    if vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER reports_change_truncate ON reports_change",
                              params=None)
        schema_editor.execute("DROP FUNCTION reports_forget()", params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0006_service_auto_rating_links'),
        ('clients', '0002_alter_client_pseudonym'),
        ('measures', '0007_fitstate_alarm_rank'),
        ('reports', '0002_kept_report'),
        ('treatment', '0005_course_client_ended_covering'),
    ]

    operations = [
        migrations.CreateModel(
            name='ReportChange',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('team_id', models.BigIntegerField()),
                ('unit', models.IntegerField()),
                ('tx', models.BigIntegerField(default=0)),
                ('n', models.BigIntegerField(default=0)),
                ('service', models.ForeignKey(db_constraint=False, db_index=False, on_delete=models.CASCADE, related_name='+', to='accounts.service')),
            ],
            options={
                'db_table': 'reports_change',
                'constraints': [models.UniqueConstraint(fields=('service', 'unit', 'team_id', 'tx'), name='report_change_once')],
            },
        ),
        migrations.RunPython(create, drop),
    ]
