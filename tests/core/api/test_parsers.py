"""Hostile request bodies answer a 4xx in the error shape and write nothing: JSON nested too
deep, NUL characters and unpaired surrogates in any string or key, numbers no column or jsonb
can hold, bodies over the size limit (JSON and multipart)."""

import copy
import io
import json

import pytest
from django.test import override_settings

from apps.accounts.models import Project
from apps.blueprints.models import BlueprintVersion
from apps.deployments.models import DeploymentApproval
from tests.deployments.fixtures import BASE, WEB

pytestmark = pytest.mark.django_db

VALIDATE = "/api/v1/blueprints/validate/"


def graph(*components) -> dict:
    return {"components": [copy.deepcopy(c) for c in components or BASE], "relations": []}


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == code
    return error


def raw_post(client, url: str, text: str):
    return client.post(url, text.encode("utf-8"), content_type="application/json")


# --- depth -------------------------------------------------------------------------------------


def nested(levels: int, kind: str) -> str:
    if kind == "array":
        return "[" * levels + "1" + "]" * levels
    return '{"a":' * levels + "1" + "}" * levels


@pytest.mark.parametrize("kind", ["array", "object"])
@pytest.mark.parametrize("levels", [100, 2000, 100_000])
def test_json_nested_past_the_limit_is_a_400(api, architect, kind, levels):
    body = f'{{"graph": {{"components": [], "relations": {nested(levels, kind)}}}}}'
    error = assert_error(raw_post(api(architect), VALIDATE, body), 400, "malformed_request")
    assert "nested deeper than 64 levels" in error["message"]


def test_brackets_inside_strings_do_not_count_as_nesting(api, architect):
    web = copy.deepcopy(WEB)
    web["properties"]["user_data"] = "[[[[{{{{" * 100 + '\\"[[['
    response = api(architect).post(VALIDATE, {"graph": graph(web)}, format="json")
    assert response.status_code == 200, response.content


def test_nesting_up_to_the_limit_is_accepted(api, architect):
    web = copy.deepcopy(WEB)
    web["properties"]["deep"] = json.loads(nested(58, "object"))  # 64 with the graph's levels
    response = api(architect).post(VALIDATE, {"graph": graph(web)}, format="json")
    assert response.status_code == 200, response.content


@override_settings(DHARMA_API_MAX_JSON_DEPTH=5)
def test_the_depth_limit_is_a_setting(api, architect):
    assert_error(
        raw_post(api(architect), VALIDATE, '{"graph": ' + nested(5, "array") + "}"),
        400,
        "malformed_request",
    )


# --- NUL, surrogates, numbers jsonb refuses ------------------------------------------------------


@pytest.mark.parametrize(
    ("escape", "where"),
    [
        ('"a\\u0000b"', "value"),
        ('"\\ud800"', "value"),
        ('"\\uDC00x"', "value"),
        ('"\\u0000"', "key"),
    ],
)
def test_nul_and_lone_surrogates_anywhere_are_a_400_naming_the_field(
    api, architect, blueprint_url, escape, where
):
    web = json.dumps(WEB)
    if where == "value":
        web = web.replace('"t3.micro"', escape)
        path = "graph.components[0].properties.instance_type"
    else:
        web = web.replace('"instance_type"', escape)
        path = "graph.components[0].properties.\\u0000"
    body = f'{{"graph": {{"components": [{web}], "relations": []}}}}'
    error = assert_error(raw_post(api(architect), f"{blueprint_url}versions/", body), 400,
                         "validation_error")  # fmt: skip
    assert error["fields"] == {path: ["Null characters and unpaired surrogates are not allowed."]}
    assert not BlueprintVersion.objects.exists()


def test_a_surrogate_pair_is_one_character_and_is_accepted(api, architect, blueprint_url):
    body = json.dumps({"graph": graph()}).replace('"t3.micro"', '"\\ud83d\\ude80"')
    response = raw_post(api(architect), f"{blueprint_url}versions/", body)
    assert response.status_code == 201, response.content
    components = BlueprintVersion.objects.get().graph_json["components"]
    [web] = [c for c in components if c["name"] == WEB["name"]]
    assert web["properties"]["instance_type"] == "🚀"


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_numbers_jsonb_cannot_hold_are_a_400(api, architect, number):
    web = json.dumps(WEB).replace('"availability_zones": 2', f'"availability_zones": {number}')
    body = f'{{"graph": {{"components": [{web}], "relations": []}}}}'
    assert_error(raw_post(api(architect), VALIDATE, body), 400, "malformed_request")


