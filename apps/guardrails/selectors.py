"""Reads: the policies in force for a tenant, compiled into engine rules; the findings of an
evaluation that stand now (waivers as they stand now), for the IaC and deployment gates."""

from django.db.models import Q
from django.utils import timezone

from apps.core.exceptions import DomainError
from apps.guardrails.engine import Rule, RuleSpecError, compile_rule
from apps.guardrails.engine.waivers import WAIVER_COLUMNS, row_waived_as
from apps.guardrails.models import GovernancePolicy, GuardrailEvaluation, PolicyViolation

SERIOUS = frozenset({"critical", "high"})

# The policy severity column (original: advisory, warning, error, critical) read back as a
# finding severity, for policies whose rule does not name one.
SEVERITY_OF_COLUMN = {
    "critical": "critical",
    "error": "high",
    "warning": "medium",
    "advisory": "low",
}

_compiled: dict[tuple[str, str], Rule] = {}  # (policy id, updated_at): rules are immutable


class InvalidPolicy(DomainError):
    code = "invalid_policy"


def policies_in_force(*, tenant_id) -> list[GovernancePolicy]:
    today = timezone.localdate()
    return list(
        GovernancePolicy.objects.filter(
            Q(tenant__isnull=True) | Q(tenant_id=tenant_id),
            status="active",
            deleted_at__isnull=True,
            effective_from__lte=today,
        )
        .filter(Q(effective_until__isnull=True) | Q(effective_until__gte=today))
        .order_by("code")
    )


def rule_severity(policy: GovernancePolicy) -> str:
    spec = policy.policy_rules if isinstance(policy.policy_rules, dict) else {}
    return spec.get("severity") or SEVERITY_OF_COLUMN.get(policy.severity, "medium")


def rule_of(policy: GovernancePolicy) -> Rule:
    key = (str(policy.pk), policy.updated_at.isoformat())
    rule = _compiled.get(key)
    if rule is None:
        rule = compile_rule(
            policy.policy_rules,
            id=policy.code,
            title=policy.name,
            severity=rule_severity(policy),
            category=policy.category or policy.policy_type,
            enforcement=policy.enforcement_level,
            policy_id=str(policy.pk),
        )
        if len(_compiled) > 10_000:
            _compiled.clear()
        _compiled[key] = rule
    return rule


def rules_of(policies: list[GovernancePolicy]) -> list[Rule]:
    """The engine rules of stored policies (every stored rule was validated when saved)."""
    return [rule_of(policy) for policy in policies]


def compile_policy_fields(fields: dict) -> Rule:
    """Validate a policy's rule JSON with its severity and enforcement level, as one rule."""
    try:
        return compile_rule(
            fields.get("policy_rules"),
            id=fields.get("code", ""),
            title=fields.get("name", ""),
            severity=(fields.get("policy_rules") or {}).get("severity", "medium")
            if isinstance(fields.get("policy_rules"), dict)
            else "medium",
            category=fields.get("category", ""),
            enforcement=fields.get("enforcement_level", "advisory"),
        )
    except RuleSpecError as exc:
        raise InvalidPolicy("The policy's rule is not valid.", fields=exc.fields) from exc


def standing_findings(evaluation: GuardrailEvaluation) -> list[dict]:
    """The evaluation's findings that refuse a generation or a deployment now: not waived now
    (`engine.waivers`, on the stored rows as they stand) and either blocking (soft-fail,
    hard-fail) or critical/high. A finding whose row is gone keeps the evaluation's verdict."""
    now = timezone.now()
    rows = {
        str(row["id"]): row
        for row in PolicyViolation.objects.filter(
            pk__in=[finding["id"] for finding in evaluation.findings]
        ).values("id", *WAIVER_COLUMNS)
    }
    standing = []
    for finding in evaluation.findings:
        rule = evaluation.rules.get(finding["rule_id"], {})
        enforcement = rule.get("enforcement", "advisory")
        row = rows.get(str(finding["id"]))
        if row is None:
            waived = bool(finding.get("waived"))
        else:
            waived = row_waived_as(row, enforcement=enforcement, now=now) is not None
        if waived:
            continue
        blocking = bool(finding.get("blocking")) or (
            bool(finding.get("waived")) and enforcement in {"soft-fail", "hard-fail"}
        )  # waived at evaluation time, no longer now: the finding blocks again
        if blocking or finding["severity"] in SERIOUS:
            standing.append(
                {
                    "id": finding["id"],
                    "rule_id": finding["rule_id"],
                    "title": rule.get("title", ""),
                    "severity": finding["severity"],
                    "enforcement": enforcement,
                    "component": finding.get("component"),
                    "message": finding["message"],
                    "blocking": blocking,
                }
            )
    return standing
