"""Rendering: parseable output that matches the graph, escaping, names, secrets, tags and
labels, dependencies, regions, determinism and the refusals."""

import copy
import re

import hcl2
import pytest
import yaml

from apps.iac.engine import FORMATS, RenderError, content_hash, render, validate
from apps.iac.engine.cfn_yaml import load as load_cfn
from tests.iac.engine.graphs import AWS_GRAPH, AZURE_GRAPH, GCP_GRAPH

TERRAFORM_CASES = {"aws": AWS_GRAPH, "azure": AZURE_GRAPH, "gcp": GCP_GRAPH}


def _resources(files):
    found = set()
    for name, text in files.items():
        if name.endswith(".tf"):
            for item in hcl2.loads(text).get("resource", []):
                for type_, named in item.items():
                    for label in named:
                        found.add((type_.strip('"'), label.strip('"')))
    return found


def _variables_declared_and_used(files):
    declared, used = set(), set()
    for text in files.values():
        for item in hcl2.loads(text).get("variable", []):
            declared.update(label.strip('"') for label in item)
        used.update(re.findall(r"(?<![\w.])var\.([A-Za-z_][\w-]*)", text))
    return declared, used


@pytest.mark.parametrize("provider", sorted(TERRAFORM_CASES))
def test_terraform_parses_and_has_one_resource_per_component(provider):
    graph = TERRAFORM_CASES[provider]
    rendered = render(graph, format="terraform", blueprint="shop")
    assert sorted(rendered.files) == ["main.tf", "outputs.tf", "variables.tf"]
    assert rendered.provider == provider
    resources = _resources(rendered.files)
    primary = {(t, n) for t, n in resources if t != "aws_s3_bucket_public_access_block"}
    assert len(primary) == len(graph["components"])
    assert validate("terraform", rendered.files, graph) == []


@pytest.mark.parametrize("provider", sorted(TERRAFORM_CASES))
def test_every_referenced_variable_is_declared(provider):
    rendered = render(TERRAFORM_CASES[provider], format="terraform", blueprint="shop")
    declared, used = _variables_declared_and_used(rendered.files)
    assert used <= declared, f"undeclared: {used - declared}"


def test_gcp_declares_project_and_region_variables():
    """The original generator referenced var.gcp_project / var.gcp_region without declaring
    them, so its GCP output never planned."""
    rendered = render(GCP_GRAPH, format="terraform", blueprint="shop")
    declared, used = _variables_declared_and_used(rendered.files)
    assert {"gcp_project", "gcp_region"} <= used
    assert {"gcp_project", "gcp_region"} <= declared
    assert "project = var.gcp_project" in rendered.files["main.tf"]


def test_required_providers_are_pinned_to_a_major_version():
    graph = {"components": AWS_GRAPH["components"] + GCP_GRAPH["components"], "relations": []}
    rendered = render(graph, format="terraform", blueprint="multi")
    terraform = hcl2.loads(rendered.files["main.tf"])["terraform"][0]
    required = terraform["required_providers"][0]
    assert required["aws"]["version"] == '"~> 5.0"'
    assert required["google"]["version"] == '"~> 5.0"'
    assert "azurerm" not in required
    assert rendered.provider == "mixed"


def test_sensitive_values_never_appear_and_become_sensitive_variables():
    rendered = render(AWS_GRAPH, format="terraform", blueprint="shop")
    everything = "".join(rendered.files.values())
    assert "s3cr3t" not in everything
    variables = hcl2.loads(rendered.files["variables.tf"])["variable"]
    secret = next(v['"app_db_password"'] for v in variables if '"app_db_password"' in v)
    assert secret["sensitive"] is True
    assert "default" not in secret
    assert "password = var.app_db_password" in " ".join(rendered.files["main.tf"].split())
    assert any("app_db_password" in warning for warning in rendered.warnings)


def test_http_tokens_is_not_taken_for_a_secret():
    rendered = render(AWS_GRAPH, format="terraform", blueprint="shop")
    assert 'http_tokens   = "required"' in rendered.files["main.tf"]