def test_a_body_that_is_not_utf8_is_a_400(api, architect):
    response = api(architect).post(VALIDATE, b'{"graph": "\xff"}', content_type="application/json")
    assert_error(response, 400, "malformed_request")


@pytest.fixture
def admin_world(admin, api):
    """An administrator's client, one project with an environment, and a budget."""
    from tests.accounts.factories import EnvironmentFactory, ProjectFactory

    client = api(admin)
    project = ProjectFactory(tenant=admin.tenant, members=[admin])
    environment = EnvironmentFactory(project=project, name="dev", type="dev")
    budget = client.post(
        "/api/v1/budgets/",
        {"project": str(project.pk), "category": "infrastructure", "amount": "10.00",
         "fiscal_year": 2026, "effective_date": "2026-01-01"},
        format="json",
    )  # fmt: skip
    assert budget.status_code == 201, budget.content
    return {"client": client, "project": project, "environment": environment,
            "budget": budget.json()["id"]}  # fmt: skip


# The writes that answered 500 (PostgreSQL refusing a NUL in jsonb) before the parser checked.
NUL_WRITES = [
    ("patch", "/api/v1/projects/{project}/", "tags"),
    ("patch", "/api/v1/projects/{project}/", "metadata"),
    ("patch", "/api/v1/projects/{project}/environments/{environment}/", "config"),
    ("post", "/api/v1/budgets/", "metadata"),
    ("patch", "/api/v1/budgets/{budget}/", "metadata"),
]


@pytest.mark.parametrize(("method", "url", "field"), NUL_WRITES)
@pytest.mark.parametrize("in_key", [False, True], ids=["value", "key"])
def test_json_fields_holding_a_nul_are_a_400(admin_world, method, url, field, in_key):
    client = admin_world["client"]
    ids = {key: admin_world[key] for key in ("environment", "budget")}
    url = url.format(
        project=admin_world["project"].pk, **{k: getattr(v, "pk", v) for k, v in ids.items()}
    )
    value = {"a\x00": "b"} if in_key else {"a": "b\x00"}
    body = {field: value}
    if url == "/api/v1/budgets/":
        body.update(project=str(admin_world["project"].pk), category="infrastructure",
                    amount="1.00", fiscal_year=2026, effective_date="2026-01-01")  # fmt: skip
    response = getattr(client, method)(url, body, format="json")
    error = assert_error(response, 400, "validation_error")
    assert list(error["fields"]) == [f"{field}.a\\u0000" if in_key else f"{field}.a"]
    assert Project.objects.get(pk=admin_world["project"].pk).metadata == {}


def test_template_tags_holding_a_nul_are_a_400(api, architect, blueprint_url):
    client = api(architect)
    client.post(f"{blueprint_url}versions/", {"graph": graph()}, format="json")
    blueprint = blueprint_url.rstrip("/").rsplit("/", 1)[1]
    response = client.post(
        "/api/v1/templates/",
        {"blueprint": blueprint, "version": 1, "name": "t", "tags": {"team": "a\x00"}},
        format="json",
    )
    assert_error(response, 400, "validation_error")


@pytest.mark.parametrize("number", [2**31, 2**63, 10**30])
def test_an_integer_past_its_column_is_a_400(admin_world, make_version_for_admin, number):
    version = make_version_for_admin()
    response = admin_world["client"].post(
        "/api/v1/deployments/approvals/",
        {"blueprint_version": str(version.pk), "environment": str(admin_world["environment"].pk),
         "estimated_duration": number},
        format="json",
    )  # fmt: skip
    error = assert_error(response, 400, "validation_error")
    assert list(error["fields"]) == ["estimated_duration"]
    assert not DeploymentApproval.objects.exists()


@pytest.fixture
def make_version_for_admin(admin, admin_world):
    from apps.blueprints import services

    def make():
        blueprint = services.blueprint_create(
            user=admin, project=admin_world["project"], name="shop"
        )
        return services.blueprint_version_create(user=admin, blueprint=blueprint, graph=graph())[0]

    return make


# --- query parameters ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("page=99999999999999999999", 404),
        ("page=%00", 404),
        ("page_size=99999999999999999999", 200),
        ("page_size=-1", 200),
        ("search=%00", 400),
        ("ordering=%00", 200),
        ("project=%00", 400),
        ("project=99999999999999999999", 400),
    ],
)
def test_hostile_query_parameters_are_answered_in_json(api, architect, query, status):
    response = api(architect).get(f"/api/v1/blueprints/?{query}")
    assert response.status_code == status, response.content
    body = response.json()
    assert ("error" in body) == (status != 200)


