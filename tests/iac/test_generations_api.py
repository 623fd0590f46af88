"""The IaC generations API over real PostgreSQL: each format end to end, listing and filters,
the zip download, formats a provider cannot take, tenancy and roles."""

import io
import zipfile

import hcl2
import pytest
import yaml

from apps.accounts.models import ProjectMember
from apps.iac import engine, services
from apps.iac.models import IacGeneration
from tests.accounts.factories import ProjectFactory
from tests.iac.conftest import AWS, AZURE

pytestmark = pytest.mark.django_db

URL = "/api/v1/iac/generations/"


class CloudFormationLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short tags (!Ref, !GetAtt, !Sub …) read as plain values."""


CloudFormationLoader.add_multi_constructor(
    "!", lambda loader, suffix, node: loader.construct_scalar(node)
    if isinstance(node, yaml.ScalarNode)
    else loader.construct_sequence(node)
    if isinstance(node, yaml.SequenceNode)
    else loader.construct_mapping(node),
)  # fmt: skip


@pytest.mark.parametrize(
    ("provider", "format", "names"),
    [
        ("aws", "terraform", {"main.tf", "variables.tf", "outputs.tf"}),
        ("azure", "terraform", {"main.tf", "variables.tf", "outputs.tf"}),
        ("gcp", "terraform", {"main.tf", "variables.tf", "outputs.tf"}),
        ("azure", "bicep", {"main.bicep"}),
        ("aws", "cloudformation", {"template.yaml"}),
    ],
)
def test_each_format_is_generated_end_to_end(ta, new_version, generate, api, provider, format,
                                             names):  # fmt: skip
    version = new_version(provider)
    response = generate(ta, version, format)
    assert response.status_code == 202, response.json()
    accepted = response.json()
    assert accepted["status"] == "pending" and accepted["files"] == {}  # the task runs on commit
    body = api(ta).get(f"{URL}{accepted['id']}/").json()
    assert body["status"] == "completed", body["error"]
    assert (body["format"], body["provider"]) == (format, provider)
    assert (body["blueprint_version"], body["version_number"]) == (str(version.pk), 1)
    assert set(body["files"]) == names
    assert body["content_hash"] == engine.content_hash(body["files"])
    assert not [p for p in body["validation"] if p["level"] == "error"]
    assert body["guardrail_evaluation"] and body["started_at"] and body["completed_at"]
    assert body["task_id"]
    assert body["download"].endswith(f"{URL}{body['id']}/download/")
    # What was stored parses as the format it claims to be.
    components = {c["name"] for c in version.graph_json["components"]}
    if format == "terraform":
        main = hcl2.loads(body["files"]["main.tf"])
        declared = [name for block in main["resource"] for kind in block.values() for name in kind]
        assert len(declared) == len(components)
    elif format == "cloudformation":
        template = yaml.load(body["files"]["template.yaml"], Loader=CloudFormationLoader)
        assert template["AWSTemplateFormatVersion"] == "2010-09-09"
        assert len(template["Resources"]) == len(components)
    else:
        assert body["files"]["main.bicep"].count("resource ") >= len(components)
    # Sensitive values are never written out as literals.
    if provider == "aws":
        assert all("s3cret-value" not in content for content in body["files"].values())


def test_the_same_version_generates_the_same_files(ta, new_version, generated):
    version = new_version("aws")
    first = generated(ta, version, "terraform")
    second = generated(ta, version, "terraform")
    assert first["id"] != second["id"]
    assert first["content_hash"] == second["content_hash"]
    assert first["files"] == second["files"]


def test_download_is_a_zip_of_the_files_with_their_hash(ta, new_version, generated, api):
    version = new_version("aws")
    body = generated(ta, version, "terraform")
    response = api(ta).get(f"{URL}{body['id']}/download/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["X-Content-Hash"] == body["content_hash"]
    assert (
        f'filename="{version.blueprint.name}-v1-terraform.zip"' in response["Content-Disposition"]
    )
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert archive.testzip() is None
        unpacked = {name: archive.read(name).decode() for name in archive.namelist()}
    assert unpacked == body["files"]
    assert engine.content_hash(unpacked) == body["content_hash"]


def test_download_of_an_unfinished_generation_is_a_409(ta, new_version, api):
    version = new_version("aws")
    pending = services.generation_create(user=ta, version=version, format="terraform",
                                         enqueue=False)  # fmt: skip
    response = api(ta).get(f"{URL}{pending.pk}/download/")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "generation_not_completed"
    assert error["details"]["status"] == "pending"
    detail = api(ta).get(f"{URL}{pending.pk}/").json()
    assert (detail["status"], detail["files"], detail["download"]) == ("pending", {}, None)


@pytest.mark.parametrize(
    ("components", "format", "says"),
    [
        (AWS, "bicep", "Bicep renders only azure"),
        (AZURE, "cloudformation", "CloudFormation renders only aws"),
        (AWS[:1] + AZURE[:1], "cloudformation", "azure"),
        (AWS[:1] + AZURE[:1], "bicep", "aws"),
    ],
)
def test_a_format_the_provider_cannot_take_is_a_400_before_anything_is_stored(
    ta, new_version, generate, components, format, says
):
    from apps.guardrails.models import GuardrailEvaluation

    version = new_version(components)
    response = generate(ta, version, format)
    assert response.status_code == 400, response.json()
    error = response.json()["error"]
    assert error["code"] == "unsupported_format"
    assert says in error["message"] and "format" in error["fields"]
    assert not IacGeneration.objects.exists()
    assert not GuardrailEvaluation.objects.exists()


def test_a_mixed_provider_graph_renders_to_terraform(ta, new_version, generated):
    version = new_version(AWS[:1] + AZURE[:1])
    body = generated(ta, version, "terraform")
    assert body["status"] == "completed", body["error"]
    assert body["provider"] == "aws,azure"
    assert "aws_vpc" in body["files"]["main.tf"] and "azurerm_" in body["files"]["main.tf"]


@pytest.mark.parametrize(
    "payload",
    [
        {"format": "pulumi"},
        {"format": "terraform", "blueprint_version": "not-a-uuid"},
        {"format": "terraform", "extra": 1},
        {"blueprint_version": None},
    ],
)
def test_bad_input_is_a_400_naming_the_field(ta, new_version, api, payload):
    version = new_version("aws")
    body = {"blueprint_version": str(version.pk), **payload}
    response = api(ta).post(URL, {k: v for k, v in body.items() if v is not None}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert set(response.json()["error"]["fields"]) & {"format", "blueprint_version", "extra"}


def test_a_component_the_renderer_cannot_take_fails_the_generation_with_its_name(
    ta, new_version, generated
):
    odd = [{**AWS[0], "name": "prod-shop-thing-useast1", "type": "quantum-annealer"}]
    body = generated(ta, new_version(odd), "terraform")
    assert body["status"] == "failed"
    assert "prod-shop-thing-useast1" in body["error"]
    assert body["files"] == {} and body["content_hash"] == ""


def test_list_filters_and_pagination(ta, new_version, generate, api, django_assert_max_num_queries):
    aws, azure = new_version("aws"), new_version("azure")
    generate(ta, aws, "terraform")
    generate(ta, aws, "cloudformation")
    generate(ta, azure, "bicep")
    client = api(ta)
    with django_assert_max_num_queries(12):
        listing = client.get(URL).json()
    assert listing["count"] == 3
    assert "files" not in listing["results"][0]
    assert [r["format"] for r in listing["results"]] == ["bicep", "cloudformation", "terraform"]
    by_version = client.get(URL, {"blueprint_version": str(aws.pk)}).json()
    assert {r["format"] for r in by_version["results"]} == {"terraform", "cloudformation"}
    # `format` filters by IaC format here; it does not pick a renderer.
    only = client.get(URL, {"format": "cloudformation"})
    assert only.status_code == 200
    assert [r["format"] for r in only.json()["results"]] == ["cloudformation"]
    assert client.get(URL, {"status": "completed"}).json()["count"] == 3
    assert client.get(URL, {"status": "failed"}).json()["count"] == 0
    assert client.get(URL, {"status": "done"}).status_code == 400
    page = client.get(URL, {"page_size": 2}).json()
    assert len(page["results"]) == 2 and page["next"]


def test_another_tenants_versions_and_generations_are_not_found(
    ta, make_user, new_version, generate, generated, api
):
    ours = generated(ta, new_version("aws"), "terraform")
    intruder = make_user("TA", "Admin")
    ProjectFactory(tenant=intruder.tenant, members=[intruder])
    client = api(intruder)
    version = IacGeneration.objects.get(pk=ours["id"]).blueprint_version
    response = generate(client, version, "terraform")
    assert response.status_code == 404
    assert client.get(f"{URL}{ours['id']}/").status_code == 404
    assert client.get(f"{URL}{ours['id']}/download/").status_code == 404
    assert client.get(URL).json()["count"] == 0
    assert client.get(URL, {"blueprint_version": str(version.pk)}).json()["count"] == 0
    assert IacGeneration.objects.count() == 1


def test_roles_software_engineers_read_others_are_refused(
    ta, project, make_user, new_version, generate, generated, api
):
    body = generated(ta, new_version("aws"), "terraform")
    engineer = make_user("SE", tenant=ta.tenant)
    ProjectMember.objects.create(project=project, user=engineer)
    client = api(engineer)
    assert client.get(f"{URL}{body['id']}/").status_code == 200
    assert client.get(URL).json()["count"] == 1
    version = IacGeneration.objects.get(pk=body["id"]).blueprint_version
    refused = generate(client, version, "terraform")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "permission_denied"
    # A Project Manager holds no IaC grant at all.
    manager = api(make_user("PM", tenant=ta.tenant))
    assert manager.get(URL).status_code == 403
    assert manager.get(f"{URL}{body['id']}/").status_code == 403
    assert IacGeneration.objects.count() == 1


def test_a_technical_architect_generates_only_in_their_projects(
    ta, make_user, new_version, generate, api
):
    outsider = make_user("TA", tenant=ta.tenant)  # a member of no project
    version = new_version("aws")
    response = generate(outsider, version, "terraform")
    assert response.status_code == 403
    assert "not a member" in response.json()["error"]["message"]
    ours = generate(ta, version, "terraform").json()
    assert api(outsider).get(f"{URL}{ours['id']}/").status_code == 403
    assert api(outsider).get(URL).json()["count"] == 0
    # An administrator (tenant-wide grant) generates anywhere in the tenant.
    admin = make_user("Admin", tenant=ta.tenant)
    assert generate(admin, version, "terraform").status_code == 202


def test_unauthenticated_requests_are_refused(api):
    assert api().get(URL).status_code == 401
