"""The pure engine: every built-in rule passes a compliant component and fails a violating one;
the original's quirks stay fixed; rule JSON is validated."""

import copy
from decimal import Decimal

import pytest

from apps.blueprints.kinds import kind_of
from apps.guardrails.engine import RuleSpecError, compile_rule, evaluate
from apps.guardrails.pack import BUILTIN_POLICIES

# A concrete type for each kind a rule may be scoped to.
TYPE_OF_KIND = {
    "compute": "ec2",
    "database": "rds",
    "storage": "s3",
    "network": "vpc",
    "load_balancer": "load-balancer",
    "app_service": "app-service",
    "api_gateway": "aws_api_gateway_rest_api",
    "function": "lambda",
    "kubernetes": "aws_eks_cluster",
    "cache": "aws_elasticache_cluster",
    "queue": "aws_sqs_queue",
}
# Values a regex rule accepts and refuses.
REGEX_EXAMPLES = {
    "comp-002": ("prod-shop-db-useast1", "my_database"),
    "cost-001": ("m5.large", "m5.24xlarge"),
}


def rule_of(spec):
    return compile_rule(
        spec["policy_rules"],
        id=spec["code"],
        title=spec["name"],
        severity=spec["severity"],
        category=spec["category"],
        enforcement=spec["enforcement_level"],
        policy_id=spec["code"],
    )


def put(component, path, value):
    if path.startswith("component."):
        component[path.removeprefix("component.")] = value
        return
    if path.startswith("tags."):
        component["tags"][path.removeprefix("tags.")] = value
        return
    target = component["properties"]
    *parents, last = path.split(".")
    for part in parents:
        target = target.setdefault(part, {})
    target[last] = value


def base_component(rule):
    scope = sorted(rule.scope)
    resource_type = "ec2"
    if scope:
        first = scope[0]
        resource_type = TYPE_OF_KIND.get(first, first)
    provider = sorted(rule.providers)[0] if rule.providers else "aws"
    component = {
        "name": "prod-shop-thing-useast1",
        "type": resource_type,
        "provider": provider,
        "region": "us-east-1",
        "properties": {},
        "tags": {"Environment": "prod", "Owner": "platform", "CostCenter": "42"},
    }
    if rule.when:
        put(component, rule.when["path"], rule.when["in"][0])
    return component


def examples(rule):
    """(compliant, violating) components for a rule, from its parameters."""
    good, bad = base_component(rule), base_component(rule)
    p = rule.params
    kind = rule.kind
    if kind == "equals":
        put(good, p["path"], p["value"])
        put(bad, p["path"], "something-else" if p["value"] is not True else False)
    elif kind == "required":
        put(good, p["path"], {"set": True})
    elif kind == "not_equals":
        put(good, p["path"], False if p["value"] is True else "other")
        put(bad, p["path"], p["value"])
    elif kind == "in_set":
        put(good, p["path"], p["values"][0])
        put(bad, p["path"], "not-allowed")
    elif kind == "not_in_set":
        put(good, p["path"], "private")
        put(bad, p["path"], p["values"][0])
    elif kind == "numeric_min":
        put(good, p["path"], p["min"])
        put(bad, p["path"], p["min"] - 0.1)
    elif kind == "regex":
        passing, failing = REGEX_EXAMPLES[rule.id]
        put(good, p["path"], passing)
        put(bad, p["path"], failing)
    elif kind == "required_tags":
        good["tags"] = {**good["tags"], **dict.fromkeys(p["tags"], "x")}
        bad["tags"] = {}
    elif kind == "region_allow_list":
        good["region"] = p["regions"][0]
        bad["region"] = "us-east-1" if "us-east-1" not in p["regions"] else "ap-southeast-1"
    elif kind == "cidr_open":
        port = p["ports"][0]
        path = p.get("path", "ingress")
        open_rule = {"from_port": port, "to_port": port, "cidr_blocks": ["0.0.0.0/0"]}
        closed = {"from_port": port, "to_port": port, "cidr_blocks": ["10.0.0.0/8"]}
        put(bad, path, [open_rule])
        put(good, path, [closed])
    else:
        raise AssertionError(f"no example for {kind}")
    return good, bad


PER_COMPONENT = [
    spec for spec in BUILTIN_POLICIES if spec["policy_rules"]["kind"] != "cost_ceiling"
]


