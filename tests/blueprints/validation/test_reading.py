import pytest

from apps.blueprints.validation.reading import build_context, read_graph


@pytest.mark.parametrize("graph", [None, [], "graph", 3])
def test_reports_a_graph_that_is_not_an_object(graph):
    raw = read_graph(graph)

    assert raw.components == ()
    assert [i.code for i in raw.issues] == ["INVALID_VALUE"]


def test_reports_components_and_relations_that_are_not_lists():
    raw = read_graph({"components": "web", "relations": {"from": "a"}})

    assert [(i.code, i.field) for i in raw.issues] == [
        ("INVALID_VALUE", "components"),
        ("INVALID_VALUE", "relations"),
    ]


def test_missing_relations_are_an_empty_list():
    raw = read_graph({"components": [{"name": "web"}]})

    assert raw.relations == ()
    assert raw.issues == ()


def test_keeps_non_object_components_in_position_without_a_name():
    raw = read_graph({"components": [{"name": "web"}, 7, {"name": "  "}, {"name": 5}]})

    assert [(c.position, c.is_object, c.name) for c in raw.components] == [
        (0, True, "web"),
        (1, False, None),
        (2, True, None),
        (3, True, None),
    ]


def test_context_maps_each_name_to_its_first_position():
    raw = read_graph({"components": [{"name": "a"}, {"name": "b"}, {"name": "a"}]})

    context = build_context(raw.components)

    assert context.first_position == {"a": 0, "b": 1}
    assert context.names == ("a", "b", "a")
