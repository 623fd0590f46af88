import pytest

from apps.blueprints.validation import catalog


@pytest.mark.parametrize(
    "resource_type", ["aws_s3_bucket", "AWS::S3::Bucket", "Microsoft.Storage/storageAccounts"]
)
def test_accepts_provider_native_type_names(resource_type):
    assert catalog.is_known_type("aws", resource_type)


def test_knows_types_per_provider():
    assert catalog.is_known_type("azure", "storage-account")
    assert not catalog.is_known_type("aws", "storage-account")


@pytest.mark.parametrize(
    "resource_type", ["s3", "RDS", "cloud-sql", "storage-bucket", "Microsoft.Storage/x", "database"]
)
def test_recognises_data_stores_case_insensitively(resource_type):
    assert catalog.is_data_store(resource_type)


def test_compute_is_not_a_data_store():
    assert not catalog.is_data_store("ec2")


def test_every_provider_has_regions_and_types():
    assert set(catalog.REGIONS) == set(catalog.PROVIDERS) == set(catalog.RESOURCE_TYPES)


@pytest.mark.parametrize("name", ["web-shop", "web_shop_2"])
def test_blueprint_name_pattern_accepts_lowercase_digits_dash_underscore(name):
    assert catalog.BLUEPRINT_NAME_PATTERN.fullmatch(name)


@pytest.mark.parametrize("name", ["WebShop", "web shop", "web.shop", "web\n"])
def test_blueprint_name_pattern_rejects_other_characters(name):
    assert not catalog.BLUEPRINT_NAME_PATTERN.fullmatch(name)
