"""`manage.py load_prices`: the shipped snapshot, good files upserted, bad files refused whole."""

import csv
import json
from collections import Counter
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from apps.blueprints.validation.catalog import REGIONS
from apps.costing.models import PriceCatalog
from apps.costing.price_files import COLUMNS, read_price_file
from tests.costing.conftest import SNAPSHOT

ROW = {
    "provider": "aws", "region": "us-east-1", "resource_type": "ec2", "sku": "t3.large",
    "pricing_model": "spot", "unit": "hour", "price": "0.025", "currency": "USD",
    "effective_date": "2024-07-01", "source": "https://aws.amazon.com/ec2/spot/pricing/",
}  # fmt: skip


def write_csv(path, rows):
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_the_shipped_snapshot_is_valid_and_says_where_each_price_comes_from():
    price_file = read_price_file(SNAPSHOT)
    assert price_file.metadata["snapshot_date"] == "2024-06-01"
    assert "NOT fetched" in price_file.metadata["compiled"]
    counts = Counter(row["provider"] for row in price_file.rows)
    assert counts == {"aws": 248, "gcp": 94, "azure": 37}
    for row in price_file.rows:
        assert row["source"].startswith("https://"), row
        assert row["region"] in REGIONS[row["provider"]], row
        assert row["price"] > 0
    models = {(row["resource_type"], row["pricing_model"]) for row in price_file.rows}
    assert {("ec2", "reserved_1y"), ("ec2", "reserved_3y")} <= models
    assert not any(model == "spot" for _, model in models)  # market prices are not listed


@pytest.mark.django_db
def test_a_good_csv_is_upserted(tmp_path):
    path = write_csv(tmp_path / "prices.csv", [ROW, {**ROW, "sku": "t3.medium", "price": "0.0125"}])
    call_command("load_prices", str(path))
    spot = PriceCatalog.objects.filter(pricing_model="spot")
    assert {(p.sku, p.price) for p in spot} == {
        ("t3.large", Decimal("0.025")),
        ("t3.medium", Decimal("0.0125")),
    }
    write_csv(path, [{**ROW, "price": "0.03"}])
    call_command("load_prices", str(path))
    assert spot.get(sku="t3.large").price == Decimal("0.03")
    assert spot.count() == 2


@pytest.mark.django_db
def test_a_json_list_is_accepted(tmp_path):
    path = tmp_path / "prices.json"
    path.write_text(json.dumps([ROW]))
    call_command("load_prices", str(path))
    assert PriceCatalog.objects.filter(pricing_model="spot", sku="t3.large").exists()


@pytest.mark.django_db
def test_a_bad_file_exits_2_names_every_bad_row_and_field_and_writes_nothing(tmp_path):
    before = PriceCatalog.objects.count()
    rows = [
        ROW,  # good, but must not be written either
        {**ROW, "sku": "t3.small", "price": "abc"},
        {**ROW, "sku": "t3.micro", "pricing_model": "monthly", "effective_date": "2024-13-01"},
        {**ROW, "sku": "t3.nano", "source": "aws pricing page", "currency": "usd"},
        ROW,
    ]
    path = write_csv(tmp_path / "prices.csv", rows)
    with pytest.raises(CommandError) as raised:
        call_command("load_prices", str(path))
    assert raised.value.returncode == 2
    message = str(raised.value)
    for expected in (
        "row 2, field price: must be a decimal number",
        "row 3, field pricing_model: must be one of on_demand",
        "row 3, field effective_date: must be a date",
        "row 4, field source: must be the http(s) URL",
        "row 4, field currency: must be a 3-letter",
        "row 5: same provider, region, resource_type, sku, pricing_model and effective_date "
        "as row 1",
    ):
        assert expected in message
    assert PriceCatalog.objects.count() == before


@pytest.mark.django_db
def test_missing_columns_and_unknown_formats_exit_2(tmp_path):
    missing = tmp_path / "prices.csv"
    missing.write_text("provider,region\naws,us-east-1\n")
    other = tmp_path / "prices.txt"
    other.write_text("x")
    for path, expected in ((missing, "missing columns: resource_type"), (other, ".csv or .json")):
        with pytest.raises(CommandError, match=expected) as raised:
            call_command("load_prices", str(path))
        assert raised.value.returncode == 2


@pytest.mark.django_db
def test_tenant_prices_are_kept_apart_from_public_ones(tmp_path):
    from tests.accounts.factories import TenantFactory

    tenant = TenantFactory(slug="acme")
    path = write_csv(tmp_path / "prices.csv", [ROW])
    call_command("load_prices", str(path))
    call_command("load_prices", str(path), "--tenant", "acme")
    write_csv(path, [{**ROW, "price": "0.02"}])
    call_command("load_prices", str(path), "--tenant", "acme")
    spot = PriceCatalog.objects.filter(pricing_model="spot", sku="t3.large")
    assert {(p.tenant_id, p.price) for p in spot} == {
        (None, Decimal("0.025")),
        (tenant.pk, Decimal("0.02")),
    }
    with pytest.raises(CommandError, match="no such tenant") as raised:
        call_command("load_prices", str(path), "--tenant", "nobody")
    assert raised.value.returncode == 2
