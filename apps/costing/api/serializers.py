import re
from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.blueprints.api.serializers import TenantProjectField
from apps.core.api.serializers import StrictModelSerializer, StrictSerializer
from apps.costing.choices import RecommendationStatus
from apps.costing.models import (
    BudgetAlert,
    BudgetAllocation,
    BudgetSpending,
    CostEstimate,
    CostOptimizationRecommendation,
)

_CURRENCY = re.compile(r"[A-Z]{3}")


# --- estimates ---------------------------------------------------------------------------------


class EstimateOptionsSerializer(StrictSerializer):
    include_support = serializers.BooleanField(default=False)
    include_network_egress = serializers.BooleanField(default=False)
    include_backup = serializers.BooleanField(default=False)


class CostEstimateCreateSerializer(StrictSerializer):
    blueprint_version = serializers.UUIDField()
    options = EstimateOptionsSerializer(required=False)


class TotalsSerializer(serializers.Serializer):
    hourly = serializers.DecimalField(max_digits=16, decimal_places=4)
    daily = serializers.DecimalField(max_digits=14, decimal_places=2)
    monthly = serializers.DecimalField(max_digits=14, decimal_places=2)
    yearly = serializers.DecimalField(max_digits=14, decimal_places=2)


class CostEstimateSerializer(serializers.ModelSerializer):
    project = serializers.UUIDField(source="project_id", read_only=True)
    blueprint = serializers.UUIDField(source="blueprint_version.blueprint_id", read_only=True)
    blueprint_version = serializers.UUIDField(source="blueprint_version_id", read_only=True)
    version_number = serializers.IntegerField(
        source="blueprint_version.version_number", read_only=True
    )
    totals = serializers.SerializerMethodField()
    created_by = serializers.UUIDField(source="created_by_id", read_only=True)

    class Meta:
        model = CostEstimate
        fields = [
            "id", "project", "blueprint", "blueprint_version", "version_number", "currency",
            "options", "totals", "breakdown", "created_by", "created_at",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(TotalsSerializer)
    def get_totals(self, estimate: CostEstimate) -> dict[str, str]:
        return {
            "hourly": str(estimate.hourly_total),
            "daily": str(estimate.daily_total),
            "monthly": str(estimate.monthly_total),
            "yearly": str(estimate.yearly_total),
        }


class CostEstimateDetailSerializer(CostEstimateSerializer):
    class Meta(CostEstimateSerializer.Meta):
        fields = [*CostEstimateSerializer.Meta.fields, "lines", "unpriced"]
        read_only_fields = fields


class CostDiffQuerySerializer(StrictSerializer):
    blueprint = serializers.UUIDField()
    to = serializers.IntegerField(min_value=1)
    include_support = serializers.BooleanField(default=False)
    include_network_egress = serializers.BooleanField(default=False)
    include_backup = serializers.BooleanField(default=False)

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.IntegerField(min_value=1)  # `from` is a Python keyword
        return fields


# --- budgets -----------------------------------------------------------------------------------


class BudgetAllocationSerializer(StrictModelSerializer):
    project = TenantProjectField()
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0.01"))
    fiscal_year = serializers.IntegerField(min_value=2000, max_value=2100)
    spent = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    utilization_percent = serializers.SerializerMethodField()
    allocated_by = serializers.UUIDField(source="allocated_by_id", read_only=True)

    class Meta:
        model = BudgetAllocation
        fields = [
            "id", "project", "category", "amount", "currency", "fiscal_year", "description",
            "effective_date", "expiry_date", "status", "metadata", "spent", "utilization_percent",
            "allocated_by", "allocated_at", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["id", "allocated_by", "allocated_at", "created_at", "updated_at"]

    @extend_schema_field(
        serializers.DecimalField(max_digits=7, decimal_places=1, allow_null=True, read_only=True)
    )
    def get_utilization_percent(self, allocation: BudgetAllocation) -> str | None:
        spent = getattr(allocation, "spent", None)
        if spent is None or not allocation.amount:
            return None
        return str(round(spent / allocation.amount * 100, 1))

    def validate_currency(self, value: str) -> str:
        if not _CURRENCY.fullmatch(value):
            raise serializers.ValidationError("A 3-letter upper-case ISO 4217 code.")
        return value

    def validate(self, attrs):
        instance = self.instance
        if instance is not None and "project" in attrs and attrs["project"] != instance.project:
            raise serializers.ValidationError({"project": ["An allocation cannot move."]})
        effective = attrs.get("effective_date", getattr(instance, "effective_date", None))
        expiry = attrs.get("expiry_date", getattr(instance, "expiry_date", None))
        if effective and expiry and expiry < effective:
            raise serializers.ValidationError(
                {"expiry_date": ["Must not be before effective_date."]}
            )
        return attrs


class BudgetSpendingCreateSerializer(StrictSerializer):
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0.01"))
    description = serializers.CharField(max_length=2000)
    spending_date = serializers.DateField()


class BudgetSpendingSerializer(serializers.ModelSerializer):
    allocation = serializers.UUIDField(source="allocation_id", read_only=True)
    recorded_by = serializers.UUIDField(source="recorded_by_id", read_only=True)

    class Meta:
        model = BudgetSpending
        fields = [
            "id", "allocation", "amount", "description", "spending_date", "recorded_by",
            "recorded_at",
        ]  # fmt: skip
        read_only_fields = fields


class BudgetAlertSerializer(serializers.ModelSerializer):
    project = serializers.UUIDField(source="project_id", read_only=True)
    trigger = serializers.SerializerMethodField()
    threshold_percent = serializers.SerializerMethodField()
    allocation = serializers.SerializerMethodField()
    acknowledged_by = serializers.UUIDField(
        source="acknowledged_by_id", read_only=True, allow_null=True
    )

    class Meta:
        model = BudgetAlert
        fields = [
            "id", "project", "allocation", "trigger", "threshold_percent", "severity", "category",
            "message", "current_spend", "threshold", "acknowledged", "acknowledged_by",
            "acknowledged_at", "resolved", "resolved_at", "created_at",
        ]  # fmt: skip
        read_only_fields = fields

    def _part(self, alert: BudgetAlert, index: int) -> str | None:
        parts = alert.category.split(":")
        return parts[index] if len(parts) == 3 else None

    def get_trigger(self, alert: BudgetAlert) -> str | None:
        """`spending` or `estimate` (see apps/costing/services.py)."""
        return self._part(alert, 0)

    @extend_schema_field(serializers.IntegerField(allow_null=True, read_only=True))
    def get_threshold_percent(self, alert: BudgetAlert) -> int | None:
        value = self._part(alert, 1)
        return int(value) if value and value.isdigit() else None

    @extend_schema_field(serializers.UUIDField(allow_null=True, read_only=True))
    def get_allocation(self, alert: BudgetAlert) -> str | None:
        return self._part(alert, 2)


# --- recommendations ---------------------------------------------------------------------------


class CostRecommendationCreateSerializer(StrictSerializer):
    blueprint_version = serializers.UUIDField()


class CostRecommendationSerializer(serializers.ModelSerializer):
    project = serializers.UUIDField(source="project_id", read_only=True, allow_null=True)
    implemented_by = serializers.UUIDField(
        source="implemented_by_id", read_only=True, allow_null=True
    )
    dismissed_by = serializers.UUIDField(source="dismissed_by_id", read_only=True, allow_null=True)

    class Meta:
        model = CostOptimizationRecommendation
        fields = [
            "id", "project", "recommendation_type", "resource_type", "resource_id",
            "current_cost", "projected_cost", "potential_savings", "savings_percentage",
            "priority", "recommendation_details", "implementation_effort", "status",
            "implemented_by", "implemented_at", "dismissed_by", "dismissed_at",
            "dismissal_reason", "metadata", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class CostRecommendationBatchSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    results = CostRecommendationSerializer(many=True)


class CostRecommendationStatusSerializer(StrictSerializer):
    status = serializers.ChoiceField(choices=RecommendationStatus.choices)
    dismissal_reason = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, default=""
    )
