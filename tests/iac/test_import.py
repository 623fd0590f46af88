"""Terraform imported into blueprints: through the API (JSON and multipart) and
`manage.py iac_import`; invalid input refused whole (400 / exit 2), nothing half written."""

import io

import pytest
from django.core.management import CommandError, call_command

from apps.blueprints.models import Blueprint, BlueprintVersion
from apps.iac import engine
from tests.accounts.factories import ProjectFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/iac/imports/"

MAIN_TF = """
provider "aws" {
  region = "us-east-1"
}

resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
  tags = {
    Name = "main"
  }
}

resource "aws_subnet" "app" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.0.1.0/24"
}

resource "aws_s3_bucket" "assets" {
  bucket = "shop-assets"
}
"""
VARIABLES_TF = """
variable "environment" {
  type    = string
  default = "dev"
}
"""
BROKEN_TF = 'resource "aws_vpc" "main" {\n  cidr_block = "10.0.0.0/16"\n'


def files(**extra):
    return {"main.tf": MAIN_TF, "variables.tf": VARIABLES_TF, **extra}


def test_json_import_creates_a_blueprint_with_version_1(ta, project, api):
    response = api(ta).post(
        URL, {"files": files(), "project": str(project.pk), "name": "imported-shop"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["blueprint_created"] is True and body["created"] is True
    assert (body["version_number"], body["components"]) == (1, 3)
    assert body["files"] == ["main.tf", "variables.tf"]
    assert isinstance(body["warnings"], list)
    blueprint = Blueprint.objects.get(pk=body["blueprint"])
    assert (blueprint.name, blueprint.project_id, blueprint.created_by) == (
        "imported-shop", project.pk, ta,
    )  # fmt: skip
    assert blueprint.primary_provider == "aws"
    version = BlueprintVersion.objects.get(pk=body["version"])
    assert blueprint.current_version == version
    components = {c["name"]: c for c in version.graph_json["components"]}
    assert len(components) == 3
    types = {c["type"] for c in components.values()}
    assert types == {"aws_vpc", "aws_subnet", "aws_s3_bucket"}
    subnet = next(c for c in components.values() if c["type"] == "aws_subnet")
    vpc = next(c for c in components.values() if c["type"] == "aws_vpc")
    assert vpc["name"] in subnet.get("depends_on", [])
    assert version.components.count() == 3


def test_multipart_import_adds_a_version_to_an_existing_blueprint(ta, project, api):
    client = api(ta)
    first = client.post(
        URL, {"files": files(), "project": str(project.pk), "name": "shop"}, format="json"
    ).json()
    grown = MAIN_TF + '\nresource "aws_s3_bucket" "logs" {\n  bucket = "shop-logs"\n}\n'
    upload_main = io.BytesIO(grown.encode())
    upload_main.name = "main.tf"
    upload_vars = io.BytesIO(VARIABLES_TF.encode())
    upload_vars.name = "variables.tf"
    response = client.post(
        URL,
        {"blueprint": first["blueprint"], "files": [upload_main, upload_vars], "tag": "v2"},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["blueprint"], body["blueprint_created"]) == (first["blueprint"], False)
    assert (body["version_number"], body["components"]) == (2, 4)
    version = BlueprintVersion.objects.get(pk=body["version"])
    assert version.tag == "v2" and version.parent_version_id is not None
    # The same Terraform again: the current version is returned, nothing new is stored.
    upload_main.seek(0)
    upload_vars.seek(0)
    again = client.post(
        URL, {"blueprint": first["blueprint"], "files": [upload_main, upload_vars]},
        format="multipart",
    )  # fmt: skip
    assert again.status_code == 200 and again.json()["created"] is False
    assert BlueprintVersion.objects.filter(blueprint_id=first["blueprint"]).count() == 2


def test_invalid_hcl_is_a_400_naming_the_file_and_writes_nothing(ta, project, api):
    response = api(ta).post(
        URL, {"files": files(**{"network.tf": BROKEN_TF}), "project": str(project.pk),
              "name": "broken"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 400, response.json()
    error = response.json()["error"]
    assert error["code"] == "invalid_terraform"
    assert "network.tf" in error["message"]
    assert not Blueprint.objects.exists()


def test_a_graph_the_blueprint_validation_refuses_writes_nothing(ta, project, api):
    response = api(ta).post(
        URL, {"files": {"main.tf": 'resource "aws_vpc" "main" {\n  cidr_block = "10.0.0.0/16"\n}\n'
                                   'provider "aws" {\n  region = "mars-north-1"\n}\n'},
              "project": str(project.pk), "name": "nowhere"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 400, response.json()
    assert response.json()["error"]["code"] == "invalid_graph"
    assert "INVALID_REGION" in str(response.json()["error"]["fields"])
    assert not Blueprint.objects.exists()  # the new blueprint was rolled back with the version


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"files": {"main.tf": MAIN_TF}}, "blueprint"),
        ({"files": {"main.tf": MAIN_TF}, "project": "P"}, "project"),
        ({"files": {"main.tf": MAIN_TF}, "name": "x"}, "blueprint"),
        ({"files": {"notes.txt": "hi"}, "name": "x", "project": None}, "files"),
        ({"files": "main.tf", "name": "x", "project": None}, "files"),
        ({"name": "x", "project": None}, "files"),
        ({"files": {}, "name": "x", "project": None}, "files"),
    ],
)
def test_bad_import_requests_are_400s(ta, project, api, payload, field):
    payload = {k: (str(project.pk) if k == "project" and v is None else v)
               for k, v in payload.items()}  # fmt: skip
    response = api(ta).post(URL, payload, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()["error"]["fields"]
    assert not Blueprint.objects.exists()


def test_import_tenancy_and_roles(ta, project, make_user, api):
    stranger = make_user("TA", "Admin")
    response = api(stranger).post(
        URL, {"files": files(), "project": str(project.pk), "name": "theirs"}, format="json"
    )
    assert response.status_code == 404
    solution_architect = make_user("SA", tenant=ta.tenant)
    response = api(solution_architect).post(
        URL, {"files": files(), "project": str(project.pk), "name": "no-grant"}, format="json"
    )
    assert response.status_code == 403
    outsider = make_user("TA", tenant=ta.tenant)  # not a member of the project
    response = api(outsider).post(
        URL, {"files": files(), "project": str(project.pk), "name": "not-mine"}, format="json"
    )
    assert response.status_code == 403
    assert not Blueprint.objects.exists()


def test_the_command_imports_a_directory(ta, project, tmp_path):
    (tmp_path / "main.tf").write_text(MAIN_TF)
    (tmp_path / "variables.tf").write_text(VARIABLES_TF)
    (tmp_path / "README.md").write_text("not terraform")
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "iac_import", str(tmp_path), "--project", str(project.pk), "--name", "from-cli",
        stdout=out, stderr=err,
    )  # fmt: skip
    blueprint = Blueprint.objects.get(name="from-cli")
    assert blueprint.created_by == ta  # the project's owner
    assert "version 1" in out.getvalue() and "3 components, 2 files" in out.getvalue()
    other = ProjectFactory(tenant=ta.tenant)
    call_command(
        "iac_import", str(tmp_path / "main.tf"), "--project", str(project.pk),
        "--blueprint", str(blueprint.pk), "--user", ta.email, stdout=out,
    )  # fmt: skip
    assert "unchanged" in out.getvalue()
    with pytest.raises(CommandError) as wrong_project:
        call_command(
            "iac_import", str(tmp_path), "--project", str(other.pk), "--blueprint",
            str(blueprint.pk),
        )  # fmt: skip
    assert wrong_project.value.returncode == 2


@pytest.mark.parametrize(
    ("arguments", "says"),
    [
        (["--name", "broken"], "network.tf"),
        (["--name", "x", "--user", "nobody@example.com"], "--user"),
        (["--name", "   "], "--name"),
    ],
)
def test_the_command_refuses_bad_input_with_exit_2_and_writes_nothing(
    ta, project, tmp_path, arguments, says
):
    (tmp_path / "main.tf").write_text(MAIN_TF)
    (tmp_path / "network.tf").write_text(BROKEN_TF)
    with pytest.raises(CommandError) as refused:
        call_command("iac_import", str(tmp_path), "--project", str(project.pk), *arguments)
    assert refused.value.returncode == 2
    assert says in str(refused.value)
    assert not Blueprint.objects.exists()


def test_the_command_refuses_unknown_paths_and_ids(ta, project, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    (tmp_path / "main.tf").write_text(MAIN_TF)
    for arguments, says in [
        ([str(tmp_path / "missing"), "--project", str(project.pk), "--name", "x"], "no such"),
        ([str(empty), "--project", str(project.pk), "--name", "x"], "no *.tf"),
        ([str(tmp_path), "--project", "not-an-id", "--name", "x"], "not an id"),
        (
            [str(tmp_path), "--project", "00000000-0000-0000-0000-000000000000", "--name", "x"],
            "no project",
        ),
        ([str(tmp_path), "--project", str(project.pk), "--blueprint", "nope"], "not an id"),
    ]:
        with pytest.raises(CommandError) as refused:
            call_command("iac_import", *arguments)
        assert refused.value.returncode == 2 and says in str(refused.value), arguments


def test_round_trip_a_generated_terraform_imports_to_the_same_components(
    ta, project, new_version, generated, api
):
    version = new_version("aws")
    generation = generated(ta, version, "terraform")
    assert generation["status"] == "completed", generation["error"]
    response = api(ta).post(
        URL, {"files": generation["files"], "project": str(project.pk), "name": "round-trip"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.json()
    imported = BlueprintVersion.objects.get(pk=response.json()["version"])
    assert len(imported.graph_json["components"]) == len(version.graph_json["components"])
    graph, _ = engine.import_terraform(generation["files"])
    assert len(graph["components"]) == len(version.graph_json["components"])
