from apps.blueprints.validation import Issue, ValidationResult, validate_graph
from apps.blueprints.validation.dependencies import describe_cycle
from tests.blueprints.validation.factories import component, graph


def issues(result: ValidationResult, code: str) -> list[Issue]:
    return [i for i in (*result.errors, *result.warnings) if i.code == code]


# INVALID_DEPENDENCY


def test_flags_depends_on_naming_no_component():
    result = validate_graph(graph(component("web", depends_on=["db"])))

    [issue] = issues(result, "INVALID_DEPENDENCY")
    assert (issue.severity, issue.component, issue.field) == ("error", "web", "depends_on")
    assert "'db'" in issue.message


def test_flags_a_component_depending_on_itself():
    result = validate_graph(graph(component("web", depends_on=["web"])))

    [issue] = issues(result, "INVALID_DEPENDENCY")
    assert "itself" in issue.message
    assert issues(result, "CIRCULAR_DEPENDENCY") == []


def test_flags_a_depends_on_entry_that_is_not_a_string():
    result = validate_graph(graph(component("web", depends_on=[{"name": "db"}])))

    assert len(issues(result, "INVALID_DEPENDENCY")) == 1


def test_flags_depends_on_that_is_not_a_list():
    result = validate_graph(graph(component("web", depends_on="db"), component("db")))

    [issue] = issues(result, "INVALID_VALUE")
    assert issue.field == "depends_on"


def test_accepts_depends_on_naming_other_components():
    result = validate_graph(graph(component("web", depends_on=["db"]), component("db")))

    assert result.is_valid


def test_flags_relation_endpoints_naming_no_component():
    relations = [{"from": "web", "to": "cache", "type": "connects_to"}]

    result = validate_graph(graph(component("web"), relations=relations))

    [issue] = issues(result, "INVALID_DEPENDENCY")
    assert (issue.component, issue.field) == ("web", "relations[0].to")
    assert "'cache'" in issue.message


def test_flags_a_relation_from_a_component_to_itself():
    relations = [{"from": "web", "to": "web", "type": "connects_to"}]

    result = validate_graph(graph(component("web"), relations=relations))

    [issue] = issues(result, "INVALID_DEPENDENCY")
    assert issue.field == "relations[0]"


def test_accepts_relations_between_components():
    relations = [{"from": "web", "to": "db", "type": "connects_to"}]

    result = validate_graph(graph(component("web"), component("db"), relations=relations))

    assert result.is_valid


def test_flags_a_relation_that_is_not_an_object():
    result = validate_graph(graph(component("web"), relations=["web->db"]))

    [issue] = issues(result, "INVALID_VALUE")
    assert issue.field == "relations[0]"


# CIRCULAR_DEPENDENCY


def test_names_the_path_of_a_three_component_cycle():
    result = validate_graph(
        graph(
            component("a", depends_on=["b"]),
            component("b", depends_on=["c"]),
            component("c", depends_on=["a"]),
        )
    )

    [issue] = issues(result, "CIRCULAR_DEPENDENCY")
    assert (issue.severity, issue.component, issue.field) == ("error", "a", "depends_on")
    assert "a -> b -> c -> a" in issue.message


def test_finds_a_cycle_through_depends_on_relations():
    relations = [{"from": "b", "to": "a", "type": "depends_on"}]

    result = validate_graph(
        graph(component("a", depends_on=["b"]), component("b"), relations=relations)
    )

    [issue] = issues(result, "CIRCULAR_DEPENDENCY")
    assert "a -> b -> a" in issue.message


def test_ignores_other_relation_types_when_looking_for_cycles():
    relations = [{"from": "b", "to": "a", "type": "connects_to"}]

    result = validate_graph(
        graph(component("a", depends_on=["b"]), component("b"), relations=relations)
    )

    assert result.is_valid


def test_accepts_a_diamond():
    result = validate_graph(
        graph(
            component("app", depends_on=["web", "worker"]),
            component("web", depends_on=["db"]),
            component("worker", depends_on=["db"]),
            component("db"),
        )
    )

    assert issues(result, "CIRCULAR_DEPENDENCY") == []


def test_reports_each_loop_once_on_its_first_component():
    result = validate_graph(
        graph(
            component("a", depends_on=["b"]),
            component("b", depends_on=["a"]),
            component("c", depends_on=["d"]),
            component("d", depends_on=["c"]),
        )
    )

    assert [i.component for i in issues(result, "CIRCULAR_DEPENDENCY")] == ["a", "c"]


def test_says_how_many_components_a_loop_holds_when_the_path_is_shorter():
    result = validate_graph(
        graph(
            component("a", depends_on=["b", "c"]),
            component("b", depends_on=["c"]),
            component("c", depends_on=["a"]),
        )
    )

    [issue] = issues(result, "CIRCULAR_DEPENDENCY")
    assert "a -> c -> a" in issue.message
    assert "3 components" in issue.message


def test_a_10000_component_chain_is_valid_without_recursion_error():
    count = 10_000
    chain = [component(f"c{i}", depends_on=[f"c{i - 1}"] if i else []) for i in range(count)]

    result = validate_graph(graph(*chain), blueprint_name="big-chain")

    assert result.is_valid
    assert result.warnings == ()


def test_a_10000_component_ring_is_one_cycle_with_a_shortened_path():
    count = 10_000
    ring = [component(f"c{i}", depends_on=[f"c{(i + 1) % count}"]) for i in range(count)]

    result = validate_graph(graph(*ring))

    [issue] = result.errors
    assert issue.code == "CIRCULAR_DEPENDENCY"
    assert issue.message.startswith("Circular dependency: c0 -> c1 -> ")
    assert issue.message.endswith("-> c9999 -> c0.")
    assert len(issue.message) < 300


def test_describe_cycle_keeps_short_paths_whole():
    assert describe_cycle(["a", "b", "a"]) == "a -> b -> a"
