import pytest

from apps.blueprints.validation import Issue, ValidationResult, validate_graph
from tests.blueprints.validation.factories import component, graph


def issues(result: ValidationResult, code: str) -> list[Issue]:
    return [i for i in (*result.errors, *result.warnings) if i.code == code]


def test_a_well_formed_component_has_no_issues():
    result = validate_graph(graph(component()), blueprint_name="shop")

    assert result.errors == ()
    assert result.warnings == ()


# REQUIRED_FIELD


def test_requires_at_least_one_component():
    result = validate_graph(graph())

    [issue] = issues(result, "REQUIRED_FIELD")
    assert (issue.severity, issue.component, issue.field) == ("error", None, "components")


@pytest.mark.parametrize("field", ["name", "type", "provider", "region"])
def test_flags_a_missing_component_field(field):
    data = component()
    del data[field]

    result = validate_graph(graph(data))

    assert [(i.severity, i.field) for i in issues(result, "REQUIRED_FIELD")] == [("error", field)]


def test_treats_a_blank_name_as_missing_and_names_the_position():
    result = validate_graph(graph(component(), component(name="  ")))

    [issue] = issues(result, "REQUIRED_FIELD")
    assert issue.component is None
    assert "#2" in issue.message


def test_flags_an_empty_blueprint_name():
    result = validate_graph(graph(component()), blueprint_name="")

    [issue] = issues(result, "REQUIRED_FIELD")
    assert (issue.component, issue.field) == (None, "name")


def test_does_not_check_the_blueprint_name_when_not_given():
    assert validate_graph(graph(component())).is_valid


# DUPLICATE_NAME


def test_flags_a_reused_component_name_on_the_second_use():
    result = validate_graph(graph(component("web"), component("db"), component("web")))

    [issue] = issues(result, "DUPLICATE_NAME")
    assert (issue.severity, issue.component, issue.field) == ("error", "web", "name")
    assert "#1 and #3" in issue.message


def test_accepts_distinct_component_names():
    result = validate_graph(graph(component("web"), component("db")))

    assert issues(result, "DUPLICATE_NAME") == []


# INVALID_VALUE


def test_flags_provider_outside_aws_azure_gcp():
    result = validate_graph(graph(component(provider="on-premise")))

    [issue] = issues(result, "INVALID_VALUE")
    assert (issue.severity, issue.field) == ("error", "provider")
    assert "'on-premise'" in issue.message


@pytest.mark.parametrize("provider", ["aws", "azure", "gcp"])
def test_accepts_each_supported_provider(provider):
    region = {"aws": "us-east-1", "azure": "eastus", "gcp": "us-central1"}[provider]

    result = validate_graph(graph(component(provider=provider, region=region)))

    assert issues(result, "INVALID_VALUE") == []


def test_flags_tags_that_are_not_an_object():
    result = validate_graph(graph(component(tags=["owner"])))

    [issue] = issues(result, "INVALID_VALUE")
    assert (issue.severity, issue.field) == ("error", "tags")
    assert issues(result, "MISSING_REQUIRED_TAGS") == []


def test_flags_a_tag_value_that_is_not_a_string():
    tags = {"environment": "dev", "owner": 42, "project": "shop"}

    result = validate_graph(graph(component(tags=tags)))

    [issue] = issues(result, "INVALID_VALUE")
    assert (issue.field, issue.component) == ("tags.owner", "web")
    assert "42" in issue.message


def test_flags_properties_that_are_not_an_object():
    result = validate_graph(graph(component(properties="big")))

    [issue] = issues(result, "INVALID_VALUE")
    assert issue.field == "properties"


# INVALID_REGION


def test_flags_region_outside_allow_list():
    result = validate_graph(graph(component(region="eastus")))

    [issue] = issues(result, "INVALID_REGION")
    assert (issue.severity, issue.component, issue.field) == ("error", "web", "region")
    assert "'eastus'" in issue.message


@pytest.mark.parametrize(
    ("provider", "region"),
    [("aws", "ap-southeast-1"), ("azure", "southeastasia"), ("gcp", "asia-southeast1")],
)
def test_accepts_region_in_the_providers_allow_list(provider, region):
    result = validate_graph(graph(component(provider=provider, region=region)))

    assert issues(result, "INVALID_REGION") == []


def test_flags_a_region_that_is_not_a_string():
    result = validate_graph(graph(component(region=["us-east-1"])))

    assert [i.field for i in issues(result, "INVALID_REGION")] == ["region"]


# UNKNOWN_RESOURCE_TYPE


def test_warns_about_a_type_the_provider_does_not_list():
    result = validate_graph(graph(component(type="vm")))

    [issue] = issues(result, "UNKNOWN_RESOURCE_TYPE")
    assert (issue.severity, issue.field) == ("warning", "type")
    assert "'vm'" in issue.message
    assert result.is_valid


