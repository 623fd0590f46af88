"""Every API error is a JSON body in the one error shape, including the errors Django answers
before a view runs (no route, a malformed id, CSRF, an unhandled exception); HTML stays the
answer elsewhere (the admin)."""

import json

import pytest
from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.http import Http404
from django.test import Client, RequestFactory, override_settings
from django.urls import get_resolver

pytestmark = pytest.mark.django_db


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json"), response.content
    body = json.loads(response.content)
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert body["error"]["fields"] == {}
    return body["error"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/blueprints/not-a-uuid/",
        "/api/v1/blueprints/not-a-uuid/versions/",
        "/api/v1/blueprints/9828e2c0-baaa-4823-b727-9086a2fef466/versions/9999999999/",
        "/api/v1/projects/123/environments/",
        "/api/v1/no-such-resource/",
        "/api/v2/blueprints/",
    ],
)
def test_a_path_no_api_route_matches_is_a_json_404(api, architect, path):
    assert_error(api(architect).get(path), 404, "not_found")
    assert_error(api(architect).post(path, {}, format="json"), 404, "not_found")


def test_a_json_404_without_a_login_too(api):
    assert_error(api().get("/api/v1/nothing-here/"), 404, "not_found")


def test_the_json_404_does_not_depend_on_debug(api, architect):
    with override_settings(DEBUG=True):
        assert_error(api(architect).get("/api/v1/blueprints/not-a-uuid/"), 404, "not_found")


def test_a_missing_trailing_slash_still_redirects_reads_and_names_the_route_to_writes(
    api, architect
):
    client = api(architect)
    response = client.get("/api/v1/blueprints?page=2")
    assert response.status_code == 301
    assert response["Location"] == "/api/v1/blueprints/?page=2"
    error = assert_error(client.post("/api/v1/blueprints", {}, format="json"), 404, "not_found")
    assert "/api/v1/blueprints/" in error["message"]


def test_outside_the_api_a_404_stays_html(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_a_method_a_route_does_not_take_is_a_405_in_the_error_shape(api, admin):
    client = api(admin)
    assert_error(client.put("/api/v1/blueprints/", {}, format="json"), 405, "method_not_allowed")
    assert_error(client.delete("/api/v1/cost-estimates/"), 405, "method_not_allowed")
    assert_error(client.post("/api/v1/deployments/logs/", {}, format="json"), 405,
                 "method_not_allowed")  # fmt: skip


def test_a_csrf_failure_on_an_api_path_is_a_json_403():
    client = Client(enforce_csrf_checks=True)
    assert_error(client.post("/api/health"), 403, "csrf_failed")


def test_a_csrf_failure_outside_the_api_stays_html():
    response = Client(enforce_csrf_checks=True).post("/admin/login/", {})
    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")


def handler(status: int):
    return get_resolver().resolve_error_handler(status)


@pytest.mark.parametrize(
    ("status", "exception", "expected", "code"),
    [
        (400, SuspiciousOperation("bad"), 400, "malformed_request"),
        (400, RequestDataTooBig("big"), 413, "request_too_large"),
        (403, PermissionDenied(), 403, "permission_denied"),
        (404, Http404(), 404, "not_found"),
        (500, None, 500, "server_error"),
    ],
)
def test_djangos_error_handlers_answer_json_on_api_paths_and_html_elsewhere(
    status, exception, expected, code
):
    view = handler(status)
    arguments = [] if status == 500 else [exception]
    api_request = RequestFactory().get("/api/v1/blueprints/")
    assert_error(view(api_request, *arguments), expected, code)
    page = view(RequestFactory().get("/admin/"), *arguments)
    assert page.status_code == status
    assert page["Content-Type"].startswith("text/html")


def test_a_value_the_database_refuses_is_a_400_not_a_500():
    from django.db import DataError

    from apps.core.api.errors import exception_handler

    response = exception_handler(DataError("integer out of range"), {})
    assert response.status_code == 400
    assert response.data["error"]["code"] == "invalid_value"


def test_the_admin_keeps_djangos_form_size_limit(settings):
    body = "username=a&password=" + "x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    response = Client().post(
        "/admin/login/", body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE < settings.DHARMA_API_MAX_BODY_BYTES
