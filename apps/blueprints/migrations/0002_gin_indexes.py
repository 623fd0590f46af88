"""GIN indexes on the JSONB graph columns (PostgreSQL only; SQLite has no GIN)."""

from django.db import migrations

from apps.core.migration_operations import RunSQLOnPostgres


class Migration(migrations.Migration):
    dependencies = [("blueprints", "0001_initial_schema")]

    operations = [
        RunSQLOnPostgres(
            "CREATE INDEX IF NOT EXISTS bp_versions_graph_json_gin "
            "ON blueprint_versions USING gin (graph_json)",
            "DROP INDEX IF EXISTS bp_versions_graph_json_gin",
        ),
        RunSQLOnPostgres(
            "CREATE INDEX IF NOT EXISTS components_properties_gin "
            "ON components USING gin (properties)",
            "DROP INDEX IF EXISTS components_properties_gin",
        ),
    ]
