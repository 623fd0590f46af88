"""Guardrail evaluations, findings and waivers. Keyword-only, atomic; refusals are domain errors.

An evaluation runs the policies in force (built-ins and the tenant's) over a blueprint version's
components. Findings are kept in `policy_violations`, one row per (policy, blueprint, component)
for as long as the finding stands: a later evaluation that no longer finds it marks the row
remediated. A waiver is the row's exemption (who approved it, why, until when); an evaluation
applies only waivers that have not expired, and never to a hard-fail policy.

Enforcement: advisory findings are reported; an unwaived soft-fail finding blocks; a hard-fail
finding always blocks. `passed` = nothing blocks and no unwaived critical or high finding
stands. Score (the original's): round(100 − min(W, 10·N) / (10·N) · 100), W = 10·critical +
5·high + 2·medium + 1·low over unwaived findings, N = policies evaluated.
"""

import json
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from apps.accounts.models import User
from apps.blueprints.models import Blueprint, BlueprintVersion
from apps.core.exceptions import Conflict, DomainError
from apps.guardrails import selectors
from apps.guardrails.engine import EngineResult, Rule, evaluate
from apps.guardrails.engine.waivers import FALSE_POSITIVE, WAIVER, row_waived_as
from apps.guardrails.models import GovernancePolicy, GuardrailEvaluation, PolicyViolation
from apps.guardrails.pack import POLICY_SEVERITY

WEIGHTS = {"critical": 10, "high": 5, "medium": 2, "low": 1, "info": 0}
STANDING = ("open", "acknowledged", "exempted", "false-positive")
BATCH = 2000


class NotWaivable(DomainError):
    code = "not_waivable"


def score_of(weights: int, policies: int) -> int:
    if policies == 0:
        return 100
    ceiling = 10 * policies
    return round(100 - min(weights, ceiling) / ceiling * 100)


def _monthly_cost(components: list[dict], rules: list[Rule]) -> Decimal | None:
    """The cost ceiling's input, from the estimator named by `DHARMA_COST_ESTIMATOR` (the cost
    calculator; guardrails and costing are sibling apps, so the link is configuration)."""
    if not any(rule.kind == "cost_ceiling" for rule in rules):
        return None
    estimate = import_string(settings.DHARMA_COST_ESTIMATOR)(components)
    return estimate.monthly_total


@dataclass
class _Outcome:
    findings: list[dict]
    summary: dict
    passed: bool
    blocked: bool
    score: int


@transaction.atomic
def evaluation_create(
    *, user: User, version: BlueprintVersion, environment: str = ""
) -> GuardrailEvaluation:
    started = time.perf_counter()
    blueprint = (
        Blueprint.objects.select_related("project")
        .select_for_update(of=("self",))  # one evaluation of a blueprint at a time
        .get(pk=version.blueprint_id)
    )
    policies = selectors.policies_in_force(tenant_id=blueprint.project.tenant_id)
    rules = selectors.rules_of(policies)
    components = version.graph_json.get("components", [])
    monthly_cost = _monthly_cost(components, rules)
    approved = blueprint.lifecycle_state in {"approved", "deployed"}
    result = evaluate(
        components,
        rules,
        monthly_cost=monthly_cost,
        approval_status="approved" if approved else None,
        environment=environment or None,
    )
    outcome = _record_findings(
        blueprint=blueprint,
        version=version,
        result=result,
    )
    return GuardrailEvaluation.objects.create(
        tenant_id=blueprint.project.tenant_id,
        project=blueprint.project,
        blueprint=blueprint,
        blueprint_version=version,
        environment=environment,
        passed=outcome.passed,
        blocked=outcome.blocked,
        score=outcome.score,
        policies_evaluated=result.rules_evaluated,
        summary=outcome.summary,
        findings=outcome.findings,
        skipped=_skipped_summary(result),
        rules=_rules_summary(result),
        monthly_cost=monthly_cost,
        duration_ms=round((time.perf_counter() - started) * 1000),
        created_by=user,
    )


def _skipped_summary(result: EngineResult) -> list[dict]:
    """Checks that could not be made, grouped by rule and reason (with the first components)."""
    groups: dict[tuple[str, str], dict] = {}
    for item in result.skipped:
        group = groups.setdefault(
            (item.rule.id, item.reason),
            {"rule_id": item.rule.id, "reason": item.reason, "count": 0, "components": []},
        )
        group["count"] += 1
        if len(group["components"]) < 20:
            group["components"].append(item.component)
    return list(groups.values())


