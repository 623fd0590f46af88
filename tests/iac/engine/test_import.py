"""import_terraform(): a multi-file project with variables, a module, a data source and
references; invalid HCL; the round trip render -> import."""

import pytest

from apps.iac.engine import TerraformImportError, import_terraform, render
from apps.iac.engine.naming import words
from tests.iac.engine.graphs import AWS_GRAPH, AZURE_GRAPH, GCP_GRAPH

PROJECT = {
    "versions.tf": """
terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "~> 5.0" }
  }
}

provider "aws" {
  region = var.region
}

provider "aws" {
  alias  = "dr"
  region = "eu-west-1"
}
""",
    "variables.tf": """
variable "region" {
  type    = string
  default = "us-east-2"
}

variable "db_password" {
  type      = string
  sensitive = true
}
""",
    "network.tf": """
module "labels" {
  source = "cloudposse/label/null"
}

data "aws_ami" "ubuntu" {
  most_recent = true
}

resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
  tags = {
    Name  = "main"
    Owner = "platform"
  }
}

resource "aws_subnet" "private" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.0.1.0/24"
}
""",
    "app.tf": """
resource "aws_instance" "web" {
  ami           = data.aws_ami.ubuntu.id
  instance_type = "t3.small"
  subnet_id     = aws_subnet.private.id
  user_data     = <<-EOT
    #!/bin/sh
    echo hello
  EOT

  root_block_device {
    encrypted = true
  }
  tags = module.labels.tags
}

resource "aws_db_instance" "db" {
  engine            = "postgres"
  instance_class    = "db.t3.micro"
  password          = var.db_password
  allocated_storage = 20
  depends_on        = [aws_subnet.private]
}

resource "aws_s3_bucket" "backup" {
  provider = aws.dr
  bucket   = "backup"
}

resource "kubernetes_namespace" "apps" {
  metadata {
    name = "apps"
  }
}
""",
    "README.md": "not terraform",
}


@pytest.fixture(scope="module")
def imported():
    return import_terraform(PROJECT)


def _by_name(graph):
    return {component["name"]: component for component in graph["components"]}


def test_resources_become_components_with_native_types(imported):
    graph, _ = imported
    components = _by_name(graph)
    assert sorted(components) == ["backup", "db", "main", "private", "web"]
    assert components["main"]["type"] == "aws_vpc"
    assert all(c["provider"] == "aws" for c in components.values())
    assert graph["relations"] == []


def test_literal_arguments_become_properties_and_blocks_objects(imported):
    components = _by_name(imported[0])
    web = components["web"]["properties"]
    assert web["instance_type"] == "t3.small"
    assert web["root_block_device"] == {"encrypted": True}
    # python-hcl2 gives the heredoc without its final newline
    assert web["user_data"].rstrip("\n") == "#!/bin/sh\necho hello"
    assert components["db"]["properties"]["allocated_storage"] == 20


def test_expressions_are_kept_as_text_and_reported(imported):
    graph, warnings = imported
    web = _by_name(graph)["web"]["properties"]
    assert web["ami"] == "${data.aws_ami.ubuntu.id}"
    assert "app.tf: aws_instance.web: ami refers to data.aws_ami" in warnings
    assert any("ami is an expression (${data.aws_ami.ubuntu.id}), kept as text" in w
               for w in warnings)  # fmt: skip
    assert any("tags is an expression, not imported" in w for w in warnings)


def test_regions_from_provider_blocks_variables_and_aliases(imported):
    components = _by_name(imported[0])
    assert components["main"]["region"] == "us-east-2"  # var.region's default
    assert components["backup"]["region"] == "eu-west-1"  # provider = aws.dr


def test_tags_and_dependencies(imported):
    components = _by_name(imported[0])
    assert components["main"]["tags"] == {"Name": "main", "Owner": "platform"}
    assert components["private"]["depends_on"] == ["main"]  # vpc_id = aws_vpc.main.id
    assert components["web"]["depends_on"] == ["private"]
    assert components["db"]["depends_on"] == ["private"]  # explicit depends_on


def test_modules_data_sources_other_providers_and_other_files_are_warnings(imported):
    _, warnings = imported
    assert "README.md: not a .tf file, ignored" in warnings
    assert (
        "network.tf: module labels (cloudposse/label/null) not imported: modules are not expanded"
        in warnings
    )
    assert any(
        w.startswith("network.tf: data source aws_ami.ubuntu not imported") for w in warnings
    )
    assert any(
        w.startswith("app.tf: resource kubernetes_namespace.apps not imported") for w in warnings
    )


def test_invalid_hcl_names_the_file():
    with pytest.raises(TerraformImportError, match=r"^broken\.tf: Unexpected token .* line 2"):
        import_terraform(
            {
                "ok.tf": 'resource "aws_vpc" "a" {}\n',
                "broken.tf": 'resource "aws_vpc" "b" {\n  cidr_block = \n}\n',
            }
        )


def test_nothing_to_import():
    with pytest.raises(TerraformImportError, match=r"No \.tf file"):
        import_terraform({"notes.txt": "x"})
    with pytest.raises(TerraformImportError, match=r"No aws, azurerm or google resource in a\.tf"):
        import_terraform({"a.tf": 'resource "random_id" "x" {}\n'})


@pytest.mark.parametrize("graph", [AWS_GRAPH, AZURE_GRAPH, GCP_GRAPH], ids=["aws", "azure", "gcp"])
def test_round_trip_keeps_components_types_and_dependencies(graph):
    rendered = render(graph, format="terraform", blueprint="shop")
    imported, _ = import_terraform(rendered.files)

    def key(name):  # names come back as the resource's own name or its Terraform label
        return "_".join(words(name))

    from apps.iac.engine.planning import plan

    original = {
        key(c.name): (c.native, sorted(key(d) for d in c.depends_on))
        for c in plan(graph, "terraform").components
    }
    back = {
        key(c["name"]): (c["type"], sorted(key(d) for d in c["depends_on"]))
        for c in imported["components"]
    }
    assert back == original
    regions = {key(c["name"]): c.get("region") for c in imported["components"]}
    assert all(regions[key(c["name"])] == c["region"] for c in graph["components"])


def test_round_trip_folds_the_public_access_block_into_the_bucket():
    rendered = render(AWS_GRAPH, format="terraform", blueprint="shop")
    imported, _ = import_terraform(rendered.files)
    bucket = _by_name(imported)["assets-bucket"]
    assert bucket["properties"]["block_public_acls"] is True
    assert "managed_by" not in bucket["tags"]  # Dharma's own tags are written again on render
    assert bucket["tags"]["owner"] == "platform-team"
