"""Loads the price snapshot shipped in apps/costing/data/prices-2024-06-01.json.

Self-contained on purpose (a migration must not change when app code does): it reads the file
and inserts its rows with the historical model, skipping any key already present. The file's
rows are the ones `manage.py load_prices` validates (tests/costing check it does).
"""

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.db import migrations

SNAPSHOT = Path(__file__).resolve().parent.parent / "data" / "prices-2024-06-01.json"
KEY = ("provider", "region", "resource_type", "sku", "pricing_model", "effective_date")


def _rows():
    with SNAPSHOT.open(encoding="utf-8") as handle:
        for row in json.load(handle)["rows"]:
            yield {
                **row,
                "price": Decimal(row["price"]),
                "effective_date": date.fromisoformat(row["effective_date"]),
            }


def load(apps, schema_editor):
    PriceCatalog = apps.get_model("costing", "PriceCatalog")
    PriceCatalog.objects.bulk_create(
        [PriceCatalog(**row) for row in _rows()], ignore_conflicts=True, batch_size=500
    )


def unload(apps, schema_editor):
    PriceCatalog = apps.get_model("costing", "PriceCatalog")
    for row in _rows():
        PriceCatalog.objects.filter(**{field: row[field] for field in KEY}).delete()


class Migration(migrations.Migration):
    dependencies = [("costing", "0002_price_catalog_cost_estimates")]

    operations = [migrations.RunPython(load, unload)]
