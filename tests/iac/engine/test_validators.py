"""validate(): generated files pass; hand-broken files of each kind are caught."""

import pytest

from apps.iac.engine import Problem, render, validate
from tests.iac.engine.graphs import AWS_GRAPH, AZURE_GRAPH, GCP_GRAPH


def _errors(problems):
    return [p.message for p in problems if p.level == "error"]


@pytest.fixture(scope="module")
def terraform_files():
    return render(AWS_GRAPH, format="terraform", blueprint="shop").files


def test_terraform_undeclared_variable(terraform_files):
    files = dict(terraform_files)
    files["main.tf"] = files["main.tf"].replace("var.aws_region", "var.region_typo")
    assert _errors(validate("terraform", files)) == ["var.region_typo is used but not declared."]


def test_terraform_dangling_depends_on_and_reference(terraform_files):
    files = dict(terraform_files)
    files["main.tf"] = files["main.tf"].replace(
        'depends_on = [aws_vpc.main_vpc]\n}\n\nresource "aws_s3_bucket"',
        'depends_on = [aws_vpc.gone]\n}\n\nresource "aws_s3_bucket"',
    )
    files["outputs.tf"] += 'output "x" {\n  value = aws_lb.front.dns_name\n}\n'
    assert _errors(validate("terraform", files)) == [
        "aws_lb.front is referenced but not declared.",
        "aws_db_instance.app_db depends on aws_vpc.gone, which is not declared.",
    ]


def test_terraform_missing_and_extra_resources_against_the_graph(terraform_files):
    files = dict(terraform_files)
    start = files["main.tf"].index('resource "aws_vpc" "main_vpc"')
    end = files["main.tf"].index('resource "aws_instance"')
    files["main.tf"] = (
        files["main.tf"][:start]
        + 'resource "aws_sqs_queue" "stray" {}\n\n'
        + files["main.tf"][end:]
    )
    files["outputs.tf"] = files["outputs.tf"].replace("aws_vpc.main_vpc.id", '"gone"')
    errors = _errors(validate("terraform", files, AWS_GRAPH))
    assert "Component main-vpc has no resource aws_vpc.main_vpc." in errors
    assert "Resource aws_sqs_queue.stray is not a component of the blueprint." in errors


def test_terraform_unparseable_file_names_the_file(terraform_files):
    files = {**terraform_files, "broken.tf": 'resource "aws_vpc" "x" {\n  cidr_block = \n}\n'}
    problems = validate("terraform", files)
    assert problems[0].file == "broken.tf"
    assert problems[0].message.startswith("Does not parse: Unexpected token")
    assert "line 2" in problems[0].message


def test_terraform_warnings():
    files = {
        "main.tf": 'variable "db_password" {\n  type = string\n}\n'
        'resource "aws_db_instance" "d" {\n  password = "literal"\n}\n'
    }
    problems = validate("terraform", files)
    assert Problem("warning", "main.tf", "No provider block.") in problems
    assert any("looks sensitive" in p.message for p in problems)
    assert any("password is a literal" in p.message for p in problems)
    assert _errors(problems) == []


def test_terraform_no_resource():
    assert _errors(validate("terraform", {"main.tf": 'provider "aws" {}\n'})) == [
        "No resource is declared."
    ]


@pytest.fixture(scope="module")
def template():
    return render(AWS_GRAPH, format="cloudformation", blueprint="shop").files["template.yaml"]


def test_cloudformation_dangling_ref_depends_on_and_getatt(template):
    broken = template.replace("Ref: AppDbPassword", "Ref: DbPassword").replace(
        "    - WebSg\n", "    - Firewall\n"
    )
    broken += "  Arn:\n    Value: !GetAtt Missing.Arn\n  Url:\n    Value: !Sub 'https://${Gone}/${AWS::Region}'\n"
    errors = _errors(validate("cloudformation", {"template.yaml": broken}))
    assert errors == [
        "Resource WebServer depends on Firewall, which is not a resource.",
        "Resources.AppDb.Properties.MasterUserPassword: Ref DbPassword names no parameter or "
        "resource.",
        "Outputs.Arn.Value: Fn::GetAtt Missing names no resource.",
        "Outputs.Url.Value: Fn::Sub Gone names no parameter or resource.",
    ]


