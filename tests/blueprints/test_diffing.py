import copy
import json
from typing import Any

import pytest

from apps.blueprints.diffing import (
    Change,
    ComponentChange,
    DuplicateIdentityError,
    GraphDiff,
    diff_graphs,
)


def component(name: str, **fields: Any) -> dict[str, Any]:
    return {
        "name": name,
        "type": "compute",
        "provider": "aws",
        "properties": {},
        "tags": {},
        "depends_on": [],
        **fields,
    }


def graph(*components: dict[str, Any], relations: tuple[dict[str, Any], ...] = ()) -> dict:
    return {"components": list(components), "relations": list(relations)}


def only_changes(diff: GraphDiff) -> tuple[Change, ...]:
    assert len(diff.changed) == 1
    return diff.changed[0].changes


def test_identical_graphs_give_an_empty_diff():
    old = graph(
        component("vpc", type="network", properties={"cidr_block": "10.0.0.0/16"}),
        component("web", region="eu-west-1", depends_on=["vpc"], tags={"owner": "ops"}),
        relations=({"from": "web", "to": "vpc", "type": "depends_on"},),
    )

    diff = diff_graphs(old, copy.deepcopy(old))

    assert diff.is_empty
    assert diff == GraphDiff((), (), (), (), (), unchanged=2)


def test_two_empty_graphs_give_an_empty_diff():
    assert diff_graphs({}, {"components": [], "relations": []}).is_empty


def test_component_only_in_new_is_added_whole():
    web = component("web", properties={"instance_type": "t3.small"})

    diff = diff_graphs(graph(), graph(web))

    assert diff.added == (web,)
    assert diff.removed == ()
    assert diff.changed == ()
    assert not diff.is_empty


def test_component_only_in_old_is_removed_whole():
    db = component("db", type="database")

    diff = diff_graphs(graph(db), graph())

    assert diff.removed == (db,)
    assert diff.added == ()


def test_changed_property_reports_old_and_new_value():
    old = graph(component("web", properties={"instance_type": "t3.small", "count": 2}))
    new = graph(component("web", properties={"instance_type": "t3.large", "count": 2}))

    diff = diff_graphs(old, new)

    assert diff.changed == (
        ComponentChange(
            name="web",
            type="compute",
            changes=(Change("properties.instance_type", "t3.small", "t3.large", "changed"),),
        ),
    )


def test_key_only_in_new_is_added_with_old_none_and_only_in_old_is_removed_with_new_none():
    old = graph(component("web", tags={"owner": "ops"}))
    new = graph(component("web", tags={"cost_center": "42"}))

    assert only_changes(diff_graphs(old, new)) == (
        Change("tags.cost_center", None, "42", "added"),
        Change("tags.owner", "ops", None, "removed"),
    )


def test_nested_property_reports_a_dotted_path():
    old = graph(component("db", properties={"storage": {"disk": {"size_gb": 50, "iops": 300}}}))
    new = graph(component("db", properties={"storage": {"disk": {"size_gb": 100, "iops": 300}}}))

    assert only_changes(diff_graphs(old, new)) == (
        Change("properties.storage.disk.size_gb", 50, 100, "changed"),
    )


def test_added_nested_dict_is_reported_whole_at_its_path():
    old = graph(component("db", properties={}))
    new = graph(component("db", properties={"backup": {"days": 7, "window": "03:00"}}))

    assert only_changes(diff_graphs(old, new)) == (
        Change("properties.backup", None, {"days": 7, "window": "03:00"}, "added"),
    )


def test_list_of_dicts_is_compared_by_index():
    rules = [{"port": 80, "cidr": "0.0.0.0/0"}, {"port": 443, "cidr": "0.0.0.0/0"}]
    changed_rules = [{"port": 80, "cidr": "0.0.0.0/0"}, {"port": 8443, "cidr": "0.0.0.0/0"}]
    old = graph(component("sg", properties={"rules": rules}))
    new = graph(component("sg", properties={"rules": changed_rules}))

    assert only_changes(diff_graphs(old, new)) == (
        Change("properties.rules[1].port", 443, 8443, "changed"),
    )


def test_list_of_dicts_growing_and_shrinking_reports_index_added_and_removed():
    one = [{"port": 80}]
    two = [{"port": 80}, {"port": 443}]

    grown = diff_graphs(
        graph(component("sg", properties={"rules": one})),
        graph(component("sg", properties={"rules": two})),
    )
    shrunk = diff_graphs(
        graph(component("sg", properties={"rules": two})),
        graph(component("sg", properties={"rules": one})),
    )

    assert only_changes(grown) == (Change("properties.rules[1]", None, {"port": 443}, "added"),)
    assert only_changes(shrunk) == (Change("properties.rules[1]", {"port": 443}, None, "removed"),)