def test_the_pack_has_the_original_18_a_cost_ceiling_and_at_least_25_cloud_rules():
    codes = [spec["code"] for spec in BUILTIN_POLICIES]
    assert len(codes) == len(set(codes))
    original = {f"sec-00{i}" for i in range(1, 6)} | {f"comp-00{i}" for i in range(1, 6)}
    original |= {f"cost-00{i}" for i in range(1, 5)} | {f"ops-00{i}" for i in range(1, 5)}
    assert original <= set(codes) and len(original) == 18
    cloud = [spec for spec in BUILTIN_POLICIES if spec["policy_rules"].get("checkov_id")]
    assert len(cloud) >= 25
    assert {spec["policy_rules"]["providers"][0] for spec in cloud} == {"aws", "azure", "gcp"}
    by_code = {spec["code"]: spec["policy_rules"] for spec in BUILTIN_POLICIES}
    assert by_code["aws-s3-encryption"]["checkov_id"] == "CKV_AWS_19"
    assert by_code["aws-sg-ssh-world"]["checkov_id"] == "CKV_AWS_24"


@pytest.mark.parametrize("spec", PER_COMPONENT, ids=lambda spec: spec["code"])
def test_every_built_in_rule_passes_a_compliant_component_and_fails_a_violating_one(spec):
    rule = rule_of(spec)
    good, bad = examples(rule)
    environment = sorted(rule.environments)[0] if rule.environments else None
    passing = evaluate([good], [rule], environment=environment)
    assert passing.findings == [], passing.findings
    assert passing.skipped == []
    failing = evaluate([bad], [rule], environment=environment)
    assert [(f.rule.id, f.component) for f in failing.findings] == [(rule.id, bad["name"])]
    assert failing.findings[0].message


@pytest.mark.parametrize("spec", PER_COMPONENT, ids=lambda spec: spec["code"])
def test_rules_leave_components_out_of_their_scope_alone(spec):
    rule = rule_of(spec)
    _, bad = examples(rule)
    if not rule.scope and not rule.providers:
        pytest.skip("applies to every component")
    outside = copy.deepcopy(bad)
    outside["type"] = "iam-role" if "identity" not in rule.scope else "vpc"
    if rule.providers:
        outside["provider"] = "gcp" if "gcp" not in rule.providers else "aws"
    assert kind_of(outside["type"]) not in rule.scope or rule.providers
    environment = sorted(rule.environments)[0] if rule.environments else None
    assert evaluate([outside], [rule], environment=environment).findings == []


def rule(kind, severity="high", enforcement="advisory", **params):
    return compile_rule(
        {"kind": kind, **params},
        id=f"t-{kind}",
        title=kind,
        severity=severity,
        category="security",
        enforcement=enforcement,
    )


def component(**properties):
    return {"name": "c", "type": "s3", "provider": "aws", "properties": properties, "tags": {}}


def test_a_missing_property_is_a_violation_only_when_the_rule_requires_it():
    optional = rule("equals", path="encryption_enabled", value=True)
    required = rule("equals", path="encryption_enabled", value=True, required=True)
    result = evaluate([component()], [optional, required])
    assert [f.rule.id for f in result.findings] == ["t-equals"]
    assert result.findings[0].rule is required
    assert [(s.rule, s.reason) for s in result.skipped] == [
        (optional, "encryption_enabled is not set.")
    ]


def test_numeric_rules_never_pass_a_missing_or_non_numeric_value_silently():
    optional = rule("numeric_min", path="availability_zones", min=2)
    required = rule("numeric_min", path="availability_zones", min=2, required=True)
    missing = evaluate([component()], [optional, required])
    assert len(missing.findings) == 1 and len(missing.skipped) == 1
    wrong = evaluate([component(availability_zones="many")], [optional])
    assert "must be a number" in wrong.findings[0].message
    assert evaluate([component(availability_zones="3")], [required]).findings == []


def test_tls_versions_are_read_the_providers_ways():
    tls = rule("numeric_min", path="min_tls_version", min=1.2, required=True)
    for passing in ("1.2", "TLS1_2", "TLSv1.3", 1.2):
        assert evaluate([component(min_tls_version=passing)], [tls]).findings == [], passing
    for failing in ("1.0", "TLS1_1", 1.1):
        assert len(evaluate([component(min_tls_version=failing)], [tls]).findings) == 1, failing


def test_tags_are_objects_matched_without_case():
    tags = rule("required_tags", tags=["Environment", "Owner"])
    assert (
        evaluate([{**component(), "tags": {"environment": "p", "OWNER": "x"}}], [tags]).findings
        == []
    )
    missing = evaluate([{**component(), "tags": {"environment": "p", "owner": ""}}], [tags])
    assert missing.findings[0].message == "Missing tags: Owner."
    wrong = evaluate([{**component(), "tags": ["Environment", "Owner"]}], [tags])
    assert wrong.findings[0].message == "tags must be an object of key/value pairs."


