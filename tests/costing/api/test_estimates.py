"""POST/GET /api/v1/cost-estimates/, the diff, ?format=table, tenancy and roles."""

from decimal import Decimal

import pytest

from apps.costing.models import CostEstimate, PriceCatalog
from tests.accounts.factories import ProjectFactory
from tests.costing.conftest import component

pytestmark = pytest.mark.django_db

URL = "/api/v1/cost-estimates/"
V1 = [
    component("net", "vpc"),
    component("web", "ec2", instance_type="t3.large", count=2),
    component("assets", "s3", storage_gb=1000),
    component("queue", "aws_sqs_queue"),
]


@pytest.fixture
def setting(make_user, snapshot_prices, make_version):
    architect = make_user("SA")
    project = ProjectFactory(tenant=architect.tenant, members=[architect])
    version = make_version(architect, project, V1)
    return {"architect": architect, "project": project, "version": version}


def post(client, version, **body):
    return client.post(URL, {"blueprint_version": str(version.pk), **body}, format="json")


def test_an_estimate_is_created_with_lines_totals_and_unpriced(api, setting):
    response = post(
        api(setting["architect"]), setting["version"], options={"include_support": True}
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["blueprint_version"] == str(setting["version"].pk)
    assert body["version_number"] == 1
    assert body["project"] == str(setting["project"].pk)
    ec2 = PriceCatalog.objects.get(
        provider="aws", region="us-east-1", resource_type="ec2", sku="t3.large",
        pricing_model="on_demand",
    )  # fmt: skip
    web = next(line for line in body["lines"] if line["component"] == "web")
    assert web["price"]["id"] == str(ec2.pk)
    assert web["monthly"] == str((ec2.price * 1460).quantize(Decimal("0.01")))
    resources = ec2.price * 1460 + Decimal("23")
    [support] = [line for line in body["lines"] if line["option"] == "include_support"]
    assert Decimal(support["monthly"]) == (resources / 10).quantize(Decimal("0.01"))
    assert body["totals"]["monthly"] == str((resources * Decimal("1.1")).quantize(Decimal("0.01")))
    assert body["options"] == {
        "include_support": True, "include_network_egress": False, "include_backup": False,
    }  # fmt: skip
    assert [(u["component"], u["reason"]) for u in body["unpriced"]] == [
        ("queue", "no catalog product for kind 'queue' on provider 'aws'")
    ]
    assert set(body["breakdown"]) == {"compute", "storage", "network", "database", "other"}
    stored = CostEstimate.objects.get(pk=body["id"])
    assert stored.monthly_total == Decimal(body["totals"]["monthly"])


def test_list_filters_and_detail(
    api, make_user, setting, make_version, django_assert_max_num_queries
):
    client = api(setting["architect"])
    first = post(client, setting["version"]).json()
    other = make_version(setting["architect"], setting["project"], V1[:2], name="other")
    post(client, other)
    with django_assert_max_num_queries(8):
        listed = client.get(URL, {"blueprint": str(setting["version"].blueprint_id)}).json()
    assert [item["id"] for item in listed["results"]] == [first["id"]]
    assert "lines" not in listed["results"][0]
    assert client.get(URL).json()["count"] == 2
    assert client.get(URL, {"blueprint_version": str(other.pk)}).json()["count"] == 1
    assert client.get(URL, {"blueprint": "not-a-uuid"}).status_code == 400
    detail = client.get(f"{URL}{first['id']}/").json()
    assert detail["lines"] == first["lines"]


def test_the_table_rendering_has_infracosts_columns(api, setting):
    client = api(setting["architect"])
    created = post(client, setting["version"]).json()
    response = client.get(f"{URL}{created['id']}/", {"format": "table"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    header = next(line for line in text.splitlines() if "Monthly Qty" in line)
    assert header.split() == ["Name", "Monthly", "Qty", "Unit", "Monthly", "Cost"]
    assert "├─ Instance usage (t3.large)" in text or "└─ Instance usage (t3.large)" in text
    assert "1,460  hours" in text
    assert "OVERALL TOTAL" in text and f"${Decimal(created['totals']['monthly']):,.2f}" in text
    assert "queue: no catalog product" in text


def test_diff_shows_changed_added_and_removed_lines(api, setting, make_version):
    client = api(setting["architect"])
    make_version(
        setting["architect"],
        setting["project"],
        [
            component("net", "vpc"),
            component("web", "ec2", instance_type="t3.xlarge", count=2),
            component("db", "rds", engine="postgres", instance_class="db.t3.medium",
                      allocated_storage=100),
        ],
    )  # fmt: skip
    params = {"blueprint": str(setting["version"].blueprint_id), "from": 1, "to": 2}
    response = client.get(f"{URL}diff/", params)
    assert response.status_code == 200, response.json()
    body = response.json()
    changes = {(c["component"], c["change"]): c for c in body["changes"]}
    web = changes[("web", "changed")]
    assert web["old_name"] == "Instance usage (t3.large)"
    assert web["name"] == "Instance usage (t3.xlarge)"
    assert (web["old_monthly"], web["new_monthly"], web["delta_monthly"]) == (
        "121.47", "242.94", "121.47",
    )  # fmt: skip
    assert changes[("assets", "removed")]["old_monthly"] == "23.00"
    added = sorted(c["new_monthly"] for c in body["changes"] if c["component"] == "db")
    assert added == ["11.50", "52.56"]  # instance and storage
    assert {key[0] for key in changes} == {"web", "assets", "db"}
    assert body["unchanged_lines"] == 1  # the free vpc
    assert body["totals"]["delta_monthly"] == str(
        Decimal(body["totals"]["new_monthly"]) - Decimal(body["totals"]["old_monthly"])
    )
    table = client.get(f"{URL}diff/", {**params, "format": "table"}).content.decode()
    assert "~ web" in table and "+ db" in table and "- assets" in table
    assert "+$121.47 ($121.47 → $242.94)" in table
    assert "Monthly cost change: +$" in table


def test_diff_refuses_bad_parameters(api, setting):
    client = api(setting["architect"])
    blueprint = str(setting["version"].blueprint_id)
    response = client.get(f"{URL}diff/", {"blueprint": blueprint, "from": 0, "to": "x"})
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"from", "to"}
    assert client.get(f"{URL}diff/", {"blueprint": blueprint, "from": 1}).status_code == 400
    missing = client.get(f"{URL}diff/", {"blueprint": blueprint, "from": 1, "to": 9})
    assert missing.status_code == 404


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"blueprint_version": "nope"}, {"blueprint_version"}),
        ({"blueprint_version": None}, {"blueprint_version"}),
        ({"options": {"include_support": "maybe"}}, {"options.include_support"}),
        ({"options": {"support": True}}, {"options.support"}),
        ({"colour": "red"}, {"colour"}),
    ],
)
def test_bad_input_is_a_400_with_field_errors(api, setting, body, fields):
    data = {"blueprint_version": str(setting["version"].pk), **body}
    response = api(setting["architect"]).post(URL, data, format="json")
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == fields
    assert not CostEstimate.objects.exists()


