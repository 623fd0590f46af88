from django.core.management import call_command


def test_openapi_schema_is_valid_and_generates_without_warnings(tmp_path):
    target = tmp_path / "schema.yml"
    # --fail-on-warn: an endpoint whose shapes drf-spectacular cannot describe fails the test.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = target.read_text()
    for path in ("/api/v1/auth/token/", "/api/v1/blueprints/{id}/versions/", "/api/v1/projects/"):
        assert f"{path}:" in schema


def load_schema(tmp_path) -> dict:
    import yaml

    target = tmp_path / "schema.yml"
    call_command("spectacular", "--file", str(target))
    return yaml.safe_load(target.read_text())


def responses(schema: dict, method: str, path: str) -> dict:
    return schema["paths"][path][method]["responses"]


ERROR = {"$ref": "#/components/schemas/Error"}


def test_every_error_status_is_documented_in_the_error_shape(tmp_path):
    schema = load_schema(tmp_path)
    error = schema["components"]["schemas"]["Error"]
    assert error["required"] == ["error"]
    detail = schema["components"]["schemas"]["ErrorDetail"]
    assert set(detail["required"]) == {"code", "message", "fields"}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if status >= "400":
                    content = response["content"]["application/json"]
                    assert content["schema"] == ERROR, (method, path, status)


def test_operations_list_the_statuses_they_answer(tmp_path):
    schema = load_schema(tmp_path)
    codes = {
        (method, path): set(responses(schema, method, path))
        for method, path in [
            ("post", "/api/v1/blueprints/"),
            ("get", "/api/v1/blueprints/"),
            ("get", "/api/v1/blueprints/{id}/"),
            ("post", "/api/v1/auth/token/"),
            ("post", "/api/v1/deployments/executions/"),
            ("post", "/api/v1/deployments/approvals/{id}/approve/"),
            ("post", "/api/v1/iac/generations/"),
            ("post", "/api/v1/projects/"),
        ]
    }
    # Every operation answers 503 while the database cannot be reached.
    assert all("503" in statuses for statuses in codes.values())
    codes = {operation: statuses - {"503"} for operation, statuses in codes.items()}
    assert codes[("post", "/api/v1/blueprints/")] == {"201", "400", "401", "403", "409", "413"}
    assert codes[("get", "/api/v1/blueprints/")] == {"200", "400", "401", "403", "404"}
    assert codes[("get", "/api/v1/blueprints/{id}/")] == {"200", "401", "403", "404"}
    assert codes[("post", "/api/v1/auth/token/")] == {"200", "400", "401", "413", "429"}
    assert {"202", "404", "409"} <= codes[("post", "/api/v1/deployments/executions/")]
    assert "409" in codes[("post", "/api/v1/deployments/approvals/{id}/approve/")]
    assert {"202", "409"} <= codes[("post", "/api/v1/iac/generations/")]
    assert "409" in codes[("post", "/api/v1/projects/")]
    # A route that answers 405 for a method is not described as taking it.
    assert "post" not in schema["paths"]["/api/v1/budget-alerts/"]


def test_fields_that_can_be_null_are_nullable(tmp_path):
    components = load_schema(tmp_path)["components"]["schemas"]
    for component, field in [
        ("Project", "owner"),
        ("ProjectMember", "added_by"),
        ("Policy", "created_by"),
        ("FindingRow", "waived_by"),
        ("FindingRow", "checkov_id"),
        ("BudgetAllocation", "utilization_percent"),
        ("BudgetAlert", "allocation"),
    ]:
        assert components[component]["properties"][field].get("nullable") is True, (
            component,
            field,
        )
