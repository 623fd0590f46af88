from django.contrib import admin
from django.db import models

from apps.core.admin import AppendOnlyAdmin, DharmaModelAdmin
from apps.guardrails.models import (
    ArchitecturePattern,
    ComplianceAssessment,
    ComplianceFramework,
    GovernancePolicy,
    GuardrailEvaluation,
    PatternApproval,
    PolicyViolation,
)


@admin.register(GovernancePolicy)
class GovernancePolicyAdmin(DharmaModelAdmin):
    list_display = (
        "code",
        "name",
        "policy_type",
        "severity",
        "enforcement_level",
        "status",
        "tenant",
        "version",
    )
    list_filter = ("enforcement_level", "severity", "status", "policy_type")
    list_select_related = ("tenant",)
    search_fields = ("code", "name", "description", "category")
    date_hierarchy = "created_at"


@admin.register(PolicyViolation)
class PolicyViolationAdmin(DharmaModelAdmin):
    list_display = (
        "policy",
        "resource_type",
        "resource_name",
        "severity",
        "status",
        "detected_at",
        "exemption_expires_at",
    )
    list_filter = ("severity", "status", "resource_type", "detected_by", "exemption_approved")
    list_select_related = ("policy",)
    search_fields = ("resource_name", "violation_details", "policy__name")
    date_hierarchy = "detected_at"


@admin.register(ArchitecturePattern)
class ArchitecturePatternAdmin(DharmaModelAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ("name", "pattern_type", "category", "status", "usage_count", "updated_at")
    list_filter = ("pattern_type", "category", "status")
    search_fields = ("name", "description")
    date_hierarchy = "created_at"


@admin.register(PatternApproval)
class PatternApprovalAdmin(DharmaModelAdmin):
    list_display = ("pattern", "status", "requested_by", "requested_at", "reviewed_at")
    list_filter = ("status",)
    list_select_related = ("pattern", "requested_by")
    search_fields = ("pattern__name", "comments")
    date_hierarchy = "requested_at"


@admin.register(ComplianceFramework)
class ComplianceFrameworkAdmin(DharmaModelAdmin):
    list_display = (
        "name",
        "framework_version",
        "status",
        "certification_required",
        "next_audit_date",
    )
    list_filter = ("status", "certification_required", "audit_frequency")
    search_fields = ("name", "description")
    date_hierarchy = "created_at"


@admin.register(ComplianceAssessment)
class ComplianceAssessmentAdmin(DharmaModelAdmin):
    list_display = (
        "framework",
        "assessment_date",
        "status",
        "compliance_score",
        "total_controls",
        "assessed_by",
    )
    list_filter = ("status",)
    list_select_related = ("framework", "assessed_by")
    search_fields = ("framework__name", "scope")
    date_hierarchy = "assessment_date"


@admin.register(GuardrailEvaluation)
class GuardrailEvaluationAdmin(AppendOnlyAdmin):
    """Evaluations are made through the API (or the service); here they are reviewed."""

    list_display = (
        "blueprint",
        "blueprint_version",
        "score",
        "passed",
        "blocked",
        "policies_evaluated",
        "duration_ms",
        "created_at",
    )
    list_filter = ("passed", "blocked", "environment")
    list_select_related = ("blueprint", "blueprint_version")
    search_fields = ("blueprint__name",)
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False