def test_component_sensitive_list_hides_other_keys():
    graph = copy.deepcopy(AWS_GRAPH)
    graph["components"][1]["sensitive"] = ["ami"]
    rendered = render(graph, format="terraform", blueprint="shop")
    assert "ami-0c55b159cbfafe1f0" not in rendered.files["main.tf"]
    assert 'variable "web_server_ami"' in rendered.files["variables.tf"]


def test_sensitive_in_every_format():
    cfn = render(AWS_GRAPH, format="cloudformation", blueprint="shop").files["template.yaml"]
    template = load_cfn(cfn)
    assert template["Parameters"]["AppDbPassword"]["NoEcho"] is True
    assert template["Resources"]["AppDb"]["Properties"]["MasterUserPassword"] == {
        "Ref": "AppDbPassword"
    }
    assert "s3cr3t" not in cfn
    bicep = render(AZURE_GRAPH, format="bicep", blueprint="shop").files["main.bicep"]
    assert "@secure()\n@description('Sensitive: admin_password of app-vm" in bicep
    assert "adminPassword: appVmAdminPassword" in bicep
    assert "P@ssw0rd" not in bicep and "Sup3r" not in bicep


def test_strings_are_escaped_and_parse_back_to_the_same_text():
    graph = copy.deepcopy(AWS_GRAPH)
    tricky = 'say "hi" \\ ${var.nope} %{ if } \n\ttab'
    graph["components"][0]["properties"]["description"] = tricky  # main-vpc
    rendered = render(graph, format="terraform", blueprint="shop")
    assert validate("terraform", rendered.files) == []  # ${var.nope} stayed a literal
    resource = next(
        r['"aws_vpc"']['"main_vpc"']
        for r in hcl2.loads(rendered.files["main.tf"])["resource"]
        if '"aws_vpc"' in r
    )
    from apps.iac.engine.hcl import literal_string

    assert literal_string(resource["description"]) == tricky


def test_names_are_sanitised_deterministically_and_collisions_separated():
    graph = {
        "components": [
            {"name": "web server", "type": "s3", "provider": "aws", "properties": {}},
            {"name": "web-server", "type": "s3", "provider": "aws", "properties": {}},
            {"name": "9lives", "type": "s3", "provider": "aws", "properties": {}},
        ],
        "relations": [],
    }
    rendered = render(graph, format="terraform", blueprint="b")
    resources = _resources(rendered.files)
    labels = sorted(n for t, n in resources)
    assert labels == ["r_9lives", "web_server", "web_server_2"]
    assert validate("terraform", rendered.files, graph) == []
    cfn = render(graph, format="cloudformation", blueprint="b")
    assert sorted(load_cfn(cfn.files["template.yaml"])["Resources"]) == [
        "R9lives", "WebServer", "WebServer2",
    ]  # fmt: skip


def test_depends_on_comes_from_components_and_depends_on_relations_only():
    rendered = render(AWS_GRAPH, format="terraform", blueprint="shop")
    main = hcl2.loads(rendered.files["main.tf"])
    depends = {}
    for item in main["resource"]:
        for named in item.values():
            for label, body in named.items():
                depends[label.strip('"')] = body.get("depends_on", [])
    # web-server: its own depends_on (main-vpc) and the depends_on relation (web-sg);
    # the connects_to relation to app-db adds nothing.
    assert depends["web_server"] == ["${aws_vpc.main_vpc}", "${aws_security_group.web_sg}"]
    assert depends["app_db"] == ["${aws_vpc.main_vpc}"]  # from a depends_on relation
    cfn = load_cfn(render(AWS_GRAPH, format="cloudformation", blueprint="s").files["template.yaml"])
    assert cfn["Resources"]["WebServer"]["DependsOn"] == ["MainVpc", "WebSg"]


