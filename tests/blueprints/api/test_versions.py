import copy

import pytest

from apps.blueprints.graph import graph_hash
from apps.blueprints.models import BlueprintDiff, BlueprintVersion, Component, Relation

pytestmark = pytest.mark.django_db

TAGS = {"environment": "prod", "owner": "platform", "project": "shop"}
GRAPH = {
    "components": [
        {"name": "vpc", "type": "vpc", "provider": "aws", "region": "us-east-1",
         "properties": {"cidr_block": "10.0.0.0/16"}, "tags": TAGS},
        {"name": "web", "type": "ec2", "provider": "aws", "region": "us-east-1",
         "properties": {"instance_type": "t3.small"}, "tags": TAGS, "depends_on": ["vpc"]},
        {"name": "db", "type": "rds", "provider": "aws", "region": "us-east-1",
         "properties": {"engine": "postgres", "encrypted": True}, "tags": TAGS,
         "depends_on": ["vpc"]},
    ],
    "relations": [{"from": "web", "to": "db", "type": "connects_to"}],
}  # fmt: skip


def test_a_version_stores_canonical_graph_rows_and_hash(api, architect, blueprint_url):
    response = api(architect).post(f"{blueprint_url}versions/", {"graph": GRAPH}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["version_number"] == 1
    assert body["parent_version"] is None
    version = BlueprintVersion.objects.get(pk=body["id"])
    assert version.graph_hash == graph_hash(version.graph_json) == body["graph_hash"]
    assert [c["name"] for c in version.graph_json["components"]] == ["db", "vpc", "web"]
    assert Component.objects.filter(blueprint_version=version).count() == 3
    edges = set(
        Relation.objects.filter(blueprint_version=version).values_list(
            "from_component__name", "to_component__name", "relation_type"
        )
    )
    assert edges == {
        ("web", "vpc", "depends_on"),
        ("db", "vpc", "depends_on"),
        ("web", "db", "connects_to"),
    }
    assert api(architect).get(blueprint_url).json()["current_version"] == 1


def test_the_same_graph_creates_nothing_and_answers_200(api, architect, blueprint_url):
    client = api(architect)
    first = client.post(f"{blueprint_url}versions/", {"graph": GRAPH}, format="json").json()
    reordered = copy.deepcopy(GRAPH)
    reordered["components"].reverse()
    response = client.post(f"{blueprint_url}versions/", {"graph": reordered}, format="json")
    assert response.status_code == 200
    assert response.json()["id"] == first["id"]
    assert BlueprintVersion.objects.count() == 1


def test_a_changed_graph_is_the_next_version_with_its_parent(api, architect, blueprint_url):
    client = api(architect)
    client.post(f"{blueprint_url}versions/", {"graph": GRAPH}, format="json")
    changed = copy.deepcopy(GRAPH)
    changed["components"][1]["properties"]["instance_type"] = "t3.large"
    response = client.post(
        f"{blueprint_url}versions/", {"graph": changed, "tag": "bigger"}, format="json"
    )
    assert response.status_code == 201
    assert (response.json()["version_number"], response.json()["parent_version"]) == (2, 1)
    listing = client.get(f"{blueprint_url}versions/").json()
    assert [v["version_number"] for v in listing["results"]] == [2, 1]
    detail = client.get(f"{blueprint_url}versions/1/").json()
    assert detail["graph_json"]["components"][2]["properties"]["instance_type"] == "t3.small"
    assert client.get(f"{blueprint_url}versions/9/").status_code == 404


def test_a_graph_with_errors_is_refused_whole(api, architect, blueprint_url):
    broken = copy.deepcopy(GRAPH)
    broken["components"][1]["region"] = "mars-1"
    broken["components"][2]["depends_on"] = ["nothing"]
    response = api(architect).post(f"{blueprint_url}versions/", {"graph": broken}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_graph"
    codes = {issue["code"] for issue in error["details"]["errors"]}
    assert codes == {"INVALID_REGION", "INVALID_DEPENDENCY"}
    assert any(key.startswith("web.") for key in error["fields"])
    assert not BlueprintVersion.objects.exists() and not Component.objects.exists()


def test_a_cycle_is_refused(api, architect, blueprint_url):
    cyclic = copy.deepcopy(GRAPH)
    cyclic["components"][0]["depends_on"] = ["web"]
    response = api(architect).post(f"{blueprint_url}versions/", {"graph": cyclic}, format="json")
    assert response.status_code == 400
    assert "CIRCULAR_DEPENDENCY" in {
        i["code"] for i in response.json()["error"]["details"]["errors"]
    }


@pytest.mark.parametrize(
    ("graph", "field"),
    [
        ({"components": "many"}, "graph.components"),
        ({"components": [{"name": "x"}]}, "graph.components[0].type"),
        ({"components": [{**GRAPH["components"][0], "tags": ["a"]}]}, "graph.components[0].tags"),
        (
            {"components": [{**GRAPH["components"][0], "colour": "red"}]},
            "graph.components[0].colour",
        ),
    ],
)
def test_mistyped_graphs_are_400_with_the_field(api, architect, blueprint_url, graph, field):
    response = api(architect).post(f"{blueprint_url}versions/", {"graph": graph}, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_too_many_components_is_400(api, architect, blueprint_url, settings):
    settings.DHARMA_MAX_COMPONENTS = 50
    many = {"components": [{**GRAPH["components"][0], "name": f"c{i}"} for i in range(51)]}
    response = api(architect).post(f"{blueprint_url}versions/", {"graph": many}, format="json")
    assert response.status_code == 400
    assert "graph.components" in response.json()["error"]["fields"]


def test_ten_thousand_components_is_a_4xx(api, architect, blueprint_url):
    many = {"components": [{**GRAPH["components"][0], "name": f"c{i}"} for i in range(10_000)]}
    response = api(architect).post(f"{blueprint_url}versions/", {"graph": many}, format="json")
    assert 400 <= response.status_code < 500
    assert not BlueprintVersion.objects.exists()


def test_diff_between_versions_is_computed_once_and_stored(api, architect, blueprint_url):
    client = api(architect)
    client.post(f"{blueprint_url}versions/", {"graph": GRAPH}, format="json")
    changed = copy.deepcopy(GRAPH)
    changed["components"][1]["properties"]["instance_type"] = "t3.large"
    changed["components"].append(
        {"name": "cache", "type": "ec2", "provider": "aws", "region": "us-east-1",
         "properties": {"instance_type": "t3.micro"}, "tags": TAGS}
    )  # fmt: skip
    client.post(f"{blueprint_url}versions/", {"graph": changed}, format="json")
    response = client.get(f"{blueprint_url}diff/", {"from": 1, "to": 2})
    assert response.status_code == 200
    body = response.json()
    assert [c["name"] for c in body["added"]] == ["cache"]
    assert body["removed"] == []
    [web] = body["changed"]
    assert web["name"] == "web"
    assert {
        "path": "properties.instance_type",
        "kind": "changed",
        "old": "t3.small",
        "new": "t3.large",
    } in web["changes"]
    assert BlueprintDiff.objects.count() == 1
    client.get(f"{blueprint_url}diff/", {"from": 1, "to": 2})
    assert BlueprintDiff.objects.count() == 1
    assert client.get(f"{blueprint_url}diff/", {"from": "x", "to": 2}).status_code == 400
    assert client.get(f"{blueprint_url}diff/", {"from": 1, "to": 7}).status_code == 404


def test_validate_without_saving(api, architect):
    client = api(architect)
    ok = client.post(
        "/api/v1/blueprints/validate/", {"graph": GRAPH, "name": "shop"}, format="json"
    )
    assert ok.status_code == 200
    assert ok.json()["valid"] is True
    bad = copy.deepcopy(GRAPH)
    bad["components"][0]["provider"] = "oracle"
    response = client.post(
        "/api/v1/blueprints/validate/", {"graph": bad, "name": "Shop!"}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["valid"] is False
    assert "INVALID_VALUE" in {i["code"] for i in body["errors"]}
    assert "NAMING_CONVENTION" in {i["code"] for i in body["warnings"]}
    assert not BlueprintVersion.objects.exists()


def test_versions_of_another_tenants_blueprint_are_404(api, make_user, blueprint_url):
    stranger = api(make_user("SA"))
    assert stranger.get(f"{blueprint_url}versions/").status_code == 404
    assert (
        stranger.post(f"{blueprint_url}versions/", {"graph": GRAPH}, format="json").status_code
        == 404
    )


@pytest.mark.django_db(transaction=True)  # a membership change commits
def test_read_only_roles_cannot_add_versions(api, make_user, architect, blueprint_url):
    from apps.accounts.models import ProjectMember

    engineer = make_user("SE", tenant=architect.tenant)
    # SE reads blueprints project-wide: only in the projects it is a member of.
    assert api(engineer).get(f"{blueprint_url}versions/").status_code == 403
    project_id = api(architect).get(blueprint_url).json()["project"]
    ProjectMember.objects.create(project_id=project_id, user=engineer)
    response = api(engineer).post(f"{blueprint_url}versions/", {"graph": GRAPH}, format="json")
    assert response.status_code == 403
    assert api(engineer).get(f"{blueprint_url}versions/").status_code == 200


def test_version_listing_does_not_query_per_version(
    api, architect, blueprint_url, django_assert_max_num_queries
):
    client = api(architect)
    graph = copy.deepcopy(GRAPH)
    for size in ("t3.micro", "t3.small", "t3.medium", "t3.large", "t3.xlarge"):
        graph["components"][1]["properties"]["instance_type"] = size
        client.post(f"{blueprint_url}versions/", {"graph": graph}, format="json")
    with django_assert_max_num_queries(6):
        listing = client.get(f"{blueprint_url}versions/").json()
    assert [v["version_number"] for v in listing["results"]] == [5, 4, 3, 2, 1]
    assert [v["parent_version"] for v in listing["results"]] == [4, 3, 2, 1, None]
