"""The API answers what its OpenAPI schema says: schemathesis generates requests for every
operation from the schema and drives the Django app through WSGI, authenticated as a tenant
Administrator with one of every object in the tenant. Checked for each answer: no 5xx, a status
code the operation documents, a content type it documents, and a body that conforms to the
schema. Bounded: a few examples per operation, a fixed seed, no network."""

import contextlib

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from dharma.wsgi import application
from tests.core.api.world import admin, catalog, world  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db

EXAMPLES_PER_OPERATION = 8
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# The world's object an operation's `{id}` names, by the path before it.
IDS = {
    "/api/v1/projects/": "project",
    "/api/v1/projects/{project_pk}/environments/": "environment",
    "/api/v1/projects/{project_pk}/members/": "member",
    "/api/v1/blueprints/": "blueprint",
    "/api/v1/templates/": "template",
    "/api/v1/guardrails/policies/": "policy",
    "/api/v1/guardrails/evaluations/": "evaluation",
    "/api/v1/guardrails/findings/": "finding",
    "/api/v1/guardrails/waivers/": "waiver",
    "/api/v1/cost-estimates/": "cost_estimate",
    "/api/v1/budgets/": "budget",
    "/api/v1/budget-alerts/": "budget_alert",
    "/api/v1/cost-recommendations/": "cost_recommendation",
    "/api/v1/iac/generations/": "generation",
    "/api/v1/deployments/approvals/": "approval",
    "/api/v1/deployments/executions/": "execution",
}


@contextlib.contextmanager
def connection_kept_across_requests():
    """Django closes the connection at the end of each request, which would end the test's
    transaction; its test client does the same as this."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def with_world_ids(case, ids: dict[str, str]) -> None:
    """Name the world's objects in the path, so operations reach real rows (not only 404s)."""
    path = case.operation.path
    params = case.path_parameters
    if "project_pk" in params:
        params["project_pk"] = ids["project"]
    if "number" in params:
        params["number"] = ids["version_number"]
    if "id" in params:
        collection = path.split("{id}")[0]
        if collection in IDS and IDS[collection] in ids:
            params["id"] = ids[IDS[collection]]


def test_the_api_conforms_to_its_openapi_schema(world):  # noqa: F811 - the fixture
    auth = {"Authorization": world.client._credentials["HTTP_AUTHORIZATION"]}
    failures: dict[str, str] = {}
    with connection_kept_across_requests():
        schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
        operations = [result.ok() for result in schema.get_all_operations()]
        # Deletions last, so the other operations find the rows first.
        operations.sort(key=lambda operation: operation.method.upper() == "DELETE")
        for operation in operations:

            @given(case=operation.as_strategy())
            @settings(
                max_examples=EXAMPLES_PER_OPERATION,
                derandomize=True,
                database=None,
                deadline=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            def run(case):
                with_world_ids(case, world.ids)
                case.call_and_validate(headers=auth, checks=CHECKS)

            try:
                run()
            except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - all are reported
                failures[f"{operation.method.upper()} {operation.path}"] = str(exc)[:2000]
    assert not failures, "\n\n".join(f"{key}:\n{value}" for key, value in failures.items())