def _rules_summary(result: EngineResult) -> dict[str, dict]:
    return {
        finding.rule.id: {
            "policy_id": finding.rule.policy_id,
            "checkov_id": finding.rule.checkov_id,
            "title": finding.rule.title,
            "category": finding.rule.category,
            "enforcement": finding.rule.enforcement,
            "remediation": finding.rule.remediation,
        }
        for finding in result.findings
    }


_INSERT_COLUMNS = (
    "id", "created_at", "updated_at", "tenant_id", "policy_id", "project_id", "resource_type",
    "resource_id", "resource_name", "severity", "violation_type", "violation_details",
    "violation_data", "detected_at", "detected_by", "status", "remediation_plan",
    "remediation_notes", "exemption_requested", "exemption_approved", "exemption_reason",
    "false_positive_reason", "metadata",
)  # fmt: skip


def _insert(rows: list[tuple]) -> None:
    """New findings: COPY on PostgreSQL (tens of thousands of rows in a blink), else bulk."""
    if not rows:
        return
    if connection.vendor == "postgresql":
        columns = ", ".join(_INSERT_COLUMNS)
        copy_sql = f"COPY policy_violations ({columns}) FROM STDIN"
        with connection.cursor() as cursor, cursor.cursor.copy(copy_sql) as copy:
            for row in rows:
                copy.write_row(row)
        return
    PolicyViolation.objects.bulk_create(
        [
            PolicyViolation(
                **{
                    name: (json.loads(value) if name in {"violation_data", "metadata"} else value)
                    for name, value in zip(_INSERT_COLUMNS, row, strict=True)
                }
            )
            for row in rows
        ],
        batch_size=BATCH,
    )


def _update(rows: list[tuple], now: datetime) -> None:
    """Findings whose status, severity or message changed: (id, status, severity, details)."""
    if not rows:
        return
    if connection.vendor == "postgresql":
        from psycopg import sql

        with connection.cursor() as cursor:
            for start in range(0, len(rows), BATCH):
                batch = rows[start : start + BATCH]
                row_values = sql.SQL(", ").join([sql.SQL("(%s::uuid, %s, %s, %s)")] * len(batch))
                statement = sql.SQL(
                    "UPDATE policy_violations AS v SET status = u.status, severity = u.severity,"
                    " violation_details = u.details, remediated_at = NULL, updated_at = %s"
                    " FROM (VALUES {}) AS u (id, status, severity, details) WHERE v.id = u.id"
                ).format(row_values)
                cursor.execute(statement, [now, *[value for row in batch for value in row]])
        return
    PolicyViolation.objects.bulk_update(
        [
            PolicyViolation(
                id=pk,
                status=status,
                severity=severity,
                violation_details=details,
                remediated_at=None,
                updated_at=now,
            )
            for pk, status, severity, details in rows
        ],
        ["status", "severity", "violation_details", "remediated_at", "updated_at"],
        batch_size=BATCH,
    )


