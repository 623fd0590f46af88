import json

from apps.blueprints.validation import Issue, ValidationResult
from apps.blueprints.validation.result import describe, error, warning


def test_is_valid_when_there_are_only_warnings():
    result = ValidationResult.from_issues([warning("MISSING_PROPERTIES", "m", "web", "properties")])

    assert result.is_valid
    assert result.errors == ()


def test_is_not_valid_with_an_error():
    result = ValidationResult.from_issues([error("REQUIRED_FIELD", "m", None, "name")])

    assert not result.is_valid


def test_from_issues_splits_by_severity_and_keeps_order():
    issues = [
        error("A", "1", "a", None),
        warning("B", "2", "a", None),
        error("C", "3", "b", None),
        warning("D", "4", "b", None),
    ]

    result = ValidationResult.from_issues(issues)

    assert [i.code for i in result.errors] == ["A", "C"]
    assert [i.code for i in result.warnings] == ["B", "D"]


def test_as_dict_has_valid_errors_and_warnings_and_is_json_ready():
    result = ValidationResult.from_issues(
        [
            error("INVALID_REGION", "bad region", "web", "region"),
            warning("PUBLIC_ACCESS", "public", "web", "properties.public"),
        ]
    )

    payload = result.as_dict()

    assert payload == {
        "valid": False,
        "errors": [
            {
                "code": "INVALID_REGION",
                "severity": "error",
                "message": "bad region",
                "component": "web",
                "field": "region",
            }
        ],
        "warnings": [
            {
                "code": "PUBLIC_ACCESS",
                "severity": "warning",
                "message": "public",
                "component": "web",
                "field": "properties.public",
            }
        ],
    }
    assert json.loads(json.dumps(payload)) == payload


def test_as_dict_of_a_clean_result_is_valid_with_empty_lists():
    assert ValidationResult().as_dict() == {"valid": True, "errors": [], "warnings": []}


def test_issue_is_immutable_and_comparable():
    issue = Issue(code="X", severity="error", message="m", component=None, field=None)

    assert issue == Issue(code="X", severity="error", message="m", component=None, field=None)
    assert hash(issue) == hash(Issue("X", "error", "m", None, None))


def test_describe_shortens_huge_values():
    text = describe("x" * 1000)

    assert len(text) == 60
    assert text.endswith("...")