def test_tags_carry_blueprint_environment_and_managed_by():
    rendered = render(AWS_GRAPH, format="terraform", blueprint="shop", environment="prod")
    vpc = next(
        r['"aws_vpc"']['"main_vpc"']
        for r in hcl2.loads(rendered.files["main.tf"])["resource"]
        if '"aws_vpc"' in r
    )
    tags = {k.strip('"'): v for k, v in vpc["tags"].items()}
    assert tags["managed_by"] == '"dharma"'
    assert tags["blueprint"] == '"shop"'
    assert tags["environment"] == "${var.environment}"
    assert tags["owner"] == '"platform-team"'
    assert 'default     = "prod"' in rendered.files["variables.tf"]


def test_gcp_labels_follow_gcp_rules_and_skip_untaggable_types():
    rendered = render(GCP_GRAPH, format="terraform", blueprint="Shop Front")
    main = hcl2.loads(rendered.files["main.tf"])
    bodies = {}
    for item in main["resource"]:
        for type_, named in item.items():
            for body in named.values():
                bodies[type_.strip('"')] = body
    labels = {k.strip('"'): v for k, v in bodies["google_compute_instance"]["labels"].items()}
    assert labels["team_name"] == '"checkout_payments"'
    assert labels["project"] == '"shop_front"'
    assert labels["blueprint"] == '"shop_front"'
    assert labels["environment"] == "${var.environment}"
    for key in labels:
        assert re.fullmatch(r"[a-z][a-z0-9_-]{0,62}", key)
    assert "labels" not in bodies["google_compute_network"]  # networks take no labels
    assert "tags" not in bodies["google_compute_network"]
    sql_settings = bodies["google_sql_database_instance"]["settings"][0]
    assert "user_labels" in sql_settings  # Cloud SQL labels live in settings


def test_regions_other_than_the_default_get_a_provider_alias():
    graph = copy.deepcopy(AWS_GRAPH)
    graph["components"][2]["region"] = "eu-west-1"  # app-db
    rendered = render(graph, format="terraform", blueprint="shop")
    main = rendered.files["main.tf"]
    assert 'alias  = "eu_west_1"' in main
    assert "provider                            = aws.eu_west_1" in main
    assert validate("terraform", rendered.files, graph) == []


def test_output_is_deterministic():
    for format_, graph in (("terraform", AWS_GRAPH), ("terraform", GCP_GRAPH),
                           ("bicep", AZURE_GRAPH), ("cloudformation", AWS_GRAPH)):  # fmt: skip
        first = render(graph, format=format_, blueprint="shop", version="1")
        shuffled = copy.deepcopy(graph)
        shuffled["components"].reverse()
        second = render(shuffled, format=format_, blueprint="shop", version="1")
        assert content_hash(first.files) == content_hash(second.files)
        assert first.files == second.files


def test_content_hash_depends_on_names_and_contents():
    files = {"a.tf": "x", "b.tf": "y"}
    assert content_hash(files) == content_hash({"b.tf": "y", "a.tf": "x"})
    assert content_hash(files) != content_hash({"a.tf": "xy", "b.tf": ""})
    assert content_hash(files) != content_hash({"a.tf": "x", "c.tf": "y"})
    assert len(content_hash(files)) == 64


def test_cloudformation_is_a_template_whose_refs_resolve():
    rendered = render(AWS_GRAPH, format="cloudformation", blueprint="shop")
    template = yaml.load(rendered.files["template.yaml"], Loader=yaml.SafeLoader)
    assert template["AWSTemplateFormatVersion"] == "2010-09-09"
    bucket = template["Resources"]["AssetsBucket"]
    assert bucket["Type"] == "AWS::S3::Bucket"
    assert {"Key": "managed_by", "Value": "dharma"} in bucket["Properties"]["Tags"]
    assert bucket["Properties"]["PublicAccessBlockConfiguration"]["BlockPublicAcls"] is True
    assert validate("cloudformation", rendered.files, AWS_GRAPH) == []


def test_bicep_passes_the_structural_check():
    rendered = render(AZURE_GRAPH, format="bicep", blueprint="shop")
    text = rendered.files["main.bicep"]
    assert "targetScope = 'resourceGroup'" in text
    assert "resource shopdata 'Microsoft.Storage/storageAccounts@2023-01-01' = {" in text
    assert validate("bicep", rendered.files, AZURE_GRAPH) == []


