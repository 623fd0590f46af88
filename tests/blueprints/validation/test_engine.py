import pytest

from apps.blueprints.validation import ERROR_CODES, WARNING_CODES, validate_graph
from tests.blueprints.validation.factories import component, graph


def test_reports_graph_level_issues_then_components_in_order_then_relations():
    result = validate_graph(
        graph(
            component("a", region="mars-1"),
            component("b", provider="ibm", depends_on=["zz"]),
            relations=[{"from": "a", "to": "nowhere", "type": "connects_to"}],
        ),
        blueprint_name="  ",
    )

    assert [(i.code, i.component, i.field) for i in result.errors] == [
        ("REQUIRED_FIELD", None, "name"),
        ("INVALID_REGION", "a", "region"),
        ("INVALID_VALUE", "b", "provider"),
        ("INVALID_DEPENDENCY", "b", "depends_on"),
        ("INVALID_DEPENDENCY", "a", "relations[0].to"),
    ]


def test_orders_a_components_warnings_by_rule():
    data = component(type="bucket", properties={}, tags={})

    result = validate_graph(graph(data), blueprint_name="Shop")

    assert [i.code for i in result.warnings] == [
        "NAMING_CONVENTION",
        "UNKNOWN_RESOURCE_TYPE",
        "MISSING_PROPERTIES",
        "MISSING_REQUIRED_TAGS",
        "ENCRYPTION_RECOMMENDED",
    ]


def test_same_graph_gives_the_same_result():
    data = graph(component("a", depends_on=["b"]), component("b", depends_on=["a"], tags={}))

    assert validate_graph(data) == validate_graph(data)


@pytest.mark.parametrize(
    "graph_value",
    [
        None,
        "graph",
        {"components": None},
        {"components": [None, 1, "x", []]},
        {"components": [{}]},
        {"components": [{"name": {"a": 1}, "type": 3, "provider": None, "region": 1.5}]},
        {"components": [component(tags={"owner": {"nested": True}}, properties=[1])]},
        {"components": [component(depends_on=[None, 1, ["a"]])]},
        {"components": [component()], "relations": [None, {}, {"from": 1, "to": ["x"]}]},
    ],
)
def test_reports_odd_values_instead_of_raising(graph_value):
    result = validate_graph(graph_value)

    assert not result.is_valid
    assert all(i.message for i in result.errors)


def test_issue_codes_are_stable():
    assert ERROR_CODES == (
        "REQUIRED_FIELD",
        "DUPLICATE_NAME",
        "INVALID_VALUE",
        "INVALID_REGION",
        "INVALID_DEPENDENCY",
        "CIRCULAR_DEPENDENCY",
    )
    assert WARNING_CODES == (
        "UNKNOWN_RESOURCE_TYPE",
        "MISSING_PROPERTIES",
        "NAMING_CONVENTION",
        "MISSING_REQUIRED_TAGS",
        "PUBLIC_ACCESS",
        "ENCRYPTION_RECOMMENDED",
    )


def test_every_code_is_produced_with_its_severity():
    result = validate_graph(
        graph(
            component("a", depends_on=["b"]),
            component("b", depends_on=["a", "ghost"], region="nowhere"),
            component("b"),
            component("c.d", provider="ibm"),
            component("e", type="", tags=[]),
            component("f", type="vm", properties={}, tags={}),
            component("g", type="s3", properties={"public": True}),
        ),
        blueprint_name="Shop",
    )

    assert {i.code for i in result.errors} == set(ERROR_CODES)
    assert {i.code for i in result.warnings} == set(WARNING_CODES)
    assert {i.severity for i in result.errors} == {"error"}
    assert {i.severity for i in result.warnings} == {"warning"}
