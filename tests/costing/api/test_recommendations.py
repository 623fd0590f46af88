"""/api/v1/cost-recommendations/: savings are catalog price differences; status changes."""

from decimal import Decimal

import pytest

from apps.accounts.models import Role, UserRole
from apps.costing.models import CostOptimizationRecommendation, PriceCatalog
from tests.accounts.factories import ProjectFactory
from tests.costing.conftest import component

pytestmark = pytest.mark.django_db

URL = "/api/v1/cost-recommendations/"


def price(sku, model="on_demand", resource_type="ec2", region="us-east-1"):
    return PriceCatalog.objects.get(
        provider="aws", region=region, resource_type=resource_type, sku=sku, pricing_model=model
    ).price


@pytest.fixture
def setting(make_user, snapshot_prices, make_version):
    architect = make_user("SA")
    project = ProjectFactory(tenant=architect.tenant, members=[architect])
    version = make_version(
        architect,
        project,
        [
            component("web", "ec2", instance_type="t3.large", count=2),
            component("assets", "s3", storage_gb=1000),
        ],
    )
    return {"architect": architect, "project": project, "version": version}


def generate(client, version):
    return client.post(URL, {"blueprint_version": str(version.pk)}, format="json")


def by_target(results):
    return {item["metadata"]["target"]: item for item in results}


def test_savings_are_the_catalog_differences(api, setting):
    response = generate(api(setting["architect"]), setting["version"])
    assert response.status_code == 201, response.json()
    body = response.json()
    found = by_target(body["results"])
    assert body["created"] == len(found) == 4
    hours = Decimal(1460)
    large = price("t3.large")
    medium = found["t3.medium"]
    assert medium["recommendation_type"] == "rightsizing"
    assert Decimal(medium["current_cost"]) == (large * hours).quantize(Decimal("0.01"))
    assert Decimal(medium["potential_savings"]) == ((large - price("t3.medium")) * hours).quantize(
        Decimal("0.01")
    )
    for term in ("reserved_1y", "reserved_3y"):
        saving = (large - price("t3.large", term)) * hours
        assert found[term]["recommendation_type"] == "reserved-instances"
        assert Decimal(found[term]["potential_savings"]) == saving.quantize(Decimal("0.01"))
    tier = found["standard-ia"]
    assert tier["recommendation_type"] == "storage-optimization"
    expected = price("standard", resource_type="s3") - price("standard-ia", resource_type="s3")
    assert Decimal(tier["potential_savings"]) == (expected * 1000).quantize(Decimal("0.01"))
    prices = tier["metadata"]["prices"]
    assert (prices["current"]["sku"], prices["proposed"]["sku"]) == ("standard", "standard-ia")
    assert medium["resource_id"] == "web" and medium["project"] == str(setting["project"].pk)
    # Generating again stores nothing new.
    again = generate(api(setting["architect"]), setting["version"])
    assert (again.status_code, again.json()["created"]) == (200, 0)
    assert CostOptimizationRecommendation.objects.count() == 4


def test_a_spot_price_in_the_catalog_adds_a_spot_recommendation(api, setting):
    PriceCatalog.objects.create(
        provider="aws", region="us-east-1", resource_type="ec2", sku="t3.large",
        pricing_model="spot", unit="hour", price=Decimal("0.025"), currency="USD",
        effective_date="2024-06-01", source="https://aws.amazon.com/ec2/spot/pricing/",
    )  # fmt: skip
    found = by_target(generate(api(setting["architect"]), setting["version"]).json()["results"])
    spot = found["spot"]
    assert spot["recommendation_type"] == "spot-instances"
    saving = (price("t3.large") - Decimal("0.025")) * 1460
    assert Decimal(spot["potential_savings"]) == saving.quantize(Decimal("0.01"))


def grant_update(user):
    role = Role.objects.create(
        tenant=user.tenant, code="FINOPS", name="FinOps",
        permissions=["cost-optimization:read:project", "cost-optimization:update:project"],
    )  # fmt: skip
    UserRole.objects.create(user=user, role=role)


def test_status_changes(api, make_user, setting):
    generate(api(setting["architect"]), setting["version"])
    rec = CostOptimizationRecommendation.objects.filter(recommendation_type="rightsizing").get()
    url = f"{URL}{rec.pk}/"
    # SA may read and create, not update (§6).
    assert (
        api(setting["architect"]).patch(url, {"status": "dismissed"}, format="json").status_code
        == 403
    )
    finops = make_user(tenant=setting["architect"].tenant)
    setting["project"].members.create(user=finops)
    grant_update(finops)
    client = api(finops)
    response = client.patch(url, {"status": "dismissed"}, format="json")
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"dismissal_reason"}
    assert client.patch(url, {"status": "done"}, format="json").status_code == 400
    assert client.patch(url, {"status": "open", "note": "x"}, format="json").status_code == 400
    response = client.patch(
        url, {"status": "dismissed", "dismissal_reason": "peak load"}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["dismissal_reason"], body["dismissed_by"]) == (
        "dismissed", "peak load", str(finops.pk),
    )  # fmt: skip
    other = CostOptimizationRecommendation.objects.filter(
        recommendation_type="storage-optimization"
    ).get()
    done = client.patch(f"{URL}{other.pk}/", {"status": "implemented"}, format="json").json()
    assert (done["status"], done["implemented_by"]) == ("implemented", str(finops.pk))
    back = client.patch(f"{URL}{other.pk}/", {"status": "open"}, format="json")
    assert back.status_code == 400 and back.json()["error"]["code"] == "invalid_status_change"
    listed = api(setting["architect"]).get(URL, {"status": "open"}).json()
    assert listed["count"] == 2
    assert api(setting["architect"]).get(URL, {"type": "rightsizing"}).json()["count"] == 1
    assert api(setting["architect"]).get(URL, {"type": "magic"}).status_code == 400


def test_roles_tenants_and_bad_input(api, make_user, setting):
    tenant = setting["architect"].tenant
    generate(api(setting["architect"]), setting["version"])
    rec = CostOptimizationRecommendation.objects.first()
    assert rec is not None
    engineer = api(make_user("SE", tenant=tenant))
    assert generate(engineer, setting["version"]).status_code == 403
    assert engineer.get(URL).status_code == 403
    outsider = api(make_user("SA", tenant=tenant))  # not a member of the project
    assert generate(outsider, setting["version"]).status_code == 403
    assert outsider.get(f"{URL}{rec.pk}/").status_code == 403
    assert outsider.get(URL).json()["count"] == 0
    stranger = api(make_user("SA"))
    assert generate(stranger, setting["version"]).status_code == 404
    assert stranger.get(f"{URL}{rec.pk}/").status_code == 404
    assert stranger.patch(f"{URL}{rec.pk}/", {"status": "open"}, format="json").status_code == 404
    client = api(setting["architect"])
    for body, fields in (
        ({"blueprint_version": "x"}, {"blueprint_version"}),
        ({"extra": 1}, {"extra"}),
    ):
        response = client.post(URL, body, format="json")
        assert response.status_code == 400
        assert set(response.json()["error"]["fields"]) == fields
    assert CostOptimizationRecommendation.objects.count() == 4
