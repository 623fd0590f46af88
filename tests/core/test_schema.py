"""The 39 tables of the original schema, as built by the migrations on PostgreSQL."""

import pytest
from django.db import IntegrityError, connection, transaction

from tests.accounts.factories import ProjectFactory

pytestmark = pytest.mark.django_db

ORIGINAL_TABLES = {
    # V001 core
    "tenants", "users", "roles", "user_roles", "projects", "environments",
    # V002 blueprint graph
    "blueprints", "blueprint_versions", "components", "relations", "blueprint_diffs", "templates",
    # V004 approvals, budget and migration
    "deployment_approvals", "approval_history", "budget_allocations", "budget_spending",
    "budget_alerts", "cloud_migrations", "migration_workloads", "migration_risks",
    # V005 incidents and KPIs
    "incidents", "incident_timeline", "incident_updates", "incident_reviews", "kpi_metrics",
    "kpi_targets",
    # V006 deployment execution, logs and health
    "deployment_executions", "deployment_steps", "deployment_logs", "service_health_checks",
    "infrastructure_metrics", "health_alerts",
    # V007 governance, compliance and cost optimisation
    "governance_policies", "policy_violations", "architecture_patterns", "pattern_approvals",
    "compliance_frameworks", "compliance_assessments", "cost_optimization_recommendations",
}  # fmt: skip

# Indexes of the original that Dharma does not create, because a UNIQUE constraint or composite
# index of the same table already starts with the same column (PostgreSQL uses that one).
REDUNDANT_ORIGINAL_INDEXES = {
    "tenants(slug)": "UNIQUE(slug)",
    "roles(tenant_id)": "UNIQUE(tenant_id, code)",
    "user_roles(user_id)": "UNIQUE(user_id, role_id)",
    "blueprint_versions(blueprint_id)": "UNIQUE(blueprint_id, version_number)",
    "blueprint_diffs(from_version_id)": "UNIQUE(from_version_id, to_version_id)",
    "deployment_steps(execution_id)": "(execution_id, step_order)",
    "deployment_logs(execution_id)": "(execution_id, timestamp DESC)",
    "service_health_checks(service_name)": "(service_name, environment, checked_at DESC)",
}
# Indexes Dharma adds: the unique index on system role codes (NULL tenant), which the original's
# UNIQUE(tenant_id, code) could not enforce.
ADDED_INDEXES = {
    "roles_system_code_key",
    # Policy codes (rule ids), unique per tenant among live policies and among built-ins.
    "governance_policies_tenant_code_key",
    "governance_policies_builtin_code_key",
    # Approvals and executions linked to what they deploy: one pending request per version and
    # environment, one running execution per environment, and the lookups of the gates.
    "deployment_approvals_one_pending",
    "approvals_env_version_idx",
    "approvals_project_idx",
    "deployment_executions_one_active",
    "executions_env_status_idx",
    "executions_project_idx",
    "executions_rollback_of_idx",
}
ORIGINAL_INDEX_COUNT = 196


def indexes() -> list[tuple[str, str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename, indexname, indexdef FROM pg_indexes "
            "WHERE schemaname = 'public' AND tablename = ANY(%s)",
            [sorted(ORIGINAL_TABLES)],
        )
        return cursor.fetchall()


def test_all_39_original_tables_exist():
    assert len(ORIGINAL_TABLES) == 39
    assert set(connection.introspection.table_names()) >= ORIGINAL_TABLES


def test_index_count_matches_the_original_less_the_redundant_ones():
    found = indexes()
    expected = ORIGINAL_INDEX_COUNT - len(REDUNDANT_ORIGINAL_INDEXES) + len(ADDED_INDEXES)
    assert len(found) == expected, sorted(name for _, name, _ in found)


def test_every_table_has_a_uuid_primary_key():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.table_name FROM information_schema.table_constraints t "
            "JOIN information_schema.key_column_usage k USING (constraint_name, table_name) "
            "JOIN information_schema.columns c "
            "  ON c.table_name = k.table_name AND c.column_name = k.column_name "
            "WHERE t.constraint_type = 'PRIMARY KEY' AND c.data_type = 'uuid' "
            "AND t.table_name = ANY(%s)",
            [sorted(ORIGINAL_TABLES)],
        )
        assert {row[0] for row in cursor.fetchall()} == ORIGINAL_TABLES


def test_the_three_gin_indexes_exist_on_jsonb():
    gin = {(table, definition.split("(")[-1].rstrip(")")) for table, _, definition in indexes()
           if "USING gin" in definition}  # fmt: skip
    assert gin == {
        ("blueprint_versions", "graph_json"),
        ("components", "properties"),
        ("incidents", "affected_services"),
    }


def test_partial_and_descending_indexes():
    definitions = [definition for _, _, definition in indexes()]
    partial = [d for d in definitions if " WHERE " in d]
    assert len(partial) >= 23
    assert sum("deleted_at IS NULL" in d for d in partial) >= 10
    assert sum("WHERE (NOT resolved)" in d for d in partial) == 2
    assert sum(" DESC" in d for d in definitions) >= 15


def test_check_constraints_cover_the_original_enumerations():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid "
            "WHERE c.contype = 'c' AND t.relname = ANY(%s)",
            [sorted(ORIGINAL_TABLES)],
        )
        assert cursor.fetchone()[0] >= 42


def test_a_bad_enumeration_value_is_rejected_by_the_database():
    project = ProjectFactory()
    with (
        connection.cursor() as cursor,
        pytest.raises(IntegrityError, match="environments_type_check"),
        transaction.atomic(),
    ):
        # Straight to the database: no form or model validation involved.
        cursor.execute(
            "INSERT INTO environments (id, project_id, name, type, description, config, "
            "created_at, updated_at) VALUES (gen_random_uuid(), %s, 'x', 'moon', '', '{}', "
            "now(), now())",
            [project.pk],
        )


def test_orm_save_of_a_bad_enumeration_is_rejected_by_the_database():
    from apps.accounts.models import Environment

    with pytest.raises(IntegrityError), transaction.atomic():
        Environment.objects.create(project=ProjectFactory(), name="x", type="moon")


def test_email_is_unique_per_tenant_not_globally():
    from tests.accounts.factories import UserFactory

    first = UserFactory(email="same@example.com")
    UserFactory(email="same@example.com")  # another tenant: allowed
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(email="same@example.com", tenant=first.tenant)


def dharma_models():
    from django.apps import apps

    return [model for model in apps.get_models() if model.__module__.startswith("apps.")]


@pytest.mark.parametrize("model", dharma_models(), ids=lambda model: model._meta.db_table)
def test_every_row_reaches_its_tenant(model):
    tenant = ProjectFactory().tenant
    # The path compiles to a join chain ending in a filter on this tenant, and the query runs.
    sql = str(model.objects.for_tenant(tenant).query)
    assert str(tenant.pk) in sql or tenant.pk.hex in sql
    list(model.objects.for_tenant(tenant)[:1])