def test_native_types_pass_through_and_map_between_formats():
    graph = {
        "components": [
            {"name": "a", "type": "aws_s3_bucket", "provider": "aws"},
            {"name": "b", "type": "AWS::RDS::DBInstance", "provider": "aws"},
            {"name": "c", "type": "aws_kinesis_stream", "provider": "aws",
             "properties": {"shard_count": 1}},
        ],
        "relations": [],
    }  # fmt: skip
    resources = _resources(render(graph, format="terraform", blueprint="n").files)
    assert {("aws_s3_bucket", "a"), ("aws_db_instance", "b"), ("aws_kinesis_stream", "c")} <= (
        resources
    )
    with pytest.raises(RenderError, match=r"'c'.*aws_kinesis_stream.*CloudFormation"):
        render(graph, format="cloudformation", blueprint="n")
    graph["components"].pop()
    cfn = load_cfn(render(graph, format="cloudformation", blueprint="n").files["template.yaml"])
    assert cfn["Resources"]["A"]["Type"] == "AWS::S3::Bucket"
    assert cfn["Resources"]["B"]["Type"] == "AWS::RDS::DBInstance"


@pytest.mark.parametrize(
    ("graph", "format_", "message"),
    [
        (AWS_GRAPH, "bicep", "provider aws; Bicep renders Azure resources only"),
        (AZURE_GRAPH, "cloudformation", "provider azure; CloudFormation renders AWS"),
        (GCP_GRAPH, "bicep", "provider gcp"),
        ({"components": [{"name": "x", "type": "teleporter", "provider": "aws"}]},
         "terraform", "Component 'x' has type 'teleporter'"),
        ({"components": [{"name": "x", "type": "azurerm_storage_account", "provider": "aws"}]},
         "terraform", "'x' is a azurerm_storage_account, a azure resource"),
        ({"components": [{"name": "x", "type": "s3", "provider": "oracle"}]},
         "terraform", "'x' has provider 'oracle'"),
        ({"components": []}, "terraform", "no components"),
        ({"components": [{"name": "x", "type": "s3", "provider": "aws", "depends_on": ["y"]}]},
         "terraform", "'x' depends on 'y'"),
        ({"components": [{"name": "x", "type": "s3", "provider": "aws", "depends_on": ["y"]},
                         {"name": "y", "type": "s3", "provider": "aws", "depends_on": ["x"]}]},
         "terraform", "Circular dependency"),
        ({"components": [{"name": "x", "type": "Microsoft.Foo/bars", "provider": "azure"}]},
         "bicep", "apiVersion"),
        (AWS_GRAPH, "pulumi", "Unknown format"),
    ],
)  # fmt: skip
def test_refusals_name_the_component_and_the_reason(graph, format_, message):
    with pytest.raises(RenderError, match=message.replace("(", r"\(")):
        render(graph, format=format_, blueprint="b")


def test_formats_constant():
    assert FORMATS == ("terraform", "bicep", "cloudformation")


def test_a_value_no_format_can_write_is_a_render_error():
    graph = {"components": [{"name": "x", "type": "s3", "provider": "aws",
                             "properties": {"ratio": float("nan")}}]}  # fmt: skip
    with pytest.raises(RenderError, match="cannot be written as terraform"):
        render(graph, format="terraform", blueprint="b")


def test_bicep_child_resources_need_their_parent():
    server = {"name": "sql", "type": "azurerm_mssql_server", "provider": "azure",
              "properties": {"administrator_login": "a"}}  # fmt: skip
    database = {"name": "orders", "type": "sql-database", "provider": "azure", "properties": {}}
    with pytest.raises(RenderError, match=r"'orders'.*child resource.*properties\.parent"):
        render({"components": [server, database]}, format="bicep", blueprint="b")
    database["properties"] = {"parent": "sql"}
    rendered = render({"components": [server, database]}, format="bicep", blueprint="b")
    text = rendered.files["main.bicep"]
    assert "resource orders 'Microsoft.Sql/servers/databases@2023-02-01-preview' = {" in text
    assert "  parent: sql\n" in text
    assert validate("bicep", rendered.files) == []