def test_first_dict_in_an_empty_list_is_reported_at_index_zero():
    old = graph(component("sg", properties={"rules": []}))
    new = graph(component("sg", properties={"rules": [{"port": 22}]}))

    assert only_changes(diff_graphs(old, new)) == (
        Change("properties.rules[0]", None, {"port": 22}, "added"),
    )


def test_list_of_scalars_is_compared_as_one_value():
    old = graph(component("web", properties={"zones": ["a", "b", "c"]}))
    new = graph(component("web", properties={"zones": ["a", "c"]}))

    assert only_changes(diff_graphs(old, new)) == (
        Change("properties.zones", ["a", "b", "c"], ["a", "c"], "changed"),
    )


def test_changes_are_sorted_by_path_with_numeric_indexes():
    rules = [{"port": port} for port in range(12)]
    changed_rules = [
        {"port": port + 1000} if port in (2, 10) else {"port": port} for port in range(12)
    ]
    old = graph(component("sg", properties={"rules": rules}, tags={"b": "1", "a": "1"}))
    new = graph(component("sg", properties={"rules": changed_rules}, tags={"a": "2", "b": "2"}))

    paths = [change.path for change in only_changes(diff_graphs(old, new))]

    assert paths == ["properties.rules[2].port", "properties.rules[10].port", "tags.a", "tags.b"]


def test_depends_on_reorder_is_not_a_change():
    old = graph(component("app", depends_on=["vpc", "db", "cache"]))
    new = graph(component("app", depends_on=["cache", "vpc", "db"]))

    diff = diff_graphs(old, new)

    assert diff.is_empty
    assert diff.unchanged == 1


def test_depends_on_set_change_reports_both_sides_sorted():
    old = graph(component("app", depends_on=["vpc", "db"]))
    new = graph(component("app", depends_on=["queue", "vpc"]))

    assert only_changes(diff_graphs(old, new)) == (
        Change("depends_on", ["db", "vpc"], ["queue", "vpc"], "changed"),
    )


def test_component_type_change_is_a_change_not_remove_and_add():
    old = graph(component("store", type="volume"))
    new = graph(component("store", type="bucket"))

    diff = diff_graphs(old, new)

    assert diff.added == ()
    assert diff.removed == ()
    assert diff.changed == (
        ComponentChange(
            name="store", type="bucket", changes=(Change("type", "volume", "bucket", "changed"),)
        ),
    )


@pytest.mark.parametrize(
    ("before", "after"),
    [(2, "2"), (1, 1.0), (1, True), (0, None), ({"a": 1}, [1]), ([1], [True])],
)
def test_value_type_change_is_changed(before: Any, after: Any):
    old = graph(component("web", properties={"value": before}))
    new = graph(component("web", properties={"value": after}))

    assert only_changes(diff_graphs(old, new)) == (
        Change("properties.value", before, after, "changed"),
    )


def test_region_added_and_removed_at_top_level_path():
    without_region = graph(component("web"))
    with_region = graph(component("web", region="eu-west-1"))

    assert only_changes(diff_graphs(without_region, with_region)) == (
        Change("region", None, "eu-west-1", "added"),
    )
    assert only_changes(diff_graphs(with_region, without_region)) == (
        Change("region", "eu-west-1", None, "removed"),
    )


def test_missing_properties_tags_and_depends_on_count_as_empty():
    bare = {"name": "web", "type": "compute", "provider": "aws"}
    tagged = component("web", tags={"owner": "ops"})

    assert diff_graphs(graph(bare), graph(component("web"))).is_empty
    assert only_changes(diff_graphs(graph(bare), graph(tagged))) == (
        Change("tags.owner", None, "ops", "added"),
    )


def test_key_with_a_dot_is_quoted_in_the_path():
    old = graph(component("node", tags={"kubernetes.io/cluster": "a"}))
    new = graph(component("node", tags={"kubernetes.io/cluster": "b"}))

    assert only_changes(diff_graphs(old, new)) == (
        Change('tags["kubernetes.io/cluster"]', "a", "b", "changed"),
    )


def test_relation_added_and_removed():
    web, vpc, db = component("web"), component("vpc"), component("db")
    web_vpc = {"from": "web", "to": "vpc", "type": "depends_on"}
    web_db = {"from": "web", "to": "db", "type": "connects_to"}

    diff = diff_graphs(
        graph(web, vpc, db, relations=(web_vpc,)), graph(web, vpc, db, relations=(web_db,))
    )

    assert diff.relations_added == (web_db,)
    assert diff.relations_removed == (web_vpc,)
    assert diff.changed == ()


def test_same_endpoints_with_another_relation_type_is_a_different_relation():
    depends = {"from": "web", "to": "db", "type": "depends_on"}
    connects = {"from": "web", "to": "db", "type": "connects_to"}

    diff = diff_graphs(graph(relations=(depends,)), graph(relations=(depends, connects)))

    assert diff.relations_added == (connects,)
    assert diff.relations_removed == ()