# --- body size -----------------------------------------------------------------------------------


def big_graph(count: int = 5000) -> dict:
    """`count` valid components (each a tagged, private, monitored server)."""
    components = []
    for index in range(count):
        web = copy.deepcopy(WEB)
        web["name"] = f"prod-shop-web{index}-useast1"
        web["depends_on"] = []
        web["properties"]["user_data"] = "#!/bin/sh\n" + "echo ready\n" * 30
        components.append(web)
    return {"components": components, "relations": []}


def test_a_5000_component_graph_over_djangos_form_limit_is_accepted(
    api, architect, blueprint_url, settings
):
    body = json.dumps({"graph": big_graph()})
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE < len(body) < settings.DHARMA_API_MAX_BODY_BYTES
    response = raw_post(api(architect), f"{blueprint_url}versions/", body)
    assert response.status_code == 201, response.content[:500]
    assert len(BlueprintVersion.objects.get().graph_json["components"]) == 5000


def test_a_body_one_byte_over_the_limit_is_a_413(api, architect, blueprint_url, settings):
    limit = settings.DHARMA_API_MAX_BODY_BYTES
    padding = "x" * (limit + 1 - len('{"graph": {"components": [], "relations": []}, "tag": ""}'))
    body = '{"graph": {"components": [], "relations": []}, "tag": "' + padding + '"}'
    assert len(body.encode()) == limit + 1
    error = assert_error(raw_post(api(architect), f"{blueprint_url}versions/", body), 413,
                         "request_too_large")  # fmt: skip
    assert str(limit) in error["message"]


def test_a_body_at_the_limit_is_read(api, architect, settings):
    settings.DHARMA_API_MAX_BODY_BYTES = 200
    body = json.dumps({"graph": {"components": [], "relations": []}, "name": "x"})
    body = body[:-1] + " " * (200 - len(body)) + "}"
    assert len(body) == 200
    response = raw_post(api(architect), VALIDATE, body)
    assert response.status_code == 200, response.content


@pytest.fixture
def importer(make_user):
    """A Technical Architect (the iac create grant) in a project of theirs."""
    from tests.accounts.factories import ProjectFactory

    user = make_user("TA")
    return user, ProjectFactory(tenant=user.tenant, members=[user])


def test_a_multipart_import_over_the_limit_is_a_413(api, importer, settings):
    user, project = importer
    limit = settings.DHARMA_API_MAX_BODY_BYTES
    upload = io.BytesIO(b"# " + b"x" * limit + b"\n")
    upload.name = "main.tf"
    response = api(user).post(
        "/api/v1/iac/imports/",
        {"project": str(project.pk), "name": "imported", "files": [upload]},
        format="multipart",
    )
    assert_error(response, 413, "request_too_large")


def test_multipart_fields_over_djangos_form_limit_are_a_413(api, importer, settings):
    user, project = importer
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    upload = io.BytesIO(b'resource "aws_s3_bucket" "b" {}\n')
    upload.name = "main.tf"
    response = api(user).post(
        "/api/v1/iac/imports/",
        {"project": str(project.pk), "name": "x" * 2000, "files": [upload]},
        format="multipart",
    )
    assert_error(response, 413, "request_too_large")


def test_too_many_multipart_files_is_a_400(api, importer, settings):
    user, project = importer
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 2
    uploads = []
    for index in range(3):
        upload = io.BytesIO(b"# empty\n")
        upload.name = f"f{index}.tf"
        uploads.append(upload)
    response = api(user).post(
        "/api/v1/iac/imports/",
        {"project": str(project.pk), "name": "imported", "files": uploads},
        format="multipart",
    )
    assert_error(response, 400, "malformed_request")


@pytest.mark.parametrize("where", ["field", "file name", "file content"])
def test_a_nul_in_a_multipart_import_is_a_400(api, importer, where):
    user, project = importer
    upload = io.BytesIO(b"# x\x00\n" if where == "file content" else b"# x\n")
    upload.name = "ma\x00in.tf" if where == "file name" else "main.tf"
    name = "bad\x00name" if where == "field" else "imported"
    response = api(user).post(
        "/api/v1/iac/imports/",
        {"project": str(project.pk), "name": name, "files": [upload]},
        format="multipart",
    )
    assert response.status_code == 400, response.content
    assert not BlueprintVersion.objects.exists()