@pytest.mark.parametrize("resource_type", ["lambda", "aws_instance", "AWS::EC2::Instance"])
def test_accepts_listed_and_native_types(resource_type):
    result = validate_graph(graph(component(type=resource_type)))

    assert issues(result, "UNKNOWN_RESOURCE_TYPE") == []


# MISSING_PROPERTIES


@pytest.mark.parametrize("properties", [{}, None])
def test_warns_about_empty_properties(properties):
    result = validate_graph(graph(component(properties=properties)))

    [issue] = issues(result, "MISSING_PROPERTIES")
    assert (issue.severity, issue.field) == ("warning", "properties")


def test_accepts_non_empty_properties():
    assert issues(validate_graph(graph(component())), "MISSING_PROPERTIES") == []


# NAMING_CONVENTION


def test_warns_about_a_blueprint_name_with_uppercase_or_spaces():
    result = validate_graph(graph(component()), blueprint_name="Web Shop")

    [issue] = issues(result, "NAMING_CONVENTION")
    assert (issue.severity, issue.component, issue.field) == ("warning", None, "name")


def test_warns_about_a_component_name_with_a_dot():
    result = validate_graph(graph(component("web.1")))

    [issue] = issues(result, "NAMING_CONVENTION")
    assert (issue.component, issue.field) == ("web.1", "name")


def test_accepts_mixed_case_component_names_and_lowercase_blueprint_names():
    result = validate_graph(graph(component("Web_Server-1")), blueprint_name="web_shop-2")

    assert issues(result, "NAMING_CONVENTION") == []


# MISSING_REQUIRED_TAGS


def test_lists_every_missing_required_tag_in_one_warning():
    result = validate_graph(graph(component(tags={"owner": "platform", "project": "  "})))

    [issue] = issues(result, "MISSING_REQUIRED_TAGS")
    assert (issue.severity, issue.component, issue.field) == ("warning", "web", "tags")
    assert "environment, project" in issue.message


def test_missing_tags_object_misses_all_required_tags():
    result = validate_graph(graph(component(tags=None)))

    [issue] = issues(result, "MISSING_REQUIRED_TAGS")
    assert "environment, owner, project" in issue.message


def test_accepts_required_tags_alongside_others():
    tags = {"environment": "prod", "owner": "a", "project": "b", "cost-centre": "42"}

    assert issues(validate_graph(graph(component(tags=tags))), "MISSING_REQUIRED_TAGS") == []


# PUBLIC_ACCESS


@pytest.mark.parametrize(
    ("properties", "field"),
    [
        ({"public": True}, "properties.public"),
        ({"publicAccess": "enabled"}, "properties.publicAccess"),
        ({"public_access": "Enabled"}, "properties.public_access"),
    ],
)
def test_warns_about_public_access(properties, field):
    result = validate_graph(graph(component(properties=properties)))

    [issue] = issues(result, "PUBLIC_ACCESS")
    assert (issue.severity, issue.field) == ("warning", field)


@pytest.mark.parametrize("properties", [{"public": False}, {"publicAccess": "disabled"}])
def test_accepts_private_components(properties):
    assert issues(validate_graph(graph(component(properties=properties))), "PUBLIC_ACCESS") == []


# ENCRYPTION_RECOMMENDED


@pytest.mark.parametrize(
    ("provider", "region", "resource_type"),
    [
        ("aws", "us-east-1", "s3"),
        ("aws", "us-east-1", "RDS"),
        ("azure", "eastus", "sql-database"),
        ("gcp", "us-east1", "storage-bucket"),
        ("azure", "eastus", "Microsoft.Storage/storageAccounts"),
    ],
)
def test_recommends_encryption_for_data_stores(provider, region, resource_type):
    data = component(provider=provider, region=region, type=resource_type)

    result = validate_graph(graph(data))

    [issue] = issues(result, "ENCRYPTION_RECOMMENDED")
    assert (issue.severity, issue.field) == ("warning", "properties.encryption")


@pytest.mark.parametrize(
    "encryption", [{"encryption": "aws:kms"}, {"encrypted": True}, {"encryption": {"kms": "k"}}]
)
def test_accepts_encrypted_data_stores(encryption):
    result = validate_graph(graph(component(type="s3", properties=encryption)))

    assert issues(result, "ENCRYPTION_RECOMMENDED") == []


@pytest.mark.parametrize(
    "encryption",
    [{"encryption": ""}, {"encrypted": False}, {"encryption": "disabled"}, {"encryption": None}],
)
def test_treats_off_values_as_unencrypted(encryption):
    result = validate_graph(graph(component(type="s3", properties=encryption)))

    assert len(issues(result, "ENCRYPTION_RECOMMENDED")) == 1


def test_does_not_recommend_encryption_for_compute():
    assert issues(validate_graph(graph(component(type="ec2"))), "ENCRYPTION_RECOMMENDED") == []
