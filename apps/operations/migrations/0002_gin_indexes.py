"""GIN index on incidents.affected_services (PostgreSQL only; SQLite has no GIN)."""

from django.db import migrations

from apps.core.migration_operations import RunSQLOnPostgres


class Migration(migrations.Migration):
    dependencies = [("operations", "0001_initial_schema")]

    operations = [
        RunSQLOnPostgres(
            "CREATE INDEX IF NOT EXISTS incidents_affected_services_gin "
            "ON incidents USING gin (affected_services)",
            "DROP INDEX IF EXISTS incidents_affected_services_gin",
        ),
    ]