def _record_findings(
    *,
    blueprint: Blueprint,
    version: BlueprintVersion,
    result: EngineResult,
) -> _Outcome:
    """Upsert the findings into policy_violations, apply waivers, and summarise. Only rows
    that change are written: re-evaluating an unchanged version writes nothing but the
    evaluation."""
    now = timezone.now()
    tenant_id = blueprint.project.tenant_id
    standing = {
        (str(row["policy_id"]), row["resource_name"]): row
        for row in PolicyViolation.objects.filter(
            tenant_id=tenant_id,
            resource_type="blueprint",
            resource_id=blueprint.pk,
            status__in=STANDING,
        ).values(
            "id",
            "policy_id",
            "resource_name",
            "status",
            "severity",
            "violation_details",
            "exemption_approved",
            "exemption_expires_at",
            "exemption_reason",
            "exemption_approved_by__email",
            "false_positive_at",
        )
    }
    inserts: list[tuple] = []
    updates: list[tuple] = []
    findings = []
    summary = dict.fromkeys(WEIGHTS, 0)
    summary.update(total=0, waived=0, blocking=0, skipped=len(result.skipped))
    weights = 0
    blocked = serious = False
    for finding in result.findings:
        rule = finding.rule
        component = finding.component or ""
        row = standing.pop((str(rule.policy_id), component), None)
        how = None if row is None else row_waived_as(row, enforcement=rule.enforcement, now=now)
        waiver = how == WAIVER
        waived = how is not None
        status = "false-positive" if how == FALSE_POSITIVE else "exempted" if waiver else "open"
        if row is None:
            pk = uuid.uuid4()
            data = {"rule_id": rule.id, "checkov_id": rule.checkov_id, "component": component}
            inserts.append(
                (
                    pk,
                    now,
                    now,
                    tenant_id,
                    rule.policy_id,
                    blueprint.project_id,
                    "blueprint",
                    blueprint.pk,
                    component,
                    finding.severity,
                    rule.kind,
                    finding.message,
                    json.dumps({**data, **finding.data}),
                    now,
                    "automated-scan",
                    status,
                    rule.remediation,
                    "",
                    False,
                    False,
                    "",
                    "",
                    "{}",
                )
            )
        else:
            pk = row["id"]
            if (row["status"], row["severity"], row["violation_details"]) != (
                status,
                finding.severity,
                finding.message,
            ):
                updates.append((pk, status, finding.severity, finding.message))
        blocking = finding.enforced and not waived and rule.enforcement != "advisory"
        summary["total"] += 1
        summary[finding.severity] += 1
        if waived:
            summary["waived"] += 1
        else:
            weights += WEIGHTS[finding.severity]
            serious = serious or finding.severity in {"critical", "high"}
        if blocking:
            summary["blocking"] += 1
            blocked = True
        findings.append(
            {
                "id": str(pk),
                "rule_id": rule.id,
                "severity": finding.severity,
                "component": finding.component,
                "message": finding.message,
                "blocking": blocking,
                "waived": waived,
                "waived_by": row["exemption_approved_by__email"] if waiver and row else None,
                "waiver_reason": row["exemption_reason"] if waiver and row else None,
                "waiver_expires_at": (
                    row["exemption_expires_at"].isoformat()
                    if waiver and row and row["exemption_expires_at"]
                    else None
                ),
            }
        )
    _insert(inserts)
    _update(updates, now)
    gone = [row["id"] for row in standing.values()]  # no longer found
    for start in range(0, len(gone), BATCH):
        PolicyViolation.objects.filter(pk__in=gone[start : start + BATCH]).update(
            status="remediated", remediated_at=now, updated_at=now
        )
    return _Outcome(
        findings=findings,
        summary=summary,
        passed=not blocked and not serious,
        blocked=blocked,
        score=score_of(weights, result.rules_evaluated),
    )


@transaction.atomic
def waiver_grant(
    *, finding: PolicyViolation, user: User, reason: str, expires_at: datetime | None
) -> PolicyViolation:
    """Exempt a finding (a waiver): who approved it, why, until when."""
    finding = (
        PolicyViolation.objects.select_for_update().select_related("policy").get(pk=finding.pk)
    )
    policy = finding.policy
    if policy.enforcement_level == "hard-fail":
        raise NotWaivable(
            "Findings of a hard-fail policy cannot be waived.", fields={"finding": ["Hard-fail."]}
        )
    if not policy.exemptions_allowed:
        raise NotWaivable(
            "This policy does not allow exemptions.",
            fields={"finding": ["The policy allows no exemptions."]},
        )
    if finding.status in {"remediated", "false-positive"}:
        raise NotWaivable(
            f"The finding is {finding.status}: there is nothing to waive.",
            fields={"finding": [f"The finding is {finding.status}."]},
        )
    if expires_at is not None and expires_at <= timezone.now():
        raise DomainError(
            "A waiver must expire in the future.", fields={"expires_at": ["In the past."]}
        )
    finding.exemption_requested = True
    finding.exemption_approved = True
    finding.exemption_approved_by = user
    finding.exemption_reason = reason
    finding.exemption_expires_at = expires_at
    finding.status = "exempted"
    finding.save()
    return finding


@transaction.atomic
def waiver_revoke(*, finding: PolicyViolation) -> None:
    finding = PolicyViolation.objects.select_for_update().get(pk=finding.pk)
    if not finding.exemption_approved:
        raise DomainError(
            "The finding has no waiver to revoke.",
            code="not_waived",
            fields={"finding": ["Not waived."]},
        )
    finding.exemption_approved = False
    finding.exemption_approved_by = None
    finding.exemption_expires_at = None
    if finding.status == "exempted":
        finding.status = "open"
    finding.save()


