"""Governance and compliance: the original V007 tables (cost recommendations live in costing).

`governance_policies` hold guardrail policies with their enforcement level; `policy_violations`
are the findings, with the exemption (waiver) columns: who approved it, why, until when.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from apps.core.fields import project_fk, tenant_fk, user_fk
from apps.core.models import (
    NOT_DELETED,
    CreatedModel,
    SoftDeleteModel,
    TimestampedModel,
    choices_check,
    range_check,
)
from apps.guardrails.choices import (
    AssessmentStatus,
    AuditFrequency,
    DetectedBy,
    EnforcementLevel,
    FindingSeverity,
    FrameworkStatus,
    PatternApprovalStatus,
    PatternCategory,
    PatternStatus,
    PatternType,
    PolicySeverity,
    PolicyStatus,
    PolicyType,
    ViolationResourceType,
    ViolationStatus,
)


class GovernancePolicy(TimestampedModel, SoftDeleteModel):
    """A guardrail policy: rules (JSON) and how strictly they are enforced.

    `tenant` NULL marks a built-in policy that applies to every tenant.
    """

    tenant = tenant_fk(null=True)
    # Dharma's addition: the rule's stable id (sec-001, aws-s3-encryption …), unique per tenant
    # among live policies and among built-ins; findings, SARIF and JUnit name rules by it.
    code = models.CharField(max_length=100)
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    policy_type = models.CharField(max_length=50, choices=PolicyType.choices)
    category = models.CharField(max_length=50, blank=True)
    status = models.CharField(
        max_length=20, choices=PolicyStatus.choices, default=PolicyStatus.DRAFT
    )
    severity = models.CharField(max_length=20, choices=PolicySeverity.choices)
    enforcement_level = models.CharField(max_length=20, choices=EnforcementLevel.choices)
    policy_rules = models.JSONField()
    # NULL only for built-ins, which a migration installs (the original's NOT NULL had no user
    # to name); the CHECK below keeps tenants' policies attributed.
    created_by = user_fk(null=True)
    approved_by = user_fk(null=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    version = models.CharField(max_length=20, default="1.0")
    parent_policy = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="children",
        db_index=False,
    )  # fmt: skip
    effective_from = models.DateField()
    effective_until = models.DateField(null=True, blank=True)
    exemptions_allowed = models.BooleanField(default=False)
    exemption_approval_required = models.BooleanField(default=True)
    metadata = models.JSONField(default=dict, blank=True)

    class Meta:
        db_table = "governance_policies"
        ordering = ["name"]
        verbose_name_plural = "governance policies"
        constraints = [
            choices_check("status", PolicyStatus, "governance_policies_status_check"),
            choices_check("severity", PolicySeverity, "governance_policies_severity_check"),
            choices_check(
                "enforcement_level", EnforcementLevel, "governance_policies_enforcement_level_check"
            ),
            models.CheckConstraint(
                condition=Q(tenant__isnull=True) | Q(created_by__isnull=False),
                name="governance_policies_created_by_check",
            ),
            models.UniqueConstraint(
                fields=["tenant", "code"],
                condition=NOT_DELETED,
                name="governance_policies_tenant_code_key",
            ),
            models.UniqueConstraint(
                fields=["code"],
                condition=Q(tenant__isnull=True),
                name="governance_policies_builtin_code_key",
            ),
        ]
        indexes = [
            models.Index(fields=["tenant"], name="gov_policies_tenant_idx", condition=NOT_DELETED),
            models.Index(fields=["policy_type"], name="gov_policies_type_idx"),
            models.Index(fields=["category"], name="gov_policies_category_idx"),
            models.Index(fields=["status"], name="gov_policies_status_idx"),
            models.Index(fields=["created_by"], name="gov_policies_created_by_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """The rule JSON must compile (the admin validates through this)."""
        from django.core.exceptions import ValidationError

        from apps.guardrails.engine import RuleSpecError, compile_rule
        from apps.guardrails.selectors import rule_severity

        try:
            compile_rule(
                self.policy_rules,
                id=self.code,
                title=self.name,
                severity=rule_severity(self),
                category=self.category,
                enforcement=self.enforcement_level,
            )
        except RuleSpecError as exc:
            raise ValidationError(
                {
                    "policy_rules": [
                        f"{key}: {'; '.join(errors)}" for key, errors in exc.fields.items()
                    ]
                }
            ) from exc


class PolicyViolation(TimestampedModel):
    """A finding: a resource broke a policy. Exemption columns record a waiver and its expiry."""

    tenant = tenant_fk()
    policy = models.ForeignKey(
        GovernancePolicy, on_delete=models.PROTECT, related_name="violations", db_index=False
    )
    # Dharma's addition: the project of the blueprint found in violation, so project-scoped
    # grants (TA: guardrail override) reach the findings of their projects.
    project = project_fk(null=True, related_name="+")
    resource_type = models.CharField(max_length=50, choices=ViolationResourceType.choices)
    resource_id = models.UUIDField()
    resource_name = models.CharField(max_length=255, blank=True)
    severity = models.CharField(max_length=20, choices=FindingSeverity.choices)
    violation_type = models.CharField(max_length=50, blank=True)
    violation_details = models.TextField()
    violation_data = models.JSONField(default=dict, blank=True)
    detected_at = models.DateTimeField(default=timezone.now)
    detected_by = models.CharField(max_length=50, choices=DetectedBy.choices)
    status = models.CharField(
        max_length=20, choices=ViolationStatus.choices, default=ViolationStatus.OPEN
    )
    assigned_to = user_fk(null=True)
    remediation_plan = models.TextField(blank=True)
    remediated_at = models.DateTimeField(null=True, blank=True)
    remediation_notes = models.TextField(blank=True)
    exemption_requested = models.BooleanField(default=False)
    exemption_approved = models.BooleanField(default=False)
    exemption_approved_by = user_fk(null=True)
    exemption_reason = models.TextField(blank=True)
    exemption_expires_at = models.DateTimeField(null=True, blank=True)
    # Dharma's addition: a false positive is marked through the service (the guardrail
    # `override` right) and recorded with who, why and when; only a recorded mark waives.
    false_positive_by = user_fk(null=True)
    false_positive_reason = models.TextField(blank=True)
    false_positive_at = models.DateTimeField(null=True, blank=True)
    metadata = models.JSONField(default=dict, blank=True)

    class Meta:
        db_table = "policy_violations"
        ordering = ["-detected_at"]
        constraints = [choices_check("status", ViolationStatus, "policy_violations_status_check")]
        indexes = [
            models.Index(fields=["tenant"], name="violations_tenant_idx"),
            models.Index(fields=["policy"], name="violations_policy_idx"),
            models.Index(fields=["resource_type", "resource_id"], name="violations_resource_idx"),
            models.Index(fields=["severity"], name="violations_severity_idx"),
            models.Index(fields=["status"], name="violations_status_idx"),
            models.Index(fields=["-detected_at"], name="violations_detected_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.policy} on {self.resource_name or self.resource_id}"


class ArchitecturePattern(TimestampedModel, SoftDeleteModel):
    """An approved (or rejected: anti-pattern) architecture, with its definition and guides."""

    tenant = tenant_fk()
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    pattern_type = models.CharField(max_length=50, choices=PatternType.choices)
    category = models.CharField(max_length=50, choices=PatternCategory.choices, blank=True)
    status = models.CharField(
        max_length=20, choices=PatternStatus.choices, default=PatternStatus.DRAFT
    )
    pattern_definition = models.JSONField()
    implementation_guide = models.TextField(blank=True)
    best_practices = models.TextField(blank=True)
    documentation_url = models.URLField(max_length=500, blank=True)
    diagram_url = models.URLField(max_length=500, blank=True)
    example_implementations = models.JSONField(default=list, blank=True)
    created_by = user_fk()
    approved_by = user_fk(null=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    usage_count = models.IntegerField(default=0)
    last_used_at = models.DateTimeField(null=True, blank=True)
    metadata = models.JSONField(default=dict, blank=True)

    class Meta:
        db_table = "architecture_patterns"
        ordering = ["name"]
        constraints = [
            choices_check("status", PatternStatus, "architecture_patterns_status_check"),
            choices_check("pattern_type", PatternType, "architecture_patterns_pattern_type_check"),
        ]
        indexes = [
            models.Index(fields=["tenant"], name="patterns_tenant_idx", condition=NOT_DELETED),
            models.Index(fields=["pattern_type"], name="patterns_type_idx"),
            models.Index(fields=["category"], name="patterns_category_idx"),
            models.Index(fields=["status"], name="patterns_status_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class PatternApproval(TimestampedModel):
    """A request to approve an architecture pattern, and its review."""

    pattern = models.ForeignKey(
        ArchitecturePattern, on_delete=models.CASCADE, related_name="approvals", db_index=False
    )
    requested_by = user_fk()
    requested_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(
        max_length=20, choices=PatternApprovalStatus.choices, default=PatternApprovalStatus.PENDING
    )
    reviewed_by = user_fk(null=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    comments = models.TextField(blank=True)
    review_notes = models.TextField(blank=True)
    metadata = models.JSONField(default=dict, blank=True)

    tenant_path = "pattern__tenant"

    class Meta:
        db_table = "pattern_approvals"
        ordering = ["-requested_at"]
        constraints = [
            choices_check("status", PatternApprovalStatus, "pattern_approvals_status_check")
        ]
        indexes = [
            models.Index(fields=["pattern"], name="pattern_approvals_pattern_idx"),
            models.Index(fields=["status"], name="pattern_approvals_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.pattern} ({self.status})"


class ComplianceFramework(TimestampedModel):
    """SOC2, HIPAA, GDPR, PCI-DSS, ISO-27001 …, with its requirements and controls."""

    tenant = tenant_fk()
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    framework_version = models.CharField(max_length=50, blank=True)
    status = models.CharField(
        max_length=20, choices=FrameworkStatus.choices, default=FrameworkStatus.ACTIVE
    )
    requirements = models.JSONField()
    controls = models.JSONField(default=list, blank=True)
    applicable_to = models.JSONField(default=dict, blank=True)
    certification_required = models.BooleanField(default=False)
    certification_date = models.DateField(null=True, blank=True)
    certification_expiry = models.DateField(null=True, blank=True)
    certification_authority = models.CharField(max_length=255, blank=True)
    last_audit_date = models.DateField(null=True, blank=True)
    next_audit_date = models.DateField(null=True, blank=True)
    audit_frequency = models.CharField(max_length=20, choices=AuditFrequency.choices, blank=True)
    metadata = models.JSONField(default=dict, blank=True)

    class Meta:
        db_table = "compliance_frameworks"
        ordering = ["name"]
        constraints = [
            choices_check("status", FrameworkStatus, "compliance_frameworks_status_check")
        ]
        indexes = [
            models.Index(fields=["tenant"], name="frameworks_tenant_idx"),
            models.Index(fields=["status"], name="frameworks_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.framework_version}".strip()


class ComplianceAssessment(TimestampedModel):
    """One assessment of a tenant against a framework: control counts, score, findings."""

    tenant = tenant_fk()
    framework = models.ForeignKey(
        ComplianceFramework, on_delete=models.PROTECT, related_name="assessments", db_index=False
    )
    assessment_date = models.DateField()
    assessed_by = user_fk()
    scope = models.TextField()
    status = models.CharField(
        max_length=20, choices=AssessmentStatus.choices, default=AssessmentStatus.IN_PROGRESS
    )
    total_controls = models.IntegerField()
    compliant_controls = models.IntegerField(default=0)
    non_compliant_controls = models.IntegerField(default=0)
    not_applicable_controls = models.IntegerField(default=0)
    compliance_score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    findings = models.JSONField(default=list, blank=True)
    recommendations = models.JSONField(default=list, blank=True)
    remediation_plan = models.TextField(blank=True)
    remediation_deadline = models.DateField(null=True, blank=True)
    remediation_status = models.CharField(max_length=20, blank=True)
    metadata = models.JSONField(default=dict, blank=True)

    class Meta:
        db_table = "compliance_assessments"
        ordering = ["-assessment_date"]
        constraints = [
            choices_check("status", AssessmentStatus, "compliance_assessments_status_check")
        ]
        indexes = [
            models.Index(fields=["tenant"], name="assessments_tenant_idx"),
            models.Index(fields=["framework"], name="assessments_framework_idx"),
            models.Index(fields=["-assessment_date"], name="assessments_date_idx"),
            models.Index(fields=["status"], name="assessments_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.framework} on {self.assessment_date}"


__all__ = [
    "ArchitecturePattern",
    "ComplianceAssessment",
    "ComplianceFramework",
    "GovernancePolicy",
    "PatternApproval",
    "PolicyViolation",
]


class GuardrailEvaluation(CreatedModel):
    """Dharma's addition: one evaluation of a blueprint version against the policies in force,
    with its outcome and findings as they were (the history, trend, SARIF and JUnit reports)."""

    tenant = tenant_fk()
    project = project_fk(related_name="+")
    blueprint = models.ForeignKey(
        "blueprints.Blueprint", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    blueprint_version = models.ForeignKey(
        "blueprints.BlueprintVersion", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    environment = models.CharField(max_length=20, blank=True)
    passed = models.BooleanField()
    blocked = models.BooleanField()
    score = models.IntegerField()
    policies_evaluated = models.IntegerField()
    summary = models.JSONField()
    # Each finding names its rule; `rules` holds each rule's title, Checkov id, enforcement and
    # remediation once, as they were at the evaluation.
    findings = models.JSONField()
    rules = models.JSONField(default=dict)
    skipped = models.JSONField(default=list)
    monthly_cost = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    duration_ms = models.IntegerField()
    created_by = user_fk()

    class Meta:
        db_table = "guardrail_evaluations"
        ordering = ["-created_at"]
        constraints = [range_check("score", 0, 100, "guardrail_evaluations_score_check")]
        indexes = [
            models.Index(fields=["blueprint", "-created_at"], name="guardrail_evals_blueprint_idx"),
            models.Index(fields=["tenant"], name="guardrail_evals_tenant_idx"),
            models.Index(fields=["project"], name="guardrail_evals_project_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.blueprint_version_id}: {self.score}"
