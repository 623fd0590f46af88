from pathlib import Path

import pytest

from apps.blueprints import services as blueprint_services
from apps.costing import services
from apps.costing.price_files import read_price_file
from tests.accounts.factories import ProjectFactory

SNAPSHOT = Path(__file__).resolve().parents[2] / "apps/costing/data/prices-2024-06-01.json"
TAGS = {"environment": "prod", "owner": "platform", "project": "shop"}


def component(name, type_, provider="aws", region="us-east-1", **properties):
    return {
        "name": name,
        "type": type_,
        "provider": provider,
        "region": region,
        "properties": properties,
        "tags": TAGS,
    }


@pytest.fixture
def snapshot_prices(db):
    """The shipped snapshot in the catalog. The data migration loads it, but a transactional
    test elsewhere may have emptied the tables, so each test that prices loads it (upsert)."""
    services.price_catalog_upsert(rows=read_price_file(SNAPSHOT).rows)


@pytest.fixture
def make_version():
    """`make_version(user, project, [components], name=…)` → a stored version (v1, or the next
    one when the blueprint `name` exists in the project)."""

    def make(user, project, components, name="shop"):
        from apps.blueprints.models import Blueprint

        blueprint = Blueprint.objects.filter(project=project, name=name).first()
        if blueprint is None:
            blueprint = blueprint_services.blueprint_create(user=user, project=project, name=name)
        version, _ = blueprint_services.blueprint_version_create(
            user=user, blueprint=blueprint, graph={"components": components, "relations": []}
        )
        return version

    return make


@pytest.fixture
def member_project():
    def make(*users):
        return ProjectFactory(tenant=users[0].tenant, members=list(users))

    return make