def test_another_tenants_version_and_estimates_are_404(api, make_user, setting):
    client = api(setting["architect"])
    created = post(client, setting["version"]).json()
    stranger = api(make_user("EA"))
    assert post(stranger, setting["version"]).status_code == 404
    assert stranger.get(f"{URL}{created['id']}/").status_code == 404
    assert stranger.get(URL).json()["count"] == 0
    params = {"blueprint": str(setting["version"].blueprint_id), "from": 1, "to": 1}
    assert stranger.get(f"{URL}diff/", params).status_code == 404
    assert CostEstimate.objects.count() == 1


def test_roles_decide_who_may_price(api, make_user, setting):
    tenant = setting["architect"].tenant
    created = post(api(setting["architect"]), setting["version"]).json()
    engineer = api(make_user("SE", tenant=tenant))  # no costing grant
    params = {"blueprint": str(setting["version"].blueprint_id), "from": 1, "to": 1}
    assert post(engineer, setting["version"]).status_code == 403
    assert engineer.get(URL).status_code == 403
    assert engineer.get(f"{URL}{created['id']}/").status_code == 403
    assert engineer.get(f"{URL}diff/", params).status_code == 403
    # Project scope: a consultant outside the project can neither price nor read it.
    outsider = api(make_user("Consultant", tenant=tenant))
    assert post(outsider, setting["version"]).status_code == 403
    assert outsider.get(f"{URL}{created['id']}/").status_code == 403
    assert outsider.get(f"{URL}diff/", params).status_code == 403
    assert outsider.get(URL).json()["count"] == 0
    # Tenant scope: EA reads costing tenant-wide; Admin manages it.
    assert post(api(make_user("EA", tenant=tenant)), setting["version"]).status_code == 201
    assert post(api(make_user("Admin", tenant=tenant)), setting["version"]).status_code == 201
