"""Governance and compliance: the original V007 tables (cost recommendations live in costing).

`governance_policies` hold guardrail policies with their enforcement level; `policy_violations`
are the findings, with the exemption (waiver) columns: who approved it, why, until when.
"""

from django.db import models
from django.utils import timezone

from apps.core.fields import tenant_fk, user_fk
from apps.core.models import NOT_DELETED, SoftDeleteModel, TimestampedModel, choices_check
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
    created_by = user_fk()
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


class PolicyViolation(TimestampedModel):
    """A finding: a resource broke a policy. Exemption columns record a waiver and its expiry."""

    tenant = tenant_fk()
    policy = models.ForeignKey(
        GovernancePolicy, on_delete=models.PROTECT, related_name="violations", db_index=False
    )
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
