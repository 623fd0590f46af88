"""On PostgreSQL the database itself refuses to change or delete an audit log entry."""

from django.db import migrations

from apps.core.migration_operations import RunSQLOnPostgres

CREATE = """
CREATE FUNCTION audit_log_entries_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log_entries is append-only: % refused', TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$;
CREATE TRIGGER audit_log_entries_append_only
    BEFORE UPDATE OR DELETE ON audit_log_entries
    FOR EACH ROW EXECUTE FUNCTION audit_log_entries_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS audit_log_entries_append_only ON audit_log_entries;
DROP FUNCTION IF EXISTS audit_log_entries_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_audit_log_entries"),
    ]

    operations = [RunSQLOnPostgres(CREATE, reverse_sql=DROP)]