def test_relation_property_change_is_removed_plus_added():
    before = {"from": "web", "to": "db", "type": "connects_to", "properties": {"port": 5432}}
    after = {"from": "web", "to": "db", "type": "connects_to", "properties": {"port": 6432}}

    diff = diff_graphs(graph(relations=(before,)), graph(relations=(after,)))

    assert diff.relations_removed == (before,)
    assert diff.relations_added == (after,)


def test_relation_without_properties_equals_one_with_empty_properties():
    bare = {"from": "web", "to": "db", "type": "connects_to"}
    empty = {**bare, "properties": {}}

    assert diff_graphs(graph(relations=(bare,)), graph(relations=(empty,))).is_empty


def test_summary_counts_every_bucket_including_unchanged():
    old = graph(
        component("kept-1"),
        component("kept-2"),
        component("resized", properties={"size": 1}),
        component("gone"),
        relations=({"from": "kept-1", "to": "gone", "type": "depends_on"},),
    )
    new = graph(
        component("kept-1"),
        component("kept-2"),
        component("resized", properties={"size": 2}),
        component("fresh-1"),
        component("fresh-2"),
        relations=(
            {"from": "kept-1", "to": "fresh-1", "type": "depends_on"},
            {"from": "kept-2", "to": "fresh-2", "type": "depends_on"},
        ),
    )

    assert diff_graphs(old, new).summary() == {
        "added": 2,
        "removed": 1,
        "changed": 1,
        "relations_added": 2,
        "relations_removed": 1,
        "unchanged": 2,
    }


def test_as_dict_is_json_serialisable_and_has_the_documented_shape():
    old = graph(
        component("web", properties={"rules": [{"port": 80}]}, depends_on=["vpc"]),
        component("gone"),
        relations=({"from": "web", "to": "gone", "type": "depends_on"},),
    )
    new = graph(
        component("web", properties={"rules": [{"port": 81}]}, depends_on=[]),
        component("fresh"),
    )

    payload = diff_graphs(old, new).as_dict()

    assert json.loads(json.dumps(payload)) == payload
    assert list(payload) == [
        "added",
        "removed",
        "changed",
        "relations_added",
        "relations_removed",
        "summary",
    ]
    assert payload["changed"] == [
        {
            "name": "web",
            "type": "compute",
            "changes": [
                {"path": "depends_on", "kind": "changed", "old": ["vpc"], "new": []},
                {"path": "properties.rules[0].port", "kind": "changed", "old": 80, "new": 81},
            ],
        }
    ]
    assert payload["added"] == [component("fresh")]
    assert payload["relations_removed"] == [{"from": "web", "to": "gone", "type": "depends_on"}]
    assert payload["summary"]["unchanged"] == 0


def test_output_does_not_depend_on_input_order():
    components_old = [component(f"c{i}", properties={"size": i, "zone": "a"}) for i in range(20)]
    components_new = [component(f"c{i}", properties={"zone": "b", "size": i}) for i in range(5, 25)]
    relations_new = [
        {"from": f"c{i}", "to": f"c{i + 1}", "type": "depends_on"} for i in range(5, 24)
    ]
    old = graph(*components_old)
    new = graph(*components_new, relations=tuple(relations_new))
    shuffled_old = graph(*reversed(components_old))
    shuffled_new = graph(
        *components_new[::2], *components_new[1::2], relations=tuple(reversed(relations_new))
    )

    first = diff_graphs(old, new)

    assert diff_graphs(shuffled_old, shuffled_new) == first
    assert json.dumps(diff_graphs(old, new).as_dict()) == json.dumps(first.as_dict())
    assert [c["name"] for c in first.added] == ["c20", "c21", "c22", "c23", "c24"]
    assert [c.name for c in first.changed] == sorted(f"c{i}" for i in range(5, 20))
    assert [r["from"] for r in first.relations_added] == sorted(f"c{i}" for i in range(5, 24))


def test_diff_does_not_share_mutable_values_with_its_inputs():
    old = graph(component("web", properties={"rules": [{"port": 80}]}))
    new = graph(
        component("web", properties={"rules": [{"port": 80}, {"port": 443}]}), component("db")
    )

    diff = diff_graphs(old, new)
    new["components"][0]["properties"]["rules"][1]["port"] = 9999
    new["components"][1]["type"] = "mutated"
    diff.as_dict()["added"][0]["type"] = "mutated-again"

    assert only_changes(diff)[0].new == {"port": 443}
    assert diff.added[0]["type"] == "compute"


def test_duplicate_component_name_is_rejected():
    with pytest.raises(DuplicateIdentityError, match="web"):
        diff_graphs(graph(component("web"), component("web")), graph())


def test_duplicate_relation_identity_is_rejected():
    relation = {"from": "web", "to": "db", "type": "depends_on"}

    with pytest.raises(DuplicateIdentityError, match="depends_on"):
        diff_graphs(graph(), graph(relations=(relation, dict(relation))))
