from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core.api.serializers import StrictModelSerializer, StrictSerializer
from apps.guardrails import selectors
from apps.guardrails.choices import EnforcementLevel, FindingSeverity
from apps.guardrails.models import GovernancePolicy, GuardrailEvaluation, PolicyViolation


class PolicySerializer(StrictModelSerializer):
    severity = serializers.ChoiceField(choices=FindingSeverity.choices)
    enforcement_level = serializers.ChoiceField(choices=EnforcementLevel.choices)
    policy_rules = serializers.JSONField()
    built_in = serializers.SerializerMethodField()
    created_by = serializers.UUIDField(source="created_by_id", read_only=True, allow_null=True)

    class Meta:
        model = GovernancePolicy
        fields = [
            "id", "code", "name", "description", "policy_type", "category", "status", "severity",
            "enforcement_level", "policy_rules", "exemptions_allowed", "effective_from",
            "effective_until", "version", "built_in", "created_by", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["id", "version", "built_in", "created_by", "created_at", "updated_at"]
        extra_kwargs = {
            "policy_type": {"required": False},
            "effective_from": {"required": False},
            "status": {"required": False},
        }
        validators: list = []

    def get_built_in(self, policy: GovernancePolicy) -> bool:
        return policy.tenant_id is None

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["severity"] = selectors.rule_severity(instance)
        return data


class EvaluationCreateSerializer(StrictSerializer):
    blueprint_version = serializers.UUIDField()
    environment = serializers.ChoiceField(
        choices=["", "dev", "staging", "production"], required=False, default=""
    )


class FindingSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    rule_id = serializers.CharField()
    policy_id = serializers.UUIDField()
    checkov_id = serializers.CharField(allow_null=True)
    title = serializers.CharField()
    severity = serializers.ChoiceField(choices=FindingSeverity.choices)
    category = serializers.CharField()
    enforcement = serializers.ChoiceField(choices=EnforcementLevel.choices)
    component = serializers.CharField(allow_null=True)
    message = serializers.CharField()
    remediation = serializers.CharField()
    blocking = serializers.BooleanField()
    waived = serializers.BooleanField()
    waived_by = serializers.CharField(allow_null=True)
    waiver_reason = serializers.CharField(allow_null=True)
    waiver_expires_at = serializers.DateTimeField(allow_null=True)


class EvaluationSerializer(serializers.ModelSerializer):
    blueprint = serializers.UUIDField(source="blueprint_id", read_only=True)
    blueprint_version = serializers.UUIDField(source="blueprint_version_id", read_only=True)
    version_number = serializers.IntegerField(source="blueprint_version.version_number")
    project = serializers.UUIDField(source="project_id", read_only=True)
    created_by = serializers.UUIDField(source="created_by_id", read_only=True)
    findings = serializers.SerializerMethodField()

    class Meta:
        model = GuardrailEvaluation
        fields = [
            "id", "blueprint", "blueprint_version", "version_number", "project", "environment",
            "passed", "blocked", "score", "policies_evaluated", "summary", "findings", "skipped",
            "monthly_cost", "duration_ms", "created_by", "created_at",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(FindingSerializer(many=True))
    def get_findings(self, evaluation: GuardrailEvaluation) -> list[dict]:
        """Each finding with its rule's details (kept once per rule in the evaluation)."""
        rules = evaluation.rules
        return [
            {
                "id": finding["id"],
                "rule_id": finding["rule_id"],
                "policy_id": rules[finding["rule_id"]]["policy_id"],
                "checkov_id": rules[finding["rule_id"]]["checkov_id"],
                "title": rules[finding["rule_id"]]["title"],
                "severity": finding["severity"],
                "category": rules[finding["rule_id"]]["category"],
                "enforcement": rules[finding["rule_id"]]["enforcement"],
                "component": finding["component"],
                "message": finding["message"],
                "remediation": rules[finding["rule_id"]]["remediation"],
                "blocking": finding["blocking"],
                "waived": finding["waived"],
                "waived_by": finding["waived_by"],
                "waiver_reason": finding["waiver_reason"],
                "waiver_expires_at": finding["waiver_expires_at"],
            }
            for finding in evaluation.findings
        ]


class EvaluationListSerializer(EvaluationSerializer):
    class Meta(EvaluationSerializer.Meta):
        fields = [
            name for name in EvaluationSerializer.Meta.fields if name not in {"findings", "skipped"}
        ]
        read_only_fields = fields


class FindingRowSerializer(serializers.ModelSerializer):
    """A finding as stored (policy_violations), with its waiver when it has one."""

    policy = serializers.UUIDField(source="policy_id", read_only=True)
    rule_id = serializers.CharField(source="policy.code", read_only=True)
    checkov_id = serializers.CharField(
        source="policy.policy_rules.checkov_id", read_only=True, default=None, allow_null=True
    )
    blueprint = serializers.UUIDField(source="resource_id", read_only=True)
    component = serializers.CharField(source="resource_name", read_only=True)
    project = serializers.UUIDField(source="project_id", read_only=True)
    waived_by = serializers.UUIDField(
        source="exemption_approved_by_id", read_only=True, allow_null=True
    )
    false_positive_by = serializers.UUIDField(
        source="false_positive_by_id", read_only=True, allow_null=True
    )

    class Meta:
        model = PolicyViolation
        fields = [
            "id", "policy", "rule_id", "checkov_id", "blueprint", "component", "project",
            "severity", "status", "violation_details", "remediation_plan", "detected_at",
            "remediated_at", "exemption_approved", "waived_by", "exemption_reason",
            "exemption_expires_at", "false_positive_by", "false_positive_reason",
            "false_positive_at",
        ]  # fmt: skip
        read_only_fields = fields


class WaiverSerializer(StrictSerializer):
    finding = serializers.UUIDField()
    reason = serializers.CharField(min_length=10, max_length=2000)
    expires_at = serializers.DateTimeField(allow_null=True, required=False, default=None)


class FalsePositiveSerializer(StrictSerializer):
    reason = serializers.CharField(min_length=10, max_length=2000)


class WaiverUpdateSerializer(StrictSerializer):
    reason = serializers.CharField(min_length=10, max_length=2000, required=False)
    expires_at = serializers.DateTimeField(allow_null=True, required=False)