@transaction.atomic
def finding_mark_false_positive(
    *, finding: PolicyViolation, user: User, reason: str
) -> PolicyViolation:
    """Record that a finding is a false positive: who, why, when. The caller checks the
    guardrail `override` right (the same as a waiver's); it is the one way a hard-fail finding
    stops blocking, so the reason is required."""
    finding = PolicyViolation.objects.select_for_update().get(pk=finding.pk)
    if not reason.strip():
        raise DomainError(
            "Say why the finding is a false positive.", fields={"reason": ["Required."]}
        )
    if finding.status in {"remediated", "false-positive"}:
        raise DomainError(
            f"The finding is {finding.status} already.",
            code="not_markable",
            fields={"finding": [f"The finding is {finding.status}."]},
        )
    finding.status = "false-positive"
    finding.false_positive_by = user
    finding.false_positive_reason = reason.strip()
    finding.false_positive_at = timezone.now()
    finding.save()
    return finding


@transaction.atomic
def finding_unmark_false_positive(*, finding: PolicyViolation) -> PolicyViolation:
    """Undo `finding_mark_false_positive`: the finding stands again (or stays waived when a
    waiver of it is still in force)."""
    finding = (
        PolicyViolation.objects.select_for_update().select_related("policy").get(pk=finding.pk)
    )
    if finding.status != "false-positive":
        raise DomainError(
            "The finding is not marked as a false positive.",
            code="not_false_positive",
            fields={"finding": [f"The finding is {finding.status}."]},
        )
    finding.false_positive_by = None
    finding.false_positive_reason = ""
    finding.false_positive_at = None
    waived = row_waived_as(
        finding, enforcement=finding.policy.enforcement_level, now=timezone.now()
    )
    finding.status = "exempted" if waived == WAIVER else "open"
    finding.save()
    return finding


def _with_severity(fields: dict, severity: str) -> dict:
    """The finding severity lives in the rule; the original's column gets its nearest value."""
    rules = fields.get("policy_rules")
    if isinstance(rules, dict):
        fields["policy_rules"] = {**rules, "severity": severity}
    fields["severity"] = POLICY_SEVERITY[severity]
    return fields


@transaction.atomic
def policy_create(*, user: User, severity: str, **fields) -> GovernancePolicy:
    fields = _with_severity(fields, severity)
    selectors.compile_policy_fields(fields)  # raises InvalidPolicy with the fields at fault
    if GovernancePolicy.objects.filter(
        tenant_id=user.tenant_id, code=fields["code"], deleted_at__isnull=True
    ).exists():
        raise Conflict("A policy with this code exists.", fields={"code": ["Already used."]})
    fields.setdefault("effective_from", timezone.localdate())
    fields.setdefault("status", "active")
    fields.setdefault("policy_type", fields.get("category") or "security")
    fields["exemptions_allowed"] = fields.get("enforcement_level") == "soft-fail" and fields.get(
        "exemptions_allowed", True
    )
    return GovernancePolicy.objects.create(tenant_id=user.tenant_id, created_by=user, **fields)


@transaction.atomic
def policy_update(*, policy: GovernancePolicy, **fields) -> GovernancePolicy:
    severity = fields.pop("severity", None) or selectors.rule_severity(policy)
    if "policy_rules" not in fields:
        fields["policy_rules"] = policy.policy_rules
    fields = _with_severity(fields, severity)
    merged = {
        "enforcement_level": policy.enforcement_level,
        "code": policy.code,
        "name": policy.name,
        "category": policy.category,
        **fields,
    }
    selectors.compile_policy_fields(merged)
    if "code" in fields and fields["code"] != policy.code:
        taken = GovernancePolicy.objects.filter(
            tenant=policy.tenant, code=fields["code"], deleted_at__isnull=True
        )
        if taken.exclude(pk=policy.pk).exists():
            raise Conflict("A policy with this code exists.", fields={"code": ["Already used."]})
    for key, value in fields.items():
        setattr(policy, key, value)
    if policy.enforcement_level == "hard-fail":
        policy.exemptions_allowed = False
    policy.save()
    return policy


@transaction.atomic
def policy_delete(*, policy: GovernancePolicy) -> None:
    policy.deleted_at = timezone.now()
    policy.save(update_fields=["deleted_at", "updated_at"])