@pytest.mark.parametrize(
    "entries, path, open_",
    [
        ([{"from_port": 0, "to_port": 65535, "cidr_blocks": ["0.0.0.0/0"]}], "ingress", True),
        ([{"from_port": 20, "to_port": 21, "cidr_blocks": ["0.0.0.0/0"]}], "ingress", False),
        ([{"port": 22, "ipv6_cidr_blocks": ["::/0"]}], "ingress", True),
        ([{"port": 22, "cidr_blocks": ["203.0.113.0/24"]}], "ingress", False),
        ([{"ports": ["20-25"], "source_ranges": ["0.0.0.0/0"]}], "ingress", True),
        ([{"ports": ["80", "443"], "source_ranges": ["0.0.0.0/0"]}], "ingress", False),
        (
            [{"direction": "Inbound", "access": "Allow", "destination_port_range": "22",
              "source_address_prefix": "*"}],
            "security_rule",
            True,
        ),
        (
            [{"direction": "Inbound", "access": "Deny", "destination_port_range": "*",
              "source_address_prefix": "Internet"}],
            "security_rule",
            False,
        ),
        (
            [{"direction": "Outbound", "access": "Allow", "destination_port_range": "22",
              "source_address_prefix": "*"}],
            "security_rule",
            False,
        ),
    ],
)  # fmt: skip
def test_open_to_the_world_is_read_from_aws_azure_and_gcp_rule_shapes(entries, path, open_):
    ssh = rule("cidr_open", path=path, ports=[22])
    findings = evaluate([component(**{path: entries})], [ssh]).findings
    assert bool(findings) is open_


def test_a_when_condition_limits_a_rule_to_matching_components():
    residency = compile_rule(
        {"kind": "region_allow_list", "regions": ["eu-west-1"], "required": True,
         "when": {"path": "tags.data_classification", "in": ["pii"]}},
        id="r", title="r", severity="critical", category="compliance", enforcement="soft-fail",
    )  # fmt: skip
    personal = {**component(), "region": "us-east-1", "tags": {"Data_Classification": "pii"}}
    public = {**component(), "region": "us-east-1", "tags": {"data_classification": "public"}}
    result = evaluate([personal, public], [residency])
    assert len(result.findings) == 1 and result.checks == 1


def test_the_cost_ceiling_denies_warns_and_yields_to_approval():
    ceiling = rule("cost_ceiling", deny_above=5000, warn_above=1000)
    deny = evaluate([], [ceiling], monthly_cost=Decimal("5000.01")).findings
    assert deny[0].severity == "high" and deny[0].enforced
    warn = evaluate([], [ceiling], monthly_cost=Decimal("1200")).findings
    assert warn[0].severity == "low" and not warn[0].enforced
    assert evaluate([], [ceiling], monthly_cost=Decimal("999")).findings == []
    approved = evaluate([], [ceiling], monthly_cost=Decimal("9000"), approval_status="approved")
    assert approved.findings == []
    unpriced = evaluate([], [ceiling], monthly_cost=None)
    assert unpriced.skipped[0].reason == "The monthly cost could not be priced."


@pytest.mark.parametrize(
    "spec, field",
    [
        ({"kind": "nope"}, "policy_rules.kind"),
        ({"kind": "equals", "path": "x"}, "policy_rules.value"),
        ({"kind": "numeric_min", "path": "x", "min": "two"}, "policy_rules.min"),
        ({"kind": "regex", "path": "x", "pattern": "("}, "policy_rules.pattern"),
        ({"kind": "cost_ceiling", "deny_above": 100, "warn_above": 200}, "policy_rules.warn_above"),
        ({"kind": "required", "path": "x", "colour": "red"}, "policy_rules"),
        ({"kind": "cidr_open", "ports": [70000]}, "policy_rules.ports.0"),
        ({"kind": "required", "path": "x", "checkov_id": "AWS19"}, "policy_rules.checkov_id"),
        ("not an object", "policy_rules"),
    ],
)
def test_bad_rule_json_names_the_field(spec, field):
    with pytest.raises(RuleSpecError) as raised:
        compile_rule(spec, id="x", title="x", severity="low", category="c", enforcement="advisory")
    assert field in raised.value.fields, raised.value.fields


def test_environment_limited_rules_apply_only_in_those_environments():
    production_only = compile_rule(
        {"kind": "not_equals", "path": "publicly_accessible", "value": True,
         "environments": ["production"]},
        id="p", title="p", severity="critical", category="security", enforcement="hard-fail",
    )  # fmt: skip
    public = component(publicly_accessible=True)
    assert len(evaluate([public], [production_only], environment="production").findings) == 1
    assert evaluate([public], [production_only], environment="dev").findings == []
    assert evaluate([public], [production_only]).findings == []  # no environment named
