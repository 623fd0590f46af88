from django.core.management import call_command


def test_openapi_schema_is_valid_and_generates_without_warnings(tmp_path):
    target = tmp_path / "schema.yml"
    # --fail-on-warn: an endpoint whose shapes drf-spectacular cannot describe fails the test.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = target.read_text()
    for path in ("/api/v1/auth/token/", "/api/v1/blueprints/{id}/versions/", "/api/v1/projects/"):
        assert f"{path}:" in schema