def test_cloudformation_short_tags_parse_and_resolve():
    text = (
        "AWSTemplateFormatVersion: '2010-09-09'\n"
        "Parameters:\n  Name:\n    Type: String\n"
        "Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n    Properties:\n"
        "      BucketName: !Sub '${Name}-${AWS::AccountId}'\n"
        "  Policy:\n    Type: AWS::S3::BucketPolicy\n    DependsOn: Bucket\n    Properties:\n"
        "      Bucket: !Ref Bucket\n      PolicyDocument: {}\n"
        "Outputs:\n  Arn:\n    Value: !GetAtt Bucket.Arn\n"
    )
    assert validate("cloudformation", {"template.yaml": text}) == []


def test_cloudformation_bad_yaml_missing_resources_and_wrong_types():
    problems = validate("cloudformation", {"template.yaml": "Resources: [unclosed\n"})
    assert problems[0].message.startswith("Does not parse (line 2")
    empty = validate("cloudformation", {"template.yaml": "AWSTemplateFormatVersion: x\n"})
    assert _errors(empty) == ["No resource is declared."]
    wrong = validate(
        "cloudformation", {"t.yaml": "Resources:\n  A:\n    Type: Microsoft.Storage/x\n"}
    )
    assert "Resource A has type 'Microsoft.Storage/x', not AWS::…" in _errors(wrong)


def test_cloudformation_against_the_graph(template):
    graph = {"components": AWS_GRAPH["components"][:2], "relations": []}
    errors = _errors(validate("cloudformation", {"template.yaml": template}, graph))
    assert "Resource AppDb is not a component of the blueprint." in errors


@pytest.fixture(scope="module")
def bicep():
    return render(AZURE_GRAPH, format="bicep", blueprint="shop").files["main.bicep"]


def test_bicep_unbalanced_brace(bicep):
    broken = bicep.replace("  ]\n}\n\nresource coreVnet", "  ]\n\nresource coreVnet", 1)
    assert broken != bicep
    problems = validate("bicep", {"main.bicep": broken})
    assert len(problems) == 1
    assert problems[0].message.endswith("is never closed.")


def test_bicep_mismatched_bracket_and_unterminated_string(bicep):
    problems = validate(
        "bicep", {"main.bicep": bicep.replace("    coreVnet\n  ]", "    coreVnet\n  }", 1)}
    )
    assert "closes the '['" in problems[0].message
    problems = validate("bicep", {"main.bicep": "param x string = 'open\n"})
    assert problems == [
        Problem("error", "main.bicep", "Does not parse: line 1: unterminated string.")
    ]


def test_bicep_unknown_reference_duplicate_param_bad_type(bicep):
    broken = bicep.replace("    ordersDb\n", "    ordersDatabase\n", 1)
    broken = broken.replace("@2023-04-01' = {", "' = {", 1)
    broken += "\nparam location string\n"
    errors = _errors(validate("bicep", {"main.bicep": broken}))
    assert any("ordersDatabase is not a declared" in e for e in errors)
    assert any("param location is declared twice" in e for e in errors)
    assert any(
        "resource coreVnet has type 'Microsoft.Network/virtualNetworks'" in e for e in errors
    )


def test_bicep_missing_resource_against_the_graph(bicep):
    graph = {"components": AZURE_GRAPH["components"] + [
        {"name": "cache", "type": "azurerm_redis_cache", "provider": "azure"}
    ], "relations": []}  # fmt: skip
    errors = _errors(validate("bicep", {"main.bicep": bicep}, graph))
    assert errors == ["Component cache has no resource cache (Microsoft.Cache/redis)."]


def test_bicep_secure_warning_and_no_target_scope():
    text = (
        "param dbPassword string\n"
        "resource a 'Microsoft.Storage/storageAccounts@2023-01-01' = {\n  name: dbPassword\n}\n"
    )
    problems = validate("bicep", {"main.bicep": text})
    assert _errors(problems) == []
    assert {p.message for p in problems} == {
        "line 1: param dbPassword looks sensitive but is not @secure().",
        "No targetScope.",
    }


def test_unknown_format_and_no_files():
    assert _errors(validate("pulumi", {"a": "b"})) == [
        "Unknown format 'pulumi': terraform, bicep or cloudformation."
    ]
    assert _errors(validate("terraform", {})) == ["No files to validate."]
    assert _errors(validate("terraform", {"README.md": "x"})) == ["No .tf file to validate."]


def test_gcp_terraform_validates_against_its_graph():
    rendered = render(GCP_GRAPH, format="terraform", blueprint="shop")
    assert validate("terraform", rendered.files, GCP_GRAPH) == []
