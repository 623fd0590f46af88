"""The deployment plan (pure): resources keyed by address, Terraform's counting."""

import pytest

from apps.blueprints.diffing import DuplicateIdentityError
from apps.deployments.plan import address, build_plan


def resource(name, type_="ec2", region="us-east-1", provider="aws", **properties):
    return {"name": name, "type": type_, "provider": provider, "region": region,
            "properties": properties, "tags": {}, "depends_on": []}  # fmt: skip


def graph(*components, relations=()):
    return {"components": list(components), "relations": list(relations)}


def test_a_first_deployment_adds_everything():
    plan = build_plan(None, graph(resource("web"), resource("db", "rds")))
    assert plan.first_deployment
    assert [r["address"] for r in plan.add] == ["ec2.web", "rds.db"]
    assert plan.summary() == {"add": 2, "change": 0, "destroy": 0, "replace": 0, "unchanged": 0}
    assert plan.headline() == "Plan: 2 to add, 0 to change, 0 to destroy."


def test_add_change_destroy_and_unchanged():
    old = graph(resource("web", size="s"), resource("db", "rds"), resource("cache", "redis"))
    new = graph(resource("web", size="l"), resource("db", "rds"), resource("queue", "sqs"))
    plan = build_plan(old, new).as_dict()
    assert [r["address"] for r in plan["add"]] == ["sqs.queue"]
    assert [r["address"] for r in plan["destroy"]] == ["redis.cache"]
    assert plan["change"] == [
        {"address": "ec2.web", "type": "ec2", "name": "web", "provider": "aws",
         "region": "us-east-1",
         "changes": [{"path": "properties.size", "kind": "changed", "old": "s", "new": "l"}]}
    ]  # fmt: skip
    assert plan["summary"] == {"add": 1, "change": 1, "destroy": 1, "replace": 0, "unchanged": 1}
    assert plan["first_deployment"] is False


def test_a_changed_type_is_a_new_address_destroyed_and_added():
    plan = build_plan(graph(resource("store", "ebs")), graph(resource("store", "s3")))
    assert [r["address"] for r in plan.destroy] == ["ebs.store"]
    assert [r["address"] for r in plan.add] == ["s3.store"]
    assert not plan.change


def test_a_region_or_provider_change_forces_replacement():
    old = graph(resource("web"), resource("db", "rds"))
    new = graph(resource("web", region="eu-west-1"), resource("db", "rds", provider="gcp"))
    plan = build_plan(old, new)
    assert [(r.resource["address"], r.forced_by) for r in plan.replace] == [
        ("ec2.web", ("region",)), ("rds.db", ("provider",))
    ]  # fmt: skip
    assert plan.summary() == {"add": 2, "change": 0, "destroy": 2, "replace": 2, "unchanged": 0}
    assert plan.as_dict()["replace"][0]["region"] == "eu-west-1"  # the new side


def test_no_changes_is_an_empty_plan():
    same = graph(resource("web"), resource("db", "rds"))
    plan = build_plan(same, same)
    assert plan.is_empty and plan.summary()["unchanged"] == 2
    assert plan.headline().startswith("No changes.")


def test_relation_changes_are_listed_beside_the_resources():
    old = graph(resource("a"), resource("b"))
    new = graph(resource("a"), resource("b"), relations=[{"from": "a", "to": "b", "type": "uses"}])
    plan = build_plan(old, new).as_dict()
    assert plan["relations"]["added"] == [{"from": "a", "to": "b", "type": "uses"}]
    assert plan["summary"]["unchanged"] == 2 and plan["headline"].startswith("No changes.")


def test_a_graph_naming_one_address_twice_is_an_error():
    with pytest.raises(DuplicateIdentityError):
        build_plan(None, graph(resource("web"), resource("web")))


def test_address_is_type_dot_name():
    assert address({"type": "aws_instance", "name": "web"}) == "aws_instance.web"
